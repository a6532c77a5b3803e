//! Golden test of the generated code: the module the build generates for `queries/` is the
//! committed `tests/golden/queries.rs`, so a change to the emitted SQL or to the Rust API shows
//! up in review as a diff. `TK_BLESS=1 cargo test -p tk-sqlcheck --test golden` rewrites it.

use std::path::Path;

#[test]
fn generated_code_is_the_golden_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = tk_sqlcheck::check_dir(
        &root.join("../queries"),
        &root.join("../src/schema.rs"),
        &root.join("../src/repository/entities.rs"),
    )
    .unwrap_or_else(|e| panic!("{e:#?}"));
    let golden = root.join("tests/golden/queries.rs");
    if std::env::var_os("TK_BLESS").is_some() {
        std::fs::write(&golden, &code).unwrap();
    }
    let want =
        std::fs::read_to_string(&golden).expect("tests/golden/queries.rs (TK_BLESS=1 writes it)");
    if code != want {
        let first = code
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(code.lines().count().min(want.lines().count()));
        panic!(
            "the generated code differs from tests/golden/queries.rs from line {}:\n  now:    {:?}\n  golden: {:?}\n(TK_BLESS=1 rewrites the golden file; review the diff)",
            first + 1,
            code.lines().nth(first),
            want.lines().nth(first)
        );
    }
}
