//! Parser for the `TMV1-Filter` header: `field eq 'value'` joined by `and` / `or` / `not`, with
//! parentheses; keywords are case-insensitive and a quote inside a value is doubled (`'O''Brien'`).
//!
//! Precedence, loosest first: `or`, `and`, `not`. The parser is pure and bounded (nesting depth and
//! number of comparisons), so arbitrary input can neither panic nor overflow the stack, here or when
//! the resulting tree is evaluated or dropped.

use visionone_api::filter::Filter;

/// Deepest nesting of parentheses and `not` accepted.
const MAX_DEPTH: usize = 32;
/// Most `field eq 'value'` comparisons in one expression.
const MAX_TERMS: usize = 128;

/// Parse a filter expression. The error is a human message, sent back in a 400 answer.
pub fn parse(input: &str) -> Result<Filter, String> {
    let tokens = lex(input)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        terms: 0,
    };
    let f = p.or(0)?;
    match p.peek() {
        None => Ok(f),
        Some(t) => Err(format!("unexpected {} after the end of the expression", t.describe())),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Open,
    Close,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Ident(s) => format!("'{s}'"),
            Token::Str(_) => "a quoted value".to_string(),
            Token::Open => "'('".to_string(),
            Token::Close => "')'".to_string(),
        }
    }

    /// Whether this is the keyword `kw` (case-insensitive).
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self, Token::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
}

fn lex(input: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '\'' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err(format!("unterminated quoted value starting at offset {i}")),
                        Some((_, '\'')) => {
                            if matches!(chars.peek(), Some((_, '\''))) {
                                chars.next();
                                value.push('\'');
                            } else {
                                break;
                            }
                        }
                        Some((_, ch)) => value.push(ch),
                    }
                }
                out.push(Token::Str(value));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {
                let mut word = String::new();
                while let Some(&(_, ch)) = chars.peek() {
                    if ch.is_ascii_alphanumeric() || ch == '_' || ch == '.' {
                        word.push(ch);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Token::Ident(word));
            }
            other => return Err(format!("unexpected character {other:?} at offset {i}")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn or(&mut self, depth: usize) -> Result<Filter, String> {
        let mut left = self.and(depth)?;
        while self.peek().is_some_and(|t| t.is_kw("or")) {
            self.pos += 1;
            let right = self.and(depth)?;
            left = left.or(right);
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Filter, String> {
        let mut left = self.unary(depth)?;
        while self.peek().is_some_and(|t| t.is_kw("and")) {
            self.pos += 1;
            let right = self.unary(depth)?;
            left = left.and(right);
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, String> {
        if depth >= MAX_DEPTH {
            return Err(format!("expression nested deeper than {MAX_DEPTH} levels"));
        }
        if self.peek().is_some_and(|t| t.is_kw("not")) {
            self.pos += 1;
            return Ok(self.unary(depth + 1)?.not());
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Filter, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    Some(t) => Err(format!("expected ')' but found {}", t.describe())),
                    None => Err("missing ')'".to_string()),
                }
            }
            Some(Token::Ident(field)) => {
                if ["and", "or", "not", "eq"].iter().any(|k| field.eq_ignore_ascii_case(k)) {
                    return Err(format!("expected a field name but found the keyword '{field}'"));
                }
                match self.next() {
                    Some(t) if t.is_kw("eq") => {}
                    Some(t) => return Err(format!("expected 'eq' after '{field}' but found {}", t.describe())),
                    None => return Err(format!("expected 'eq' after '{field}'")),
                }
                let value = match self.next() {
                    Some(Token::Str(v)) => v,
                    Some(t) => {
                        return Err(format!(
                            "expected a quoted value after '{field} eq' but found {}",
                            t.describe()
                        ))
                    }
                    None => return Err(format!("expected a quoted value after '{field} eq'")),
                };
                self.terms += 1;
                if self.terms > MAX_TERMS {
                    return Err(format!("more than {MAX_TERMS} comparisons in one filter"));
                }
                Ok(Filter::Eq(field, value))
            }
            Some(t) => Err(format!("expected a comparison but found {}", t.describe())),
            None => Err("unexpected end of the expression".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(f: &str, v: &str) -> Filter {
        Filter::eq(f, v)
    }

    #[test]
    fn single_comparison() {
        assert_eq!(parse("name eq 'a'"), Ok(eq("name", "a")));
    }

    #[test]
    fn doubled_quotes_unescape() {
        assert_eq!(parse("name eq 'O''Brien'"), Ok(eq("name", "O'Brien")));
        assert_eq!(parse("name eq ''''"), Ok(eq("name", "'")));
        assert_eq!(parse("name eq ''"), Ok(eq("name", "")));
    }

    #[test]
    fn keywords_are_case_insensitive() {
        assert_eq!(
            parse("name EQ 'a' AND NOT status Eq 'disabled'"),
            Ok(eq("name", "a").and(eq("status", "disabled").not()))
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            parse("a eq '1' or b eq '2' and c eq '3'"),
            Ok(eq("a", "1").or(eq("b", "2").and(eq("c", "3"))))
        );
    }

    #[test]
    fn parentheses_override_precedence() {
        assert_eq!(
            parse("(a eq '1' or b eq '2') and c eq '3'"),
            Ok(eq("a", "1").or(eq("b", "2")).and(eq("c", "3")))
        );
    }

    #[test]
    fn keywords_inside_values_are_values() {
        assert_eq!(
            parse("name eq 'x and y or not (z)'"),
            Ok(eq("name", "x and y or not (z)"))
        );
    }

    #[test]
    fn round_trips_the_shared_display() {
        let f = eq("name", "O'Brien").and(eq("role", "SIEM").or(eq("status", "enabled")).not());
        assert_eq!(parse(&f.to_string()), Ok(f));
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "",
            "name",
            "name eq",
            "name eq a",
            "name ne 'a'",
            "name eq 'a",
            "(name eq 'a'",
            "name eq 'a')",
            "name eq 'a' and",
            "name eq 'a' name eq 'b'",
            "and eq 'a'",
            "name eq \"a\"",
            "name = 'a'",
            "not",
            "()",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn bounded_depth_and_size() {
        let deep = format!("{}a eq 'b'{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
        let nots = format!("{}a eq 'b'", "not ".repeat(100));
        assert!(parse(&nots).is_err());
        let long = vec!["a eq 'b'"; 1000].join(" and ");
        assert!(parse(&long).is_err());
        let ok = vec!["a eq 'b'"; 100].join(" or ");
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn random_token_soup_never_panics_and_round_trips() {
        use rand::{Rng, SeedableRng};
        let parts = [
            "name", " eq ", "'a'", "'O''B'", "''", " and ", " or ", "not ", "(", ")", "'", " ", "AND", "x.y", "é", "\t",
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let n = rng.random_range(0..12);
            let s: String = (0..n).map(|_| parts[rng.random_range(0..parts.len())]).collect();
            if let Ok(f) = parse(&s) {
                assert_eq!(parse(&f.to_string()), Ok(f), "{s:?}");
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: every prefix of a few tricky strings.
        let samples = [
            "(not (name eq 'O''B' or (id eq 'x'))) and status eq 'é'''",
            "'''(()))eq and or not 'é",
        ];
        for s in samples {
            for (i, _) in s.char_indices() {
                let _ = parse(&s[..i]);
                let _ = parse(&s[i..]);
            }
        }
    }
}
