//! The tokenizer shared by the portability lints and the parser.
//!
//! It reads more than the grammar accepts (quoted identifiers, `$1`, `::`, JSON operators, …)
//! so that the lints can name a dialect-only construct instead of the parser reporting a bare
//! syntax error.

use std::fmt;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An unquoted identifier or keyword, as written (keywords are matched case-insensitively).
    Word,
    /// An identifier in backticks or double quotes; the quote is in `text`'s first character.
    QuotedIdent,
    /// A single-quoted string; `text` is the literal as written, quotes included.
    Str,
    /// A number (`10`, `1.5`, `1e9`).
    Number,
    /// A parameter: `:name`, `?` or `$1`, as written.
    Param,
    /// An operator or punctuation: `=`, `<>`, `(`, `,`, `.`, `;`, `::`, `->>`, …
    Symbol,
}

/// One token with the position of its first character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// The text as written.
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Token {
    /// Whether this is the keyword `kw` (given in upper case).
    pub fn is_keyword(&self, kw: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(kw)
    }

    /// Whether this is the operator or punctuation `s`.
    pub fn is_symbol(&self, s: &str) -> bool {
        self.kind == Kind::Symbol && self.text == s
    }

    /// (line, column).
    pub fn pos(&self) -> (usize, usize) {
        (self.line, self.column)
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::Word => write!(f, "`{}`", self.text),
            Kind::QuotedIdent => write!(f, "quoted identifier {}", self.text),
            Kind::Str => write!(f, "string {}", self.text),
            Kind::Number => write!(f, "number {}", self.text),
            Kind::Param => write!(f, "parameter {}", self.text),
            Kind::Symbol => write!(f, "`{}`", self.text),
        }
    }
}

/// A tokenizer error: (line, column, what).
pub type TokenError = (usize, usize, String);

/// Operators and punctuation, longest first so that `->>` wins over `->` and `-`.
const SYMBOLS: &[&str] = &[
    "->>", "#>>", "<=>", "->", "#>", "@>", "<@", "::", "||", "<>", "!=", "<=", ">=", "==", "<<",
    ">>", "&&", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", ";", ":", "&", "|",
    "^", "~", "!", "[", "]",
];

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// [`tokenize`], with a failure as the checker's diagnostic.
pub fn tokenize_checked(sql: &str) -> Result<Vec<Token>, crate::diagnostic::Diagnostic> {
    tokenize(sql).map_err(|(line, column, message)| {
        crate::diagnostic::Diagnostic::at(
            crate::diagnostic::Code::Syntax,
            line,
            column,
            format!("cannot tokenize: {message}"),
            "fix the SQL syntax".to_string(),
        )
    })
}

/// Splits `sql` into tokens, dropping whitespace and comments.
pub fn tokenize(sql: &str) -> Result<Vec<Token>, TokenError> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let (mut line, mut column) = (1usize, 1usize);
    let mut i = 0;
    // Moves over chars[from..to], keeping line and column true (strings and comments may span
    // lines).
    let step = |from: usize, to: usize, line: &mut usize, column: &mut usize| {
        for &c in &chars[from..to] {
            if c == '\n' {
                *line += 1;
                *column = 1;
            } else {
                *column += 1;
            }
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start = i;
        let kind;
        if c.is_whitespace() {
            step(i, i + 1, &mut line, &mut column);
            i += 1;
            continue;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            step(start, i, &mut line, &mut column);
            continue;
        } else if c == '/' && next == Some('*') {
            // Not nested: PostgreSQL nests block comments, MySQL and SQLite do not.
            let Some(end) = (i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
            else {
                return Err((line, column, "unterminated /* comment".into()));
            };
            i = end + 2;
            step(start, i, &mut line, &mut column);
            continue;
        } else if c == '\'' {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err((line, column, "unterminated string literal".into())),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            kind = Kind::Str;
        } else if c == '`' || c == '"' {
            match (i + 1..chars.len()).find(|&j| chars[j] == c) {
                Some(end) => i = end + 1,
                None => return Err((line, column, format!("unterminated {c}-quoted identifier"))),
            }
            kind = Kind::QuotedIdent;
        } else if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) {
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            if chars.get(i) == Some(&'.') {
                i += 1;
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
            }
            if matches!(chars.get(i), Some('e' | 'E')) {
                let digits_at = if matches!(chars.get(i + 1), Some('+' | '-')) {
                    i + 2
                } else {
                    i + 1
                };
                if chars.get(digits_at).is_some_and(char::is_ascii_digit) {
                    i = digits_at;
                    while chars.get(i).is_some_and(char::is_ascii_digit) {
                        i += 1;
                    }
                }
            }
            // `0x41`, `1e`, `2abc`: a hex literal on MySQL, an alias elsewhere (`0 AS x41`).
            if chars.get(i).is_some_and(|&c| is_ident_char(c)) {
                return Err((
                    line,
                    column,
                    "a number runs into letters (write hex and other literals portably, or \
                     put a space before an alias)"
                        .into(),
                ));
            }
            kind = Kind::Number;
        } else if is_ident_start(c) {
            while chars.get(i).is_some_and(|&c| is_ident_char(c)) {
                i += 1;
            }
            kind = Kind::Word;
        } else if c == ':' && next.is_some_and(|n| n.is_ascii_alphabetic() || n == '_') {
            // ASCII only: a name becomes a Rust identifier, and the SQL it is cut from is
            // rewritten byte for byte.
            i += 1;
            while chars
                .get(i)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == '_')
            {
                i += 1;
            }
            kind = Kind::Param;
        } else if c == '?' {
            i += 1;
            kind = Kind::Param;
        } else if c == '$' && next.is_some_and(is_ident_char) {
            i += 1;
            while chars.get(i).is_some_and(|&c| is_ident_char(c)) {
                i += 1;
            }
            kind = Kind::Param;
        } else if let Some(s) = SYMBOLS.iter().find(|s| {
            s.chars()
                .enumerate()
                .all(|(k, sc)| chars.get(i + k) == Some(&sc))
        }) {
            i += s.chars().count();
            kind = Kind::Symbol;
        } else {
            return Err((line, column, format!("unexpected character {c:?}")));
        }
        tokens.push(Token {
            kind,
            text: chars[start..i].iter().collect(),
            line,
            column,
        });
        step(start, i, &mut line, &mut column);
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, String, usize, usize)> {
        tokenize(sql)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text, t.line, t.column))
            .collect()
    }

    #[test]
    fn positions_survive_comments_and_multiline_strings() {
        let t = kinds("SELECT 'a''\nb' -- c\n/* d\n*/ x->>:p");
        assert_eq!(
            t,
            vec![
                (Kind::Word, "SELECT".into(), 1, 1),
                (Kind::Str, "'a''\nb'".into(), 1, 8),
                (Kind::Word, "x".into(), 4, 4),
                (Kind::Symbol, "->>".into(), 4, 5),
                (Kind::Param, ":p".into(), 4, 8),
            ]
        );
    }

    #[test]
    fn numbers_params_and_symbols() {
        let t = kinds("1e9 .5 2. $1 ? :a::text <> !=");
        let texts: Vec<&str> = t.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            texts,
            ["1e9", ".5", "2.", "$1", "?", ":a", "::", "text", "<>", "!="]
        );
    }

    #[test]
    fn errors_carry_positions() {
        assert_eq!(tokenize("x\n  'abc").unwrap_err().0, 2);
        assert_eq!(tokenize("x /* y").unwrap_err().1, 3);
        assert!(tokenize("x # y").is_err());
    }
}
