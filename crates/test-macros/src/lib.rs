//! `#[test]` for the Terraform test beds (`tests/e2e`, `tests/reliability`), which run under
//! their own libtest-mimic runner (`harness = false`) so that a scenario needing a newer
//! Terraform is reported as ignored, by name, instead of passing.
//!
//! A test bed's crate root says `#[macro_use] extern crate visionone_test_macros;`, which puts
//! this `test` ahead of the standard one for every module: scenario files keep writing plain
//! `#[test]` (and `#[ignore = "why"]`) and drop in with one `mod` line. The attribute leaves the
//! function as it is and registers it with the harness (`crate::harness::Scenario`, collected by
//! `inventory`). Arguments:
//!
//! ```ignore
//! #[test(needs_terraform = "1.10")] // ephemeral resources: skipped on older Terraform
//! fn opens_and_closes() { ... }
//! ```
//!
//! No `syn`: the item is only scanned for its name and its `#[ignore]`.

use proc_macro::{Delimiter, Spacing, TokenStream, TokenTree};

#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args, item) {
        Ok(out) => out,
        Err(msg) => format!("compile_error!({msg:?});").parse().unwrap(),
    }
}

fn expand(args: TokenStream, item: TokenStream) -> Result<TokenStream, String> {
    let needs = needs_terraform(args)?;
    let mut kept = Vec::new();
    let mut ignore = None;
    let mut name = None;
    let mut tokens = item.into_iter().peekable();
    while let Some(t) = tokens.next() {
        // An outer attribute: `#` followed by a bracketed group.
        if let TokenTree::Punct(p) = &t {
            if p.as_char() == '#' && p.spacing() == Spacing::Alone {
                if let Some(TokenTree::Group(g)) = tokens.peek() {
                    if g.delimiter() == Delimiter::Bracket {
                        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                        match inner.first() {
                            Some(TokenTree::Ident(i)) if i.to_string() == "ignore" => {
                                ignore = Some(ignore_reason(&inner));
                                tokens.next();
                                continue;
                            }
                            Some(TokenTree::Ident(i)) if i.to_string() == "should_panic" => {
                                return Err(
                                    "#[should_panic] is not supported by the test bed: assert on the error instead"
                                        .into(),
                                );
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        if let TokenTree::Ident(i) = &t {
            if name.is_none() && i.to_string() == "fn" {
                if let Some(TokenTree::Ident(n)) = tokens.peek() {
                    name = Some(n.to_string());
                }
            }
        }
        kept.push(t);
    }
    let name = name.ok_or("#[test] goes on a function")?;
    let ignore = match ignore {
        Some(reason) => format!("::core::option::Option::Some({reason:?})"),
        None => "::core::option::Option::None".into(),
    };
    let needs = match needs {
        Some(v) => format!("::core::option::Option::Some({v:?})"),
        None => "::core::option::Option::None".into(),
    };
    let register = format!(
        "crate::harness::inventory::submit! {{ crate::harness::Scenario {{ \
           module: ::core::module_path!(), name: {name:?}, run: {name}, \
           ignore: {ignore}, needs_terraform: {needs} }} }}"
    );
    let mut out: TokenStream = kept.into_iter().collect();
    out.extend(register.parse::<TokenStream>().map_err(|e| e.to_string())?);
    Ok(out)
}

/// `needs_terraform = "1.10"`, or nothing.
fn needs_terraform(args: TokenStream) -> Result<Option<String>, String> {
    let args: Vec<TokenTree> = args.into_iter().collect();
    match args.as_slice() {
        [] => Ok(None),
        [TokenTree::Ident(k), TokenTree::Punct(eq), TokenTree::Literal(v)]
            if k.to_string() == "needs_terraform" && eq.as_char() == '=' =>
        {
            let v = v.to_string();
            let v = v.trim_matches('"');
            let ok = !v.is_empty() && v.split('.').all(|p| p.parse::<u32>().is_ok());
            if ok {
                Ok(Some(v.to_string()))
            } else {
                Err(format!("needs_terraform = {v:?}: expected a version like \"1.10\""))
            }
        }
        _ => Err("expected #[test] or #[test(needs_terraform = \"1.10\")]".into()),
    }
}

/// The reason of `ignore` or `ignore = "reason"`.
fn ignore_reason(inner: &[TokenTree]) -> String {
    match inner.get(2) {
        Some(TokenTree::Literal(l)) => l.to_string().trim_matches('"').to_string(),
        _ => String::new(),
    }
}
