//! Tokens of DynamoDB's expression language (condition, filter, key-condition, projection and update
//! expressions share one lexer). Every token keeps its byte span so syntax errors can quote the text
//! around it the way DynamoDB does (`token: "x", near: "a x b"`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// `[A-Za-z_][A-Za-z0-9_]*`: an attribute name, a keyword or a function name.
    Ident,
    /// `#name`: an expression attribute name placeholder.
    NamePh,
    /// `:name`: an expression attribute value placeholder.
    ValuePh,
    /// `[0-9]+`: only meaningful as a list index.
    Number,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Plus,
    Minus,
    /// Any other character (or a lone `#` / `:`): always a syntax error where it appears.
    Unknown,
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        if self.kind == Tok::Eof {
            "<EOF>"
        } else {
            &src[self.start..self.end]
        }
    }
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Splits `src` into tokens, ending with one `Eof` token. Never fails: unknown characters become
/// `Unknown` tokens and the parser reports them where they stand.
pub fn tokenize(src: &str) -> Vec<Token> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                while i < bytes.len() && is_name_char(bytes[i]) {
                    i += 1;
                }
                Tok::Ident
            }
            b'0'..=b'9' => {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                Tok::Number
            }
            b'#' | b':' => {
                i += 1;
                let body = i;
                while i < bytes.len() && is_name_char(bytes[i]) {
                    i += 1;
                }
                if i == body {
                    Tok::Unknown
                } else if b == b'#' {
                    Tok::NamePh
                } else {
                    Tok::ValuePh
                }
            }
            b'<' => {
                i += 1;
                match bytes.get(i) {
                    Some(b'=') => {
                        i += 1;
                        Tok::Le
                    }
                    Some(b'>') => {
                        i += 1;
                        Tok::Ne
                    }
                    _ => Tok::Lt,
                }
            }
            b'>' => {
                i += 1;
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                    Tok::Ge
                } else {
                    Tok::Gt
                }
            }
            _ => {
                let kind = match b {
                    b'=' => Tok::Eq,
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    b'[' => Tok::LBracket,
                    b']' => Tok::RBracket,
                    b',' => Tok::Comma,
                    b'.' => Tok::Dot,
                    b'+' => Tok::Plus,
                    b'-' => Tok::Minus,
                    _ => Tok::Unknown,
                };
                // One whole character, even when it is several bytes of UTF-8.
                let width = src[i..].chars().next().map_or(1, char::len_utf8);
                i += width;
                kind
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out.push(Token {
        kind: Tok::Eof,
        start: bytes.len(),
        end: bytes.len(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn tokens() {
        use Tok::*;
        assert_eq!(
            kinds("a.b[12] <> :v AND #n>=size(x)"),
            [
                Ident, Dot, Ident, LBracket, Number, RBracket, Ne, ValuePh, Ident, NamePh, Ge,
                Ident, LParen, Ident, RParen, Eof
            ]
        );
        assert_eq!(kinds("<=<>=+-,"), [Le, Ne, Eq, Plus, Minus, Comma, Eof]);
        assert_eq!(kinds("# : é!"), [Unknown, Unknown, Unknown, Unknown, Eof]);
        let toks = tokenize("aé");
        assert_eq!(toks[1].text("aé"), "é");
        assert_eq!(toks[2].text("aé"), "<EOF>");
    }
}
