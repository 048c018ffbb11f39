//! The lexer: pattern text to tokens, following the ANTLR lexer of `STIXPattern.g4` (2.1).
//!
//! ANTLR takes the longest match and, on a tie, the rule listed first; the hand-written scanner below gives
//! the same tokens for every input the parser can accept. Where ANTLR would fall back to a shorter token
//! that no parser rule accepts (a bare `'`, `+`, `-`, `/`, `^`, an identifier glued to a quote such as
//! `t'2024-13-01…'`), this lexer emits one [`TokenKind::Invalid`] token with a precise message instead:
//! the input is rejected either way, and the message is better. Whitespace (the grammar's Unicode set)
//! and `/* … */` and `// …` comments are skipped. Spans are byte offsets.

use std::ops::Range;

use crate::PatternError;

/// The kind of a token; its text is read back from the source through the span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    IntPos,
    IntNeg,
    FloatPos,
    FloatNeg,
    Hex,
    Binary,
    Str,
    Bool,
    Timestamp,
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
    IdentNoHyphen,
    IdentHyphen,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Colon,
    Dot,
    Comma,
    RParen,
    LParen,
    RBrack,
    LBrack,
    Asterisk,
    /// Anything no parser rule accepts; the lexer has already reported it.
    Invalid,
    Eof,
}

/// One token: its kind and byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Token {
    pub(crate) fn span(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Splits `text` into tokens, ending with one [`TokenKind::Eof`]; lexical errors go to `errors`.
pub(crate) fn tokenize(text: &str, errors: &mut Vec<PatternError>) -> Vec<Token> {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        errors,
    };
    let mut tokens = Vec::with_capacity(text.len() / 4 + 2);
    loop {
        lexer.skip_trivia();
        let start = lexer.pos;
        if start >= lexer.bytes.len() {
            let end = to_u32(start);
            tokens.push(Token {
                kind: TokenKind::Eof,
                start: end,
                end,
            });
            return tokens;
        }
        let kind = lexer.next_kind();
        tokens.push(Token {
            kind,
            start: to_u32(start),
            end: to_u32(lexer.pos),
        });
    }
}

/// Token kinds that are keywords, with their exact (uppercase) spelling.
pub(crate) const KEYWORDS: &[(&str, TokenKind)] = &[
    ("AND", TokenKind::And),
    ("OR", TokenKind::Or),
    ("NOT", TokenKind::Not),
    ("FOLLOWEDBY", TokenKind::FollowedBy),
    ("LIKE", TokenKind::Like),
    ("MATCHES", TokenKind::Matches),
    ("ISSUPERSET", TokenKind::IsSuperset),
    ("ISSUBSET", TokenKind::IsSubset),
    ("EXISTS", TokenKind::Exists),
    ("LAST", TokenKind::Last),
    ("IN", TokenKind::In),
    ("START", TokenKind::Start),
    ("STOP", TokenKind::Stop),
    ("SECONDS", TokenKind::Seconds),
    ("WITHIN", TokenKind::Within),
    ("REPEATS", TokenKind::Repeats),
    ("TIMES", TokenKind::Times),
    ("true", TokenKind::Bool),
    ("false", TokenKind::Bool),
];

/// Whether `word` would lex as a bare `IdentifierWithoutHyphen` (so a path step need not be quoted).
pub(crate) fn is_bare_identifier(word: &str) -> bool {
    let mut chars = word.bytes();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !KEYWORDS.iter().any(|(kw, _)| *kw == word)
}

fn to_u32(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

/// The grammar's `WS` set.
fn is_grammar_whitespace(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

struct Lexer<'t, 'e> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    errors: &'e mut Vec<PatternError>,
}

impl Lexer<'_, '_> {
    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    fn error(&mut self, start: usize, message: String) -> TokenKind {
        self.errors.push(PatternError::new(
            start..self.pos.max(start + 1).min(self.bytes.len()),
            message,
        ));
        TokenKind::Invalid
    }

    fn skip_trivia(&mut self) {
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return;
            };
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => self.pos += 1,
                b'/' if self.peek_at(1) == Some(b'*') => {
                    match self.text[self.pos + 2..].find("*/") {
                        Some(rel) => self.pos += 2 + rel + 2,
                        None => return, // Unterminated: lexed (and rejected) as `/`.
                    }
                }
                b'/' if self.peek_at(1) == Some(b'/') => {
                    let rest = &self.bytes[self.pos..];
                    let len = rest
                        .iter()
                        .position(|&c| c == b'\r' || c == b'\n')
                        .unwrap_or(rest.len());
                    self.pos += len;
                }
                b if b >= 0x80 => {
                    let c = self.text[self.pos..].chars().next().unwrap_or('\0');
                    if is_grammar_whitespace(c) {
                        self.pos += c.len_utf8();
                    } else {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    fn next_kind(&mut self) -> TokenKind {
        let start = self.pos;
        let b = self.bytes[start];
        self.pos += 1;
        match b {
            b'[' => TokenKind::LBrack,
            b']' => TokenKind::RBrack,
            b'(' => TokenKind::LParen,
            b')' => TokenKind::RParen,
            b':' => TokenKind::Colon,
            b',' => TokenKind::Comma,
            b'*' => TokenKind::Asterisk,
            b'=' => {
                if self.peek_at(0) == Some(b'=') {
                    self.pos += 1;
                }
                TokenKind::Eq
            }
            b'!' if self.peek_at(0) == Some(b'=') => {
                self.pos += 1;
                TokenKind::Neq
            }
            b'<' => match self.peek_at(0) {
                Some(b'>') => {
                    self.pos += 1;
                    TokenKind::Neq
                }
                Some(b'=') => {
                    self.pos += 1;
                    TokenKind::Le
                }
                _ => TokenKind::Lt,
            },
            b'>' => {
                if self.peek_at(0) == Some(b'=') {
                    self.pos += 1;
                    TokenKind::Ge
                } else {
                    TokenKind::Gt
                }
            }
            b'\'' => self.string(start),
            b'.' if self.peek_at(0).is_some_and(|c| c.is_ascii_digit()) => self.number(start, false),
            b'.' => TokenKind::Dot,
            b'0'..=b'9' => self.number(start, false),
            b'+' | b'-' => {
                let next = self.peek_at(0);
                let next2 = self.peek_at(1);
                let starts_number = next.is_some_and(|c| c.is_ascii_digit())
                    || (next == Some(b'.') && next2.is_some_and(|c| c.is_ascii_digit()));
                if starts_number {
                    self.number(start, b == b'-')
                } else {
                    self.error(start, format!("unexpected '{}'", b as char))
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.word(start),
            _ => {
                self.pos = start;
                let c = self.text[start..].chars().next().unwrap_or('\0');
                self.pos += c.len_utf8();
                self.error(start, format!("unexpected character {c:?}"))
            }
        }
    }

    /// A number after an optional sign (already consumed): `[0-9]* ('.' [0-9]+)?`.
    fn number(&mut self, start: usize, negative: bool) -> TokenKind {
        let int_start = if matches!(self.bytes[start], b'+' | b'-') {
            start + 1
        } else {
            start
        };
        self.pos = int_start;
        while self.peek_at(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let int_len = self.pos - int_start;
        if self.peek_at(0) == Some(b'.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            while self.peek_at(0).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            return if negative {
                TokenKind::FloatNeg
            } else {
                TokenKind::FloatPos
            };
        }
        if int_len > 1 && self.bytes[int_start] == b'0' {
            return self.error(start, "integer literal with a leading zero".to_owned());
        }
        if negative {
            TokenKind::IntNeg
        } else {
            TokenKind::IntPos
        }
    }

    /// A string literal after its opening quote: `( ~['\\] | '\\\'' | '\\\\' )* '\''`.
    fn string(&mut self, start: usize) -> TokenKind {
        loop {
            match self.peek_at(0) {
                None => {
                    return self.error(start, "unterminated string literal".to_owned());
                }
                Some(b'\'') => {
                    self.pos += 1;
                    return TokenKind::Str;
                }
                Some(b'\\') => match self.peek_at(1) {
                    Some(b'\'' | b'\\') => self.pos += 2,
                    _ => {
                        let escape_start = self.pos;
                        self.pos += 1;
                        let message = "invalid escape in string literal: only \\' and \\\\ are allowed";
                        self.errors
                            .push(PatternError::new(escape_start..self.pos + 1, message.to_owned()));
                        self.skip_rest_of_string();
                        return TokenKind::Invalid;
                    }
                },
                Some(_) => self.pos += 1,
            }
        }
    }

    /// After a bad escape: moves past the rest of the string so the error is reported once.
    fn skip_rest_of_string(&mut self) {
        while let Some(b) = self.peek_at(0) {
            self.pos += 1;
            match b {
                b'\\' if self.peek_at(0).is_some() => self.pos += 1,
                b'\'' => return,
                _ => {}
            }
        }
    }

    /// An identifier or keyword, or a `t'…'`, `h'…'`, `b'…'` literal.
    fn word(&mut self, start: usize) -> TokenKind {
        let mut has_hyphen = false;
        while let Some(c) = self.peek_at(0) {
            if c.is_ascii_alphanumeric() || c == b'_' {
                self.pos += 1;
            } else if c == b'-' {
                has_hyphen = true;
                self.pos += 1;
            } else {
                break;
            }
        }
        let word = &self.text[start..self.pos];
        if self.peek_at(0) == Some(b'\'') && matches!(word, "t" | "h" | "b") {
            return self.prefixed_literal(start, word.as_bytes()[0]);
        }
        if has_hyphen {
            return TokenKind::IdentHyphen;
        }
        KEYWORDS
            .iter()
            .find(|(kw, _)| *kw == word)
            .map_or(TokenKind::IdentNoHyphen, |&(_, kind)| kind)
    }

    fn prefixed_literal(&mut self, start: usize, prefix: u8) -> TokenKind {
        let body_start = self.pos + 1;
        let Some(rel_end) = self.bytes[body_start..].iter().position(|&c| c == b'\'') else {
            self.pos = self.bytes.len();
            return self.error(start, "unterminated literal".to_owned());
        };
        let body = &self.text[body_start..body_start + rel_end];
        self.pos = body_start + rel_end + 1;
        match prefix {
            b't' if crate::timestamp::is_valid_literal(body) => TokenKind::Timestamp,
            b't' => self.error(
                start,
                "invalid timestamp literal: expected t'YYYY-MM-DDTHH:MM:SS[.s]Z'".to_owned(),
            ),
            b'h' if body.len().is_multiple_of(2) && body.bytes().all(|c| c.is_ascii_hexdigit()) => {
                TokenKind::Hex
            }
            b'h' => self.error(
                start,
                "invalid hex literal: expected an even number of hex digits".to_owned(),
            ),
            _ if is_grammar_base64(body) => TokenKind::Binary,
            _ => self.error(start, "invalid binary literal: expected padded base64".to_owned()),
        }
    }
}

/// The grammar's `BinaryLiteral` body: groups of four base64 characters, the last one possibly padded
/// with one or two `=`, and at least one group.
fn is_grammar_base64(body: &str) -> bool {
    let b = body.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let is_b64 = |c: &u8| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/';
    let n_pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    n_pad <= 2 && b[..b.len() - n_pad].iter().all(is_b64)
}
