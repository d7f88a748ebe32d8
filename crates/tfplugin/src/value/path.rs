//! Error paths for the codecs: where in a value decoding or encoding failed.
//!
//! The path is built only while an error unwinds, so successful decoding pays nothing for it.
//! Messages name the expected type and the path, never the offending value (it may be a secret).

use std::fmt::Write;

use super::CodecError;

/// Nesting deeper than this is refused: it bounds recursion on hostile input.
pub(crate) const MAX_DEPTH: usize = 64;

/// One step into a value.
#[derive(Debug)]
pub(crate) enum Step {
    Attr(String),
    Key(String),
    Index(usize),
}

/// A codec failure on its way up: innermost step first.
#[derive(Debug)]
pub(crate) struct Fail {
    msg: String,
    steps: Vec<Step>,
}

pub(crate) type Res<T> = Result<T, Fail>;

impl Fail {
    pub(crate) fn new(msg: impl Into<String>) -> Fail {
        Fail {
            msg: msg.into(),
            steps: Vec::new(),
        }
    }

    /// The same failure, one step further out.
    pub(crate) fn with(mut self, step: Step) -> Fail {
        self.steps.push(step);
        self
    }

    /// The public error: `at .a[0]: bool is required`.
    pub(crate) fn into_error(self) -> CodecError {
        if self.steps.is_empty() {
            return CodecError(self.msg);
        }
        let mut path = String::new();
        for step in self.steps.iter().rev() {
            // Writing to a String cannot fail.
            let _ = match step {
                Step::Attr(a) => write!(path, ".{a}"),
                Step::Key(k) => write!(path, "[{k:?}]"),
                Step::Index(i) => write!(path, "[{i}]"),
            };
        }
        CodecError(format!("at {path}: {}", self.msg))
    }
}

/// Adds the step being processed to an error as it passes through.
pub(crate) trait At<T> {
    fn at(self, step: impl FnOnce() -> Step) -> Res<T>;
}

impl<T> At<T> for Res<T> {
    fn at(self, step: impl FnOnce() -> Step) -> Res<T> {
        self.map_err(|f| f.with(step()))
    }
}

/// Fails when `depth` passes [`MAX_DEPTH`].
pub(crate) fn check_depth(depth: usize) -> Res<()> {
    if depth > MAX_DEPTH {
        return Err(Fail::new(format!("value nested deeper than {MAX_DEPTH} levels")));
    }
    Ok(())
}
