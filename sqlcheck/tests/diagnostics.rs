//! Every class of error the checker reports, each from a fixture, with its file:line:col.

use tk_sqlcheck::{catalog, check_file, Diagnostic};

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

fn errors(text: &str) -> Vec<Diagnostic> {
    check_file("queries/fixture.sql", "fixture", text, &catalog())
        .expect_err("the fixture must be rejected")
}

/// Asserts one diagnostic mentions `needle` at `line:col` of the fixture, for query `name`.
fn expect(text: &str, line: usize, col: usize, name: &str, needle: &str) {
    let found = errors(text);
    let shown: Vec<String> = found.iter().map(|d| d.to_string()).collect();
    let hit = found
        .iter()
        .find(|d| d.message.contains(needle) || d.help.contains(needle));
    let Some(d) = hit else {
        panic!("no diagnostic mentions {needle:?}: {shown:#?}")
    };
    assert_eq!(
        (d.line, d.column),
        (line, col),
        "position of {needle:?}: {shown:#?}"
    );
    assert_eq!(d.query, name);
    let text = d.to_string();
    assert!(
        text.starts_with(&format!("queries/fixture.sql:{line}:{col}:")),
        "{text}"
    );
    assert!(
        text.contains("help: "),
        "every error says what would fix it: {text}"
    );
}

/// 1-based column of `token` in `sql`.
fn col(sql: &str, token: &str) -> usize {
    sql.find(token)
        .unwrap_or_else(|| panic!("{token:?} not in {sql:?}"))
        + 1
}

const OK_TAIL: &str = "WHERE tenant_id = :tenant_id AND deleted_at IS NULL";

#[test]
fn the_project_corpus_is_accepted() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../queries");
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../src/schema.rs");
    let entities = concat!(env!("CARGO_MANIFEST_DIR"), "/../src/repository/entities.rs");
    let code = tk_sqlcheck::check_dir(
        std::path::Path::new(dir),
        std::path::Path::new(schema),
        std::path::Path::new(entities),
    )
    .unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(
        code.matches("pub fn ").count() >= 15,
        "at least 15 named queries"
    );
}

#[test]
fn file_structure_errors() {
    expect(
        "SELECT 1;\n-- name: a\nSELECT name FROM tenants WHERE deleted_at IS NULL;\n",
        1,
        1,
        "",
        "SQL outside any block",
    );
    expect("-- name: a\nSELECT name FROM tenants WHERE deleted_at IS NULL;\n-- name: a\nSELECT name FROM tenants WHERE deleted_at IS NULL;\n", 3, 10, "a", "duplicate query name");
    expect(
        "-- name: empty\n\n-- name: b\nSELECT name FROM tenants WHERE deleted_at IS NULL;\n",
        1,
        1,
        "empty",
        "has no SQL",
    );
    expect(
        "-- name: Bad_Name\nSELECT name FROM tenants WHERE deleted_at IS NULL;\n",
        1,
        10,
        "Bad_Name",
        "not kebab-case",
    );
    expect(
        "-- name: a\n-- returns: lots\nSELECT name FROM tenants WHERE deleted_at IS NULL;\n",
        2,
        13,
        "a",
        "unknown `returns` value",
    );
    assert!(
        matches!(check_file("queries/x.sql", "x", "-- just a comment\n", &catalog()), Err(e) if e[0].message.contains("no named queries"))
    );
}

/// Names that would not compile as Rust, and annotations that would silently change the
/// block, are refused in the `.sql` file rather than as rustc errors in the generated code
/// (found by trying the checker as a new user).
#[test]
fn names_and_annotations_the_generated_code_needs() {
    const T: &str = "SELECT name FROM tenants WHERE tenant_id = :tenant_id AND deleted_at IS NULL";
    expect(
        &format!("-- name: match\n{T};\n"),
        1,
        10,
        "match",
        "Rust keyword",
    );
    expect(
        &format!("-- name: list-v2\n{T};\n-- name: list-v-2\n{T};\n"),
        3,
        10,
        "list-v-2",
        "give the same Rust names (ListV2Query",
    );
    expect(
        "-- name: q\nSELECT name AS type FROM tenants WHERE tenant_id = :tenant_id AND deleted_at IS NULL;\n",
        2,
        16,
        "q",
        "the result column type: type is a Rust keyword",
    );
    expect(
        "-- name: q\nSELECT name FROM tenants WHERE tenant_id = :type AND deleted_at IS NULL;\n",
        2,
        44,
        "q",
        ":type: type is a Rust keyword",
    );
    expect(
        "-- name: q\nSELECT name FROM tenants WHERE tenant_id = :conn AND deleted_at IS NULL;\n",
        2,
        44,
        "q",
        "a name the generated function uses itself",
    );
    expect(
        &format!("-- name: q\n-- retruns: one\n{T};\n"),
        2,
        4,
        "q",
        "unknown annotation `retruns:`",
    );
    expect(
        &format!("-- name: q\n-- Returns: one\n{T};\n"),
        2,
        4,
        "q",
        "unknown annotation `Returns:`",
    );
    expect(
        &format!("-- name: q\n-- returns: ONE\n{T};\n"),
        2,
        13,
        "q",
        "in lowercase",
    );
    expect(
        &format!("-- name: q\n-- param: lim Foo\n{T} LIMIT :lim;\n"),
        2,
        15,
        "q",
        "unknown type \"Foo\"",
    );
    expect(
        &format!("-- name: q\n-- column: total Vec<u8>\n{T};\n"),
        2,
        18,
        "q",
        "unknown type \"Vec<u8>\"",
    );
    expect(
        &format!("-- name: q\n-- param: x i64\n{T};\n"),
        2,
        11,
        "q",
        "`-- param: x` declares no parameter of this block",
    );
    expect(
        &format!("-- name: q\n-- column: nothere i64\n{T};\n"),
        2,
        12,
        "q",
        "`-- column: nothere` declares no result column",
    );
    expect(
        &format!("-- name: q\n-- keeps-modified-at:\n{T};\n"),
        2,
        22,
        "q",
        "needs a reason",
    );
    expect(
        &format!("--name: q\n{T};\n"),
        1,
        1,
        "",
        "looks like a `-- name:` line",
    );
    // One diagnostic per place: a `*` over a join repeats several names at once.
    let text = "-- name: q\nSELECT * FROM sensors s JOIN rules r ON r.tenant_id = s.tenant_id AND r.deleted_at IS NULL WHERE s.tenant_id = :tenant_id AND s.deleted_at IS NULL;\n";
    let found = errors(text);
    let at_star: Vec<_> = found
        .iter()
        .filter(|d| (d.line, d.column) == (2, 8))
        .collect();
    assert_eq!(at_star.len(), 1, "{found:#?}");
    assert!(
        at_star[0].message.contains("tenant_id, name, description"),
        "{found:#?}"
    );
    // A DELETE of a soft-deleted table is refused once, as a hard delete.
    let found = errors("-- name: q\nDELETE FROM sensors WHERE tenant_id = :tenant_id;\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("hard DELETE"));
    // Ordinary descriptions with a colon stay descriptions.
    check_file(
        "queries/fixture.sql",
        "fixture",
        &format!("-- name: q\n-- Note: the live name of a tenant.\n{T};\n"),
        &catalog(),
    )
    .unwrap();
    // A byte-order mark is not SQL.
    check_file(
        "queries/fixture.sql",
        "fixture",
        &format!("{}-- name: q\n{T};\n", char::from_u32(0xfeff).unwrap()),
        &catalog(),
    )
    .unwrap();
}

/// A file's name becomes a module: one that is not a Rust identifier is refused by name.
#[test]
fn file_names_become_modules() {
    let dir = tempfile_dir("names");
    for name in ["2fa.sql", "type.sql", "support.sql", "_.sql", "Support.sql"] {
        let path = dir.join(name);
        std::fs::write(&path, "-- name: q\nSELECT name FROM tenants WHERE tenant_id = :tenant_id AND deleted_at IS NULL;\n").unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let errors = tk_sqlcheck::check_dir(
            &dir,
            &root.join("../src/schema.rs"),
            &root.join("../src/repository/entities.rs"),
        )
        .unwrap_err();
        assert!(
            errors
                .iter()
                .any(|d| d.file.ends_with(name) && d.message.contains("becomes the module")),
            "{errors:#?}"
        );
        std::fs::remove_file(&path).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `a-b.sql` and `a_b.sql` would both be `mod a_b`; a hidden file (an editor's lock) is no
/// query file; a file with bare-CR line endings is one line.
#[test]
fn files_of_one_folder() {
    let dir = tempfile_dir("files");
    std::fs::create_dir_all(&dir).unwrap();
    let query = "-- name: q\nSELECT name FROM tenants WHERE tenant_id = :tenant_id AND deleted_at IS NULL;\n";
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let check = || {
        tk_sqlcheck::check_dir(
            &dir,
            &root.join("../src/schema.rs"),
            &root.join("../src/repository/entities.rs"),
        )
    };
    std::fs::write(dir.join("a-b.sql"), query).unwrap();
    std::fs::write(dir.join(".#a-b.sql"), "not SQL at all").unwrap();
    check().expect("a hidden file is skipped");
    std::fs::write(dir.join("a_b.sql"), query).unwrap();
    let errors = check().unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("a_b.sql and a-b.sql both become the module a_b"),
        "{errors:#?}"
    );
    std::fs::remove_file(dir.join("a_b.sql")).unwrap();
    std::fs::write(dir.join("mac.sql"), query.replace('\n', "\r")).unwrap();
    let errors = check().unwrap_err();
    assert!(errors[0].message.contains("bare CR"), "{errors:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A parameter before COALESCE's last argument may be NULL: it takes an `Option`.
#[test]
fn a_coalesce_parameter_is_optional() {
    let a = analyze_one(
        "-- name: q\nUPDATE rules SET name = COALESCE(:name, name), modified_at = :now\nWHERE tenant_id = :tenant_id AND rule_id = :rule_id AND deleted_at IS NULL;\n",
    );
    let name = a.params.iter().find(|p| p.name == "name").unwrap();
    assert_eq!(name.rust, "Option<&str>");
    let a = analyze_one(
        "-- name: q\nSELECT sensor_id FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND name = COALESCE(description, :fallback);\n",
    );
    let last = a.params.iter().find(|p| p.name == "fallback").unwrap();
    assert_eq!(
        last.rust, "&str",
        "the last argument is the value when all else is NULL"
    );
}

fn analyze_one(text: &str) -> tk_sqlcheck::analyze::Analyzed {
    let (blocks, errors) = tk_sqlcheck::file::split("queries/fixture.sql", text);
    assert!(errors.is_empty(), "{errors:#?}");
    tk_sqlcheck::analyze::analyze(&blocks[0], &catalog()).expect("accepted")
}

/// A scratch folder of one test. Each test its own: the tests of this binary run in parallel,
/// and one removing a shared folder took another's files away (seen in CI).
fn tempfile_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tk-sqlcheck-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn dialect_parse_errors() {
    expect(
        "-- name: a\nSELECT name FROM FROM tenants;\n",
        2,
        18,
        "a",
        "does not parse",
    );
    expect(
        "-- name: a\nSELECT name FROM tenants WHERE deleted_at IS NULL; SELECT 1;\n",
        2,
        52,
        "a",
        "exactly one statement",
    );
    // Read differently by the engines: a hex literal on MySQL, `0 AS x41` elsewhere.
    expect(
        "-- name: a\n-- returns: many\nSELECT 0x41 FROM tenants WHERE deleted_at IS NULL;\n",
        3,
        8,
        "a",
        "a number runs into letters",
    );
    // NULLS LAST is refused in a window's ORDER BY as in the query's.
    let sql = "SELECT sensor_id, ROW_NUMBER() OVER (ORDER BY name NULLS LAST) AS n FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL";
    expect(
        &format!("-- name: a\n{sql};\n"),
        2,
        col(sql, "NULLS"),
        "a",
        "NULLS FIRST / NULLS LAST",
    );
    // MySQL takes only whole numbers after LIMIT.
    expect(
        "-- name: a\n-- returns: many\nSELECT name FROM tenants WHERE deleted_at IS NULL LIMIT 1.5;\n",
        3,
        57,
        "a",
        "a whole number or a parameter after LIMIT",
    );
    // Parameter names are ASCII (they become Rust identifiers and are cut from the SQL by byte).
    let found = errors(
        "-- name: a\n-- returns: many\nSELECT name FROM tenants WHERE deleted_at IS NULL AND (name = :ñ);\n",
    );
    assert!(!found.is_empty());
}

#[test]
fn portability_errors_name_the_construct() {
    // (SQL, the token the error points at, what the message names)
    let cases: &[(&str, &str, &str)] = &[
        ("INSERT INTO tenants (tenant_id, name, created_at, modified_at) VALUES (:id, :n, :c, :m) RETURNING tenant_id", "RETURNING", "RETURNING"),
        ("SELECT name FROM sensors WHERE tenant_id = :tenant_id::text AND deleted_at IS NULL", "::", "`::` casts"),
        ("SELECT name FROM sensors WHERE name ILIKE :n AND tenant_id = :tenant_id AND deleted_at IS NULL", "ILIKE", "ILIKE"),
        ("SELECT name FROM sensors WHERE name LIKE :n AND tenant_id = :tenant_id AND deleted_at IS NULL", ":n", "LIKE takes a pattern literal"),
        ("SELECT name FROM sensors WHERE name LIKE 'a%' AND tenant_id = :tenant_id AND deleted_at IS NULL", "'a%'", "LIKE takes a pattern literal"),
        ("SELECT metadata->'a' AS a FROM sensors", "->", "JSON operators"),
        ("SELECT metadata->>'a' AS a FROM sensors", "->>", "JSON operators"),
        ("SELECT name FROM `sensors`", "`", "backtick"),
        ("SELECT name FROM sensors WHERE name = \"x\"", "\"", "double-quoted"),
        ("SELECT name FROM sensors WHERE tenant_id = $1", "$1", "`$1`-style"),
        ("SELECT name FROM sensors LIMIT 5, 10", "LIMIT", "LIMIT a, b"),
        ("INSERT INTO tenants (tenant_id, name, created_at, modified_at) VALUES (:id, :n, :c, :m) ON CONFLICT DO NOTHING", "ON CONFLICT", "upserts"),
        ("INSERT INTO tenants (tenant_id, name, created_at, modified_at) VALUES (:id, :n, :c, :m) ON DUPLICATE KEY UPDATE name = :n", "ON DUPLICATE", "upserts"),
        ("SELECT name AS auto_increment FROM sensors", "auto_increment", "auto-increment"),
    ];
    for (sql, token, needle) in cases {
        expect(
            &format!("-- name: q\n{sql};\n"),
            2,
            col(sql, token),
            "q",
            needle,
        );
    }
    expect(
        &format!("-- name: q\nSELECT NOW() AS t FROM sensors {OK_TAIL};\n"),
        2,
        8,
        "q",
        "function NOW",
    );
}

#[test]
fn schema_errors() {
    expect(
        "-- name: q\nSELECT name FROM sensor WHERE deleted_at IS NULL;\n",
        2,
        18,
        "q",
        "unknown table sensor",
    );
    expect(
        &format!("-- name: q\nSELECT nme FROM sensors {OK_TAIL};\n"),
        2,
        8,
        "q",
        "unknown column nme",
    );
    expect(
        "-- name: q\nSELECT name FROM rules r JOIN sensors s ON s.tenant_id = r.tenant_id AND s.deleted_at IS NULL\nWHERE r.tenant_id = :t AND r.deleted_at IS NULL;\n",
        2,
        8,
        "q",
        "ambiguous column name",
    );
    expect(
        &format!("-- name: q\nSELECT x.name FROM sensors s {OK_TAIL};\n"),
        2,
        8,
        "q",
        "unknown table or alias x",
    );
}

/// An unknown table, or a WITH query named like a table, is the one error of its block (its
/// columns, types and table rules would each be reported again, as the new-user trial saw).
#[test]
fn a_wrong_table_is_reported_once() {
    let found = errors(
        "-- name: q\nSELECT name FROM sensor WHERE tenant_id = :t AND deleted_at IS NULL;\n",
    );
    let shown: Vec<String> = found.iter().map(|d| d.to_string()).collect();
    assert_eq!(found.len(), 1, "{shown:#?}");
    assert!(
        found[0].message.contains("unknown table sensor"),
        "{shown:#?}"
    );
    let found = errors(
        "-- name: w\nWITH sensors AS (SELECT sensor_id, name FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL)\nSELECT name FROM sensors ORDER BY sensor_id;\n",
    );
    let shown: Vec<String> = found.iter().map(|d| d.to_string()).collect();
    assert_eq!(found.len(), 1, "{shown:#?}");
    assert!(
        found[0].message.contains("already names a table"),
        "{shown:#?}"
    );
}

/// Several problems of one file come in the order of the file.
#[test]
fn diagnostics_come_in_file_order() {
    let found = errors(
        "-- name: a\nSELECT nme FROM sensors WHERE tenant_id = :t AND deleted_at IS NULL;\n\n-- name: b\nSELECT name, x FROM sensors WHERE tenant_id = :t;\n",
    );
    let places: Vec<(usize, usize)> = found.iter().map(|d| (d.line, d.column)).collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert!(places.len() >= 3, "{found:#?}");
    assert_eq!(places, sorted);
}

/// A NUL in a string literal: PostgreSQL and SQLite fail the statement, MySQL runs it
/// (measured by the new-user trial).
#[test]
fn a_nul_in_a_literal_is_refused() {
    let sql = "SELECT name FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND name = 'a\0b'";
    expect(
        &format!("-- name: q\n{sql};\n"),
        2,
        col(sql, "'a"),
        "q",
        "a NUL character in a string",
    );
}

/// A file that is not a schema module, or an entity list that names nothing, is one error
/// naming that file.
#[test]
fn a_wrong_schema_or_entity_file_is_named() {
    let dir = tempfile_dir("catalog");
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.rs");
    std::fs::write(&garbage, "fn main() { println!(\"not a schema\"); }\n").unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = root.join("../src/schema.rs");
    for (schema_rs, entities, blamed, needle) in [
        (&garbage, None, &garbage, "no `diesel::table!`"),
        (&schema, Some(&garbage), &garbage, "names no entities"),
    ] {
        let errors =
            tk_sqlcheck::load_catalog(schema_rs, entities.map(|p| p.as_path())).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].file, blamed.display().to_string());
        assert!(errors[0].message.contains(needle), "{errors:#?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn parameter_errors() {
    // A parameter only tested for NULL has no type to take.
    let sql = format!("SELECT name FROM sensors {OK_TAIL} AND :flag IS NULL");
    expect(
        &format!("-- name: q\n{sql};\n"),
        2,
        col(&sql, ":flag"),
        "q",
        "cannot infer the type of :flag",
    );
    let sql = "SELECT name FROM sensors WHERE tenant_id = :x AND name = :x AND deleted_at IS NULL";
    expect(
        &format!("-- name: q\n{sql};\n"),
        2,
        col(sql, ":x AND deleted"),
        "q",
        ":x is used as TenantId and as &str",
    );
    let sql = format!("SELECT name FROM sensors {OK_TAIL} AND 1 = ?");
    expect(
        &format!("-- name: q\n{sql};\n"),
        2,
        col(&sql, "?"),
        "q",
        "cannot name this `?` parameter",
    );
}

#[test]
fn result_errors() {
    expect(
        &format!("-- name: q\nSELECT COUNT(*) FROM sensors {OK_TAIL};\n"),
        2,
        8,
        "q",
        "needs an alias",
    );
    expect(
        &format!("-- name: q\nSELECT COALESCE(NULL, NULL) AS top FROM sensors {OK_TAIL};\n"),
        2,
        32,
        "q",
        "top has no type of its own",
    );
    expect(
        &format!("-- name: q\n-- row: Sensor\nSELECT sensor_id, name FROM sensors {OK_TAIL};\n"),
        3,
        8,
        "q",
        "missing [tenant_id, description",
    );
    expect(
        &format!("-- name: q\n-- row: Tenant\nSELECT * FROM sensors {OK_TAIL};\n"),
        3,
        8,
        "q",
        "extra [sensor_id",
    );
    expect(
        &format!("-- name: q\n-- row: Robot\nSELECT * FROM sensors {OK_TAIL};\n"),
        2,
        9,
        "q",
        "unknown model Robot",
    );
    // At the first column out of place, not at the statement.
    expect(
        "-- name: q\n-- row: Tenant\nSELECT tenant_id, created_at, name, modified_at, deleted_at FROM tenants WHERE tenant_id = :tenant_id AND deleted_at IS NULL;\n",
        3,
        19,
        "q",
        "not in Tenant's order",
    );
    expect(
        &format!("-- name: q\nSELECT name, sensor_id AS name FROM sensors {OK_TAIL};\n"),
        2,
        27,
        "q",
        "two result columns are named name",
    );
    expect(
        "-- name: q\n-- returns: many\n  UPDATE rule_sensors SET modified_at = :now WHERE tenant_id = :tenant_id AND deleted_at IS NULL;\n",
        3,
        3,
        "q",
        "selects no columns",
    );
    expect(
        "-- name: q\nINSERT INTO rule_sensors (tenant_id, rule_id, sensor_id)\n  VALUES (:tenant_id, :rule_id);\n",
        3,
        11,
        "q",
        "3 columns but 2 values",
    );
}

/// Every diagnostic names its rule; the rule's name is part of the printed form.
#[test]
fn diagnostics_carry_their_code() {
    use tk_sqlcheck::Code;
    for (text, code) in [
        ("-- name: q\nSELECT name FROM sensors WHERE deleted_at IS NULL;\n", Code::TenantScope),
        ("-- name: q\nSELECT name FROM sensors WHERE tenant_id = :t;\n", Code::SoftDelete),
        (&format!("-- name: q\nSELECT name FROM sensors {OK_TAIL} AND name = 1;\n"), Code::Type),
        (&format!("-- name: q\nSELECT nme FROM sensors {OK_TAIL};\n"), Code::Schema),
        (&format!("-- name: q\nSELECT name::text FROM sensors {OK_TAIL};\n"), Code::Portability),
        (&format!("-- name: q\nSELECT name FROM sensors {OK_TAIL} LIMIT 5;\n"), Code::Meaning),
        ("-- name: q\nUPDATE sensors SET created_at = :n WHERE tenant_id = :tenant_id AND deleted_at IS NULL;\n", Code::Safety),
        (&format!("-- name: q\nSELECT name FROM sensors {OK_TAIL} AND;\n"), Code::Syntax),
        ("-- name: Q\nSELECT 1;\n", Code::Annotation),
    ] {
        let found = errors(text);
        assert!(
            found.iter().any(|d| d.code == code && d.to_string().contains(&format!("({code})"))),
            "{text}: want {code}, got {found:#?}"
        );
    }
}

#[test]
fn safety_lints() {
    expect(
        "-- name: q\nSELECT name FROM sensors WHERE deleted_at IS NULL;\n",
        2,
        18,
        "q",
        "without constraining sensors.tenant_id",
    );
    expect(
        "-- name: q\nSELECT name FROM sensors WHERE tenant_id = :t;\n",
        2,
        18,
        "q",
        "without filtering sensors.deleted_at IS NULL",
    );
    expect(
        "-- name: q\nSELECT s.name FROM sensors s JOIN rules r ON r.tenant_id = :t WHERE s.tenant_id = :t AND s.deleted_at IS NULL;\n",
        2,
        35,
        "q",
        "without filtering rules.deleted_at IS NULL",
    );
    expect(
        "-- name: q\nUPDATE sensors SET name = :n WHERE sensor_id = :id AND deleted_at IS NULL;\n",
        2,
        8,
        "q",
        "without constraining sensors.tenant_id",
    );
    expect("-- name: q\nINSERT INTO sensors (sensor_id, name, metadata, created_at, modified_at) VALUES (:id, :n, :m, :c, :c);\n", 2, 13, "q", "does not set tenant_id");
    expect(
        "-- name: q\nDELETE FROM sensors WHERE tenant_id = :t;\n",
        2,
        13,
        "q",
        "hard DELETE",
    );
    // A constraint counts only when every row must meet it: not under OR or NOT…
    expect(
        "-- name: q\nSELECT name FROM sensors WHERE (tenant_id = :t OR 1 = 1) AND deleted_at IS NULL;\n",
        2,
        18,
        "q",
        "without constraining sensors.tenant_id",
    );
    expect(
        "-- name: q\nSELECT name FROM sensors WHERE tenant_id = :t AND NOT (deleted_at IS NULL);\n",
        2,
        18,
        "q",
        "without filtering sensors.deleted_at IS NULL",
    );
    // …and a LEFT JOIN's ON filters only the joined table, never the one it is joined to.
    expect(
        "-- name: q\nSELECT s.name FROM sensors s LEFT JOIN rule_sensors r ON r.sensor_id = s.sensor_id AND r.tenant_id = :t AND s.tenant_id = :t AND r.deleted_at IS NULL WHERE s.deleted_at IS NULL;\n",
        2,
        20,
        "q",
        "without constraining sensors.tenant_id",
    );
    let left_join_ok = "-- name: q\nSELECT s.name FROM sensors s LEFT JOIN rule_sensors r ON r.sensor_id = s.sensor_id AND r.tenant_id = :t AND r.deleted_at IS NULL WHERE s.tenant_id = :t AND s.deleted_at IS NULL;\n";
    check_file("queries/fixture.sql", "fixture", left_join_ok, &catalog()).unwrap();
    // The opt-outs work.
    let ok = "-- name: q\n-- all-tenants\n-- include-deleted\nSELECT name FROM sensors;\n";
    check_file("queries/fixture.sql", "fixture", ok, &catalog()).unwrap();
}

#[test]
fn comments_inside_a_block_do_not_reach_the_emitted_sql() {
    // The emitted SQL is one line: a `--` comment left in it would swallow the WHERE clause.
    let text = "-- name: commented\n-- returns: many\nSELECT tenant_id, name\nFROM tenants\n\
                -- only live ones, as always\nWHERE deleted_at IS NULL /* the scope */\n\
                AND name = '--not a comment'\nORDER BY tenant_id;\n";
    let code = check_file("queries/fixture.sql", "fixture", text, &catalog())
        .expect("a commented block is accepted");
    assert!(!code.contains("only live ones"), "{code}");
    assert!(!code.contains("the scope"), "{code}");
    assert!(
        code.contains(
            "FROM tenants WHERE deleted_at IS NULL AND name = '--not a comment' ORDER BY"
        ),
        "{code}"
    );
}
