//! Bad input: every configuration under `corpus/` must fail `terraform plan` with exit 1 and an
//! error that points at the attribute its first line names (`# expect: <attribute>`), and
//! nothing may crash. Plans only: nothing may be created on the server either.

use crate::harness::{Emulator, Tf};
use crate::report::{crash_markers, Report};
use std::path::PathBuf;

/// `terraform {}` without a provider block: a corpus file may bring its own.
const TERRAFORM_BLOCK: &str =
    "terraform {\n  required_providers {\n    visionone = { source = \"visionone-iam/visionone\" }\n  }\n}\n";

/// One invalid configuration.
pub struct Case {
    pub name: String,
    pub expect: String,
    pub body: String,
}

/// Every `corpus/*.tf`, sorted by name.
pub fn corpus() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reliability/corpus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let body = std::fs::read_to_string(&p).unwrap();
            let expect = body
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# expect:"))
                .map(|a| a.trim().to_string())
                .unwrap_or_else(|| panic!("{} lacks its `# expect: <attribute>` line", p.display()));
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            Case { name, expect, body }
        })
        .collect()
}

/// The whole `main.tf` for a case: the provider block is added unless the case has its own.
fn main_tf(case: &Case) -> String {
    let provider = if case.body.contains("provider \"visionone\"") {
        ""
    } else {
        "provider \"visionone\" {}\n"
    };
    format!("{TERRAFORM_BLOCK}{provider}{}", case.body)
}

/// `attr = ...` at the start of a (trimmed) source line.
fn assigns(line: &str, attr: &str) -> bool {
    line.trim_start()
        .strip_prefix(attr)
        .is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// `attr` as a whole word (so `name` does not match `name_prefix`).
fn has_word(text: &str, attr: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(attr).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + attr.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The `Error:` blocks of Terraform's (uncoloured) output.
fn error_blocks(out: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in out.lines() {
        let t = line.trim_start_matches(['│', '╷', '╵', ' ']);
        if t.starts_with("Error: ") || t.starts_with("Warning: ") {
            blocks.extend(current.take());
            if t.starts_with("Error: ") {
                current = Some(String::new());
            }
        }
        if let Some(b) = current.as_mut() {
            b.push_str(t);
            b.push('\n');
        }
    }
    blocks.extend(current);
    blocks
}

/// Whether an error points at `attr`: when the case sets it, Terraform shows the source line
/// (`  12:   role = "x"`), which it does only for a diagnostic with that attribute's path;
/// otherwise (a missing argument) the error must name it.
pub fn points_at(out: &str, case: &Case) -> bool {
    let attr = case.expect.as_str();
    let set_in_file = case.body.lines().any(|l| assigns(l, attr));
    error_blocks(out).iter().any(|block| {
        if set_in_file {
            block.lines().any(|l| {
                l.trim_start().split_once(':').is_some_and(|(n, rest)| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && assigns(rest, attr)
                })
            })
        } else {
            has_word(block, attr)
        }
    })
}

#[test]
fn bad_input() {
    let emu = Emulator::start();
    let tf = Tf::new(&emu);
    let cases = corpus();
    let mut r = Report::new("bad_input");
    r.load = format!("{} invalid configurations", cases.len());
    r.inputs_tried = cases.len() as u64;
    r.check(cases.len() >= 40, || {
        format!("only {} configurations in the corpus (goal: 40)", cases.len())
    });
    for case in &cases {
        tf.write("main.tf", &main_tf(case));
        let o = tf.run(&["plan", "-input=false", "-no-color", "-lock=false"]);
        let all = o.all();
        r.check(o.code == 1, || {
            format!("{}: plan exited {} (expected 1):\n{all}", case.name, o.code)
        });
        r.check(points_at(&all, case), || {
            format!("{}: no error points at `{}`:\n{all}", case.name, case.expect)
        });
        let crashes = crash_markers(&all);
        r.check(crashes.is_empty(), || {
            format!("{}: crash markers {crashes:?} in:\n{all}", case.name)
        });
    }
    // A plan changes nothing on the server.
    let left = emu.keys().len() + emu.list("/iam/accounts").len() + emu.workload_keys().len();
    r.objects_lost = left as u64;
    r.check(left == 0, || format!("{left} objects were created by plans"));
    r.finish();
}

#[test]
fn points_at_reads_terraform_diagnostics() {
    let case = Case {
        name: "t".into(),
        expect: "name".into(),
        body: "resource \"x\" \"y\" {\n  name_prefix = \"a\"\n  name = \"\"\n}\n".into(),
    };
    let good = "Error: Empty name\n\n  with x.y,\n  on main.tf line 9, in resource \"x\" \"y\":\n   9:   name = \"\"\n\nmust not be empty\n";
    assert!(points_at(good, &case));
    let other_attr = good.replace("   9:   name = \"\"", "   8:   name_prefix = \"a\"");
    assert!(!points_at(&other_attr, &case));
    let only_warning = good.replace("Error:", "Warning:");
    assert!(!points_at(&only_warning, &case));
    let missing = Case {
        body: "resource \"x\" \"y\" {\n}\n".into(),
        ..case
    };
    assert!(points_at(
        "Error: Missing name\n\nSet `name` or `name_prefix`.\n",
        &missing
    ));
    assert!(!points_at("Error: Missing name_prefix\n", &missing));
}
