//! The comparison level of the parser: the inside of `[…]` (comparison expressions, property tests, object
//! paths and literals). The operator decides which literals may follow, as in the grammar: `LIKE`,
//! `MATCHES`, `ISSUBSET`, `ISSUPERSET` take a string; `<`, `<=`, `>`, `>=` anything but a boolean; `IN` a
//! parenthesised list (possibly empty) of non-list literals.

use super::literal;
use super::{ComparisonFacts, Parsed, Parser};
use crate::PatternError;
use crate::ast::{CompOp, Comparison, ComparisonExpr, Literal, ObjectPath, PathStep};
use crate::lexer::{Token, TokenKind};

impl Parser<'_> {
    pub(super) fn comparison_or(&mut self) -> Parsed<ComparisonExpr> {
        let mut left = self.comparison_and()?;
        while self.eat(TokenKind::Or) {
            let within_limit = self.count_operator();
            let right = self.comparison_and().filter(|_| within_limit)?;
            left = ComparisonExpr::Or(Box::new(left), Box::new(right));
        }
        Some(left)
    }

    fn comparison_and(&mut self) -> Parsed<ComparisonExpr> {
        let mut left = self.property_test()?;
        while self.eat(TokenKind::And) {
            let within_limit = self.count_operator();
            let right = self.property_test().filter(|_| within_limit)?;
            left = ComparisonExpr::And(Box::new(left), Box::new(right));
        }
        Some(left)
    }

    fn property_test(&mut self) -> Parsed<ComparisonExpr> {
        match self.peek() {
            TokenKind::LParen => {
                let open = self.bump();
                if !self.enter_group(open) {
                    return None;
                }
                let inner = self.comparison_or();
                self.nesting -= 1;
                let inner = inner?;
                if !self.eat(TokenKind::RParen) {
                    let message = format!(
                        "expected ')' to close the group opened at {} (or AND, OR)",
                        open.start
                    );
                    self.error_here(&message);
                    return None;
                }
                Some(inner)
            }
            TokenKind::Exists => {
                self.bump();
                Some(ComparisonExpr::Exists {
                    path: self.object_path()?,
                    negated: false,
                })
            }
            TokenKind::Not
                if self
                    .tokens
                    .get(self.idx + 1)
                    .is_some_and(|t| t.kind == TokenKind::Exists) =>
            {
                self.bump();
                self.bump();
                Some(ComparisonExpr::Exists {
                    path: self.object_path()?,
                    negated: true,
                })
            }
            _ => self.comparison(),
        }
    }

    fn comparison(&mut self) -> Parsed<ComparisonExpr> {
        let start = self.token().start as usize;
        let path = self.object_path()?;
        let negated = self.eat(TokenKind::Not);
        let op = match self.peek() {
            TokenKind::Eq => CompOp::Eq,
            TokenKind::Neq => CompOp::Neq,
            TokenKind::Lt => CompOp::Lt,
            TokenKind::Le => CompOp::Le,
            TokenKind::Gt => CompOp::Gt,
            TokenKind::Ge => CompOp::Ge,
            TokenKind::In => CompOp::In,
            TokenKind::Like => CompOp::Like,
            TokenKind::Matches => CompOp::Matches,
            TokenKind::IsSubset => CompOp::IsSubset,
            TokenKind::IsSuperset => CompOp::IsSuperset,
            _ => {
                let expected = if negated {
                    "expected a comparison operator after NOT"
                } else {
                    "expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, \
                     ISSUPERSET) after the object path"
                };
                self.error_here(expected);
                return None;
            }
        };
        self.bump();
        let literal_start = self.idx;
        let value = match op {
            CompOp::In => self.set_literal()?,
            CompOp::Eq | CompOp::Neq => {
                self.primitive_literal(true, "expected a literal after the operator")?
            }
            CompOp::Lt | CompOp::Le | CompOp::Gt | CompOp::Ge => self.primitive_literal(
                false,
                "expected a number, string, timestamp, hex or binary literal after the ordering operator",
            )?,
            CompOp::Like | CompOp::Matches | CompOp::IsSubset | CompOp::IsSuperset => {
                if self.peek() != TokenKind::Str {
                    let message = format!("expected a string literal after {}", op.as_str());
                    self.error_here(&message);
                    return None;
                }
                let token = self.bump();
                self.decode_literal(token)?
            }
        };
        let end = self.tokens[self.idx - 1].end as usize;
        self.facts.comparisons.push(ComparisonFacts {
            span: start..end,
            literal_tokens: literal_start..self.idx,
        });
        Some(ComparisonExpr::Comparison(Comparison {
            path,
            op,
            negated,
            value,
        }))
    }

    fn primitive_literal(&mut self, allow_bool: bool, expected: &str) -> Parsed<Literal> {
        let token = self.token();
        let ok = match token.kind {
            TokenKind::IntPos
            | TokenKind::IntNeg
            | TokenKind::FloatPos
            | TokenKind::FloatNeg
            | TokenKind::Str
            | TokenKind::Binary
            | TokenKind::Hex
            | TokenKind::Timestamp => true,
            TokenKind::Bool => allow_bool,
            _ => false,
        };
        if !ok {
            self.error_here(expected);
            return None;
        }
        self.bump();
        self.decode_literal(token)
    }

    fn decode_literal(&mut self, token: Token) -> Parsed<Literal> {
        let literal = literal::decode(self.token_text(token), token.kind);
        if literal.is_none() {
            self.errors
                .push(PatternError::new(token.span(), "literal out of range".to_owned()));
        }
        literal
    }

    fn set_literal(&mut self) -> Parsed<Literal> {
        if !self.eat(TokenKind::LParen) {
            self.error_here("expected '(' to start the IN list");
            return None;
        }
        let mut items = Vec::new();
        if self.eat(TokenKind::RParen) {
            return Some(Literal::List(items));
        }
        loop {
            items.push(self.primitive_literal(true, "expected a literal in the IN list")?);
            if self.eat(TokenKind::RParen) {
                return Some(Literal::List(items));
            }
            if !self.eat(TokenKind::Comma) {
                self.error_here("expected ',' or ')' in the IN list");
                return None;
            }
        }
    }

    fn object_path(&mut self) -> Parsed<ObjectPath> {
        let type_token = self.token();
        if !matches!(type_token.kind, TokenKind::IdentNoHyphen | TokenKind::IdentHyphen) {
            self.error_here("expected an object path (type:property)");
            return None;
        }
        self.bump();
        if !self.eat(TokenKind::Colon) {
            self.error_here("expected ':' after the object type");
            return None;
        }
        let mut steps = Vec::with_capacity(2);
        steps.push(PathStep::Key(self.key("expected a property name after ':'")?));
        loop {
            match self.peek() {
                TokenKind::Dot => {
                    self.bump();
                    steps.push(PathStep::Key(
                        self.key("expected a property name or a quoted key after '.'")?,
                    ));
                }
                TokenKind::LBrack => {
                    self.bump();
                    steps.push(self.index_step()?);
                }
                _ => break,
            }
        }
        Some(ObjectPath {
            object_type: self.token_text(type_token).to_owned(),
            steps,
        })
    }

    fn key(&mut self, expected: &str) -> Parsed<String> {
        let token = self.token();
        match token.kind {
            TokenKind::IdentNoHyphen => {
                self.bump();
                Some(self.token_text(token).to_owned())
            }
            TokenKind::Str => {
                self.bump();
                Some(literal::unescape_string(self.token_text(token)))
            }
            _ => {
                self.error_here(expected);
                None
            }
        }
    }

    fn index_step(&mut self) -> Parsed<PathStep> {
        let token = self.token();
        let step = match token.kind {
            TokenKind::Asterisk => PathStep::AnyIndex,
            TokenKind::IntPos | TokenKind::IntNeg => {
                let text = self.token_text(token);
                let saturated = if token.kind == TokenKind::IntNeg {
                    i64::MIN
                } else {
                    i64::MAX
                };
                let index = text.parse::<i64>().unwrap_or(saturated);
                if index < 0 || token.kind == TokenKind::IntNeg {
                    self.facts.negative_indexes.push(token.span());
                }
                PathStep::Index(index)
            }
            _ => {
                self.error_here("expected an integer or '*' as the list index");
                return None;
            }
        };
        self.bump();
        if !self.eat(TokenKind::RBrack) {
            self.error_here("expected ']' to close the list index");
            return None;
        }
        Some(step)
    }
}
