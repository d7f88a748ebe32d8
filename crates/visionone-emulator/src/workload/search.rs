//! Search filters (contract §4): criteria ANDed, each one test on one field; string tests with
//! `%`/`_` wildcards **on by default**; `maxItems` default and maximum 5000; answers by `ID`.

use visionone_api::workload::{SearchCriteria, SearchFilter, MAX_SEARCH_ITEMS};

use super::error::WsError;

/// The type of a searchable field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Str,
    Bool,
    Num,
    /// Milliseconds since the epoch.
    Date,
}

/// A field's value on one object; `None` is null.
pub enum Val<'a> {
    Str(Option<&'a str>),
    Bool(Option<bool>),
    Num(Option<i64>),
}

impl Val<'_> {
    fn is_null(&self) -> bool {
        matches!(self, Val::Str(None) | Val::Bool(None) | Val::Num(None))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    Ne,
}

impl Op {
    fn parse(s: Option<&str>, what: &str) -> Result<Op, WsError> {
        Ok(match s.unwrap_or("equal") {
            "less-than" => Op::Lt,
            "less-than-or-equal" => Op::Le,
            "equal" => Op::Eq,
            "greater-than-or-equal" => Op::Ge,
            "greater-than" => Op::Gt,
            "not-equal" => Op::Ne,
            other => return Err(WsError::filter(format!("unknown {what}: {other}"))),
        })
    }

    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Eq => a == b,
            Op::Ge => a >= b,
            Op::Gt => a > b,
            Op::Ne => a != b,
        }
    }
}

/// One checked criterion.
#[derive(Debug, Clone)]
enum Test {
    Str {
        field: String,
        negate: bool,
        value: String,
        wildcards: bool,
    },
    Bool {
        field: String,
        value: bool,
    },
    Num {
        field: String,
        op: Op,
        value: f64,
    },
    Id {
        op: Op,
        value: i64,
    },
    Date {
        field: String,
        first: Option<(i64, bool)>,
        last: Option<(i64, bool)>,
    },
    Null {
        field: String,
        null: bool,
    },
}

/// A checked search: run it with [`Search::matches`], then [`Search::take`].
#[derive(Debug)]
pub struct Search {
    tests: Vec<Test>,
    max_items: usize,
}

impl Search {
    /// Check a filter against the fields of one collection. A missing body is an empty filter.
    pub fn compile(filter: Option<SearchFilter>, fields: &dyn Fn(&str) -> Option<Kind>) -> Result<Search, WsError> {
        let filter = filter.unwrap_or_default();
        let max_items = match filter.max_items {
            None => MAX_SEARCH_ITEMS as usize,
            Some(n) if (1..=i64::from(MAX_SEARCH_ITEMS)).contains(&n) => n as usize,
            Some(n) => {
                return Err(WsError::filter(format!(
                    "maxItems must be between 1 and {MAX_SEARCH_ITEMS}, not {n}"
                )))
            }
        };
        let tests = filter
            .search_criteria
            .iter()
            .map(|c| compile_one(c, fields))
            .collect::<Result<_, _>>()?;
        Ok(Search { tests, max_items })
    }

    /// Whether an object with this `id` and these field values passes every criterion.
    pub fn matches<'a>(&self, id: i64, get: &dyn Fn(&str) -> Val<'a>) -> bool {
        self.tests.iter().all(|t| match t {
            Test::Id { op, value } => op.holds(id as f64, *value as f64),
            Test::Str {
                field,
                negate,
                value,
                wildcards,
            } => {
                let hit = match get(field) {
                    Val::Str(Some(s)) if *wildcards => like(s, value),
                    Val::Str(Some(s)) => s == value,
                    _ => false,
                };
                hit != *negate
            }
            Test::Bool { field, value } => matches!(get(field), Val::Bool(Some(b)) if b == *value),
            Test::Num { field, op, value } => matches!(get(field), Val::Num(Some(n)) if op.holds(n as f64, *value)),
            Test::Date { field, first, last } => match get(field) {
                Val::Num(Some(t)) => {
                    first.is_none_or(|(f, incl)| if incl { t >= f } else { t > f })
                        && last.is_none_or(|(l, incl)| if incl { t <= l } else { t < l })
                }
                _ => false,
            },
            Test::Null { field, null } => get(field).is_null() == *null,
        })
    }

    /// The answers: sorted by id, at most `maxItems`.
    pub fn take<T>(&self, mut rows: Vec<(i64, T)>) -> Vec<T> {
        rows.sort_by_key(|(id, _)| *id);
        rows.into_iter().take(self.max_items).map(|(_, t)| t).collect()
    }
}

fn compile_one(c: &SearchCriteria, fields: &dyn Fn(&str) -> Option<Kind>) -> Result<Test, WsError> {
    let string = c.string_test.is_some() || c.string_value.is_some() || c.string_wildcards.is_some();
    let boolean = c.boolean_test.is_some();
    let numeric = c.numeric_test.is_some() || c.numeric_value.is_some();
    let id = c.id_test.is_some() || c.id_value.is_some();
    let date = c.first_date_value.is_some()
        || c.last_date_value.is_some()
        || c.first_date_inclusive.is_some()
        || c.last_date_inclusive.is_some();
    let null = c.null_test.is_some();
    let choice = c.choice_test.is_some() || c.choice_value.is_some();
    let kinds = [string, boolean, numeric, id, date, null, choice];
    if kinds.iter().filter(|k| **k).count() != 1 {
        return Err(WsError::filter(
            "each searchCriteria entry needs exactly one test (string, boolean, numeric, id, date, null)",
        ));
    }
    if id {
        if c.field_name.as_deref().is_some_and(|f| f != "ID") {
            return Err(WsError::filter("idTest applies to the ID, not to a fieldName"));
        }
        let value = c.id_value.ok_or_else(|| WsError::filter("idTest needs idValue"))?;
        return Ok(Test::Id {
            op: Op::parse(c.id_test.as_deref(), "idTest")?,
            value,
        });
    }
    let field = c
        .field_name
        .clone()
        .ok_or_else(|| WsError::filter("fieldName is required"))?;
    let kind = fields(&field).ok_or_else(|| WsError::filter(format!("unknown fieldName: {field}")))?;
    let wrong = |test: &str| WsError::filter(format!("{test} does not apply to fieldName {field}"));
    Ok(if string {
        if kind != Kind::Str {
            return Err(wrong("stringTest"));
        }
        let negate = match c.string_test.as_deref().unwrap_or("equal") {
            "equal" => false,
            "not-equal" => true,
            other => return Err(WsError::filter(format!("unknown stringTest: {other}"))),
        };
        Test::Str {
            negate,
            value: c
                .string_value
                .clone()
                .ok_or_else(|| WsError::filter("stringTest needs stringValue"))?,
            wildcards: c.string_wildcards.unwrap_or(true),
            field,
        }
    } else if boolean {
        if kind != Kind::Bool {
            return Err(wrong("booleanTest"));
        }
        Test::Bool {
            value: c.boolean_test.unwrap_or(true),
            field,
        }
    } else if numeric {
        if kind != Kind::Num {
            return Err(wrong("numericTest"));
        }
        Test::Num {
            op: Op::parse(c.numeric_test.as_deref(), "numericTest")?,
            value: c
                .numeric_value
                .ok_or_else(|| WsError::filter("numericTest needs numericValue"))?,
            field,
        }
    } else if date {
        if kind != Kind::Date {
            return Err(wrong("a date range"));
        }
        Test::Date {
            first: c.first_date_value.map(|v| (v, c.first_date_inclusive.unwrap_or(true))),
            last: c.last_date_value.map(|v| (v, c.last_date_inclusive.unwrap_or(true))),
            field,
        }
    } else if null {
        Test::Null {
            null: c.null_test.unwrap_or(true),
            field,
        }
    } else {
        return Err(wrong("choiceTest"));
    })
}

/// SQL-`LIKE`-style match: `%` is any run of characters, `_` exactly one; case-sensitive.
fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut ti, mut pi) = (0, 0);
    // Where the last `%` was, and the text position it currently stands for.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards() {
        assert!(like("Full Access", "Full Access"));
        assert!(like("Full Access", "Full%"));
        assert!(like("Full Access", "%Access"));
        assert!(like("Full Access", "F_ll%s"));
        assert!(like("", "%"));
        assert!(!like("Full Access", "Full"));
        assert!(!like("Auditor", "_"));
        assert!(like("a%b", "a%b"));
        assert!(like("abcbc", "%bc"));
        assert!(!like("abcbd", "%bc"));
    }

    fn fields(f: &str) -> Option<Kind> {
        match f {
            "name" => Some(Kind::Str),
            "active" => Some(Kind::Bool),
            "roleID" => Some(Kind::Num),
            "created" => Some(Kind::Date),
            _ => None,
        }
    }

    fn search(v: serde_json::Value) -> Result<Search, WsError> {
        Search::compile(Some(serde_json::from_value(v).unwrap()), &fields)
    }

    #[test]
    fn criteria_are_checked_then_anded() {
        let s = search(serde_json::json!({"searchCriteria": [
            {"fieldName": "name", "stringValue": "K%"},
            {"fieldName": "roleID", "numericTest": "greater-than", "numericValue": 1},
            {"idTest": "less-than", "idValue": 10}
        ]}))
        .unwrap();
        let get = |name: &'static str, role: i64| {
            move |f: &str| match f {
                "name" => Val::Str(Some(name)),
                _ => Val::Num(Some(role)),
            }
        };
        assert!(s.matches(5, &get("Key", 3)));
        assert!(!s.matches(5, &get("Key", 1)));
        assert!(!s.matches(5, &get("Other", 3)));
        assert!(!s.matches(10, &get("Key", 3)));
        for bad in [
            serde_json::json!({"searchCriteria": [{"fieldName": "nope", "stringValue": "x"}]}),
            serde_json::json!({"searchCriteria": [{"fieldName": "active", "stringValue": "x"}]}),
            serde_json::json!({"searchCriteria": [{"fieldName": "name"}]}),
            serde_json::json!({"searchCriteria": [{"fieldName": "name", "stringValue": "x", "booleanTest": true}]}),
            serde_json::json!({"maxItems": 5001}),
            serde_json::json!({"searchCriteria": [{"fieldName": "name", "stringTest": "like", "stringValue": "x"}]}),
        ] {
            let e = search(bad.clone()).unwrap_err();
            assert!(e.message.starts_with("Invalid SearchFilter: "), "{bad}: {e:?}");
        }
        assert!(
            search(serde_json::json!({"searchCriteria": [{"fieldName": "nope", "stringValue": "x"}]}))
                .unwrap_err()
                .message
                .ends_with("unknown fieldName: nope")
        );
    }

    #[test]
    fn take_sorts_by_id_and_caps() {
        let s = search(serde_json::json!({"maxItems": 2})).unwrap();
        assert_eq!(s.take(vec![(3, 'c'), (1, 'a'), (2, 'b')]), vec!['a', 'b']);
    }
}
