//! Portability: constructs one of SQLite, PostgreSQL and MySQL rejects or reads differently,
//! found on the token stream.

use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// A portability finding: (line, column) inside the SQL, what, and the fix.
pub type Finding = (usize, usize, String, String);

/// Functions that behave the same on all three (checked on the AST).
pub const PORTABLE_FUNCTIONS: &[&str] = &[
    "COUNT", "SUM", "MIN", "MAX", "AVG", "COALESCE", "LOWER", "UPPER", "ABS",
];

/// Token-level portability checks.
pub fn portability(sql: &str) -> Result<Vec<Finding>, Finding> {
    let tokens = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize_with_location()
        .map_err(|e| {
            (
                e.location.line as usize,
                e.location.column as usize,
                format!("cannot tokenize: {}", e.message),
                "fix the SQL syntax".to_string(),
            )
        })?;
    let significant: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut out = Vec::new();
    let at = |t: &TokenWithSpan| (t.span.start.line as usize, t.span.start.column as usize);
    let mut push = |t: &TokenWithSpan, what: &str, fix: &str| {
        let (l, c) = at(t);
        out.push((l, c, what.to_string(), fix.to_string()));
    };
    for (i, t) in significant.iter().enumerate() {
        let next = significant.get(i + 1).map(|t| &t.token);
        match &t.token {
            Token::DoubleColon => push(
                t,
                "`::` casts are PostgreSQL-only",
                "use CAST(expr AS type), or bind a typed parameter",
            ),
            Token::Arrow
            | Token::LongArrow
            | Token::HashArrow
            | Token::HashLongArrow
            | Token::AtArrow
            | Token::ArrowAt => push(
                t,
                "JSON operators (`->`, `->>`, `@>`, …) differ per database",
                "read the JSON column and decode it in Rust",
            ),
            Token::StringConcat => push(
                t,
                "`||` is string concatenation on PostgreSQL and SQLite but logical OR on MySQL",
                "build the string in Rust",
            ),
            Token::Placeholder(p) if p.starts_with('$') => push(
                t,
                "`$1`-style placeholders are PostgreSQL-only",
                "use named parameters like `:tenant_id`",
            ),
            Token::DoubleQuotedString(_) => push(
                t,
                "double-quoted strings are identifiers on PostgreSQL and SQLite",
                "use single quotes for strings",
            ),
            Token::Word(w) if w.quote_style == Some('`') => push(
                t,
                "backtick-quoted identifiers are MySQL-only",
                "write the identifier unquoted",
            ),
            Token::Word(w) if w.quote_style == Some('"') => push(
                t,
                "double-quoted identifiers are strings on MySQL",
                "write the identifier unquoted",
            ),
            Token::Word(w) if w.quote_style.is_none() => {
                let word = w.value.to_ascii_uppercase();
                let next_word = match next {
                    Some(Token::Word(n)) => n.value.to_ascii_uppercase(),
                    _ => String::new(),
                };
                match word.as_str() {
                    "RETURNING" => push(t, "RETURNING is not supported by MySQL", "generate the id in Rust (UUIDv7) and read the row back if needed"),
                    "ILIKE" => push(t, "ILIKE is PostgreSQL-only", "compare LOWER(column) with a lowercased parameter"),
                    "LIKE" => push(t, "LIKE is case-insensitive on SQLite and case-sensitive on PostgreSQL and MySQL (binary collation)", "compare LOWER(column) = LOWER(:param), or filter in Rust"),
                    "AUTO_INCREMENT" | "AUTOINCREMENT" | "SERIAL" => push(t, "auto-increment columns differ per database", "use application-generated UUIDv7 ids"),
                    "ON" if next_word == "CONFLICT" || next_word == "DUPLICATE" => {
                        push(t, "upserts (`ON CONFLICT` / `ON DUPLICATE KEY`) differ per database", "check for the row in a write transaction, then INSERT or UPDATE")
                    }
                    "LIMIT" if matches!(significant.get(i + 2).map(|t| &t.token), Some(Token::Comma)) => {
                        push(t, "`LIMIT a, b` is MySQL/SQLite-only", "write LIMIT :limit OFFSET :offset")
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
