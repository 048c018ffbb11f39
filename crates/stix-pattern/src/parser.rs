//! The recursive-descent parser: tokens to [`Pattern`], collecting every syntax error it can find.
//!
//! Precedence follows `STIXPattern.g4`: at the observation level `()` > qualifiers > `AND` > `OR` >
//! `FOLLOWEDBY`; inside `[…]` `()` > `AND` > `OR`; every binary operator is left-associative. On an error
//! inside `[…]` the parser skips to the matching `]` and goes on, so one run reports one error per broken
//! observation. Besides the tree, the parser records [`SyntaxFacts`]: what the semantic pass (`check`)
//! needs that the tree deliberately forgets (spans, parenthesisation of qualifier chains, raw literal text).

mod comparison;
mod literal;

use std::ops::Range;

use crate::PatternError;
use crate::ast::{ObservationExpr, Pattern, Qualifier, QualifierKind};
use crate::lexer::{Token, TokenKind, tokenize};

/// Everything one parse produces.
#[derive(Debug)]
pub(crate) struct ParseOutput {
    /// The tree, when there was no syntax error.
    pub(crate) pattern: Option<Pattern>,
    /// Syntax errors, in source order.
    pub(crate) errors: Vec<PatternError>,
    /// Facts for the semantic pass.
    pub(crate) facts: SyntaxFacts,
    /// The tokens (the semantic pass reads raw literal text through them).
    pub(crate) tokens: Vec<Token>,
}

/// What the semantic pass needs beyond the tree.
#[derive(Debug, Default)]
pub(crate) struct SyntaxFacts {
    /// One entry per `ComparisonExpr::Comparison`, in source order (the tree's left-to-right order).
    pub(crate) comparisons: Vec<ComparisonFacts>,
    /// Qualifiers whose kind already appears in the same chain applied directly to a `[…]`.
    pub(crate) duplicate_qualifiers: Vec<(Range<usize>, QualifierKind)>,
    /// Spans of negative list indexes.
    pub(crate) negative_indexes: Vec<Range<usize>>,
}

/// Where one comparison is.
#[derive(Debug, Clone)]
pub(crate) struct ComparisonFacts {
    /// Byte span of the whole comparison.
    pub(crate) span: Range<usize>,
    /// Token indexes of its literal (for `IN`, from `(` to `)`).
    pub(crate) literal_tokens: Range<usize>,
}

/// Decodes base64 as the grammar's binary literals are decoded (padded; trailing bits ignored).
pub(crate) fn decode_base64_lenient(text: &str) -> Option<Vec<u8>> {
    literal::decode_base64(text)
}

/// Parses `text`.
pub(crate) fn parse_pattern(text: &str) -> ParseOutput {
    let mut errors = Vec::new();
    let tokens = tokenize(text, &mut errors);
    let mut parser = Parser {
        text,
        tokens: &tokens,
        idx: 0,
        errors,
        facts: SyntaxFacts::default(),
        nesting: 0,
        n_operators: 0,
    };
    let expression = parser.observation_expressions();
    if parser.errors.is_empty() && parser.peek() != TokenKind::Eof {
        parser.error_here("expected AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern");
    }
    let Parser {
        mut errors, facts, ..
    } = parser;
    errors.sort_by_key(|e| e.span.start);
    let pattern = match expression {
        Some(expression) if errors.is_empty() => Some(Pattern { expression }),
        _ => None,
    };
    ParseOutput {
        pattern,
        errors,
        facts,
        tokens,
    }
}

/// Deepest parenthesis nesting accepted (observation and comparison levels together). Deeper input is
/// rejected rather than risking the stack; the reference validator itself fails (RecursionError) near 250.
pub(crate) const MAX_NESTING: usize = 100;

/// Most binary operators plus qualifiers accepted in one pattern: the tree is binary, so this bounds its
/// depth for every recursive consumer. The reference validator fails (RecursionError) near 1,000.
pub(crate) const MAX_OPERATORS: usize = 1000;

struct Parser<'t> {
    text: &'t str,
    tokens: &'t [Token],
    idx: usize,
    errors: Vec<PatternError>,
    facts: SyntaxFacts,
    /// Parentheses currently open.
    nesting: usize,
    /// Binary operators and qualifiers seen so far.
    n_operators: usize,
}

/// A result whose error has already been reported.
type Parsed<T> = Option<T>;

impl<'t> Parser<'t> {
    fn token(&self) -> Token {
        self.tokens[self.idx.min(self.tokens.len() - 1)]
    }

    fn peek(&self) -> TokenKind {
        self.token().kind
    }

    fn bump(&mut self) -> Token {
        let token = self.token();
        if token.kind != TokenKind::Eof {
            self.idx += 1;
        }
        token
    }

    fn eat(&mut self, kind: TokenKind) -> bool {
        let found = self.peek() == kind;
        if found {
            self.bump();
        }
        found
    }

    fn token_text(&self, token: Token) -> &'t str {
        &self.text[token.span()]
    }

    /// Reports an error at the current token, unless the lexer already reported that token.
    fn error_here(&mut self, expected: &str) {
        let token = self.token();
        if token.kind == TokenKind::Invalid {
            return;
        }
        let found = match token.kind {
            TokenKind::Eof => "the end of the pattern".to_owned(),
            _ => {
                let text = self.token_text(token);
                let shown: String = text.chars().take(24).collect();
                let ellipsis = if shown.len() < text.len() { "…" } else { "" };
                format!("'{shown}{ellipsis}'")
            }
        };
        let hint = match token.kind {
            TokenKind::IdentNoHyphen if is_lowercase_keyword(self.token_text(token)) => {
                " (keywords are upper-case)"
            }
            _ => "",
        };
        let span = if token.kind == TokenKind::Eof {
            token.start as usize..token.start as usize
        } else {
            token.span()
        };
        self.errors.push(PatternError::new(
            span,
            format!("{expected}, found {found}{hint}"),
        ));
    }

    fn observation_expressions(&mut self) -> Parsed<ObservationExpr> {
        let mut left = self.observation_or();
        while self.eat(TokenKind::FollowedBy) {
            let within_limit = self.count_operator();
            let right = self.observation_or();
            left = combine(left.filter(|_| within_limit), right, ObservationExpr::FollowedBy);
        }
        left
    }

    fn observation_or(&mut self) -> Parsed<ObservationExpr> {
        let mut left = self.observation_and();
        while self.eat(TokenKind::Or) {
            let within_limit = self.count_operator();
            let right = self.observation_and();
            left = combine(left.filter(|_| within_limit), right, ObservationExpr::Or);
        }
        left
    }

    fn observation_and(&mut self) -> Parsed<ObservationExpr> {
        let mut left = self.observation_qualified();
        while self.eat(TokenKind::And) {
            let within_limit = self.count_operator();
            let right = self.observation_qualified();
            left = combine(left.filter(|_| within_limit), right, ObservationExpr::And);
        }
        left
    }

    /// An observation atom followed by any number of qualifiers.
    fn observation_qualified(&mut self) -> Parsed<ObservationExpr> {
        let is_simple = self.peek() == TokenKind::LBrack;
        let mut expr = self.observation_atom();
        let mut kinds_in_chain: Vec<QualifierKind> = Vec::new();
        while matches!(
            self.peek(),
            TokenKind::Within | TokenKind::Repeats | TokenKind::Start
        ) {
            let start = self.token().start as usize;
            let within_limit = self.count_operator();
            let qualifier = self.qualifier().filter(|_| within_limit);
            let end = self.tokens[self.idx.saturating_sub(1)].end as usize;
            if let Some(qualifier) = qualifier {
                let kind = qualifier.kind();
                if is_simple && kinds_in_chain.contains(&kind) {
                    self.facts.duplicate_qualifiers.push((start..end, kind));
                }
                kinds_in_chain.push(kind);
                expr = expr.map(|inner| ObservationExpr::Qualified(Box::new(inner), qualifier));
            } else {
                expr = None;
            }
        }
        expr
    }

    fn observation_atom(&mut self) -> Parsed<ObservationExpr> {
        match self.peek() {
            TokenKind::LBrack => {
                let open = self.bump();
                let comparison = self.comparison_or();
                if comparison.is_some() && !self.eat(TokenKind::RBrack) {
                    let message = format!(
                        "expected ']' to close the observation opened at {} (or AND, OR)",
                        open.start
                    );
                    self.error_here(&message);
                    self.skip_to_closing_bracket();
                    return None;
                }
                if comparison.is_none() {
                    self.skip_to_closing_bracket();
                }
                comparison.map(ObservationExpr::Observation)
            }
            TokenKind::LParen => {
                let open = self.bump();
                if !self.enter_group(open) {
                    return None;
                }
                let inner = self.observation_expressions();
                self.nesting -= 1;
                if inner.is_some() && !self.eat(TokenKind::RParen) {
                    let message = format!(
                        "expected ')' to close the group opened at {} (or AND, OR, FOLLOWEDBY, a qualifier)",
                        open.start
                    );
                    self.error_here(&message);
                    return None;
                }
                if inner.is_none() {
                    self.eat(TokenKind::RParen);
                }
                inner
            }
            _ => {
                self.error_here("expected '[' or '(' to start an observation expression");
                None
            }
        }
    }

    /// Counts one binary operator or qualifier; `false` (reported once) past [`MAX_OPERATORS`].
    fn count_operator(&mut self) -> bool {
        self.n_operators += 1;
        if self.n_operators == MAX_OPERATORS + 1 {
            let span = self.tokens[self.idx.saturating_sub(1)].span();
            let message = format!("pattern too large: more than {MAX_OPERATORS} operators and qualifiers");
            self.errors.push(PatternError::new(span, message));
        }
        self.n_operators <= MAX_OPERATORS
    }

    /// Enters a parenthesised group opened by `open`; `false` (reported) past [`MAX_NESTING`], in which
    /// case the caller returns without descending.
    fn enter_group(&mut self, open: Token) -> bool {
        if self.nesting >= MAX_NESTING {
            let message = format!("parentheses nested deeper than {MAX_NESTING} levels");
            self.errors.push(PatternError::new(open.span(), message));
            self.idx = self.tokens.len() - 1;
            return false;
        }
        self.nesting += 1;
        true
    }

    /// Error recovery inside `[…]`: moves past the `]` that closes the current observation.
    fn skip_to_closing_bracket(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                TokenKind::Eof => return,
                TokenKind::LBrack => depth += 1,
                TokenKind::RBrack if depth == 0 => {
                    self.bump();
                    return;
                }
                TokenKind::RBrack => depth -= 1,
                _ => {}
            }
            self.bump();
        }
    }

    fn qualifier(&mut self) -> Parsed<Qualifier> {
        match self.bump().kind {
            TokenKind::Within => {
                let token = self.token();
                if !matches!(token.kind, TokenKind::IntPos | TokenKind::FloatPos) {
                    self.error_here("expected a non-negative number of seconds after WITHIN");
                    return None;
                }
                self.bump();
                let seconds = literal::saturating_float(self.token_text(token));
                if !self.eat(TokenKind::Seconds) {
                    self.error_here("expected SECONDS after the WITHIN duration (the only unit)");
                    return None;
                }
                Some(Qualifier::Within(seconds))
            }
            TokenKind::Repeats => {
                let token = self.token();
                if token.kind != TokenKind::IntPos {
                    self.error_here("expected a non-negative integer after REPEATS");
                    return None;
                }
                self.bump();
                let count = self.token_text(token).parse::<u64>().unwrap_or(u64::MAX);
                if !self.eat(TokenKind::Times) {
                    self.error_here("expected TIMES after the REPEATS count");
                    return None;
                }
                Some(Qualifier::Repeats(count))
            }
            _ => {
                let start = self.timestamp("expected a timestamp t'…Z' after START")?;
                if !self.eat(TokenKind::Stop) {
                    self.error_here("expected STOP after the START timestamp");
                    return None;
                }
                let stop = self.timestamp("expected a timestamp t'…Z' after STOP")?;
                Some(Qualifier::StartStop { start, stop })
            }
        }
    }

    fn timestamp(&mut self, expected: &str) -> Parsed<crate::ast::Timestamp> {
        if self.peek() != TokenKind::Timestamp {
            self.error_here(expected);
            return None;
        }
        let token = self.bump();
        literal::timestamp(self.token_text(token))
    }
}

fn is_lowercase_keyword(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    word != upper
        && crate::lexer::KEYWORDS
            .iter()
            .any(|(keyword, _)| *keyword == upper)
}

fn combine(
    left: Parsed<ObservationExpr>,
    right: Parsed<ObservationExpr>,
    make: fn(Box<ObservationExpr>, Box<ObservationExpr>) -> ObservationExpr,
) -> Parsed<ObservationExpr> {
    Some(make(Box::new(left?), Box::new(right?)))
}
