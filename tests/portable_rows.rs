//! The promise behind "start on SQLite, move to PostgreSQL or MySQL later": every value one
//! backend accepts, the others accept too. Property test: random valid rows (edge-case text up
//! to the 65,535-byte limit, multi-byte and astral characters, JSON, extreme rates, deleted
//! rows) are written through the repository on each backend, copied to each other backend, and
//! must verify and reread identically. And a source row over a limit (written by other means)
//! stops `db copy` before it writes anything.

mod common;

use common::TestDb;
use proptest::prelude::*;
use trapperkeeper_db::copy::{self, canonical_rows, Table};
use trapperkeeper_db::repository::configurations::{self, NewConfiguration};
use trapperkeeper_db::repository::rules::{self, NewRule, RuleAction, RuleState};
use trapperkeeper_db::repository::sensors::{self, NewSensor};
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::repository::users::{self, NewUser, Role};
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::AnyConnection;

fn backends() -> Vec<Backend> {
    [
        #[cfg(feature = "sqlite")]
        Backend::Sqlite,
        #[cfg(feature = "postgres")]
        Backend::Postgres,
        #[cfg(feature = "mysql")]
        Backend::Mysql,
    ]
    .to_vec()
}

/// Characters that differ between engines: multi-byte, astral (4-byte UTF-8), combining marks,
/// quotes and backslashes, SQL and JSON metacharacters, tab and newlines, trailing spaces.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => Just(' '),
        1 => prop::sample::select(vec![
            'é', 'ß', '株', '✓', '😀', '𝄞', '\u{301}', '\'', '"', '\\', '%', '_', '\t', '\n', '\r',
            '\u{feff}', '\u{200b}', 'İ', 'ı', 'Σ', 'ς',
        ]),
    ]
}

fn text(max_chars: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(text_char(), 0..max_chars).prop_map(|v| v.into_iter().collect())
}

/// A valid name: 1–128 characters, not blank, one line (no control characters).
fn name() -> impl Strategy<Value = String> {
    (proptest::char::range('a', 'z'), text(127)).prop_map(|(first, rest)| {
        let rest = rest.chars().filter(|c| !c.is_control());
        let mut s: String = std::iter::once(first).chain(rest).collect();
        while s.chars().count() > 128 {
            s.pop();
        }
        s
    })
}

/// Free text: short, or filled up to exactly the byte limit with multi-byte characters.
fn description() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        3 => text(64).prop_map(Some),
        1 => text(8).prop_map(|head| {
            let limit = trapperkeeper_db::repository::validate::MAX_TEXT_BYTES;
            let mut s = head;
            while s.len() + 2 <= limit {
                s.push('é');
            }
            while s.len() < limit {
                s.push('x');
            }
            Some(s)
        }),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e300f64..1e300).prop_map(serde_json::Value::from),
        text(16).prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(text(6), inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(1.0),
        Just(f64::MIN_POSITIVE),
        Just(1.0 - f64::EPSILON),
        0.0f64..=1.0
    ]
}

/// One tenant's worth of rows; `deleted` soft-deletes the first sensor (and its links).
#[derive(Debug, Clone)]
struct TenantRows {
    name: String,
    sensors: Vec<(String, Option<String>, serde_json::Value)>,
    rules: Vec<(String, f64, Vec<String>, serde_json::Value)>,
    config: Vec<(String, serde_json::Value)>,
    deleted: bool,
}

fn tenant_rows() -> impl Strategy<Value = TenantRows> {
    (
        name(),
        prop::collection::vec((name(), description(), json_value()), 0..4),
        prop::collection::vec(
            (
                name(),
                rate(),
                prop::collection::vec(text(8), 0..3),
                json_value(),
            ),
            0..3,
        ),
        prop::collection::vec(("[a-z][a-z0-9._-]{0,20}", json_value()), 0..3),
        any::<bool>(),
    )
        .prop_map(|(name, sensors, rules, config, deleted)| TenantRows {
            name,
            sensors,
            rules,
            config,
            deleted,
        })
}

/// Writes `rows` through the repository: every value is valid, so every write must succeed.
fn write(c: &mut AnyConnection, rows: &[TenantRows]) {
    for (n, t) in rows.iter().enumerate() {
        let tenant = tenants::create(
            c,
            NewTenant {
                name: t.name.clone(),
            },
        )
        .unwrap()
        .tenant_id;
        // Usernames are unique across tenants and may not end in whitespace.
        let base: String = t.name.chars().take(100).collect();
        let user = NewUser {
            username: format!("u{n}-{}", base.trim_end()),
            password_hash: "h".into(),
            role: Role::Observer,
            force_password_change: false,
        };
        users::create(c, tenant, user).unwrap();
        let mut first = None;
        for (name, description, metadata) in &t.sensors {
            let new = NewSensor {
                name: name.clone(),
                description: description.clone(),
                metadata: metadata.to_string(),
            };
            let s = sensors::create(c, tenant, new).unwrap();
            first.get_or_insert(s.sensor_id);
        }
        for (name, sample_rate, tags, expression) in &t.rules {
            let new = NewRule {
                name: name.clone(),
                description: None,
                state: RuleState::Active,
                action: RuleAction::Drop,
                sample_rate: *sample_rate,
                enabled: true,
                scope_tags: serde_json::to_string(tags).unwrap(),
                expression: expression.to_string(),
            };
            rules::create(c, tenant, new).unwrap();
        }
        for (key, value) in &t.config {
            let new = NewConfiguration {
                config_key: key.clone(),
                config_value: value.to_string(),
            };
            // Two generated keys may be equal: the second is a Conflict on every backend.
            let _ = configurations::create(c, tenant, new);
        }
        if let (true, Some(s)) = (t.deleted, first) {
            sensors::soft_delete(c, tenant, s).unwrap();
        }
    }
}

fn cases() -> u32 {
    common::count_from_env("TK_PORTABLE_CASES", 12) as u32
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 16, ..ProptestConfig::default() })]

    /// Rows written on any backend copy to every other backend and reread identically.
    #[test]
    fn rows_valid_on_one_backend_copy_to_every_other(
        rows in prop::collection::vec(tenant_rows(), 1..3)
    ) {
        for source_backend in backends() {
            let Some(source) = TestDb::create(source_backend) else { continue };
            let mut from = common::migrated(&source);
            write(&mut from, &rows);
            typed_reads_equal_blocking_reads(&source, &mut from);
            for target_backend in backends().into_iter().filter(|b| *b != source_backend) {
                let Some(target) = TestDb::create(target_backend) else { continue };
                let mut to = trapperkeeper_db::pool::connect_sync(&target.config()).unwrap();
                let checks = copy::copy(&mut from, &mut to, "test", false, 7, &mut |_, _, _| {})
                    .unwrap_or_else(|e| panic!("{source_backend} -> {target_backend}: {e}"));
                prop_assert!(checks.iter().all(|c| c.ok()));
                for &table in Table::ALL {
                    prop_assert_eq!(
                        canonical_rows(&mut from, table).unwrap(),
                        canonical_rows(&mut to, table).unwrap(),
                        "{} {} -> {}", table, source_backend, target_backend
                    );
                }
            }
        }
    }
}

/// The typed async reads (native drivers on the servers: diesel-async over tokio-postgres and
/// mysql_async, which decode rows themselves) give the rows the blocking drivers give, deleted
/// ones included, for every tenant's sensors, rules, users, API keys and configurations.
fn typed_reads_equal_blocking_reads(db: &TestDb, conn: &mut AnyConnection) {
    use trapperkeeper_db::repository::{api_keys, Page};
    let all = tenants::audit_list_including_deleted(conn, Page::first(1000)).unwrap();
    common::runtime().block_on(async {
        let database = trapperkeeper_db::Database::connect(&db.config()).await.unwrap();
        assert_eq!(database.runs_natively(), db.backend != Backend::Sqlite);
        for t in &all {
            let id = t.tenant_id;
            macro_rules! same {
                ($($entity:ident),+) => {$(
                    let page = Page::first(1000);
                    assert_eq!(
                        $entity::audit_list_including_deleted_async(&database, id, page).await.unwrap(),
                        $entity::audit_list_including_deleted(conn, id, page).unwrap(),
                        "{} on {}", stringify!($entity), db.backend
                    );
                    assert_eq!(
                        $entity::list_async(&database, id, page).await.unwrap(),
                        $entity::list(conn, id, page).unwrap(),
                        "{} on {}", stringify!($entity), db.backend
                    );
                    for row in $entity::list(conn, id, page).unwrap() {
                        assert_eq!(
                            $entity::get_async(&database, id, row.id()).await.unwrap(),
                            row
                        );
                    }
                )+};
            }
            same!(sensors, rules, users, api_keys, configurations);
        }
    });
}

/// A row over a limit that reached the source by other means (plain SQL) stops the copy before
/// anything is written: the error names the table, the row and the field, and the target is
/// left as it was (no migrations, no copy marker).
#[test]
fn an_oversized_source_row_stops_the_copy_before_writing() {
    use diesel::connection::SimpleConnection;
    let backends = backends();
    // The source must be able to hold the oversized row: MySQL cannot (that is the point).
    let Some(&source_backend) = backends.iter().find(|b| **b != Backend::Mysql) else {
        return;
    };
    let source = TestDb::create(source_backend).unwrap();
    let mut from = common::migrated(&source);
    write(
        &mut from,
        &[TenantRows {
            name: "t".into(),
            sensors: vec![("s".into(), None, serde_json::json!({}))],
            rules: vec![],
            config: vec![],
            deleted: false,
        }],
    );
    let long = "d".repeat(70_000);
    from.batch_execute(&format!("UPDATE sensors SET description = '{long}'"))
        .unwrap();
    for target_backend in backends {
        let Some(target) = TestDb::create(target_backend) else {
            continue;
        };
        let mut to = trapperkeeper_db::pool::connect_sync(&target.config()).unwrap();
        let err = copy::copy(&mut from, &mut to, "test", false, 100, &mut |_, _, _| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("sensors row ") && err.contains("invalid description"),
            "{err}"
        );
        let status = trapperkeeper_db::migrations::status(&mut to).unwrap();
        assert!(status.applied.is_empty(), "the target was not touched");
    }
}
