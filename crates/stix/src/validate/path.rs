//! `Path`: where in the document a check is looking, built on the stack and rendered only on error.
//!
//! Invariant: building a child path never allocates. A `Path` is a chain of borrowed links back to the root
//! string the caller gave; `render` walks it once and formats the JSONPath-like text (`$.objects[3].created`)
//! with the same quoting rules as `diagnostic::path_key`, so a valid object costs no string work at all.

use std::fmt::Write as _;

use crate::diagnostic::Diagnostic;

/// A JSON path as a chain of links from a root string.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Path<'a> {
    /// The path of the value being validated, as given by the caller (`$`, `$.objects[3]`).
    Root(&'a str),
    /// A member of an object.
    Key(&'a Path<'a>, &'a str),
    /// An item of a list.
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    /// The path of member `key` below this one.
    pub(crate) fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }

    /// The path of item `index` below this one.
    pub(crate) fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }

    /// The path as text.
    pub(crate) fn render(&self) -> String {
        let mut text = String::new();
        self.render_into(&mut text);
        text
    }

    fn render_into(&self, text: &mut String) {
        match self {
            Path::Root(root) => text.push_str(root),
            Path::Key(parent, key) => {
                parent.render_into(text);
                if !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    text.push('.');
                    text.push_str(key);
                } else {
                    let _ = write!(text, "[{}]", serde_json::Value::from(*key));
                }
            }
            Path::Index(parent, index) => {
                parent.render_into(text);
                let _ = write!(text, "[{index}]");
            }
        }
    }
}

/// Appends a diagnostic: the only place paths are rendered and messages stored.
pub(crate) fn report(
    out: &mut Vec<Diagnostic>,
    code: &'static str,
    path: &Path<'_>,
    message: impl Into<String>,
) {
    out.push(Diagnostic {
        code,
        path: path.render(),
        message: message.into(),
    });
}
