//! The unified schema (`src/schema.rs`) against what `diesel print-schema` prints for each
//! migrated backend (`schema/*.rs`): same tables, columns and nullability; and the checked-in
//! files are exactly what the diesel CLI prints today (drift check).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use trapperkeeper_db::url::Backend;

// The generated modules must at least compile against diesel's own types.
#[cfg(feature = "mysql")]
#[allow(dead_code)]
#[path = "../schema/mysql.rs"]
mod generated_mysql;
#[cfg(feature = "postgres")]
#[allow(dead_code)]
#[path = "../schema/postgres.rs"]
mod generated_postgres;
#[cfg(feature = "sqlite")]
#[allow(dead_code)]
#[path = "../schema/sqlite.rs"]
mod generated_sqlite;

/// Columns that exist on one backend only as an implementation device, never read or written:
/// MySQL has no partial unique index, so a generated column stands in for "key while live".
const HELPER_COLUMNS: &[(Backend, &str, &str)] =
    &[(Backend::Mysql, "configurations", "live_config_key")];

type Tables = BTreeMap<String, BTreeMap<String, bool>>;

/// Reads `table!` blocks: table → column → nullable.
fn parse(text: &str) -> Tables {
    let mut tables = Tables::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with("#[") || line.starts_with("//") || line.starts_with("use ") {
            continue;
        }
        if let Some(head) = line.strip_suffix('{') {
            if let Some((name, _pk)) = head.trim().split_once(" (") {
                if !name.contains(' ') && !name.contains('!') {
                    current = Some(name.to_string());
                    tables.entry(name.to_string()).or_default();
                }
            }
            continue;
        }
        if let (Some(table), Some((column, ty))) = (&current, line.split_once(" -> ")) {
            let nullable = ty.trim().starts_with("Nullable<");
            tables
                .get_mut(table)
                .unwrap()
                .insert(column.trim().to_string(), nullable);
        }
        if line == "}" {
            current = None;
        }
    }
    tables
}

fn file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn unified_schema_agrees_with_every_generated_module() {
    let unified = parse(&file("src/schema.rs"));
    assert_eq!(unified.len(), 7, "{unified:?}");
    for backend in Backend::ALL {
        let mut generated = parse(&file(&format!("schema/{}.rs", backend.name())));
        for (b, table, column) in HELPER_COLUMNS {
            if *b == backend {
                assert!(
                    generated.get_mut(*table).unwrap().remove(*column).is_some(),
                    "{backend}: helper {column} gone?"
                );
            }
        }
        assert_eq!(
            generated.keys().collect::<Vec<_>>(),
            unified.keys().collect::<Vec<_>>(),
            "{backend}: tables differ"
        );
        for (table, columns) in &unified {
            assert_eq!(
                &generated[table], columns,
                "{backend}: columns or nullability of {table} differ"
            );
        }
    }
}

/// Reads the `#[max_length = N]` of every text column (ids, CHAR(36), are typed apart):
/// (table, column) → N.
fn lengths(text: &str) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    let mut table: Option<String> = None;
    let mut pending: Option<usize> = None;
    for line in text.lines().map(str::trim) {
        if let Some(n) = line
            .strip_prefix("#[max_length = ")
            .and_then(|r| r.strip_suffix(']'))
        {
            pending = Some(n.parse().unwrap());
        } else if let Some(head) = line.strip_suffix('{') {
            if let Some((name, _)) = head.trim().split_once(" (") {
                table = Some(name.to_string());
            }
        } else if let (Some(t), Some((column, ty))) = (&table, line.split_once(" -> ")) {
            let ty = ty.trim_end_matches(',');
            if let Some(n) = pending.take() {
                if !ty.contains("Bpchar") && !ty.contains("Char") && !ty.contains("Uuid36") {
                    out.insert((t.clone(), column.trim().to_string()), n);
                }
            }
        }
    }
    out
}

/// The checker refuses a value longer than the unified `max_length`, so it must be the
/// VARCHAR length both servers enforce.
#[test]
fn unified_text_lengths_are_the_servers_varchar_lengths() {
    let unified = lengths(&file("src/schema.rs"));
    assert!(unified.len() >= 10, "{unified:?}");
    for backend in [Backend::Postgres, Backend::Mysql] {
        let mut generated = lengths(&file(&format!("schema/{}.rs", backend.name())));
        for (b, table, column) in HELPER_COLUMNS {
            if *b == backend {
                generated.remove(&(table.to_string(), column.to_string()));
            }
        }
        assert_eq!(generated, unified, "{backend}: text lengths differ");
    }
}

#[test]
fn the_parser_sees_nullability_and_columns() {
    let t = parse("diesel::table! {\n    a (id) {\n        #[max_length = 36]\n        id -> Char,\n        x -> Nullable<Text>,\n    }\n}\n");
    assert!(!t["a"]["id"]);
    assert!(t["a"]["x"]);
    assert_eq!(t["a"].len(), 2);
}

backend_tests!(checked_in_schema_matches_print_schema);

fn checked_in_schema_matches_print_schema(db: &common::TestDb) {
    let Some(diesel) = common::diesel_cli() else {
        return;
    };
    let mut conn = trapperkeeper_db::pool::connect_sync(&db.config()).unwrap();
    trapperkeeper_db::migrations::migrate(&mut conn, Default::default()).unwrap();
    drop(conn);
    let cli_url = common::diesel_cli_url(db);
    let out = std::process::Command::new(&diesel)
        .args(["print-schema", "--database-url", &cli_url])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map(common::recorded)
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let path = format!("schema/{}.rs", db.backend.name());
    assert!(
        printed == file(&path),
        "{path} differs from `diesel print-schema` on a freshly migrated {} database; regenerate it \
         (see README) and update src/schema.rs to match.\n--- printed ---\n{printed}",
        db.backend
    );
}

/// The entity list (`src/repository/entities.rs`) names every table of the schema once,
/// parents before children, and its parents are the schema's `joinable!`s (plus the tenant,
/// which owns every row).
#[test]
fn the_entity_list_is_the_schema() {
    use trapperkeeper_db::repository::entities::ENTITIES;
    let unified = parse(&file("src/schema.rs"));
    let listed: Vec<&str> = ENTITIES.iter().map(|(t, _, _)| *t).collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        unified.keys().map(String::as_str).collect::<Vec<_>>()
    );
    let joins: std::collections::BTreeSet<(String, String)> = file("src/schema.rs")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("diesel::joinable!("))
        .filter_map(|rest| {
            let (child, tail) = rest.split_once(" -> ")?;
            Some((child.to_string(), tail.split(' ').next()?.to_string()))
        })
        .collect();
    assert!(joins.len() >= 7, "{joins:?}");
    assert_eq!(ENTITIES[0], ("tenants", "Tenant", &[][..]));
    for (i, (table, _model, parents)) in ENTITIES.iter().enumerate() {
        for p in *parents {
            let at = listed.iter().position(|t| t == p).expect("a listed parent");
            assert!(at < i, "{table}: parent {p} comes later in the list");
        }
        if i > 0 {
            assert!(parents.contains(&"tenants"), "{table} is owned by a tenant");
        }
        let from_schema: Vec<&str> = joins
            .iter()
            .filter(|(c, p)| c == table && p != "tenants")
            .map(|(_, p)| p.as_str())
            .collect();
        let from_list: Vec<&str> = parents
            .iter()
            .copied()
            .filter(|p| *p != "tenants")
            .collect();
        assert_eq!(
            from_list, from_schema,
            "{table}: parents differ from the joinable!s"
        );
    }
}

/// The repository's column rules (declared with each entity) agree with the schema: a
/// `#[max_length = N]` text column has a name rule of N characters, a `JSON document` column a
/// JSON rule, every other written text column the free-text limit.
#[test]
fn column_rules_agree_with_the_schema() {
    use trapperkeeper_db::repository::entities::COLUMN_RULES;
    use trapperkeeper_db::repository::validate::Rule;
    let text = file("src/schema.rs");
    let lengths = lengths(&text);
    // (table, column) → (type, JSON marker)
    let mut columns = BTreeMap::new();
    let (mut table, mut json) = (None::<String>, false);
    for line in text.lines().map(str::trim) {
        if line.starts_with("/// JSON document") {
            json = true;
        } else if let Some(head) = line.strip_suffix('{') {
            if let Some((name, _)) = head.trim().split_once(" (") {
                table = Some(name.to_string());
            }
        } else if let (Some(t), Some((column, ty))) = (&table, line.split_once(" -> ")) {
            let ty = ty.trim_end_matches(',').to_string();
            columns.insert((t.clone(), column.trim().to_string()), (ty, json));
            json = false;
        }
    }
    // Text enums: their type holds only their values, which must fit the column; the rule
    // (`OneOf`, for named queries, which write text) names exactly those values.
    use trapperkeeper_db::repository::{rules::RuleAction, rules::RuleState, users::Role};
    let texts = |all: Vec<&'static str>| (all.iter().map(|t| t.len()).max().unwrap(), all);
    let enums = BTreeMap::from([
        (
            ("users", "role"),
            texts(Role::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            ("rules", "state"),
            texts(RuleState::ALL.iter().map(|v| v.as_str()).collect()),
        ),
        (
            ("rules", "action"),
            texts(RuleAction::ALL.iter().map(|v| v.as_str()).collect()),
        ),
    ]);
    let mut checked = 0;
    for (table, rules) in COLUMN_RULES {
        for (column, rule) in *rules {
            let key = (table.to_string(), column.to_string());
            let (ty, json) = columns
                .get(&key)
                .unwrap_or_else(|| panic!("{key:?} not in the schema"));
            if !ty.contains("Text") {
                assert!(
                    rule.is_none() || *rule == Some(Rule::Fraction),
                    "{key:?}: {rule:?} on {ty}"
                );
                continue;
            }
            checked += 1;
            match (lengths.get(&key), json, rule) {
                (Some(n), false, Some(Rule::OneOf(values)))
                    if enums.contains_key(&(*table, *column)) =>
                {
                    let (longest, texts) = &enums[&(*table, *column)];
                    assert!(*longest <= *n, "{key:?}: a value longer than {n}");
                    assert_eq!(
                        *values,
                        texts.as_slice(),
                        "{key:?}: the rule names the enum's values"
                    );
                }
                (Some(n), false, Some(Rule::Name(m) | Rule::Identifier(m))) => {
                    assert_eq!(n, m, "{key:?}")
                }
                (Some(64), false, Some(Rule::Sha256Hex)) => {}
                (None, true, Some(Rule::Json | Rule::JsonArray)) => {}
                (None, false, Some(Rule::Text)) => {}
                other => panic!("{key:?}: schema and rule disagree: {other:?}"),
            }
        }
    }
    assert!(checked >= 12, "{checked}");
}
