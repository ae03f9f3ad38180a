//! One recursive-descent parser for DynamoDB's expression grammar.
//!
//! ```text
//! condition  ::= or
//! or         ::= and { OR and }
//! and        ::= not { AND not }
//! not        ::= NOT not | primary
//! primary    ::= ( condition )
//!              | attribute_exists(path) | attribute_not_exists(path) | attribute_type(path, :t)
//!              | begins_with(operand, operand) | contains(operand, operand)
//!              | operand comparator operand | operand BETWEEN operand AND operand
//!              | operand IN ( operand {, operand} )
//! operand    ::= path | :value | size(path)
//! path       ::= name { .name | [index] }        name ::= identifier | #placeholder
//! update     ::= { SET action {, action} | REMOVE path {, path}
//!                | ADD path :value {, path :value} | DELETE path :value {, path :value} }
//! action     ::= path = value
//! value      ::= term [ (+ | -) term ]
//! term       ::= path | :value | ( value ) | if_not_exists(path, value) | list_append(value, value)
//! projection ::= path {, path}
//! ```
//!
//! Syntax errors stop the parse at once. Semantic errors (reserved words, undefined placeholders,
//! misused functions, operand types) are remembered and reported once the whole text has parsed,
//! the order DynamoDB reports them in. Nesting is bounded so adversarial input cannot exhaust the
//! stack.

use super::ast::{
    describe_value, Comparator, Cond, Operand, Path, PathElem, SetValue, UpdateAction, TYPE_NAMES,
};
use super::eval::compare_scalars;
use super::lexer::{tokenize, Tok, Token};
use super::reserved::is_reserved;
use super::Context;
use crate::error::{Error, Result};
use crate::value::Value;

/// Deepest nesting of parentheses, NOT and function calls the parser accepts.
pub const MAX_NESTING: usize = 100;
/// DynamoDB's limit on the length of one expression string.
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// DynamoDB's limit on document path depth.
pub const MAX_PATH_DEPTH: usize = 32;
/// DynamoDB's limit on the operands of IN.
pub const MAX_IN_OPERANDS: usize = 100;

/// Words of the grammar itself: never an attribute name, even where a name is expected.
const GRAMMAR_WORDS: [&str; 9] = [
    "AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE",
];

const CONDITION_FUNCTIONS: [&str; 6] = [
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "size",
];
const UPDATE_FUNCTIONS: [&str; 2] = ["if_not_exists", "list_append"];

pub(crate) struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    ctx: &'a Context,
    kind: &'a str,
    deferred: Option<Error>,
    depth: usize,
    /// Token indexes of the parentheses around parenthesised conditions, to spot `((...))`.
    parens: Vec<(usize, usize)>,
}

/// Long DynamoDB type names used by the ADD / DELETE operand messages.
fn long_type_name(v: &Value) -> &'static str {
    match v {
        Value::S(_) => "STRING",
        Value::N(_) => "NUMBER",
        Value::B(_) => "BINARY",
        Value::Ss(_) => "STRING_SET",
        Value::Ns(_) => "NUMBER_SET",
        Value::Bs(_) => "BINARY_SET",
        Value::M(_) => "MAP",
        Value::L(_) => "LIST",
        Value::Null => "NULL",
        Value::Bool(_) => "BOOLEAN",
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::S(_) | Value::N(_) | Value::B(_))
}

impl<'a> Parser<'a> {
    /// Checks the expression's length and emptiness and tokenizes it.
    pub fn new(src: &'a str, ctx: &'a Context, kind: &'a str) -> Result<Parser<'a>> {
        ctx.note_parsed();
        let p = Parser {
            src,
            toks: Vec::new(),
            pos: 0,
            ctx,
            kind,
            deferred: None,
            depth: 0,
            parens: Vec::new(),
        };
        if src.len() > MAX_EXPRESSION_BYTES {
            return Err(p.err(format!(
                "Expression size has exceeded the maximum allowed size; expression size: {}",
                src.len()
            )));
        }
        let toks = tokenize(src);
        if toks.len() == 1 {
            return Err(p.err("The expression can not be empty;"));
        }
        Ok(Parser { toks, ..p })
    }

    // ----- plumbing -----

    pub fn err(&self, message: impl AsRef<str>) -> Error {
        Error::validation(format!("Invalid {}: {}", self.kind, message.as_ref()))
    }

    /// Remembers the first semantic error; the parse goes on to find syntax errors first.
    fn semantic(&mut self, message: impl AsRef<str>) {
        if self.deferred.is_none() {
            self.deferred = Some(self.err(message));
        }
    }

    fn peek(&self) -> Token {
        self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn peek_kind(&self) -> Tok {
        self.peek().kind
    }

    fn peek_next_kind(&self) -> Tok {
        self.toks[(self.pos + 1).min(self.toks.len() - 1)].kind
    }

    fn text(&self, t: Token) -> &'a str {
        t.text(self.src)
    }

    fn at_keyword(&self, word: &str) -> bool {
        let t = self.peek();
        t.kind == Tok::Ident && self.text(t).eq_ignore_ascii_case(word)
    }

    fn syntax_error(&self) -> Error {
        let i = self.pos.min(self.toks.len() - 1);
        let tok = self.toks[i];
        let start = if i > 0 {
            self.toks[i - 1].start
        } else {
            tok.start
        };
        let end = match self.toks.get(i + 1) {
            Some(next) if next.kind != Tok::Eof => next.end,
            _ => tok.end,
        };
        self.err(format!(
            "Syntax error; token: \"{}\", near: \"{}\"",
            self.text(tok),
            &self.src[start..end]
        ))
    }

    fn expect(&mut self, kind: Tok) -> Result<Token> {
        let t = self.peek();
        if t.kind != kind {
            return Err(self.syntax_error());
        }
        self.pos += 1;
        Ok(t)
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err(format!(
                "The expression has too many nested levels; maximum: {MAX_NESTING}"
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Ends a parse: the text must be used up, then any semantic error is reported.
    pub fn finish(&mut self) -> Result<()> {
        if self.peek_kind() != Tok::Eof {
            return Err(self.syntax_error());
        }
        match self.deferred.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    // ----- paths and placeholders -----

    fn path_name(&mut self) -> Result<String> {
        let t = self.peek();
        let text = self.text(t);
        match t.kind {
            Tok::Ident => {
                if GRAMMAR_WORDS.iter().any(|w| w.eq_ignore_ascii_case(text)) {
                    return Err(self.syntax_error());
                }
                if is_reserved(text) {
                    self.semantic(format!(
                        "Attribute name is a reserved keyword; reserved keyword: {text}"
                    ));
                }
                self.pos += 1;
                Ok(text.to_owned())
            }
            Tok::NamePh => {
                self.pos += 1;
                match self.ctx.name(text) {
                    Some(name) => Ok(name),
                    None => {
                        self.semantic(format!(
                            "An expression attribute name used in the document path is not defined; attribute name: {text}"
                        ));
                        Ok(text.to_owned())
                    }
                }
            }
            _ => Err(self.syntax_error()),
        }
    }

    pub fn path(&mut self) -> Result<Path> {
        let mut elems = vec![PathElem::Name(self.path_name()?)];
        loop {
            match self.peek_kind() {
                Tok::Dot => {
                    self.pos += 1;
                    elems.push(PathElem::Name(self.path_name()?));
                }
                Tok::LBracket => {
                    self.pos += 1;
                    let t = self.peek();
                    if t.kind != Tok::Number {
                        return Err(self.syntax_error());
                    }
                    let Ok(index) = self.text(t).parse::<u32>() else {
                        return Err(self.syntax_error());
                    };
                    self.pos += 1;
                    self.expect(Tok::RBracket)?;
                    elems.push(PathElem::Index(index as usize));
                }
                _ => break,
            }
        }
        if elems.len() > MAX_PATH_DEPTH {
            self.semantic(format!(
                "The document path has too many nesting levels; nesting levels: {}",
                elems.len()
            ));
        }
        Ok(Path(elems))
    }

    fn value_placeholder(&mut self) -> Value {
        let t = self.peek();
        self.pos += 1;
        let text = self.text(t);
        match self.ctx.value(text) {
            Some(v) => v,
            None => {
                self.semantic(format!(
                    "An expression attribute value used in expression is not defined; attribute value: {text}"
                ));
                Value::Null
            }
        }
    }

    // ----- conditions -----

    pub fn condition(&mut self) -> Result<Cond> {
        let mut parts = vec![self.and_cond()?];
        while self.at_keyword("OR") {
            self.pos += 1;
            parts.push(self.and_cond()?);
        }
        Ok(Cond::or(parts))
    }

    fn and_cond(&mut self) -> Result<Cond> {
        let mut parts = vec![self.not_cond()?];
        while self.at_keyword("AND") {
            self.pos += 1;
            parts.push(self.not_cond()?);
        }
        Ok(Cond::and(parts))
    }

    fn not_cond(&mut self) -> Result<Cond> {
        if self.at_keyword("NOT") {
            self.pos += 1;
            self.enter()?;
            let inner = self.not_cond()?;
            self.leave();
            return Ok(inner.negate());
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond> {
        if self.peek_kind() == Tok::LParen {
            let open = self.pos;
            self.enter()?;
            self.pos += 1;
            let inner = self.condition()?;
            let close = self.pos;
            self.expect(Tok::RParen)?;
            self.leave();
            if self.parens.contains(&(open + 1, close - 1)) {
                self.semantic("The expression has redundant parentheses;");
            }
            self.parens.push((open, close));
            return Ok(inner);
        }
        let left = if self.peek_kind() == Tok::Ident && self.peek_next_kind() == Tok::LParen {
            let (name, args) = self.call()?;
            match name {
                "attribute_exists"
                | "attribute_not_exists"
                | "attribute_type"
                | "begins_with"
                | "contains" => return Ok(self.boolean_function(name, args)),
                _ => {
                    let operand = self.operand_function(name, args);
                    if !self.at_comparison() {
                        // A function standing alone as a condition: only the boolean ones can.
                        if name == "size" {
                            self.semantic(format!(
                                "The function is not allowed to be used this way in an expression; function: {name}"
                            ));
                        }
                        return Ok(Cond::And(Vec::new()));
                    }
                    operand
                }
            }
        } else {
            self.simple_operand()?
        };
        self.comparison(left)
    }

    /// Whether a comparator, BETWEEN or IN follows.
    fn at_comparison(&self) -> bool {
        matches!(
            self.peek_kind(),
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
        ) || self.at_keyword("BETWEEN")
            || self.at_keyword("IN")
    }

    fn comparison(&mut self, left: Operand) -> Result<Cond> {
        let op = match self.peek_kind() {
            Tok::Eq => Some(Comparator::Eq),
            Tok::Ne => Some(Comparator::Ne),
            Tok::Lt => Some(Comparator::Lt),
            Tok::Le => Some(Comparator::Le),
            Tok::Gt => Some(Comparator::Gt),
            Tok::Ge => Some(Comparator::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 1;
            let right = self.operand()?;
            if !matches!(op, Comparator::Eq | Comparator::Ne) {
                self.check_scalar(&left, op.symbol());
                self.check_scalar(&right, op.symbol());
            }
            return Ok(Cond::Compare(left, op, right));
        }
        if self.at_keyword("BETWEEN") {
            self.pos += 1;
            let low = self.operand()?;
            if !self.at_keyword("AND") {
                return Err(self.syntax_error());
            }
            self.pos += 1;
            let high = self.operand()?;
            for o in [&left, &low, &high] {
                self.check_scalar(o, "BETWEEN");
            }
            if let (Operand::Value(lo), Operand::Value(hi)) = (&low, &high) {
                match compare_scalars(lo, hi) {
                    None if is_scalar(lo) && is_scalar(hi) => self.semantic(format!(
                        "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: {}, upper bound operand: {}",
                        describe_value(lo),
                        describe_value(hi)
                    )),
                    Some(std::cmp::Ordering::Greater) => self.semantic(format!(
                        "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: {}, upper bound operand: {}",
                        describe_value(lo),
                        describe_value(hi)
                    )),
                    _ => {}
                }
            }
            return Ok(Cond::Between(left, low, high));
        }
        if self.at_keyword("IN") {
            self.pos += 1;
            self.expect(Tok::LParen)?;
            let mut list = vec![self.operand()?];
            while self.peek_kind() == Tok::Comma {
                self.pos += 1;
                list.push(self.operand()?);
            }
            self.expect(Tok::RParen)?;
            if list.len() > MAX_IN_OPERANDS {
                self.semantic(format!(
                    "The IN operator is provided with too many operands; number of operands: {}",
                    list.len()
                ));
            }
            return Ok(Cond::In(left, list));
        }
        Err(self.syntax_error())
    }

    /// `<`, `<=`, `>`, `>=` and BETWEEN take numbers, strings and binaries only.
    fn check_scalar(&mut self, o: &Operand, op: &str) {
        if let Operand::Value(v) = o {
            if !is_scalar(v) {
                self.semantic(format!(
                    "Incorrect operand type for operator or function; operator or function: {op}, operand type: {}",
                    v.type_name()
                ));
            }
        }
    }

    /// A path or a value placeholder.
    fn simple_operand(&mut self) -> Result<Operand> {
        if self.peek_kind() == Tok::ValuePh {
            return Ok(Operand::Value(self.value_placeholder()));
        }
        Ok(Operand::Path(self.path()?))
    }

    pub fn operand(&mut self) -> Result<Operand> {
        if self.peek_kind() == Tok::Ident && self.peek_next_kind() == Tok::LParen {
            let (name, args) = self.call()?;
            return Ok(self.operand_function(name, args));
        }
        self.simple_operand()
    }

    /// `name(arg, ...)` with operands as arguments.
    fn call(&mut self) -> Result<(&'a str, Vec<Operand>)> {
        let name = self.text(self.peek());
        self.pos += 2;
        self.enter()?;
        let mut args = Vec::new();
        if self.peek_kind() != Tok::RParen {
            args.push(self.operand()?);
            while self.peek_kind() == Tok::Comma {
                self.pos += 1;
                args.push(self.operand()?);
            }
        }
        self.expect(Tok::RParen)?;
        self.leave();
        Ok((name, args))
    }

    fn check_arity(&mut self, name: &str, args: usize, want: usize) -> bool {
        if args != want {
            self.semantic(format!(
                "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {args}"
            ));
            return false;
        }
        true
    }

    fn require_path(&mut self, name: &str, arg: Operand) -> Path {
        match arg {
            Operand::Path(p) => p,
            _ => {
                self.semantic(format!(
                    "Operator or function requires a document path; operator or function: {name}"
                ));
                Path::attr("")
            }
        }
    }

    /// A function in operand position: only `size` gives a value.
    fn operand_function(&mut self, name: &str, args: Vec<Operand>) -> Operand {
        if name == "size" {
            if self.check_arity(name, args.len(), 1) {
                let arg = args
                    .into_iter()
                    .next()
                    .unwrap_or(Operand::Value(Value::Null));
                return Operand::Size(self.require_path(name, arg));
            }
        } else if CONDITION_FUNCTIONS.contains(&name) {
            self.semantic(format!(
                "The function is not allowed to be used this way in an expression; function: {name}"
            ));
        } else if UPDATE_FUNCTIONS.contains(&name) {
            self.semantic(format!(
                "The function is not allowed in a condition expression; function: {name}"
            ));
        } else {
            self.semantic(format!("Invalid function name; function: {name}"));
        }
        Operand::Value(Value::Null)
    }

    fn boolean_function(&mut self, name: &'a str, args: Vec<Operand>) -> Cond {
        let want = if name.starts_with("attribute_") && name != "attribute_type" {
            1
        } else {
            2
        };
        let placeholder = Cond::And(Vec::new());
        if !self.check_arity(name, args.len(), want) {
            return placeholder;
        }
        let mut args = args.into_iter();
        let (Some(first), second) = (args.next(), args.next()) else {
            return placeholder;
        };
        match name {
            "attribute_exists" => Cond::Exists(self.require_path(name, first)),
            "attribute_not_exists" => Cond::NotExists(self.require_path(name, first)),
            "attribute_type" => {
                let path = self.require_path(name, first);
                let type_name = match second {
                    Some(Operand::Value(Value::S(t))) => {
                        match TYPE_NAMES.iter().find(|n| **n == t) {
                            Some(n) => n,
                            None => {
                                self.semantic(format!(
                                    "Invalid attribute type name found; type: {t}, valid types: {{ B,NULL,SS,BOOL,L,BS,N,NS,S,M }}"
                                ));
                                "S"
                            }
                        }
                    }
                    Some(Operand::Value(v)) => {
                        self.semantic(format!(
                            "Incorrect operand type for operator or function; operator or function: {name}, operand type: {}",
                            v.type_name()
                        ));
                        "S"
                    }
                    _ => {
                        self.semantic(format!(
                            "Incorrect operand type for operator or function; operator or function: {name}, operand type: PATH"
                        ));
                        "S"
                    }
                };
                Cond::AttributeType(path, type_name)
            }
            "begins_with" => {
                let second = second.unwrap_or(Operand::Value(Value::Null));
                for o in [&first, &second] {
                    let t = match o {
                        Operand::Value(v) if !matches!(v, Value::S(_) | Value::B(_)) => {
                            Some(v.type_name())
                        }
                        Operand::Size(_) => Some("N"),
                        _ => None,
                    };
                    if let Some(t) = t {
                        self.semantic(format!(
                            "Incorrect operand type for operator or function; operator or function: {name}, operand type: {t}"
                        ));
                    }
                }
                Cond::BeginsWith(first, second)
            }
            _ => Cond::Contains(first, second.unwrap_or(Operand::Value(Value::Null))),
        }
    }

    // ----- update expressions -----

    pub fn update(&mut self) -> Result<Vec<UpdateAction>> {
        const CLAUSES: [&str; 4] = ["SET", "REMOVE", "ADD", "DELETE"];
        let mut seen = [false; 4];
        let mut actions = Vec::new();
        while self.peek_kind() != Tok::Eof {
            let t = self.peek();
            let word = self.text(t);
            let Some(clause) = CLAUSES
                .iter()
                .position(|c| t.kind == Tok::Ident && c.eq_ignore_ascii_case(word))
            else {
                return Err(self.syntax_error());
            };
            if seen[clause] {
                return Err(self.err(format!(
                    "The \"{}\" section can only be used once in an update expression;",
                    CLAUSES[clause]
                )));
            }
            seen[clause] = true;
            self.pos += 1;
            loop {
                let path = self.path()?;
                let action = match clause {
                    0 => {
                        self.expect(Tok::Eq)?;
                        UpdateAction::Set(path, self.set_value()?)
                    }
                    1 => UpdateAction::Remove(path),
                    _ => {
                        if self.peek_kind() != Tok::ValuePh {
                            return Err(self.syntax_error());
                        }
                        let value = self.value_placeholder();
                        let (ok, operator) = if clause == 2 {
                            (
                                matches!(
                                    value,
                                    Value::N(_) | Value::Ss(_) | Value::Ns(_) | Value::Bs(_)
                                ),
                                "ADD",
                            )
                        } else {
                            (
                                matches!(value, Value::Ss(_) | Value::Ns(_) | Value::Bs(_)),
                                "DELETE",
                            )
                        };
                        if !ok && self.deferred.is_none() {
                            self.semantic(format!(
                                "Incorrect operand type for operator or function; operator: {operator}, operand type: {}, typeSet: ALLOWED_FOR_{operator}_OPERAND",
                                long_type_name(&value)
                            ));
                        }
                        if clause == 2 {
                            UpdateAction::Add(path, value)
                        } else {
                            UpdateAction::Delete(path, value)
                        }
                    }
                };
                actions.push(action);
                if self.peek_kind() != Tok::Comma {
                    break;
                }
                self.pos += 1;
            }
        }
        Ok(actions)
    }

    fn set_value(&mut self) -> Result<SetValue> {
        let left = self.set_term()?;
        let plus = match self.peek_kind() {
            Tok::Plus => true,
            Tok::Minus => false,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.set_term()?;
        let symbol = if plus { "+" } else { "-" };
        for side in [&left, &right] {
            if let SetValue::Value(v) = side {
                if !matches!(v, Value::N(_)) {
                    self.semantic(format!(
                        "Incorrect operand type for operator or function; operator or function: {symbol}, operand type: {}",
                        v.type_name()
                    ));
                }
            }
        }
        Ok(if plus {
            SetValue::Plus(Box::new(left), Box::new(right))
        } else {
            SetValue::Minus(Box::new(left), Box::new(right))
        })
    }

    fn set_term(&mut self) -> Result<SetValue> {
        match self.peek_kind() {
            Tok::LParen => {
                self.enter()?;
                self.pos += 1;
                let inner = self.set_value()?;
                self.expect(Tok::RParen)?;
                self.leave();
                Ok(inner)
            }
            Tok::ValuePh => Ok(SetValue::Value(self.value_placeholder())),
            Tok::Ident if self.peek_next_kind() == Tok::LParen => self.set_function(),
            _ => Ok(SetValue::Path(self.path()?)),
        }
    }

    fn set_function(&mut self) -> Result<SetValue> {
        let name = self.text(self.peek());
        self.pos += 2;
        self.enter()?;
        let mut args = Vec::new();
        if self.peek_kind() != Tok::RParen {
            args.push(self.set_value()?);
            while self.peek_kind() == Tok::Comma {
                self.pos += 1;
                args.push(self.set_value()?);
            }
        }
        self.expect(Tok::RParen)?;
        self.leave();
        let placeholder = SetValue::Value(Value::Null);
        match name {
            "if_not_exists" | "list_append" => {
                if !self.check_arity(name, args.len(), 2) {
                    return Ok(placeholder);
                }
                let second = args.pop().unwrap_or(placeholder.clone());
                let first = args.pop().unwrap_or(placeholder.clone());
                if name == "if_not_exists" {
                    let SetValue::Path(path) = first else {
                        self.semantic(format!(
                            "Operator or function requires a document path; operator or function: {name}"
                        ));
                        return Ok(placeholder);
                    };
                    return Ok(SetValue::IfNotExists(path, Box::new(second)));
                }
                for side in [&first, &second] {
                    if let SetValue::Value(v) = side {
                        if !matches!(v, Value::L(_)) {
                            self.semantic(format!(
                                "Incorrect operand type for operator or function; operator or function: {name}, operand type: {}",
                                v.type_name()
                            ));
                        }
                    }
                }
                Ok(SetValue::ListAppend(Box::new(first), Box::new(second)))
            }
            _ if CONDITION_FUNCTIONS.contains(&name) => {
                self.semantic(format!(
                    "The function is not allowed in an update expression; function: {name}"
                ));
                Ok(placeholder)
            }
            _ => {
                self.semantic(format!("Invalid function name; function: {name}"));
                Ok(placeholder)
            }
        }
    }

    // ----- projections -----

    pub fn projection(&mut self) -> Result<Vec<Path>> {
        let mut paths = vec![self.path()?];
        while self.peek_kind() == Tok::Comma {
            self.pos += 1;
            paths.push(self.path()?);
        }
        Ok(paths)
    }
}

/// DynamoDB refuses two paths of one update or projection when one contains the other
/// ("overlap") or when they use one element both as a map and as a list ("conflict").
pub(crate) fn check_paths(paths: &[&Path], kind: &str) -> Result<()> {
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[..i] {
            let common = a.0.iter().zip(&b.0).take_while(|(x, y)| x == y).count();
            let problem = if common == a.0.len().min(b.0.len()) {
                "overlap"
            } else if std::mem::discriminant(&a.0[common]) != std::mem::discriminant(&b.0[common]) {
                "conflict"
            } else {
                continue;
            };
            return Err(Error::validation(format!(
                "Invalid {kind}: Two document paths {problem} with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                b.describe(),
                a.describe()
            )));
        }
    }
    Ok(())
}
