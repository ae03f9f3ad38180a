//! The PartiQL subset of ExecuteStatement / BatchExecuteStatement / ExecuteTransaction:
//!
//! ```text
//! SELECT * | path {, path} FROM table ["." index] [WHERE condition]
//! INSERT INTO table VALUE {'attr': value, ...}
//! UPDATE table (SET path = expr {, path = expr} | REMOVE path {, path})... WHERE condition
//!        [RETURNING ALL|MODIFIED OLD|NEW *]
//! DELETE FROM table WHERE condition [RETURNING ALL OLD *]
//! ```
//!
//! Tables and attribute names are identifiers or `"double-quoted"`; values are `'strings'`,
//! numbers, TRUE / FALSE / NULL, `<<set>>`, `{'map': ...}`, `[lists]` and `?` parameters (taken in
//! order). Conditions and updates become the same trees as DynamoDB expressions (`expr`), so one
//! evaluator serves both.

use crate::error::{Error, Result};
use crate::expr::{
    Comparator, Cond, Condition, Operand, Path, PathElem, SetValue, Update, UpdateAction,
    TYPE_NAMES,
};
use crate::number::Number;
use crate::value::{Item, Value};

/// Deepest nesting of parentheses, NOT and literals accepted.
const MAX_NESTING: usize = 100;
/// DynamoDB's limit on document nesting.
const MAX_VALUE_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returning {
    AllOld,
    ModifiedOld,
    AllNew,
    ModifiedNew,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select {
        table: String,
        index: Option<String>,
        /// `None` for `SELECT *`.
        projection: Option<Vec<Path>>,
        condition: Option<Condition>,
    },
    Insert {
        table: String,
        item: Item,
    },
    Update {
        table: String,
        set: Vec<(Path, SetValue)>,
        remove: Vec<Path>,
        /// `set` and `remove` as one update, ready to apply.
        update: Update,
        condition: Condition,
        returning: Option<Returning>,
    },
    Delete {
        table: String,
        condition: Condition,
        returning: Option<Returning>,
    },
}

impl Statement {
    pub fn table(&self) -> &str {
        match self {
            Statement::Select { table, .. }
            | Statement::Insert { table, .. }
            | Statement::Update { table, .. }
            | Statement::Delete { table, .. } => table,
        }
    }

    /// Whether the statement only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, Statement::Select { .. })
    }
}

fn malformed(detail: impl AsRef<str>) -> Error {
    Error::validation(format!(
        "Statement wasn't well formed, can't be processed: {}",
        detail.as_ref()
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ident,
    Quoted,
    Str,
    Num,
    Param,
    Star,
    Comma,
    Dot,
    Colon,
    Semicolon,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LDouble,
    RDouble,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Tok,
    /// Identifier or string contents (quotes removed, doubled quotes undone), number text.
    text: String,
    start: usize,
}

fn lex(src: &str) -> Result<Vec<Token>> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let simple = |kind: Tok, len: usize| (kind, len);
        let (kind, len) = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                // A comment to the end of the line.
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                let mut j = i;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                out.push(Token {
                    kind: Tok::Ident,
                    text: src[i..j].to_owned(),
                    start,
                });
                i = j;
                continue;
            }
            b'0'..=b'9' | b'.' if b != b'.' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let mut j = i;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                if j < bytes.len() && bytes[j] == b'.' {
                    j += 1;
                    while j < bytes.len() && bytes[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                if j < bytes.len() && (bytes[j] == b'e' || bytes[j] == b'E') {
                    let mut k = j + 1;
                    if k < bytes.len() && (bytes[k] == b'+' || bytes[k] == b'-') {
                        k += 1;
                    }
                    if k < bytes.len() && bytes[k].is_ascii_digit() {
                        while k < bytes.len() && bytes[k].is_ascii_digit() {
                            k += 1;
                        }
                        j = k;
                    }
                }
                out.push(Token {
                    kind: Tok::Num,
                    text: src[i..j].to_owned(),
                    start,
                });
                i = j;
                continue;
            }
            b'\'' | b'"' => {
                let quote = b;
                let mut text = Vec::new();
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None => {
                            return Err(malformed(format!(
                                "Unterminated {} at position {start}",
                                if quote == b'\'' {
                                    "string literal"
                                } else {
                                    "quoted identifier"
                                }
                            )))
                        }
                        Some(&c) if c == quote => {
                            if bytes.get(j + 1) == Some(&quote) {
                                text.push(quote);
                                j += 2;
                            } else {
                                j += 1;
                                break;
                            }
                        }
                        Some(&c) => {
                            text.push(c);
                            j += 1;
                        }
                    }
                }
                // Splitting happened only at ASCII quotes, so the contents are valid UTF-8.
                let text = String::from_utf8(text).unwrap_or_default();
                out.push(Token {
                    kind: if quote == b'\'' {
                        Tok::Str
                    } else {
                        Tok::Quoted
                    },
                    text,
                    start,
                });
                i = j;
                continue;
            }
            b'?' => simple(Tok::Param, 1),
            b'*' => simple(Tok::Star, 1),
            b',' => simple(Tok::Comma, 1),
            b'.' => simple(Tok::Dot, 1),
            b':' => simple(Tok::Colon, 1),
            b';' => simple(Tok::Semicolon, 1),
            b'(' => simple(Tok::LParen, 1),
            b')' => simple(Tok::RParen, 1),
            b'[' => simple(Tok::LBracket, 1),
            b']' => simple(Tok::RBracket, 1),
            b'{' => simple(Tok::LBrace, 1),
            b'}' => simple(Tok::RBrace, 1),
            b'+' => simple(Tok::Plus, 1),
            b'-' => simple(Tok::Minus, 1),
            b'=' => simple(Tok::Eq, 1),
            b'!' if bytes.get(i + 1) == Some(&b'=') => simple(Tok::Ne, 2),
            b'<' => match bytes.get(i + 1) {
                Some(b'<') => simple(Tok::LDouble, 2),
                Some(b'=') => simple(Tok::Le, 2),
                Some(b'>') => simple(Tok::Ne, 2),
                _ => simple(Tok::Lt, 1),
            },
            b'>' => match bytes.get(i + 1) {
                Some(b'>') => simple(Tok::RDouble, 2),
                Some(b'=') => simple(Tok::Ge, 2),
                _ => simple(Tok::Gt, 1),
            },
            _ => {
                let c = src[i..].chars().next().unwrap_or('?');
                return Err(malformed(format!(
                    "Unexpected character '{c}' at position {start}"
                )));
            }
        };
        out.push(Token {
            kind,
            text: src[i..i + len].to_owned(),
            start,
        });
        i += len;
    }
    out.push(Token {
        kind: Tok::Eof,
        text: String::new(),
        start: bytes.len(),
    });
    Ok(out)
}

/// Words of the grammar: never an unquoted attribute name.
const KEYWORDS: [&str; 22] = [
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "IS",
    "MISSING",
    "NULL",
    "TRUE",
    "FALSE",
    "INSERT",
    "INTO",
    "VALUE",
    "UPDATE",
    "SET",
    "REMOVE",
    "DELETE",
    "RETURNING",
    "ORDER",
];

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    params: &'a [Value],
    next_param: usize,
    depth: usize,
}

/// Parses one PartiQL statement; `parameters` replace the `?` in order.
pub fn parse_statement(text: &str, parameters: &[Value]) -> Result<Statement> {
    let toks = lex(text)?;
    let wanted = toks.iter().filter(|t| t.kind == Tok::Param).count();
    if wanted != parameters.len() {
        return Err(Error::validation(
            "Number of parameters in request and statement don't match.",
        ));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        params: parameters,
        next_param: 0,
        depth: 0,
    };
    let statement = p.statement()?;
    if p.kind() == Tok::Semicolon {
        p.pos += 1;
    }
    if p.kind() != Tok::Eof {
        return Err(p.unexpected());
    }
    Ok(statement)
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn kind(&self) -> Tok {
        self.peek().kind
    }

    fn kind_at(&self, offset: usize) -> Tok {
        self.toks[(self.pos + offset).min(self.toks.len() - 1)].kind
    }

    fn unexpected(&self) -> Error {
        let t = self.peek();
        if t.kind == Tok::Eof {
            malformed("Unexpected end of statement")
        } else {
            let shown = match t.kind {
                Tok::Str => format!("'{}'", t.text),
                Tok::Quoted => format!("\"{}\"", t.text),
                _ => t.text.clone(),
            };
            malformed(format!("Unexpected token {shown} at position {}", t.start))
        }
    }

    fn at_keyword(&self, word: &str) -> bool {
        let t = self.peek();
        t.kind == Tok::Ident && t.text.eq_ignore_ascii_case(word)
    }

    fn keyword(&mut self, word: &str) -> Result<()> {
        if !self.at_keyword(word) {
            return Err(self.unexpected());
        }
        self.pos += 1;
        Ok(())
    }

    fn expect(&mut self, kind: Tok) -> Result<()> {
        if self.kind() != kind {
            return Err(self.unexpected());
        }
        self.pos += 1;
        Ok(())
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(malformed("The statement is nested too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn statement(&mut self) -> Result<Statement> {
        if self.at_keyword("SELECT") {
            self.pos += 1;
            let projection = if self.kind() == Tok::Star {
                self.pos += 1;
                None
            } else {
                let mut paths = vec![self.path()?];
                while self.kind() == Tok::Comma {
                    self.pos += 1;
                    paths.push(self.path()?);
                }
                Some(paths)
            };
            self.keyword("FROM")?;
            let (table, index) = self.table()?;
            let condition = if self.at_keyword("WHERE") {
                self.pos += 1;
                Some(Condition::new(self.condition()?))
            } else {
                None
            };
            return Ok(Statement::Select {
                table,
                index,
                projection,
                condition,
            });
        }
        if self.at_keyword("INSERT") {
            self.pos += 1;
            self.keyword("INTO")?;
            let (table, index) = self.table()?;
            if index.is_some() {
                return Err(malformed("INSERT cannot target an index"));
            }
            self.keyword("VALUE")?;
            let Value::M(item) = self.value(0)? else {
                return Err(malformed("The value of an INSERT must be a map (a tuple)"));
            };
            return Ok(Statement::Insert { table, item });
        }
        if self.at_keyword("UPDATE") {
            self.pos += 1;
            let (table, index) = self.table()?;
            if index.is_some() {
                return Err(malformed("UPDATE cannot target an index"));
            }
            let mut set = Vec::new();
            let mut remove = Vec::new();
            loop {
                if self.at_keyword("SET") {
                    self.pos += 1;
                    loop {
                        let path = self.path()?;
                        self.expect(Tok::Eq)?;
                        set.push((path, self.set_expr()?));
                        if self.kind() != Tok::Comma {
                            break;
                        }
                        self.pos += 1;
                    }
                } else if self.at_keyword("REMOVE") {
                    self.pos += 1;
                    remove.push(self.path()?);
                    while self.kind() == Tok::Comma {
                        self.pos += 1;
                        remove.push(self.path()?);
                    }
                } else {
                    break;
                }
            }
            if set.is_empty() && remove.is_empty() {
                return Err(self.unexpected());
            }
            self.keyword("WHERE")?;
            let condition = Condition::new(self.condition()?);
            let returning = self.returning()?;
            let mut actions: Vec<UpdateAction> = set
                .iter()
                .map(|(p, v)| UpdateAction::Set(p.clone(), v.clone()))
                .collect();
            actions.extend(remove.iter().cloned().map(UpdateAction::Remove));
            let update = Update::new(actions, "UpdateExpression").map_err(|e| {
                malformed(e.message.trim_start_matches("Invalid UpdateExpression: "))
            })?;
            return Ok(Statement::Update {
                table,
                set,
                remove,
                update,
                condition,
                returning,
            });
        }
        if self.at_keyword("DELETE") {
            self.pos += 1;
            self.keyword("FROM")?;
            let (table, index) = self.table()?;
            if index.is_some() {
                return Err(malformed("DELETE cannot target an index"));
            }
            self.keyword("WHERE")?;
            let condition = Condition::new(self.condition()?);
            let returning = self.returning()?;
            if matches!(
                returning,
                Some(Returning::AllNew | Returning::ModifiedNew | Returning::ModifiedOld)
            ) {
                return Err(malformed("DELETE supports only RETURNING ALL OLD *"));
            }
            return Ok(Statement::Delete {
                table,
                condition,
                returning,
            });
        }
        Err(self.unexpected())
    }

    fn returning(&mut self) -> Result<Option<Returning>> {
        if !self.at_keyword("RETURNING") {
            return Ok(None);
        }
        self.pos += 1;
        let all = if self.at_keyword("ALL") {
            true
        } else if self.at_keyword("MODIFIED") {
            false
        } else {
            return Err(self.unexpected());
        };
        self.pos += 1;
        let old = if self.at_keyword("OLD") {
            true
        } else if self.at_keyword("NEW") {
            false
        } else {
            return Err(self.unexpected());
        };
        self.pos += 1;
        self.expect(Tok::Star)?;
        Ok(Some(match (all, old) {
            (true, true) => Returning::AllOld,
            (false, true) => Returning::ModifiedOld,
            (true, false) => Returning::AllNew,
            (false, false) => Returning::ModifiedNew,
        }))
    }

    fn name(&mut self) -> Result<String> {
        let t = self.peek().clone();
        match t.kind {
            Tok::Quoted => {
                if t.text.is_empty() {
                    return Err(malformed("Empty quoted identifier"));
                }
                self.pos += 1;
                Ok(t.text)
            }
            Tok::Ident if !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&t.text)) => {
                self.pos += 1;
                Ok(t.text)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn table(&mut self) -> Result<(String, Option<String>)> {
        let table = self.name()?;
        if self.kind() == Tok::Dot {
            self.pos += 1;
            return Ok((table, Some(self.name()?)));
        }
        Ok((table, None))
    }

    fn path(&mut self) -> Result<Path> {
        let mut elems = vec![PathElem::Name(self.name()?)];
        loop {
            match self.kind() {
                Tok::Dot => {
                    self.pos += 1;
                    elems.push(PathElem::Name(self.name()?));
                }
                Tok::LBracket => {
                    self.pos += 1;
                    let t = self.peek().clone();
                    match t.kind {
                        Tok::Num => {
                            let Ok(i) = t.text.parse::<u32>() else {
                                return Err(malformed(format!("Invalid list index {}", t.text)));
                            };
                            elems.push(PathElem::Index(i as usize));
                        }
                        Tok::Str => elems.push(PathElem::Name(t.text)),
                        _ => return Err(self.unexpected()),
                    }
                    self.pos += 1;
                    self.expect(Tok::RBracket)?;
                }
                _ => break,
            }
        }
        if elems.len() > MAX_VALUE_DEPTH {
            return Err(malformed("The document path has too many nesting levels"));
        }
        Ok(Path(elems))
    }

    fn parameter(&mut self) -> Result<Value> {
        self.pos += 1;
        let v = self.params.get(self.next_param).cloned().ok_or_else(|| {
            Error::validation("Number of parameters in request and statement don't match.")
        })?;
        self.next_param += 1;
        Ok(v)
    }

    fn number(text: &str, negative: bool) -> Result<Value> {
        let text = if negative {
            format!("-{text}")
        } else {
            text.to_owned()
        };
        Number::parse(&text)
            .map(Value::N)
            .map_err(|e| Error::validation(e.message()))
    }

    /// Whether a literal value (or a parameter) starts here.
    fn at_value(&self) -> bool {
        match self.kind() {
            Tok::Str | Tok::Num | Tok::Param | Tok::LDouble | Tok::LBrace | Tok::LBracket => true,
            Tok::Minus => self.kind_at(1) == Tok::Num,
            Tok::Ident => ["TRUE", "FALSE", "NULL"].iter().any(|k| self.at_keyword(k)),
            _ => false,
        }
    }

    /// A constant: literal, collection or parameter. `depth` is the document nesting so far.
    fn value(&mut self, depth: usize) -> Result<Value> {
        if depth > MAX_VALUE_DEPTH {
            return Err(Error::validation(
                "One or more parameter values were invalid: Nesting Levels have exceeded supported limits",
            ));
        }
        let t = self.peek().clone();
        match t.kind {
            Tok::Str => {
                self.pos += 1;
                Ok(Value::S(t.text))
            }
            Tok::Num => {
                self.pos += 1;
                Self::number(&t.text, false)
            }
            Tok::Minus if self.kind_at(1) == Tok::Num => {
                let text = self.toks[self.pos + 1].text.clone();
                self.pos += 2;
                Self::number(&text, true)
            }
            Tok::Param => self.parameter(),
            Tok::Ident if self.at_keyword("TRUE") || self.at_keyword("FALSE") => {
                self.pos += 1;
                Ok(Value::Bool(t.text.eq_ignore_ascii_case("TRUE")))
            }
            Tok::Ident if self.at_keyword("NULL") => {
                self.pos += 1;
                Ok(Value::Null)
            }
            Tok::LBracket => {
                self.pos += 1;
                let mut list = Vec::new();
                if self.kind() != Tok::RBracket {
                    list.push(self.value(depth + 1)?);
                    while self.kind() == Tok::Comma {
                        self.pos += 1;
                        list.push(self.value(depth + 1)?);
                    }
                }
                self.expect(Tok::RBracket)?;
                Ok(Value::L(list))
            }
            Tok::LBrace => {
                self.pos += 1;
                let mut map = Item::new();
                if self.kind() != Tok::RBrace {
                    loop {
                        let key = self.peek().clone();
                        if key.kind != Tok::Str {
                            return Err(self.unexpected());
                        }
                        self.pos += 1;
                        self.expect(Tok::Colon)?;
                        let v = self.value(depth + 1)?;
                        if map.insert(key.text.clone(), v).is_some() {
                            return Err(malformed(format!("Duplicate map key '{}'", key.text)));
                        }
                        if self.kind() != Tok::Comma {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                self.expect(Tok::RBrace)?;
                Ok(Value::M(map))
            }
            Tok::LDouble => {
                self.pos += 1;
                let mut members = Vec::new();
                if self.kind() != Tok::RDouble {
                    members.push(self.value(depth + 1)?);
                    while self.kind() == Tok::Comma {
                        self.pos += 1;
                        members.push(self.value(depth + 1)?);
                    }
                }
                self.expect(Tok::RDouble)?;
                set_of(members)
            }
            _ => Err(self.unexpected()),
        }
    }

    // ----- conditions -----

    fn condition(&mut self) -> Result<Cond> {
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
        self.predicate()
    }

    fn function_name(&self) -> Option<String> {
        (self.kind() == Tok::Ident && self.kind_at(1) == Tok::LParen)
            .then(|| self.peek().text.to_ascii_lowercase())
    }

    fn predicate(&mut self) -> Result<Cond> {
        if self.kind() == Tok::LParen {
            self.enter()?;
            self.pos += 1;
            let inner = self.condition()?;
            self.expect(Tok::RParen)?;
            self.leave();
            return Ok(inner);
        }
        if let Some(name) = self.function_name() {
            match name.as_str() {
                "begins_with" | "contains" | "attribute_type" => {
                    self.pos += 2;
                    let path = self.path()?;
                    self.expect(Tok::Comma)?;
                    let arg = self.operand()?;
                    self.expect(Tok::RParen)?;
                    return Ok(match name.as_str() {
                        "begins_with" => Cond::BeginsWith(Operand::Path(path), arg),
                        "contains" => Cond::Contains(Operand::Path(path), arg),
                        _ => {
                            let Operand::Value(Value::S(t)) = arg else {
                                return Err(malformed(
                                    "attribute_type needs a type name string such as 'S'",
                                ));
                            };
                            let Some(t) = TYPE_NAMES.iter().find(|n| **n == t) else {
                                return Err(malformed(format!("Invalid attribute type {t}")));
                            };
                            Cond::AttributeType(path, t)
                        }
                    });
                }
                "exists" => return Err(malformed("EXISTS is only supported in transactions")),
                "size" => {}
                _ => return Err(malformed(format!("Unsupported function {name}"))),
            }
        }
        let left = self.operand()?;
        let op = match self.kind() {
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
            return Ok(Cond::Compare(left, op, right));
        }
        if self.at_keyword("BETWEEN") {
            self.pos += 1;
            let lo = self.operand()?;
            self.keyword("AND")?;
            let hi = self.operand()?;
            return Ok(Cond::Between(left, lo, hi));
        }
        if self.at_keyword("IN") {
            self.pos += 1;
            let close = match self.kind() {
                Tok::LBracket => Tok::RBracket,
                Tok::LParen => Tok::RParen,
                _ => return Err(self.unexpected()),
            };
            self.pos += 1;
            let mut list = vec![self.operand()?];
            while self.kind() == Tok::Comma {
                self.pos += 1;
                list.push(self.operand()?);
            }
            self.expect(close)?;
            if list.len() > 100 {
                return Err(malformed("The IN operator accepts at most 100 values"));
            }
            return Ok(Cond::In(left, list));
        }
        if self.at_keyword("IS") {
            self.pos += 1;
            let negated = self.at_keyword("NOT");
            if negated {
                self.pos += 1;
            }
            let Operand::Path(path) = left else {
                return Err(malformed("IS MISSING and IS NULL apply to attributes"));
            };
            let cond = if self.at_keyword("MISSING") {
                Cond::NotExists(path)
            } else if self.at_keyword("NULL") {
                Cond::or(vec![
                    Cond::NotExists(path.clone()),
                    Cond::AttributeType(path, "NULL"),
                ])
            } else {
                return Err(self.unexpected());
            };
            self.pos += 1;
            return Ok(if negated { cond.negate() } else { cond });
        }
        Err(self.unexpected())
    }

    fn operand(&mut self) -> Result<Operand> {
        if self.function_name().as_deref() == Some("size") {
            self.pos += 2;
            let path = self.path()?;
            self.expect(Tok::RParen)?;
            return Ok(Operand::Size(path));
        }
        if self.at_value() {
            return Ok(Operand::Value(self.value(0)?));
        }
        Ok(Operand::Path(self.path()?))
    }

    // ----- SET expressions -----

    fn set_expr(&mut self) -> Result<SetValue> {
        let left = self.set_term()?;
        let plus = match self.kind() {
            Tok::Plus => true,
            Tok::Minus => false,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.set_term()?;
        Ok(if plus {
            SetValue::Plus(Box::new(left), Box::new(right))
        } else {
            SetValue::Minus(Box::new(left), Box::new(right))
        })
    }

    fn set_term(&mut self) -> Result<SetValue> {
        if self.kind() == Tok::LParen {
            self.enter()?;
            self.pos += 1;
            let inner = self.set_expr()?;
            self.expect(Tok::RParen)?;
            self.leave();
            return Ok(inner);
        }
        if let Some(name) = self.function_name() {
            self.pos += 2;
            self.enter()?;
            let first = self.set_expr()?;
            self.expect(Tok::Comma)?;
            let second = self.set_expr()?;
            self.expect(Tok::RParen)?;
            self.leave();
            let (a, b) = (Box::new(first), Box::new(second));
            return match name.as_str() {
                "list_append" => Ok(SetValue::ListAppend(a, b)),
                "set_add" => Ok(SetValue::SetAdd(a, b)),
                "set_delete" => Ok(SetValue::SetDelete(a, b)),
                "if_not_exists" => match *a {
                    SetValue::Path(p) => Ok(SetValue::IfNotExists(p, b)),
                    _ => Err(malformed("if_not_exists needs an attribute first")),
                },
                _ => Err(malformed(format!("Unsupported function {name}"))),
            };
        }
        if self.at_value() {
            return Ok(SetValue::Value(self.value(0)?));
        }
        Ok(SetValue::Path(self.path()?))
    }
}

/// `<<a, b>>`: all strings, all numbers or all binaries, no repeats, not empty.
fn set_of(members: Vec<Value>) -> Result<Value> {
    let bad = || malformed("A set must hold strings, numbers or binaries, all of one type");
    let value = match members.first() {
        None => {
            return Err(Error::validation(
                "One or more parameter values were invalid: An set  may not be empty",
            ))
        }
        Some(Value::S(_)) => Value::Ss(
            members
                .into_iter()
                .map(|m| {
                    if let Value::S(s) = m {
                        Ok(s)
                    } else {
                        Err(bad())
                    }
                })
                .collect::<Result<_>>()?,
        ),
        Some(Value::N(_)) => Value::Ns(
            members
                .into_iter()
                .map(|m| {
                    if let Value::N(n) = m {
                        Ok(n)
                    } else {
                        Err(bad())
                    }
                })
                .collect::<Result<_>>()?,
        ),
        Some(Value::B(_)) => Value::Bs(
            members
                .into_iter()
                .map(|m| {
                    if let Value::B(b) = m {
                        Ok(b)
                    } else {
                        Err(bad())
                    }
                })
                .collect::<Result<_>>()?,
        ),
        Some(_) => return Err(bad()),
    };
    let duplicates = match &value {
        Value::Ss(v) => has_duplicates(v),
        Value::Ns(v) => has_duplicates(v),
        Value::Bs(v) => has_duplicates(v),
        _ => false,
    };
    if duplicates {
        return Err(Error::validation(
            "One or more parameter values were invalid: Input collection contains duplicates",
        ));
    }
    Ok(value)
}

fn has_duplicates<T: PartialEq>(v: &[T]) -> bool {
    v.iter().enumerate().any(|(i, x)| v[..i].contains(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::item_from_json;
    use serde_json::json;

    fn n(x: &str) -> Value {
        Value::N(Number::parse(x).unwrap())
    }

    fn s(x: &str) -> Value {
        Value::S(x.into())
    }

    fn err(text: &str, params: &[Value]) -> String {
        let e = parse_statement(text, params).unwrap_err();
        assert_eq!(e.code, "ValidationException", "{text}");
        e.message
    }

    fn sample() -> Item {
        item_from_json(&json!({
            "pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "5"}, "s": {"S": "hello"},
            "tags": {"SS": ["x", "y"]}, "m": {"M": {"k": {"S": "v"}}},
            "l": {"L": [{"N": "1"}, {"N": "2"}]}, "nul": {"NULL": true}
        }))
        .unwrap()
    }

    fn select_where(cond: &str, params: &[Value]) -> bool {
        let text = format!("SELECT * FROM t WHERE {cond}");
        match parse_statement(&text, params).unwrap_or_else(|e| panic!("{text}: {e:?}")) {
            Statement::Select {
                condition: Some(c), ..
            } => c.eval(&sample()).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn select() {
        let st = parse_statement(r#"SELECT * FROM "my-table"."by-date""#, &[]).unwrap();
        assert_eq!(
            st,
            Statement::Select {
                table: "my-table".into(),
                index: Some("by-date".into()),
                projection: None,
                condition: None
            }
        );
        let st = parse_statement("select pk, m.k, l[1], \"weird name\" from t;", &[]).unwrap();
        let Statement::Select {
            projection: Some(p),
            ..
        } = st
        else {
            panic!()
        };
        let shown: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown, ["pk", "m.k", "l[1]", "weird name"]);
    }

    #[test]
    fn where_clauses() {
        assert!(select_where("pk = 'a' AND sk = 1", &[]));
        assert!(select_where("pk = ? AND sk = ?", &[s("a"), n("1.0")]));
        assert!(select_where(
            "n > 4 AND n >= 5 AND n < 6 AND n <= 5 AND n <> 4 AND n != 4",
            &[]
        ));
        assert!(select_where("n BETWEEN 1 AND 5", &[]));
        assert!(!select_where("n BETWEEN -5 AND -1", &[]));
        assert!(select_where("s IN ['x', 'hello']", &[]));
        assert!(select_where("s IN ('x', 'hello')", &[]));
        assert!(select_where("begins_with(s, 'he')", &[]));
        assert!(select_where(
            "contains(tags, 'y') AND contains(s, 'll')",
            &[]
        ));
        assert!(select_where("attribute_type(m, 'M')", &[]));
        assert!(select_where("nope IS MISSING AND s IS NOT MISSING", &[]));
        assert!(select_where(
            "nul IS NULL AND nope IS NULL AND s IS NOT NULL",
            &[]
        ));
        assert!(select_where("size(l) = 2 AND size(s) > 4", &[]));
        assert!(select_where("m.k = 'v' AND l[0] = 1 AND m['k'] = 'v'", &[]));
        assert!(select_where("NOT n = 4 AND (n = 1 OR n = 5)", &[]));
        assert!(select_where("tags = <<'y', 'x'>>", &[]));
        assert!(select_where("m = {'k': 'v'} AND l = [1, 2]", &[]));
        assert!(!select_where("s = 5", &[]), "different types are unequal");
        assert!(select_where("nul = NULL", &[]));
    }

    #[test]
    fn insert() {
        let st = parse_statement(
            "INSERT INTO t VALUE {'pk': 'a', 'n': -1.50, 'b': true, 'x': null, 's': <<1, 2>>, 'l': [?, {'k': []}]}",
            &[Value::B(vec![1])],
        )
        .unwrap();
        let Statement::Insert { table, item } = st else {
            panic!()
        };
        assert_eq!(table, "t");
        assert_eq!(
            item,
            item_from_json(&json!({
                "pk": {"S": "a"}, "n": {"N": "-1.5"}, "b": {"BOOL": true}, "x": {"NULL": true},
                "s": {"NS": ["1", "2"]}, "l": {"L": [{"B": "AQ=="}, {"M": {"k": {"L": []}}}]}
            }))
            .unwrap()
        );
        let st = parse_statement("INSERT INTO t VALUE ?", &[Value::M(sample())]).unwrap();
        assert!(matches!(st, Statement::Insert { .. }));
        assert!(err("INSERT INTO t VALUE 'x'", &[]).starts_with("Statement wasn't well formed"));
        assert!(err("INSERT INTO t VALUE {'a': 1, 'a': 2}", &[]).contains("Duplicate"));
        assert!(err("INSERT INTO t VALUE {'a': <<1, 'x'>>}", &[]).contains("set"));
        assert!(err("INSERT INTO t VALUE {'a': <<1, 1>>}", &[]).contains("duplicates"));
        assert!(err("INSERT INTO t VALUE {'a': <<>>}", &[]).contains("empty"));
        assert!(err("INSERT INTO t VALUE {'a': 1e999}", &[]).contains("overflow"));
    }

    #[test]
    fn update() {
        let st = parse_statement(
            "UPDATE t SET n = n + 1 SET m.k = 'w', l[5] = ? REMOVE s, tags WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *",
            &[s("z")],
        )
        .unwrap();
        let Statement::Update {
            set,
            remove,
            update,
            condition,
            returning,
            ..
        } = st
        else {
            panic!()
        };
        assert_eq!(set.len(), 3);
        assert_eq!(remove.len(), 2);
        assert_eq!(returning, Some(Returning::AllNew));
        assert_eq!(
            condition.key_equalities(&["pk", "sk"]),
            Some(vec![s("a"), n("1")])
        );
        let mut it = sample();
        update.apply(&mut it).unwrap();
        assert_eq!(it["n"], n("6"));
        assert!(!it.contains_key("s") && !it.contains_key("tags"));
        assert_eq!(it["l"], Value::L(vec![n("1"), n("2"), s("z")]));

        let st = parse_statement(
            "UPDATE t SET tags = set_add(tags, <<'z'>>), l = list_append(l, [3]) WHERE pk = 'a'",
            &[],
        )
        .unwrap();
        let Statement::Update { update, .. } = st else {
            panic!()
        };
        let mut it = sample();
        update.apply(&mut it).unwrap();
        assert_eq!(
            it["tags"],
            Value::Ss(vec!["x".into(), "y".into(), "z".into()])
        );
        let st = parse_statement(
            "UPDATE t SET tags = set_delete(tags, <<'x', 'y'>>) WHERE pk = 'a'",
            &[],
        )
        .unwrap();
        let Statement::Update { update, .. } = st else {
            panic!()
        };
        let mut it = sample();
        update.apply(&mut it).unwrap();
        assert!(!it.contains_key("tags"));
        assert!(err("UPDATE t SET a = 1, a.b = 2 WHERE pk = 'a'", &[]).contains("overlap"));
        assert!(err("UPDATE t WHERE pk = 'a'", &[]).starts_with("Statement wasn't well formed"));
        assert!(err("UPDATE t SET a = 1", &[]).contains("end of statement"));
    }

    #[test]
    fn delete() {
        let st = parse_statement(
            "DELETE FROM \"t\" WHERE \"pk\" = 'a' RETURNING ALL OLD *",
            &[],
        )
        .unwrap();
        let Statement::Delete {
            table,
            condition,
            returning,
        } = st
        else {
            panic!()
        };
        assert_eq!(table, "t");
        assert_eq!(returning, Some(Returning::AllOld));
        assert_eq!(condition.key_equalities(&["pk"]), Some(vec![s("a")]));
        assert_eq!(condition.key_equalities(&["pk", "sk"]), None);
        assert!(err("DELETE FROM t WHERE pk = 'a' RETURNING ALL NEW *", &[]).contains("ALL OLD"));
        assert!(err("DELETE FROM t", &[]).contains("end of statement"));
    }

    #[test]
    fn parameters_and_errors() {
        assert_eq!(
            err("SELECT * FROM t WHERE pk = ?", &[]),
            "Number of parameters in request and statement don't match."
        );
        assert_eq!(
            err("SELECT * FROM t", &[s("x")]),
            "Number of parameters in request and statement don't match."
        );
        assert!(err("SELEC * FROM t", &[]).contains("Unexpected token SELEC"));
        assert!(err("SELECT * FROM t WHERE pk = 'a", &[]).contains("Unterminated"));
        assert!(err("SELECT * FROM t WHERE pk == 'a'", &[]).contains("Unexpected token ="));
        assert!(err("SELECT * FROM t WHERE pk = 'a' garbage", &[]).contains("garbage"));
        assert!(err("SELECT * FROM t WHERE foo(pk)", &[]).contains("Unsupported function"));
        assert!(err("SELECT * FROM t WHERE # = 1", &[]).contains("Unexpected character"));
        assert!(err("SELECT * FROM where", &[]).contains("Unexpected token"));
        assert!(err("", &[]).contains("end of statement"));
        let deep = format!(
            "SELECT * FROM t WHERE {}a = 1{}",
            "(".repeat(500),
            ")".repeat(500)
        );
        assert!(err(&deep, &[]).contains("nested too deeply"));
        let deep = format!(
            "INSERT INTO t VALUE {{'a': {}1{}}}",
            "[".repeat(40),
            "]".repeat(40)
        );
        assert!(err(&deep, &[]).contains("Nesting Levels"));
        let st = parse_statement("SELECT * FROM t -- a comment\nWHERE pk = 'a'", &[]).unwrap();
        assert!(matches!(
            st,
            Statement::Select {
                condition: Some(_),
                ..
            }
        ));
        assert_eq!(st.table(), "t");
        assert!(st.is_read());
    }
}
