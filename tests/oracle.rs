//! A differential oracle for the named-query checker (in the spirit of SQLancer).
//!
//! The checker (`tk_sqlcheck`) promises that a `-- name:` block it accepts runs on SQLite,
//! PostgreSQL and MySQL with the same meaning. This test seeds the same rows full of edge values
//! into a fresh database per backend, generates random blocks over the schema (well-typed ones,
//! and now and then ill-typed or dialect-sensitive ones), and runs every block the checker
//! accepts on all three engines: with the parameters bound by the types the checker declared,
//! each result column decoded by its declared type. The three answers must agree — same rows
//! (in order when the ORDER BY is total), or for an UPDATE the same affected-row count and the
//! same rows afterwards. A block that fails everywhere, or returns NULL in a column declared NOT
//! NULL, is reported too.
//!
//! `TK_TEST_SEED` replays a run; `TK_ORACLE_CASES` sets the number of accepted blocks (default
//! 2000). The full report goes to `target/oracle-report.txt`.
#![cfg(all(feature = "sqlite", feature = "postgres", feature = "mysql"))]

mod common;

#[path = "oracle/engine.rs"]
mod engine;
#[path = "oracle/gen.rs"]
mod gen;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use diesel::prelude::*;
use tk_sqlcheck::analyze::Analyzed;
use tk_sqlcheck::catalog::Catalog;
use trapperkeeper_db::schema::{
    api_keys, configurations, rule_sensors, rules, sensors, tenants, users,
};
use trapperkeeper_db::types::{
    ApiKeyId, ConfigurationId, RuleId, RuleSensorId, SensorId, TenantId, Timestamp, UserId,
};
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::AnyConnection;

use engine::{Bind, Outcome, Ty, Value};
use gen::{Compare, Hint, Query, Rng};

const ENGINES: [&str; 3] = ["sqlite", "pg", "mysql"];

// ---------------------------------------------------------------------------------------------
// The seed: the same rows in every database.

/// Instants within 1900..2200, at microsecond precision (what every backend keeps).
fn instants() -> Vec<Timestamp> {
    let at = |y, mo, d, h, mi, s, us: i64| {
        Timestamp::from(
            Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + chrono::Duration::microseconds(us),
        )
    };
    vec![
        at(1900, 1, 1, 0, 0, 0, 0),
        at(1969, 12, 31, 23, 59, 59, 999_999),
        at(1970, 1, 1, 0, 0, 0, 0),
        at(2000, 2, 29, 12, 34, 56, 123_456),
        at(2024, 6, 1, 0, 0, 0, 0),
        at(2024, 6, 1, 0, 0, 0, 1),
        at(2038, 1, 19, 3, 14, 8, 0),
        at(2199, 12, 31, 23, 59, 59, 999_999),
    ]
}

/// What the seeded rows hold, for picking parameter values.
struct Seed {
    ts: Vec<Timestamp>,
    tenants: Vec<TenantId>,
    /// Ids by Rust type name (`RuleId`).
    ids: BTreeMap<&'static str, Vec<String>>,
    /// Text values by column name.
    texts: BTreeMap<&'static str, Vec<String>>,
}

fn seed_rows(conn: &mut AnyConnection, seed: &mut Option<Seed>) -> QueryResult<()> {
    // The ids are made once, so all three databases hold the same ones.
    let first = seed.is_none();
    let s = seed.get_or_insert_with(|| Seed {
        ts: instants(),
        tenants: vec![TenantId::new(), TenantId::new(), TenantId::new()],
        ids: BTreeMap::new(),
        texts: BTreeMap::new(),
    });
    let ts = s.ts.clone();
    let t = |i: usize| ts[i % ts.len()];
    let [t1, t2, t3] = [s.tenants[0], s.tenants[1], s.tenants[2]];
    let mut texts: Vec<(&'static str, &'static str)> = Vec::new();
    let mut text = |col: &'static str, v: &'static str| texts.push((col, v));

    let tenant_rows = [
        (t1, "Acme", t(4), t(4), None),
        (t2, "eve ", t(0), t(7), None),
        (t3, "Émile", t(3), t(3), Some(t(6))),
    ];
    for (id, name, c, m, d) in tenant_rows {
        text("name", name);
        diesel::insert_into(tenants::table)
            .values((
                tenants::tenant_id.eq(id),
                tenants::name.eq(name),
                tenants::created_at.eq(c),
                tenants::modified_at.eq(m),
                tenants::deleted_at.eq(d),
            ))
            .execute(conn)?;
    }

    // Usernames are unique across tenants (and MySQL's PAD SPACE would take 'eve' = 'eve ').
    let user_rows = [
        (t1, "eve", "hash", "admin", true, 4, 5, None),
        (t1, "EVE", "hash", "admin", false, 4, 4, None),
        (t1, "Émile", " hash", "operator", false, 1, 2, None),
        (t1, "émile", "hash ", "observer", true, 3, 3, Some(4)),
        (t1, "🦀 crab", "", "operator", true, 7, 7, None),
        (t1, "two  spaces", "hash", "observer", false, 2, 6, None),
        (t2, "straße", "hash", "admin", false, 0, 0, None),
        (t2, "", "x", "observer", false, 6, 6, None),
        (t3, "ghost", "x", "admin", false, 2, 2, Some(6)),
    ];
    let user_ids: Vec<UserId> = seed_ids(s, "UserId", user_rows.len(), first).unwrap();
    for (i, (tenant, username, hash, role, fpc, c, m, d)) in user_rows.into_iter().enumerate() {
        text("username", username);
        text("password_hash", hash);
        diesel::insert_into(users::table)
            .values((
                users::user_id.eq(user_ids[i]),
                users::tenant_id.eq(tenant),
                users::username.eq(username),
                users::password_hash.eq(hash),
                users::role.eq(role),
                users::force_password_change.eq(fpc),
                users::created_at.eq(t(c)),
                users::modified_at.eq(t(m)),
                users::deleted_at.eq(d.map(t)),
            ))
            .execute(conn)?;
    }

    let key_rows = [
        (t1, "ci key", None, 4, None),
        (t1, "ci key", Some(6), 4, None),
        (t1, "", Some(1), 1, None),
        (t2, "Deploy ", Some(0), 0, Some(5)),
        (t2, "deploy", None, 7, None),
        (t3, "old", None, 2, Some(6)),
    ];
    let key_ids: Vec<ApiKeyId> = seed_ids(s, "ApiKeyId", key_rows.len(), first).unwrap();
    for (i, (tenant, name, used, c, d)) in key_rows.into_iter().enumerate() {
        text("name", name);
        // CHAR(64): a full-length hash, since PostgreSQL pads a shorter one and MySQL strips.
        let hash = format!(
            "{:064x}",
            (i as u128 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
        );
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::api_key_id.eq(key_ids[i]),
                api_keys::tenant_id.eq(tenant),
                api_keys::name.eq(name),
                api_keys::key_hash.eq(&hash[hash.len() - 64..]),
                api_keys::last_used_at.eq(used.map(t)),
                api_keys::created_at.eq(t(c)),
                api_keys::modified_at.eq(t(c + 1)),
                api_keys::deleted_at.eq(d.map(t)),
            ))
            .execute(conn)?;
    }

    #[allow(clippy::type_complexity)]
    let sensor_rows: [(
        TenantId,
        &str,
        Option<&str>,
        &str,
        Option<usize>,
        usize,
        Option<usize>,
    ); 12] = [
        (t1, "eve", None, "{}", None, 4, None),
        (t1, "eve ", Some("Émile"), "{\"a\":1}", Some(5), 4, None),
        (t1, " eve", Some(""), "{}", Some(1), 1, None),
        (t1, "Émile", Some("émile"), "[]", None, 3, None),
        (t1, "émile", None, "", Some(7), 3, None),
        (t1, "straße", Some("STRASSE"), "{}", Some(0), 0, None),
        (t1, "🙂", Some("🙂"), "{}", None, 6, None),
        (t1, "eve", Some("gone"), "{}", None, 4, Some(5)),
        (t1, "two  spaces", Some("a ,b"), "{}", None, 2, None),
        (t2, "eve", None, "{}", Some(4), 4, None),
        (t2, "EVE", Some("x )"), "{}", None, 5, None),
        (t3, "x", None, "{}", None, 2, Some(6)),
    ];
    let sensor_ids: Vec<SensorId> = seed_ids(s, "SensorId", sensor_rows.len(), first).unwrap();
    for (i, (tenant, name, desc, meta, seen, c, d)) in sensor_rows.into_iter().enumerate() {
        text("name", name);
        text("metadata", meta);
        if let Some(desc) = desc {
            text("description", desc);
        }
        diesel::insert_into(sensors::table)
            .values((
                sensors::sensor_id.eq(sensor_ids[i]),
                sensors::tenant_id.eq(tenant),
                sensors::name.eq(name),
                sensors::description.eq(desc),
                sensors::metadata.eq(meta),
                sensors::last_seen_at.eq(seen.map(t)),
                sensors::created_at.eq(t(c)),
                sensors::modified_at.eq(t(c + 3)),
                sensors::deleted_at.eq(d.map(t)),
            ))
            .execute(conn)?;
    }

    #[allow(clippy::type_complexity)]
    let rule_rows: [(
        TenantId,
        &str,
        Option<&str>,
        &str,
        &str,
        f64,
        bool,
        &str,
        &str,
        Option<usize>,
    ); 11] = [
        (
            t1, "alpha", None, "active", "observe", 0.0, true, "[]", "{}", None,
        ),
        (
            t1,
            "alpha",
            Some("d"),
            "active",
            "drop",
            0.1,
            false,
            "[\"a\"]",
            "{}",
            None,
        ),
        (
            t1,
            "Beta",
            Some(""),
            "draft",
            "fail",
            0.5,
            true,
            "[]",
            "true",
            None,
        ),
        (
            t1, "beta", None, "disabled", "observe", 1.0, false, "[]", "", None,
        ),
        (
            t1,
            "eve ",
            Some("eve"),
            "active",
            "observe",
            0.1,
            true,
            "[]",
            "{}",
            Some(5),
        ),
        (
            t1,
            "Émile",
            Some("straße"),
            "active",
            "fail",
            1.0 / 3.0,
            true,
            "[]",
            "{}",
            None,
        ),
        (
            t1,
            "",
            None,
            "draft",
            "drop",
            0.999_999_999_999_999_9,
            false,
            "[]",
            "{}",
            None,
        ),
        (
            t1,
            "x )",
            Some("two  spaces"),
            "disabled",
            "fail",
            // Not 1e-300: double underflow in arithmetic on column values is a run-time error on
            // PostgreSQL only, which the checker does not cover (CHECKER.md).
            1e-6,
            true,
            "[]",
            "{}",
            None,
        ),
        (
            t2, "alpha", None, "active", "observe", 0.5, true, "[]", "{}", None,
        ),
        (
            t2,
            "straße",
            Some("Straße"),
            "draft",
            "drop",
            1e-9,
            false,
            "[]",
            "{}",
            None,
        ),
        (
            t3,
            "gamma",
            None,
            "active",
            "observe",
            0.25,
            true,
            "[]",
            "{}",
            Some(6),
        ),
    ];
    let rule_ids: Vec<RuleId> = seed_ids(s, "RuleId", rule_rows.len(), first).unwrap();
    for (i, (tenant, name, desc, state, action, rate, enabled, tags, expr, d)) in
        rule_rows.into_iter().enumerate()
    {
        text("name", name);
        text("scope_tags", tags);
        text("expression", expr);
        if let Some(desc) = desc {
            text("description", desc);
        }
        diesel::insert_into(rules::table)
            .values((
                rules::rule_id.eq(rule_ids[i]),
                rules::tenant_id.eq(tenant),
                rules::name.eq(name),
                rules::description.eq(desc),
                rules::state.eq(state),
                rules::action.eq(action),
                rules::sample_rate.eq(rate),
                rules::enabled.eq(enabled),
                rules::scope_tags.eq(tags),
                rules::expression.eq(expr),
                rules::created_at.eq(t(i)),
                rules::modified_at.eq(t(i / 2 + 2)),
                rules::deleted_at.eq(d.map(t)),
            ))
            .execute(conn)?;
    }

    // (tenant, rule, sensor, deleted): live links, deleted ones, links to a deleted rule or
    // sensor, and one pair linked twice.
    let link_rows = [
        (t1, 0, 0, None),
        (t1, 0, 1, None),
        (t1, 1, 0, None),
        (t1, 2, 3, Some(6)),
        (t1, 4, 0, None),
        (t1, 5, 7, None),
        (t1, 0, 1, None),
        (t1, 6, 8, None),
        (t1, 3, 6, None),
        (t2, 8, 9, None),
        (t2, 9, 10, Some(5)),
        (t3, 10, 11, Some(6)),
    ];
    let link_ids: Vec<RuleSensorId> = seed_ids(s, "RuleSensorId", link_rows.len(), first).unwrap();
    for (i, (tenant, r, sn, d)) in link_rows.into_iter().enumerate() {
        diesel::insert_into(rule_sensors::table)
            .values((
                rule_sensors::rule_sensor_id.eq(link_ids[i]),
                rule_sensors::tenant_id.eq(tenant),
                rule_sensors::rule_id.eq(rule_ids[r]),
                rule_sensors::sensor_id.eq(sensor_ids[sn]),
                rule_sensors::created_at.eq(t(i + 1)),
                rule_sensors::modified_at.eq(t(i + 1)),
                rule_sensors::deleted_at.eq(d.map(t)),
            ))
            .execute(conn)?;
    }

    // One live value per tenant and key (and MySQL's PAD SPACE reads 'eve ' as 'eve').
    let config_rows = [
        (t1, "eve", "\"x\"", None),
        (t1, "eve", "\"old\"", Some(3)),
        (t1, "Émile", "1", None),
        (t1, "émile", "2", None),
        (t1, "", "{}", None),
        (t1, "a ,b", "null", None),
        (t2, "eve ", "null", None),
        (t2, "EVE", "", None),
        (t3, "k", "v", Some(6)),
    ];
    let config_ids: Vec<ConfigurationId> =
        seed_ids(s, "ConfigurationId", config_rows.len(), first).unwrap();
    for (i, (tenant, key, value, d)) in config_rows.into_iter().enumerate() {
        text("config_key", key);
        text("config_value", value);
        diesel::insert_into(configurations::table)
            .values((
                configurations::configuration_id.eq(config_ids[i]),
                configurations::tenant_id.eq(tenant),
                configurations::config_key.eq(key),
                configurations::config_value.eq(value),
                configurations::created_at.eq(t(i + 2)),
                configurations::modified_at.eq(t(i + 2)),
                configurations::deleted_at.eq(d.map(t)),
            ))
            .execute(conn)?;
    }
    if first {
        s.ids.insert(
            "TenantId",
            s.tenants.iter().map(|t| t.to_string()).collect(),
        );
        for (col, v) in texts {
            let e = s.texts.entry(col).or_default();
            if !e.iter().any(|x| x == v) {
                e.push(v.to_string());
            }
        }
    }
    Ok(())
}

/// `n` ids of type `T`: made on the first database, re-read from the seed on the others.
fn seed_ids<T: std::str::FromStr + ToString + Default>(
    s: &mut Seed,
    kind: &'static str,
    n: usize,
    first: bool,
) -> Option<Vec<T>> {
    if first {
        let ids: Vec<T> = (0..n).map(|_| T::default()).collect();
        s.ids
            .insert(kind, ids.iter().map(|i| i.to_string()).collect());
        Some(ids)
    } else {
        s.ids.get(kind)?.iter().map(|i| i.parse().ok()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Engines.

struct Engine {
    db: common::TestDb,
    conn: AnyConnection,
}

impl Engine {
    fn reconnect(&mut self) {
        self.conn = trapperkeeper_db::pool::connect_sync(&self.db.config()).expect("reconnect");
    }
}

/// One checked block, ready to run.
struct Prepared {
    analyzed: Analyzed,
    binds: Vec<Bind>,
    /// With a list parameter: the SQL and binds each engine runs, as the generated code's
    /// `support::InList` writes them (`IN (?, …)`, `IN (NULL)`; PostgreSQL `= ANY($n)`).
    lists: Option<ListSql>,
    columns: Vec<(Ty, bool, String)>,
    /// The generated function refuses these values before any SQL runs (a negative
    /// LIMIT/OFFSET): the same on every engine.
    guard: Option<String>,
}

/// The placeholders of `sql` outside string literals (`?`, or `$n` when `dollar`).
fn count_placeholders(sql: &str, dollar: bool) -> usize {
    let mut n = 0;
    let mut in_string = false;
    for c in sql.chars() {
        if c == '\'' {
            in_string = !in_string;
        } else if !in_string && ((dollar && c == '$') || (!dollar && c == '?')) {
            n += 1;
        }
    }
    n
}

/// Binds each placeholder; `Err` names what the interface did not allow.
fn prepare(a: Analyzed, values: &BTreeMap<String, Value>) -> Result<Prepared, String> {
    let mut binds = Vec::new();
    let mut guard = None;
    // The generated function's checks before the statement runs (codegen.rs).
    for p in &a.params {
        match values.get(&p.name) {
            Some(Value::I64(v)) if p.non_negative && *v < 0 => {
                guard = Some(format!(
                    ":{} = {v} (LIMIT/OFFSET) must not be negative",
                    p.name
                ));
            }
            Some(Value::Text(t)) if p.max_chars.is_some_and(|n| t.chars().count() > n) => {
                guard = Some(format!(":{} is longer than its column", p.name));
            }
            Some(Value::Text(t))
                if p.json && serde_json::from_str::<serde::de::IgnoredAny>(t).is_err() =>
            {
                guard = Some(format!(":{} is not JSON", p.name));
            }
            _ => {}
        }
    }
    for &k in &a.binds {
        let p = a
            .params
            .get(k)
            .ok_or_else(|| format!("bind index {k} is not a parameter"))?;
        let (ty, nullable) = engine::parse_sql_type(&p.sql)
            .ok_or_else(|| format!("unknown parameter SQL type {}", p.sql))?;
        // A value the generated function makes (`__now`, `__id`): one fixed value, so that
        // the three engines see the same row.
        let made = || match p.generated.as_deref() {
            Some(g) if g.starts_with("Timestamp") => Some(Value::Ts(instants()[3])),
            _ => None,
        };
        let value = values
            .get(&p.name)
            .cloned()
            .or_else(made)
            .ok_or_else(|| format!("no value for :{}", p.name))?;
        if !value.fits(ty, nullable) {
            return Err(format!(
                "value {value:?} does not fit :{} {}",
                p.name, p.sql
            ));
        }
        binds.push(Bind {
            ty,
            nullable,
            value,
            array: false,
        });
    }
    let mut columns = Vec::new();
    for c in &a.columns {
        let (ty, nullable) = engine::parse_sql_type(&c.sql)
            .ok_or_else(|| format!("unknown column SQL type {}", c.sql))?;
        columns.push((ty, nullable, c.name.clone()));
    }
    let lists = a
        .params
        .iter()
        .any(|p| p.list)
        .then(|| expand_lists(&a, &binds));
    Ok(Prepared {
        lists,
        analyzed: a,
        binds,
        columns,
        guard,
    })
}

/// The key of parameter `name` in row `row` of a batch's values (row 0: the name itself).
fn row_key(name: &str, row: usize) -> String {
    if row == 0 {
        name.to_string()
    } else {
        format!("{name}#{row}")
    }
}

/// [`prepare`], and for a `-- batch` block every row of `values` (`name#row`, the tenant and
/// the instant shared) bound in one statement of as many VALUES tuples, as the function runs it.
fn prepare_rows(a: Analyzed, values: &BTreeMap<String, Value>) -> Result<Prepared, String> {
    if !a.batch {
        return prepare(a, values);
    }
    let rows = (1..)
        .take_while(|&r| {
            a.params
                .iter()
                .any(|p| values.contains_key(&row_key(&p.name, r)))
        })
        .count()
        + 1;
    if dollars(&a.qmark_sql) != a.pg_sql {
        return Err("a batch INSERT whose PostgreSQL SQL differs beyond placeholders".into());
    }
    let mut all = prepare(a.clone(), values)?;
    for row in 1..rows {
        let mut own = values.clone();
        for p in &a.params {
            if let Some(v) = values.get(&row_key(&p.name, row)) {
                own.insert(p.name.clone(), v.clone());
            }
        }
        let next = prepare(a.clone(), &own)?;
        all.binds.extend(next.binds);
        all.guard = all.guard.or(next.guard);
    }
    let at = a
        .qmark_sql
        .rfind(" VALUES ")
        .ok_or("a batch INSERT without VALUES")?;
    let (head, tuple) = (&a.qmark_sql[..at], &a.qmark_sql[at + " VALUES ".len()..]);
    let sql = format!("{head} VALUES {}", vec![tuple; rows].join(", "));
    all.analyzed.pg_sql = dollars(&sql);
    all.analyzed.qmark_sql = sql;
    Ok(all)
}

/// A block with a list parameter, as each engine runs it.
struct ListSql {
    qmark_sql: String,
    qmark_binds: Vec<Bind>,
    pg_sql: String,
    pg_binds: Vec<Bind>,
}

/// `?` placeholders (outside strings) as `$1…`.
fn dollars(sql: &str) -> String {
    let mut out = String::new();
    let (mut quote, mut n) = (false, 0);
    for c in sql.chars() {
        if c == '\'' {
            quote = !quote;
        }
        if c == '?' && !quote {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// Expands the list parameters of `a` (binds already in placeholder order): each list's
/// `IN (?)` becomes `IN (?, …)` (`IN (NULL)` when empty) for SQLite and MySQL, and `= ANY(?)`
/// with one array bind for PostgreSQL.
fn expand_lists(a: &Analyzed, binds: &[Bind]) -> ListSql {
    let mut qmark = String::new();
    let mut pg = String::new();
    let (mut qmark_binds, mut pg_binds) = (Vec::new(), Vec::new());
    let mut k = 0;
    let mut quote = false;
    for c in a.qmark_sql.chars() {
        if c == '\'' {
            quote = !quote;
        }
        if c != '?' || quote {
            qmark.push(c);
            pg.push(c);
            continue;
        }
        let b = &binds[k];
        let list = a.params[a.binds[k]].list;
        k += 1;
        match (&b.value, list) {
            (Value::List(values), true) => {
                if values.is_empty() {
                    qmark.push_str("NULL");
                }
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        qmark.push_str(", ");
                    }
                    qmark.push('?');
                    qmark_binds.push(Bind {
                        value: v.clone(),
                        array: false,
                        ..b.clone()
                    });
                }
                // `col IN (` … `)` → `col = ANY(` … `)`.
                let cut = pg.trim_end().trim_end_matches('(').trim_end().len();
                pg.truncate(cut.saturating_sub(2));
                pg.push_str("= ANY(?");
                pg_binds.push(Bind {
                    array: true,
                    ..b.clone()
                });
            }
            _ => {
                qmark.push('?');
                pg.push('?');
                qmark_binds.push(b.clone());
                pg_binds.push(b.clone());
            }
        }
    }
    ListSql {
        qmark_sql: qmark,
        qmark_binds,
        pg_sql: dollars(&pg),
        pg_binds,
    }
}

fn run_all(engines: &mut [Engine], p: &Prepared, update_table: Option<&str>) -> Vec<Outcome> {
    let a = &p.analyzed;
    engines
        .iter_mut()
        .enumerate()
        .map(|(i, e)| {
            let (sql, binds) = match (&p.lists, i == 1) {
                (Some(l), true) => (&l.pg_sql, &l.pg_binds),
                (Some(l), false) => (&l.qmark_sql, &l.qmark_binds),
                (None, true) => (&a.pg_sql, &p.binds),
                (None, false) => (&a.qmark_sql, &p.binds),
            };
            let (outcome, broken) = match (a.returns, update_table) {
                (tk_sqlcheck::file::Returns::Exec, Some(table)) => {
                    engine::update(&mut e.conn, sql, binds, table)
                }
                (tk_sqlcheck::file::Returns::Exec, None) => (
                    Outcome::Error("harness: an exec block that is not an UPDATE".into()),
                    false,
                ),
                _ => engine::select(&mut e.conn, sql, binds, &p.columns),
            };
            if broken {
                e.reconnect();
            }
            outcome
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Parameter values.

const EDGE_TEXTS: &[&str] = &[
    "eve",
    "eve ",
    " eve",
    "EVE",
    "Émile",
    "émile",
    "straße",
    "STRASSE",
    "",
    "🙂",
    "alpha",
    "active",
    "two  spaces",
    "x",
];

fn pick_value(
    rng: &mut Rng,
    seed: &Seed,
    name: &str,
    p: &tk_sqlcheck::analyze::Param,
    hint: &Hint,
) -> Value {
    if p.list {
        // Empty now and then (`IN (NULL)`, `= ANY('{}')`), duplicates possible.
        let one = tk_sqlcheck::analyze::Param {
            list: false,
            ..p.clone()
        };
        let n = rng.below(5);
        return Value::List(
            (0..n)
                .map(|_| pick_value(rng, seed, name, &one, hint))
                .collect(),
        );
    }
    let Some((ty, nullable)) = engine::parse_sql_type(&p.sql) else {
        return Value::Null;
    };
    if nullable && rng.chance(0.2) {
        return Value::Null;
    }
    match ty {
        Ty::Id => {
            let rust = p.rust.trim_start_matches("Option<").trim_end_matches('>');
            if rust == "TenantId" && name.contains("tenant") {
                let r = rng.below(100);
                let t = if r < 70 {
                    0
                } else if r < 95 {
                    1
                } else {
                    2
                };
                return Value::Id(seed.tenants[t]);
            }
            let r = rng.below(100);
            let pool = if r < 80 {
                seed.ids.get(rust)
            } else if r < 90 {
                let kinds: Vec<&&str> = seed.ids.keys().collect();
                seed.ids.get(**rng.pick(&kinds))
            } else {
                None
            };
            match pool {
                Some(ids) if !ids.is_empty() => {
                    let id: &String = rng.pick(ids);
                    Value::Id(TenantId::parse(id).expect("seeded ids parse"))
                }
                _ => Value::Id(TenantId::new()),
            }
        }
        Ty::Ts => Value::Ts(*rng.pick(&seed.ts)),
        Ty::Text => {
            let s = match hint {
                // Only values the CHECK constraints allow: the checker does not read them.
                Hint::Domain(d) => rng.pick(d).to_string(),
                Hint::Column(c) if rng.chance(0.6) => match seed.texts.get(c.as_str()) {
                    Some(v) => rng.pick(v).clone(),
                    None => rng.pick(EDGE_TEXTS).to_string(),
                },
                // Longer than any VARCHAR of the schema: a write must be refused alike.
                _ if rng.chance(0.1) => "é".repeat(256),
                _ => rng.pick(EDGE_TEXTS).to_string(),
            };
            Value::Text(s)
        }
        Ty::BigInt => Value::I64(match hint {
            Hint::Limit if rng.chance(0.03) => -1,
            Hint::Limit => *rng.pick(&[0, 1, 2, 3, 5, 100]),
            _ => *rng.pick(&[
                0,
                1,
                -1,
                2,
                3,
                7,
                2_147_483_647,
                2_147_483_648,
                -2_147_483_649,
                // Not i64::MAX/MIN: 64-bit overflow of arithmetic on parameter values is a run-time
                // error on PostgreSQL and MySQL and a float on SQLite, which the checker does not
                // cover (CHECKER.md); constants at the limits are still generated.
                // And up to 2^52: MariaDB computes `? + 3` in a double, exact only to 2^53.
                4_503_599_627_370_496,
            ]),
        }),
        Ty::Integer => Value::I32(*rng.pick(&[0, 1, -1, 7, i32::MAX, i32::MIN])),
        Ty::Double => Value::F64(match hint {
            Hint::Rate => *rng.pick(&[0.0, 0.1, 0.25, 0.5, 1.0]),
            _ => *rng.pick(&[0.0, 0.1, 0.5, 1.0, -2.5, 1e15, 1.0 / 3.0, 1e-9]),
        }),
        Ty::Bool => Value::Bool(rng.chance(0.5)),
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing and classifying.

/// An error message without its quoted parts and numbers, for grouping.
fn signature(msg: &str) -> String {
    let msg = msg.split(" [column ").next().unwrap_or(msg);
    let mut out = String::new();
    let mut quote = None;
    for c in msg.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push('…');
            }
            Some(_) => {}
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '0'..='9' => {
                    if !out.ends_with('#') {
                        out.push('#')
                    }
                }
                _ => out.push(c),
            },
        }
    }
    let out: String = out.chars().take(100).collect();
    out.trim().to_string()
}

/// Whether every engine that failed, failed on arithmetic overflow or underflow at run time
/// (and one did): the class CHECKER.md puts out of a build-time check's reach, counted apart.
fn runtime_overflow(o: &[Outcome]) -> bool {
    let messages: Vec<String> = o
        .iter()
        .filter_map(failure)
        .map(|(_, m)| m.to_ascii_lowercase())
        .collect();
    !messages.is_empty()
        && messages.iter().all(|m| {
            m.contains("out of range") || m.contains("overflow") || m.contains("underflow")
        })
}

fn failure(o: &Outcome) -> Option<(&'static str, &str)> {
    match o {
        Outcome::Error(m) => Some(("error", m)),
        Outcome::Decode(m) => Some(("decode failure", m)),
        _ => None,
    }
}

#[derive(Debug, PartialEq)]
enum View<'a> {
    Rows(Vec<&'a Vec<Option<String>>>),
    Count(usize),
    Exec(usize, &'a [String]),
}

fn view(o: &Outcome, cmp: Compare) -> View<'_> {
    match o {
        Outcome::Rows { rows, .. } => match cmp {
            Compare::Ordered => View::Rows(rows.iter().collect()),
            Compare::Multiset => {
                let mut v: Vec<&Vec<Option<String>>> = rows.iter().collect();
                v.sort();
                View::Rows(v)
            }
            Compare::Count => View::Count(rows.len()),
        },
        Outcome::Exec { affected, after } => View::Exec(*affected, after),
        _ => unreachable!("failures are classified first"),
    }
}

fn who(idx: &[usize]) -> String {
    idx.iter()
        .map(|&i| ENGINES[i])
        .collect::<Vec<_>>()
        .join("+")
}

/// How the rows of `a` differ from those of `b`.
fn row_difference(a: &Outcome, b: &Outcome, columns: &[(Ty, bool, String)]) -> String {
    let (Outcome::Rows { rows: a, .. }, Outcome::Rows { rows: b, .. }) = (a, b) else {
        return String::new();
    };
    if a.len() != b.len() {
        return "another row count".into();
    }
    let (mut sa, mut sb) = (a.clone(), b.clone());
    sa.sort();
    sb.sort();
    if sa == sb {
        return "same rows, another order".into();
    }
    for (ra, rb) in sa.iter().zip(&sb) {
        for (k, (x, y)) in ra.iter().zip(rb).enumerate() {
            if x != y {
                let ty = columns
                    .get(k)
                    .map(|c| format!("{:?}", c.0))
                    .unwrap_or_default();
                return match (x, y) {
                    (None, _) | (_, None) => format!("a {ty} column: NULL against a value"),
                    _ => format!("a {ty} column: other values"),
                };
            }
        }
    }
    "other values".into()
}

/// The disagreement class of three outcomes (`None`: they agree), without the hazard tag.
fn classify(o: &[Outcome], cmp: Compare, columns: &[(Ty, bool, String)]) -> Option<String> {
    let fails: Vec<usize> = (0..3).filter(|&i| o[i].is_failure()).collect();
    if fails.len() == 3 {
        let (kind, msg) = failure(&o[1]).expect("failed");
        return Some(format!("{kind} everywhere — pg: {}", signature(msg)));
    }
    if let Some(&first) = fails.first() {
        let (kind, msg) = failure(&o[first]).expect("failed");
        return Some(format!(
            "{kind} on {} only — {}: {}",
            who(&fails),
            ENGINES[first],
            signature(msg)
        ));
    }
    let v: Vec<View> = o.iter().map(|x| view(x, cmp)).collect();
    // (who, the odd one, one of the others)
    let odd = if v[0] == v[1] && v[1] == v[2] {
        None
    } else if v[0] == v[1] {
        Some(("mysql differs", 2, 0))
    } else if v[0] == v[2] {
        Some(("pg differs", 1, 0))
    } else if v[1] == v[2] {
        Some(("sqlite differs", 0, 1))
    } else {
        Some(("all three differ", 1, 0))
    };
    if let Some((odd, i, j)) = odd {
        let what = match (&v[0], &v[1], &v[2]) {
            (View::Exec(a, _), View::Exec(b, _), View::Exec(c, _)) if !(a == b && b == c) => {
                "update: affected-row count"
            }
            (View::Exec(..), _, _) => "update: rows after",
            (View::Count(_), _, _) => "row count (LIMIT over a non-total order)",
            _ => {
                return Some(format!(
                    "rows — {odd}: {}",
                    row_difference(&o[i], &o[j], columns)
                ))
            }
        };
        return Some(format!("{what} — {odd}"));
    }
    let nulls: Vec<usize> = (0..3)
        .filter(|&i| matches!(&o[i], Outcome::Rows { null_in_not_null, .. } if !null_in_not_null.is_empty()))
        .collect();
    if !nulls.is_empty() {
        return Some(format!(
            "NULL in a column declared NOT NULL (on {})",
            who(&nulls)
        ));
    }
    None
}

/// The hazard that most likely explains a disagreement without an error message: the first
/// tag of the block in a list chosen by the kind of disagreement.
fn primary_tag(coarse: &str, tags: &BTreeSet<&'static str>) -> &'static str {
    const NULLS: &[&str] = &[
        "nullable-annotation",
        "left-join-column",
        "text-minmax",
        "int-aggregate",
        "avg-int",
        "agg",
        "case-no-else",
        "case-simple",
        "null-literal",
        "ill:",
    ];
    const ORDER_ONLY: &[&str] = &[
        "order-nullable",
        "nullable",
        "order-text",
        "alias-shadows-column",
        "order-alias",
        "order-ordinal",
    ];
    const GENERAL: &[&str] = &[
        "set-dependency",
        "ill:",
        "modulo-zero",
        "modulo-double",
        "modulo-decimal",
        "decimal-literal",
        "huge-int",
        "alias-in-where",
        "optional-filter",
        "alias-in-order-expression",
        "alias-shadows-column",
        "group-lax",
        "case-fn",
        "order-nullable",
        "text-minmax",
        "int-aggregate",
        "avg-int",
        "agg",
        "case-no-else",
        "case-simple",
        "null-literal",
        "null-in-list",
        "nullable-annotation",
        "left-join-column",
        "nullable",
        "order-text",
        "text",
    ];
    let list = if coarse.starts_with("NULL in") {
        NULLS
    } else if coarse.contains("another order") {
        ORDER_ONLY
    } else {
        GENERAL
    };
    for p in list {
        if let Some(t) = tags.iter().find(|t| t.starts_with(p)) {
            return t;
        }
    }
    "other"
}

fn needs_tag(coarse: &str) -> bool {
    !(coarse.starts_with("error") || coarse.starts_with("decode") || coarse.starts_with("checker"))
}

fn full_label(coarse: &str, tags: &BTreeSet<&'static str>) -> String {
    if needs_tag(coarse) {
        format!("{coarse} [{}]", primary_tag(coarse, tags))
    } else {
        coarse.to_string()
    }
}

/// The string literals of `sql`.
fn string_literals(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if chars[i] == '\'' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' && chars.get(i + 1) == Some(&'\'') {
                    i += 2;
                } else if chars[i] == '\'' {
                    break;
                } else {
                    i += 1;
                }
            }
            out.push(chars[start..=i.min(chars.len() - 1)].iter().collect());
        }
        i += 1;
    }
    out
}

/// Checks of the emitted SQL against the block, before anything runs.
fn checker_problem(q: &Query, a: &Analyzed) -> Option<String> {
    for lit in string_literals(&q.sql()) {
        if !a.qmark_sql.contains(&lit) || !a.pg_sql.contains(&lit) {
            return Some(format!(
                "checker: the emitted SQL changes the string literal {lit}"
            ));
        }
    }
    if count_placeholders(&a.qmark_sql, false) != a.binds.len()
        || count_placeholders(&a.pg_sql, true) != a.binds.len()
    {
        return Some("checker: placeholders in the SQL and binds disagree".into());
    }
    None
}

// ---------------------------------------------------------------------------------------------
// One case, reduction, report.

struct Case {
    query: Query,
    prepared: Prepared,
    values: BTreeMap<String, Value>,
    outcomes: Vec<Outcome>,
    coarse: String,
}

fn analyze_text(text: &str, catalog: &Catalog) -> Result<Analyzed, String> {
    let (blocks, errors) = tk_sqlcheck::file::split("oracle.sql", text);
    if let Some(e) = errors.first() {
        return Err(e.message.clone());
    }
    let block = blocks.first().ok_or("no block")?;
    let a = tk_sqlcheck::analyze::analyze(block, catalog)
        .map_err(|p| p.first().map(|d| d.message.clone()).unwrap_or_default())?;
    // An INSERT … SELECT runs its SELECT on the engine; the rows it inserts are made from
    // those in Rust (tests/queries.rs), so the SELECT is what must agree.
    Ok(match a.copy {
        Some(copy) => *copy.source,
        None => a,
    })
}

/// Runs `q` with `values`; `None` when the checker refuses it or a value is missing.
fn evaluate(
    engines: &mut [Engine],
    catalog: &Catalog,
    q: &Query,
    values: &BTreeMap<String, Value>,
) -> Option<(Prepared, Vec<Outcome>, Option<String>)> {
    let a = analyze_text(&q.text(), catalog).ok()?;
    if let Some(problem) = checker_problem(q, &a) {
        let prepared = prepare_rows(a, values).ok()?;
        return Some((prepared, vec![], Some(problem)));
    }
    let prepared = prepare_rows(a, values).ok()?;
    if prepared.guard.is_some() {
        return Some((prepared, vec![], None));
    }
    let outcomes = run_all(engines, &prepared, q.update_table());
    let label = classify(&outcomes, q.compare(), &prepared.columns);
    Some((prepared, outcomes, label))
}

/// Drops elements and replaces expressions by sub-expressions while the disagreement stays the
/// same (same class, and the hazard tag still present).
fn reduce(engines: &mut [Engine], catalog: &Catalog, case: &Case, budget: &mut usize) -> Case {
    let tag = primary_tag(&case.coarse, &case.query.all_tags());
    let mut best = Case {
        query: case.query.clone(),
        prepared: Prepared {
            lists: case
                .prepared
                .analyzed
                .params
                .iter()
                .any(|p| p.list)
                .then(|| expand_lists(&case.prepared.analyzed, &case.prepared.binds)),
            analyzed: case.prepared.analyzed.clone(),
            binds: case.prepared.binds.clone(),
            columns: case.prepared.columns.clone(),
            guard: None,
        },
        values: case.values.clone(),
        outcomes: case.outcomes.clone(),
        coarse: case.coarse.clone(),
    };
    'outer: loop {
        for cand in best.query.shrinks() {
            if *budget == 0 {
                break 'outer;
            }
            *budget -= 1;
            if needs_tag(&case.coarse)
                && tag != "other"
                && primary_tag(&case.coarse, &cand.all_tags()) != tag
            {
                continue;
            }
            if let Some((prepared, outcomes, Some(label))) =
                evaluate(engines, catalog, &cand, &case.values)
            {
                if label == case.coarse {
                    best = Case {
                        query: cand,
                        prepared,
                        values: case.values.clone(),
                        outcomes,
                        coarse: label,
                    };
                    continue 'outer;
                }
            }
        }
        break;
    }
    best
}

fn show_outcome(o: &Outcome, others: &[Outcome]) -> String {
    match o {
        Outcome::Error(m) => format!("ERROR {m}"),
        Outcome::Decode(m) => format!("DECODE {m}"),
        Outcome::Rows {
            rows,
            null_in_not_null,
        } => {
            let shown: Vec<String> = rows
                .iter()
                .take(8)
                .map(|r| {
                    let cells: Vec<String> = r
                        .iter()
                        .map(|c| c.clone().unwrap_or_else(|| "NULL".into()))
                        .collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            let more = if rows.len() > 8 {
                format!(" … {} more", rows.len() - 8)
            } else {
                String::new()
            };
            let nulls = if null_in_not_null.is_empty() {
                String::new()
            } else {
                format!("  [NULL in NOT NULL {}]", null_in_not_null.join(", "))
            };
            format!("{} rows: {}{more}{nulls}", rows.len(), shown.join(" "))
        }
        Outcome::Exec { affected, after } => {
            // Only the rows that are not the same everywhere.
            let common: Vec<&String> = after
                .iter()
                .filter(|r| {
                    others.iter().all(|o| match o {
                        Outcome::Exec { after, .. } => after.contains(r),
                        _ => false,
                    })
                })
                .collect();
            let diff: Vec<&String> = after.iter().filter(|r| !common.contains(r)).collect();
            let mut s = format!("affected {affected}");
            if !diff.is_empty() {
                s.push_str(&format!(
                    "; rows that differ: {}",
                    diff.iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            s
        }
    }
}

fn describe(case: &Case) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", case.query.text().trim_end());
    let params: Vec<String> = case
        .prepared
        .analyzed
        .params
        .iter()
        .map(|p| {
            format!(
                ":{} {} = {}",
                p.name,
                p.rust,
                case.values
                    .get(&p.name)
                    .map(Value::show)
                    .unwrap_or_default()
            )
        })
        .collect();
    if !params.is_empty() {
        let _ = writeln!(s, "  params: {}", params.join(", "));
    }
    let rows: Vec<String> = case
        .values
        .iter()
        .filter(|(k, _)| k.contains('#'))
        .map(|(k, v)| format!(":{k} = {}", v.show()))
        .collect();
    if !rows.is_empty() {
        let _ = writeln!(s, "  later rows: {}", rows.join(", "));
    }
    let _ = writeln!(
        s,
        "  sqlite/mysql SQL: {}",
        case.prepared.analyzed.qmark_sql
    );
    let _ = writeln!(
        s,
        "  tags: {:?}; compared {:?}",
        case.query.all_tags(),
        case.query.compare()
    );
    for (i, o) in case.outcomes.iter().enumerate() {
        let others: Vec<Outcome> = case
            .outcomes
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, o)| o.clone())
            .collect();
        let _ = writeln!(s, "  {:>6}: {}", ENGINES[i], show_outcome(o, &others));
    }
    s
}

/// Blocks the three engines must agree on: a disagreement here is the harness's own bug.
const CONTROLS: &[&str] = &[
    "-- name: c\nSELECT rule_id, tenant_id, name, description, sample_rate, enabled, created_at, deleted_at FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY rule_id",
    "-- name: c\nSELECT * FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY sensor_id",
    "-- name: c\nSELECT * FROM users WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY user_id",
    "-- name: c\nSELECT * FROM api_keys WHERE tenant_id = :tenant_id AND deleted_at IS NULL ORDER BY api_key_id",
    "-- name: c\n-- include-deleted\nSELECT * FROM configurations WHERE tenant_id = :tenant_id ORDER BY configuration_id",
    "-- name: c\nSELECT COUNT(*) AS n FROM users WHERE tenant_id = :tenant_id AND deleted_at IS NULL",
    "-- name: c\n-- column: latest Timestamp\n-- column: total f64\nSELECT MAX(created_at) AS latest, SUM(sample_rate) AS total FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL",
    "-- name: c\nSELECT MAX(created_at) AS latest, SUM(sample_rate) AS total, MIN(name) AS first FROM rules WHERE tenant_id = :tenant_id AND deleted_at IS NULL",
    "-- name: c\nSELECT rs.rule_sensor_id, r.name, s.name AS sensor_name, s.last_seen_at FROM rule_sensors rs JOIN rules r ON r.rule_id = rs.rule_id JOIN sensors s ON s.sensor_id = rs.sensor_id AND s.tenant_id = :tenant_id AND s.deleted_at IS NULL WHERE rs.tenant_id = :tenant_id AND rs.deleted_at IS NULL AND r.tenant_id = :tenant_id AND r.deleted_at IS NULL ORDER BY rs.rule_sensor_id",
    "-- name: c\nSELECT name FROM sensors WHERE tenant_id = :tenant_id AND deleted_at IS NULL AND last_seen_at > :since ORDER BY sensor_id",
    "-- name: c\nUPDATE rules SET enabled = NOT enabled, sample_rate = 1 - sample_rate, description = NULL, modified_at = :now WHERE tenant_id = :tenant_id AND deleted_at IS NULL",
];

fn report_path() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("oracle-report.txt")
}

#[test]
fn accepted_blocks_mean_the_same_on_every_engine() {
    common::observe();
    engine::quiet_statement_panics();
    let started = Instant::now();
    let seed_value: u64 = std::env::var("TK_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            // CI runs one fixed budget (the same blocks every run); elsewhere each run explores
            // new ones.
            if std::env::var_os("CI").is_some() {
                return 20_261_201;
            }
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("oracle: TK_TEST_SEED={seed_value}");
    let cases = common::count_from_env("TK_ORACLE_CASES", 2000);
    let catalog = tk_sqlcheck::catalog::parse_with_entities(
        include_str!("../src/schema.rs"),
        include_str!("../src/repository/entities.rs"),
    )
    .expect("catalog");

    // One fresh, migrated, seeded database per backend.
    let mut engines = Vec::new();
    let mut seed = None;
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        let Some(db) = common::TestDb::create(backend) else {
            eprintln!("skipped: {backend} server unreachable and CI is not set");
            return;
        };
        let mut conn = common::migrated(&db);
        seed_rows(&mut conn, &mut seed).expect("seed rows");
        engines.push(Engine { db, conn });
    }
    let seed = seed.expect("seeded");
    let dumps: Vec<Vec<String>> = engines
        .iter_mut()
        .map(|e| {
            trapperkeeper_db::copy::Table::ALL
                .iter()
                .flat_map(|t| engine::canonical(&mut e.conn, t.name()).expect("dump"))
                .collect()
        })
        .collect();
    for i in 1..3 {
        assert_eq!(
            dumps[0], dumps[i],
            "harness: the seeded rows read back differently on {}",
            ENGINES[i]
        );
    }

    // The harness on blocks with one meaning everywhere.
    // (The checker changes; a control it refuses is listed in the report instead.)
    let mut controls_refused = Vec::new();
    for text in CONTROLS {
        let a = match analyze_text(text, &catalog) {
            Ok(a) => a,
            Err(e) => {
                controls_refused.push(format!("{e}\n{text}"));
                continue;
            }
        };
        let mut values = BTreeMap::new();
        values.insert("tenant_id".to_string(), Value::Id(seed.tenants[0]));
        values.insert("now".to_string(), Value::Ts(seed.ts[5]));
        values.insert("since".to_string(), Value::Ts(seed.ts[2]));
        let update = text.contains("UPDATE rules").then_some("rules");
        let p = prepare(a, &values).expect("control binds");
        let outcomes = run_all(&mut engines, &p, update);
        let cmp = Compare::Ordered;
        assert!(
            classify(&outcomes, cmp, &p.columns).is_none()
                && outcomes.iter().all(|o| !o.is_failure()),
            "harness: a control block disagrees:\n{text}\n{outcomes:?}"
        );
    }
    assert!(
        controls_refused.len() * 2 <= CONTROLS.len(),
        "the checker refuses most control blocks:\n{}",
        controls_refused.join("\n\n")
    );

    let mut rng = Rng::new(seed_value);
    let (mut generated, mut accepted, mut agreed) = (0usize, 0usize, 0usize);
    let mut made_ids = 0u64;
    let mut guarded = 0usize;
    // Accepted blocks that agreed, per form of the grammar they used (each must be exercised).
    const FORMS: &[(&str, &str)] = &[
        ("an optional filter", "optional-filter"),
        ("EXISTS", "subquery-exists"),
        ("IN (SELECT …)", "subquery-in"),
        ("a subquery as a value", "subquery-value"),
        ("a subquery as a value found by its key", "subquery-by-key"),
        ("a correlated subquery", "sub-correlated"),
        (
            "a subquery scoped by the outer tenant",
            "sub-correlated-tenant",
        ),
        ("SUBSTR", "substr"),
        ("TRIM", "trim"),
        ("||", "concat"),
        ("LIKE", "like"),
        ("UNION ALL", "union"),
        ("WITH", "with"),
        ("a window function", "window"),
        ("INSERT … SELECT", "insert-select"),
        ("a list parameter", "list"),
        ("a batch INSERT", "batch"),
    ];
    let mut forms: BTreeMap<&str, usize> = BTreeMap::new();
    let mut overflowed = 0usize;
    let mut rejected: BTreeMap<String, usize> = BTreeMap::new();
    let mut rejected_example: BTreeMap<String, String> = BTreeMap::new();
    let mut harness_skips: BTreeMap<String, usize> = BTreeMap::new();
    let mut classes: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    let mut class_counts: BTreeMap<String, usize> = BTreeMap::new();
    let max_attempts = cases.saturating_mul(20).max(100);
    while accepted < cases && generated < max_attempts {
        generated += 1;
        let q = gen::Gen::new(&mut rng, &catalog).query();
        let a = match analyze_text(&q.text(), &catalog) {
            Ok(a) => a,
            Err(message) => {
                let sig = signature(&message);
                rejected_example
                    .entry(sig.clone())
                    .or_insert_with(|| format!("{message}\n{}", q.text()));
                *rejected.entry(sig).or_default() += 1;
                continue;
            }
        };
        let mut values = BTreeMap::new();
        // A batch: 1–3 rows, each with its own values (`name#row`) and its own id, as the
        // function makes them; the tenant and the instant are the call's.
        let rows = if a.batch { 1 + rng.below(3) } else { 1 };
        for row in 0..rows {
            for p in &a.params {
                let key = row_key(&p.name, row);
                if p.generated
                    .as_deref()
                    .is_some_and(|g| g.ends_with("::new()"))
                {
                    made_ids += 1;
                    let id = format!("01900000-0000-7000-8000-{made_ids:012x}");
                    values.insert(key, Value::Id(TenantId::parse(&id).expect("a UUIDv7")));
                    continue;
                }
                if row > 0 && (p.name == "tenant_id" || p.generated.is_some()) {
                    continue;
                }
                let hint = q.hints.get(&p.name).cloned().unwrap_or(Hint::Any);
                let v = pick_value(&mut rng, &seed, &p.name, p, &hint);
                values.insert(key, v);
            }
        }
        accepted += 1;
        let (prepared, outcomes, label) = if let Some(problem) = checker_problem(&q, &a) {
            match prepare_rows(a, &values) {
                Ok(p) => (p, vec![], Some(problem)),
                Err(e) => {
                    *harness_skips.entry(e).or_default() += 1;
                    accepted -= 1;
                    continue;
                }
            }
        } else {
            let prepared = match prepare_rows(a, &values) {
                Ok(p) => p,
                Err(e) => {
                    *harness_skips.entry(signature(&e)).or_default() += 1;
                    accepted -= 1;
                    continue;
                }
            };
            if prepared.guard.is_some() {
                guarded += 1;
                agreed += 1;
                continue;
            }
            let outcomes = run_all(&mut engines, &prepared, q.update_table());
            if runtime_overflow(&outcomes) {
                overflowed += 1;
                continue;
            }
            let label = classify(&outcomes, q.compare(), &prepared.columns);
            (prepared, outcomes, label)
        };
        match label {
            None => {
                agreed += 1;
                let tags = q.all_tags();
                for (_, tag) in FORMS {
                    *forms.entry(tag).or_default() += usize::from(tags.contains(tag));
                }
            }
            Some(coarse) => {
                let label = full_label(&coarse, &q.all_tags());
                *class_counts.entry(label.clone()).or_default() += 1;
                let examples = classes.entry(label).or_default();
                if examples.len() < 3 {
                    examples.push(Case {
                        query: q,
                        prepared,
                        values,
                        outcomes,
                        coarse,
                    });
                }
            }
        }
    }
    let disagreed = accepted - agreed - overflowed;

    // Reduce the examples shown (within a time budget).
    let mut budget = 6000usize;
    let mut report = String::new();
    let mut summary = String::new();
    let mut by_count: Vec<(&String, &usize)> = class_counts.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (label, count) in &by_count {
        let _ = writeln!(summary, "  {count:>5}  {label}");
    }
    for (label, count) in &by_count {
        let _ = writeln!(report, "\n=== {label} — {count} block(s)");
        for case in classes
            .get(*label)
            .map(|v| v.as_slice())
            .unwrap_or_default()
        {
            let reduced = if case.outcomes.is_empty() {
                None
            } else {
                Some(reduce(&mut engines, &catalog, case, &mut budget))
            };
            match reduced {
                Some(r) if r.query.text() != case.query.text() => {
                    let _ = writeln!(report, "--- reduced:");
                    report.push_str(&describe(&r));
                    let _ = writeln!(report, "--- from:");
                    report.push_str(&describe(case));
                }
                _ => {
                    let _ = writeln!(report, "---");
                    report.push_str(&describe(case));
                }
            }
        }
    }
    let mut rejections: Vec<(&String, &usize)> = rejected.iter().collect();
    rejections.sort_by(|a, b| b.1.cmp(a.1));
    let mut head = format!(
        "oracle: generated {generated}, accepted {accepted}, agreed {agreed}, disagreed {disagreed}, run-time overflow {overflowed} (seed {seed_value}) in {:.1}s\n{}\nDisagreement classes:\n{summary}\nRefused by the checker ({} blocks), most common reasons:\n",
        started.elapsed().as_secs_f64(),
        FORMS
            .iter()
            .map(|(what, tag)| format!("agreed with {what}: {}\n", forms.get(tag).copied().unwrap_or(0)))
            .collect::<String>(),
        generated - accepted - harness_skips.values().sum::<usize>(),
    );
    for (m, n) in rejections.iter().take(25) {
        let _ = writeln!(head, "  {n:>5}  {m}");
    }
    if guarded > 0 {
        let _ = writeln!(
            head,
            "\n{guarded} accepted block(s) were called with a value the generated function refuses before running (a negative LIMIT/OFFSET, text too long for its column, not JSON for a JSON column); counted as agreeing."
        );
    }
    if overflowed > 0 {
        let _ = writeln!(
            head,
            "\n{overflowed} accepted block(s) overflowed at run time on a parameter or column value (an engine raised `out of range`, SQLite went on in floating point): out of the checker's reach (CHECKER.md), neither agreed nor disagreed."
        );
    }
    if !controls_refused.is_empty() {
        let _ = writeln!(head, "\nControl blocks the checker refuses (not run):");
        for c in &controls_refused {
            let _ = writeln!(head, "  {}", c.replace('\n', "\n    "));
        }
    }
    if !harness_skips.is_empty() {
        let _ = writeln!(head, "\nAccepted but not runnable by the harness:");
        for (m, n) in &harness_skips {
            let _ = writeln!(head, "  {n:>5}  {m}");
        }
    }
    let mut refusals = String::from("\n\n=== Refusals: one example per reason\n");
    for (m, n) in &rejections {
        let _ = writeln!(
            refusals,
            "\n--- {n} × {m}\n{}",
            rejected_example
                .get(*m)
                .map(String::as_str)
                .unwrap_or_default()
        );
    }
    let full = format!("{head}\n{report}");
    let file = format!("{full}{refusals}");
    let path = report_path();
    let _ = std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")));
    let _ = std::fs::write(&path, &file);
    common::figure(format!(
        "oracle: generated {generated}, accepted {accepted}, agreed {agreed}, disagreed {disagreed}, run-time overflow {overflowed} (seed {seed_value})"
    ));
    eprintln!("{full}");
    eprintln!("full report: {}", path.display());
    assert!(
        accepted >= cases.min(1),
        "the generator produced too few accepted blocks ({accepted} of {cases} in {generated} attempts)"
    );
    // Every form must be exercised, not only accepted.
    for (what, tag) in FORMS {
        assert!(
            forms.get(tag).copied().unwrap_or(0) > 0 || accepted < 500,
            "no accepted block agreed with {what}: the generator lost the form"
        );
    }
    assert_eq!(
        disagreed,
        0,
        "{disagreed} accepted block(s) disagree across engines (seed {seed_value}); see {}",
        path.display()
    );
}
