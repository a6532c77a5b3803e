//! Portability: constructs one of SQLite, PostgreSQL and MySQL rejects or reads differently,
//! found on the token stream.

use crate::token::{Kind, Token};

use crate::diagnostic::{Code, Diagnostic};

/// Token-level portability checks.
pub fn portability(significant: &[Token]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut push = |t: &Token, what: &str, fix: &str| {
        out.push(Diagnostic::at(
            Code::Portability,
            t.line,
            t.column,
            what,
            fix,
        ));
    };
    for (i, t) in significant.iter().enumerate() {
        let next = significant.get(i + 1);
        match (t.kind, t.text.as_str()) {
            (Kind::Symbol, "::") => push(
                t,
                "`::` casts are PostgreSQL-only",
                "bind a parameter of the type you need (the names CAST takes differ between the databases)",
            ),
            (Kind::Symbol, "->" | "->>" | "#>" | "#>>" | "@>" | "<@") => push(
                t,
                "JSON operators (`->`, `->>`, `@>`, …) differ per database",
                "read the JSON column and decode it in Rust",
            ),
            (Kind::Symbol, "/") => push(
                t,
                "`/` truncates integers on PostgreSQL and SQLite but returns a decimal on MySQL",
                "divide in Rust",
            ),
            (Kind::Param, p) if p.starts_with('$') => push(
                t,
                "`$1`-style placeholders are PostgreSQL-only",
                "use named parameters like `:tenant_id`",
            ),
            (Kind::QuotedIdent, q) if q.starts_with('`') => push(
                t,
                "backtick-quoted identifiers are MySQL-only",
                "write the identifier unquoted",
            ),
            (Kind::QuotedIdent, _) => push(
                t,
                "double-quoted identifiers are strings on MySQL",
                "write the identifier unquoted",
            ),
            // Measured (the new-user trial): PostgreSQL and SQLite fail the statement with a bare
            // "database error", MySQL stores the NUL and answers.
            (Kind::Str, s) if s.contains('\0') => push(
                t,
                "a NUL character in a string: PostgreSQL and SQLite refuse the statement, MySQL runs it",
                "remove the NUL; text with control characters goes through a parameter, which the generated function checks",
            ),
            (Kind::Str, s) if s.contains('\\') => push(
                t,
                "a backslash in a string is an escape character on MySQL only",
                "bind the text as a parameter",
            ),
            (Kind::Word, w) => {
                let word = w.to_ascii_uppercase();
                let next_word = match next {
                    Some(n) if n.kind == Kind::Word => n.text.to_ascii_uppercase(),
                    _ => String::new(),
                };
                match word.as_str() {
                    "RETURNING" => push(t, "RETURNING is not supported by MySQL", "generate the id in Rust (UUIDv7) and read the row back if needed"),
                    "ILIKE" => push(t, "ILIKE is PostgreSQL-only", "compare with `=` against a value normalised in Rust, or store a normalised copy of the column"),
                    "AUTO_INCREMENT" | "AUTOINCREMENT" | "SERIAL" => push(t, "auto-increment columns differ per database", "use application-generated UUIDv7 ids"),
                    "ON" if next_word == "CONFLICT" || next_word == "DUPLICATE" => {
                        push(t, "upserts (`ON CONFLICT` / `ON DUPLICATE KEY`) differ per database", "check for the row in a write transaction, then INSERT or UPDATE")
                    }
                    "LIMIT" if significant.get(i + 2).is_some_and(|t| t.is_symbol(",")) => {
                        push(t, "`LIMIT a, b` is MySQL/SQLite-only", "write LIMIT :limit OFFSET :offset")
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}
