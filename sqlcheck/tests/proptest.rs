//! Property tests (RELIABILITY.md, scenario 6): the named-query checker takes any file text —
//! random, SQL-shaped, or a real query file with damage — and answers with generated code or
//! diagnostics, never a panic.

use proptest::prelude::*;
use tk_sqlcheck::{catalog, check_file};

fn catalog() -> catalog::Catalog {
    let schema =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../src/schema.rs")).unwrap();
    let entities = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../src/repository/entities.rs"
    ))
    .unwrap();
    catalog::parse_with_entities(&schema, &entities).unwrap()
}

fn corpus() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../queries");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

/// Checks `text`; diagnostics must name the file and a line inside it (or line 1).
fn check(text: &str) -> Result<(), TestCaseError> {
    if let Err(diagnostics) = check_file("queries/p.sql", "p", text, &catalog()) {
        prop_assert!(!diagnostics.is_empty());
        let lines = text.lines().count().max(1);
        for d in diagnostics {
            prop_assert_eq!(&d.file, "queries/p.sql");
            prop_assert!(
                d.line >= 1 && d.line <= lines + 1,
                "line {} of {}: {}",
                d.line,
                lines,
                d
            );
        }
    }
    Ok(())
}

const TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "tenants",
    "sensors",
    "rules",
    "tenant_id",
    "name",
    "deleted_at",
    "=",
    "<>",
    ":tenant",
    ":id",
    "?",
    "(",
    ")",
    ",",
    "*",
    "COUNT(*)",
    "AS",
    "JOIN",
    "LEFT JOIN",
    "ON",
    "AND",
    "OR",
    "NOT",
    "NULL",
    "IS",
    "IN",
    "BETWEEN",
    "LIMIT",
    "OFFSET",
    "10",
    "'x'",
    "ORDER BY",
    "GROUP BY",
    "HAVING",
    "INSERT INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    ";",
    "\n-- name: q2\n",
    "\n-- returns: many\n",
    "\n-- row: Rule\n",
    "\n-- all-tenants\n",
    "RETURNING",
    "::text",
    "`x`",
    "\"x\"",
    "$1",
    "->>",
    "ILIKE",
    "||",
    "/*",
    "*/",
    "--",
    "'",
    "CASE WHEN",
    "THEN",
    "ELSE",
    "END",
    "EXISTS",
    "UNION",
    "WITH",
    "x.y",
    "t.*",
    "1e999",
];

fn sql_shaped() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40)
        .prop_map(|tokens| format!("-- name: q\n{}", tokens.join(" ")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn any_text(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn sql_shaped_text(text in sql_shaped()) {
        check(&text)?;
    }

    #[test]
    fn damaged_real_files(
        file in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
        insert in prop::sample::select(TOKENS),
    ) {
        let files = corpus();
        let text = &files[file.index(files.len())];
        let mut start = at.index(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + cut).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let damaged = format!("{}{insert}{}", &text[..start], &text[end..]);
        check(&damaged)?;
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [100, 1_000, 100_000] {
        let open = "(".repeat(depth);
        let close = ")".repeat(depth);
        let text = format!(
            "-- name: deep\n-- returns: one\nSELECT {open}1{close} AS n FROM tenants WHERE tenant_id = :t AND deleted_at IS NULL"
        );
        let errors = check_file("queries/p.sql", "p", &text, &catalog()).expect_err("refused");
        assert!(
            errors
                .iter()
                .any(|d| d.message.contains("nested too deeply")),
            "depth {depth}: {errors:?}"
        );
    }
}
