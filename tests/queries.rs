//! Every named query in `queries/` runs against real rows on SQLite, PostgreSQL and MySQL.

mod common;

use chrono::{TimeZone, Utc};
use trapperkeeper_db::queries;
use trapperkeeper_db::queries::rules::SetRuleEnabledParams;
use trapperkeeper_db::queries::sensors::{
    FindSensorsParams, InsertSensorParams, RegisterSensorsRow,
};
use trapperkeeper_db::repository::api_keys::{self, NewApiKey};
use trapperkeeper_db::repository::configurations::{self, NewConfiguration};
use trapperkeeper_db::repository::rule_sensors::{self, NewRuleSensor};
use trapperkeeper_db::repository::rules::{self, NewRule, RuleAction, RuleState};
use trapperkeeper_db::repository::sensors::{self, NewSensor, SensorChanges};
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::repository::users::{self, NewUser, Role};
use trapperkeeper_db::repository::Page;
use trapperkeeper_db::types::{SensorId, Timestamp};
use trapperkeeper_db::Database;

use common::{migrated, TestDb};

fn rule(name: &str, state: RuleState, enabled: bool) -> NewRule {
    NewRule {
        name: name.into(),
        description: None,
        state,
        action: RuleAction::Observe,
        sample_rate: 0.5,
        enabled,
        scope_tags: "[]".into(),
        expression: "{}".into(),
    }
}

fn sensor(name: &str) -> NewSensor {
    NewSensor {
        name: name.into(),
        description: Some("d".into()),
        metadata: "{}".into(),
    }
}

backend_tests!(every_named_query_returns_what_the_rows_say);

fn every_named_query_returns_what_the_rows_say(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let other = tenants::create(
        &mut c,
        NewTenant {
            name: "other".into(),
        },
    )
    .unwrap();
    let gone = tenants::create(
        &mut c,
        NewTenant {
            name: "gone".into(),
        },
    )
    .unwrap();
    tenants::soft_delete(&mut c, gone.tenant_id).unwrap();
    let tid = t.tenant_id;

    // tenants.sql
    assert_eq!(
        queries::tenants::get_tenant(&mut c, tid).unwrap(),
        Some(t.clone())
    );
    assert_eq!(
        queries::tenants::get_tenant(&mut c, gone.tenant_id).unwrap(),
        None
    );
    assert_eq!(
        queries::tenants::list_tenants(&mut c, 10).unwrap(),
        tenants::list(&mut c, Page::first(10)).unwrap()
    );
    assert_eq!(
        queries::tenants::list_tenants(&mut c, 1).unwrap(),
        vec![t.clone()]
    );
    assert_eq!(
        queries::tenants::count_live_tenants(&mut c).unwrap().total,
        2
    );

    // rules.sql
    let r1 = rules::create(&mut c, tid, rule("active-on", RuleState::Active, true)).unwrap();
    let r2 = rules::create(&mut c, tid, rule("draft", RuleState::Draft, true)).unwrap();
    let r3 = rules::create(&mut c, tid, rule("active-off", RuleState::Active, false)).unwrap();
    let rd = rules::create(&mut c, tid, rule("deleted", RuleState::Active, true)).unwrap();
    rules::soft_delete(&mut c, tid, rd.rule_id).unwrap();
    rules::create(
        &mut c,
        other.tenant_id,
        rule("foreign", RuleState::Active, true),
    )
    .unwrap();
    assert_eq!(
        queries::rules::list_active_rules(&mut c, tid, 10).unwrap(),
        vec![r1.clone()]
    );
    let by_state: Vec<(String, i64)> = queries::rules::count_rules_by_state(&mut c, tid)
        .unwrap()
        .into_iter()
        .map(|r| (r.state, r.total))
        .collect();
    assert_eq!(
        by_state,
        vec![("active".to_string(), 2), ("draft".to_string(), 1)]
    );

    let s1 = sensors::create(&mut c, tid, sensor("s1")).unwrap();
    let s2 = sensors::create(&mut c, tid, sensor("s2")).unwrap();
    for s in [&s1, &s2] {
        rule_sensors::create(
            &mut c,
            tid,
            NewRuleSensor {
                rule_id: r1.rule_id,
                sensor_id: s.sensor_id,
            },
        )
        .unwrap();
    }
    let links = queries::rules::list_rule_sensors(&mut c, tid, r1.rule_id).unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].sensor_id, s1.sensor_id);
    assert_eq!(links[1].sensor_name, "s2");
    assert!(links.iter().all(|l| l.rule_name == "active-on"));
    assert!(
        queries::rules::list_rule_sensors(&mut c, other.tenant_id, r1.rule_id)
            .unwrap()
            .is_empty()
    );

    let now = Timestamp::now();
    assert_eq!(
        queries::rules::set_rule_enabled(
            &mut c,
            tid,
            SetRuleEnabledParams {
                rule_id: r1.rule_id,
                enabled: false,
                now
            }
        )
        .unwrap(),
        1
    );
    let r1_after = rules::get(&mut c, tid, r1.rule_id).unwrap();
    assert!(!r1_after.enabled);
    assert_eq!(r1_after.modified_at, now);
    assert_eq!(
        queries::rules::set_rule_enabled(
            &mut c,
            other.tenant_id,
            SetRuleEnabledParams {
                rule_id: r1.rule_id,
                enabled: true,
                now
            }
        )
        .unwrap(),
        0,
        "other tenant"
    );
    // The repository's soft delete (a named one cascades the same way:
    // `named_soft_deletes_cascade_as_the_repository_does`).
    rules::soft_delete(&mut c, tid, r2.rule_id).unwrap();
    let deleted: Vec<_> = queries::rules::list_deleted_rules(&mut c, tid)
        .unwrap()
        .into_iter()
        .map(|r| (r.rule_id, r.deleted_at.is_some()))
        .collect();
    assert_eq!(deleted, vec![(r2.rule_id, true), (rd.rule_id, true)]);
    assert!(rules::get(&mut c, tid, r3.rule_id).is_ok());

    // sensors.sql
    let before = Timestamp::now();
    let new_id = queries::sensors::insert_sensor(
        &mut c,
        tid,
        InsertSensorParams {
            name: "made by SQL — ✓",
            description: None,
            metadata: r#"{"k":1}"#,
        },
    )
    .unwrap();
    let made = queries::sensors::get_sensor(&mut c, tid, new_id)
        .unwrap()
        .unwrap();
    assert_eq!(made, sensors::get(&mut c, tid, new_id).unwrap());
    assert_eq!(made.name, "made by SQL — ✓");
    assert_eq!(made.description, None);
    // Made as the repository makes them: a UUIDv7 id, both timestamps the current time.
    assert_eq!(made.sensor_id.as_uuid().get_version_num(), 7);
    assert!(made.created_at >= before && made.created_at <= Timestamp::now());
    assert_eq!(made.modified_at, made.created_at);
    assert_eq!(
        queries::sensors::get_sensor(&mut c, other.tenant_id, new_id).unwrap(),
        None
    );
    let early = Timestamp::from(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap());
    let late = Timestamp::from(Utc.with_ymd_and_hms(2039, 6, 1, 12, 0, 0).unwrap());
    sensors::update(
        &mut c,
        tid,
        s1.sensor_id,
        SensorChanges {
            last_seen_at: Some(Some(early)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        queries::sensors::touch_sensor(&mut c, tid, s2.sensor_id, Some(late)).unwrap(),
        1
    );
    assert_eq!(
        sensors::get(&mut c, tid, s2.sensor_id)
            .unwrap()
            .last_seen_at,
        Some(late)
    );
    let since = Timestamp::from(Utc.with_ymd_and_hms(2035, 1, 1, 0, 0, 0).unwrap());
    let seen = queries::sensors::list_sensors_seen_since(&mut c, tid, since).unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].sensor_id, seen[0].last_seen_at),
        (s2.sensor_id, Some(late))
    );
    // Optional filters: None matches every row, Some filters.
    let find = |c: &mut _, t, name, seen_since| {
        queries::sensors::find_sensors(
            c,
            t,
            FindSensorsParams {
                name,
                seen_since,
                limit: 50,
            },
        )
        .unwrap()
        .into_iter()
        .map(|r| r.sensor_id)
        .collect::<Vec<_>>()
    };
    let all: Vec<_> = sensors::list(&mut c, tid, Page::first(50))
        .unwrap()
        .into_iter()
        .map(|s| s.sensor_id)
        .collect();
    assert!(all.len() >= 3, "{all:?}");
    assert_eq!(find(&mut c, tid, None, None), all);
    assert_eq!(find(&mut c, tid, Some("s2"), None), vec![s2.sensor_id]);
    assert_eq!(find(&mut c, tid, None, Some(since)), vec![s2.sensor_id]);
    assert_eq!(find(&mut c, tid, Some("s1"), Some(since)), vec![]);
    assert_eq!(
        find(&mut c, tid, Some("s1"), Some(early)),
        vec![s1.sensor_id]
    );
    assert_eq!(find(&mut c, other.tenant_id, None, None), vec![]);

    // A list parameter: one statement for the slice, tenant scope and soft deletes kept.
    let by_ids = |c: &mut _, t, ids: &[SensorId]| {
        queries::sensors::get_sensors_by_ids(c, t, ids)
            .unwrap()
            .into_iter()
            .map(|s| s.sensor_id)
            .collect::<Vec<_>>()
    };
    let mut both = vec![s1.sensor_id, s2.sensor_id];
    both.sort();
    assert_eq!(by_ids(&mut c, tid, &[s2.sensor_id, s1.sensor_id]), both);
    assert_eq!(
        by_ids(&mut c, tid, &[s1.sensor_id, s1.sensor_id, s1.sensor_id]),
        vec![s1.sensor_id]
    );
    assert_eq!(
        by_ids(&mut c, tid, &[]),
        vec![],
        "an empty list matches nothing"
    );
    assert_eq!(by_ids(&mut c, other.tenant_id, &both), vec![]);
    assert_eq!(by_ids(&mut c, tid, &[SensorId::new()]), vec![]);
    // Many values at once, and more than the limit refused before the statement runs.
    let mut many: Vec<SensorId> = (0..2_000).map(|_| SensorId::new()).collect();
    many.push(s2.sensor_id);
    assert_eq!(by_ids(&mut c, tid, &many), vec![s2.sensor_id]);
    let too_many: Vec<SensorId> = (0..10_001).map(|_| SensorId::new()).collect();
    let err = queries::sensors::get_sensors_by_ids(&mut c, tid, &too_many).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid sensor_ids: must hold at most 10000 values, got 10001"
    );

    // users.sql
    let alice = users::create(
        &mut c,
        tid,
        NewUser {
            username: "alice".into(),
            password_hash: "h".into(),
            role: Role::Admin,
            force_password_change: false,
        },
    )
    .unwrap();
    users::create(
        &mut c,
        tid,
        NewUser {
            username: "bob".into(),
            password_hash: "h".into(),
            role: Role::Observer,
            force_password_change: true,
        },
    )
    .unwrap();
    assert_eq!(
        queries::users::find_user_by_username(&mut c, "alice").unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        queries::users::find_user_by_username(&mut c, "nobody").unwrap(),
        None
    );
    let admins = queries::users::list_users_by_role(&mut c, tid, "admin").unwrap();
    assert_eq!(admins.len(), 1);
    assert_eq!(
        (
            admins[0].user_id,
            admins[0].username.as_str(),
            admins[0].role.as_str()
        ),
        (alice.user_id, "alice", "admin")
    );

    // configurations.sql
    configurations::create(
        &mut c,
        tid,
        NewConfiguration {
            config_key: "retention".into(),
            config_value: r#"{"days":7}"#.into(),
        },
    )
    .unwrap();
    let value = queries::configurations::get_config_value(&mut c, tid, "retention")
        .unwrap()
        .unwrap();
    assert_eq!(value.config_value, r#"{"days":7}"#);
    assert_eq!(
        queries::configurations::get_config_value(&mut c, other.tenant_id, "retention").unwrap(),
        None
    );
    assert_eq!(
        queries::configurations::soft_delete_config(&mut c, tid, "retention", now).unwrap(),
        1
    );
    assert_eq!(
        queries::configurations::get_config_value(&mut c, tid, "retention").unwrap(),
        None
    );

    // api_keys.sql
    let key = api_keys::create(
        &mut c,
        tid,
        NewApiKey {
            name: "ci".into(),
            key_hash: "ab".repeat(32),
        },
    )
    .unwrap();
    let found = queries::api_keys::find_api_key_by_hash(&mut c, &"ab".repeat(32))
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.api_key_id, found.tenant_id, found.name.as_str()),
        (key.api_key_id, tid, "ci")
    );
    assert_eq!(
        queries::api_keys::touch_api_key(&mut c, tid, key.api_key_id, Some(now)).unwrap(),
        1
    );
    assert_eq!(
        api_keys::get(&mut c, tid, key.api_key_id)
            .unwrap()
            .last_used_at,
        Some(now)
    );

    // The async path: one hop runs a named query.
    common::runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        let total = database
            .run(|c| queries::tenants::count_live_tenants(c).map(|row| row.total))
            .await
            .unwrap();
        assert_eq!(total, 2);
    });
}

backend_tests!(named_writes_refuse_text_one_backend_would_refuse);

/// A named write refuses a value too long for a VARCHAR column, or non-JSON for a JSON
/// column, on every backend alike (SQLite alone would store both), and writes nothing.
fn named_writes_refuse_text_one_backend_would_refuse(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let insert = |c: &mut _, name: &str, metadata: &str| {
        queries::sensors::insert_sensor(
            c,
            t.tenant_id,
            InsertSensorParams {
                name,
                description: None,
                metadata,
            },
        )
    };
    let too_long = "é".repeat(129);
    // The repository's own error: a validation naming the field, exit 2 in the CLI.
    let refused = |e: trapperkeeper_db::repository::Error| {
        assert_eq!(e.kind(), trapperkeeper_db::ErrorKind::Validation, "{e:?}");
        e.to_string()
    };
    let err = refused(insert(&mut c, &too_long, "{}").unwrap_err());
    assert_eq!(err, "invalid name: must be at most 128 characters, got 129");
    let err = refused(insert(&mut c, "ok", "{site: 1}").unwrap_err());
    assert!(
        err.starts_with("invalid metadata: is not valid JSON"),
        "{err}"
    );
    let err = refused(insert(&mut c, "ok", "{} trailing").unwrap_err());
    assert!(
        err.starts_with("invalid metadata: is not valid JSON"),
        "{err}"
    );
    // Free text and JSON hold at most 65,535 bytes everywhere (MySQL's TEXT), as in the
    // repository.
    let big_json = format!(r#"{{"k":"{}"}}"#, "x".repeat(65_535));
    let err = refused(insert(&mut c, "ok", &big_json).unwrap_err());
    assert!(
        err.starts_with("invalid metadata: must be at most 65535 bytes"),
        "{err}"
    );
    let long_text = "d".repeat(65_536);
    let err = refused(
        queries::sensors::insert_sensor(
            &mut c,
            t.tenant_id,
            InsertSensorParams {
                name: "ok",
                description: Some(&long_text),
                metadata: "{}",
            },
        )
        .unwrap_err(),
    );
    assert!(
        err.starts_with("invalid description: must be at most 65535 bytes"),
        "{err}"
    );
    let err = refused(queries::rules::list_active_rules(&mut c, t.tenant_id, -1).unwrap_err());
    assert_eq!(err, "invalid limit: must not be negative (LIMIT/OFFSET)");
    assert!(sensors::list(&mut c, t.tenant_id, Page::first(10))
        .unwrap()
        .is_empty());
    // The longest name every backend stores, in characters (not bytes).
    let longest = "é".repeat(128);
    insert(&mut c, &longest, r#"{"site": [1, 2]}"#).unwrap();
    let stored = sensors::list(&mut c, t.tenant_id, Page::first(10)).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].name, longest);
}

backend_tests!(named_writes_keep_the_repository_rules);

/// A named insert checks what the repository's `create` checks — the tenant is live, the name
/// follows the entity's rule — and a named update that leaves `modified_at` out bumps it; the
/// async twins run the same functions.
fn named_writes_keep_the_repository_rules(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let gone = tenants::create(
        &mut c,
        NewTenant {
            name: "gone".into(),
        },
    )
    .unwrap();
    tenants::soft_delete(&mut c, gone.tenant_id).unwrap();
    let params = |name| InsertSensorParams {
        name,
        description: Some("d"),
        metadata: "{}",
    };
    // The database's foreign key cannot see a soft-deleted tenant; the check can.
    let err = queries::sensors::insert_sensor(&mut c, gone.tenant_id, params("s")).unwrap_err();
    assert_eq!(
        err.kind(),
        trapperkeeper_db::ErrorKind::ForeignKey,
        "{err:?}"
    );
    // A tenant that never existed is the same error, on every backend.
    let err = queries::sensors::insert_sensor(
        &mut c,
        trapperkeeper_db::types::TenantId::new(),
        params("s"),
    )
    .unwrap_err();
    assert_eq!(
        err.kind(),
        trapperkeeper_db::ErrorKind::ForeignKey,
        "{err:?}"
    );
    // The entity's rule for the column, not only its length: a name is one line.
    for bad in ["", "   ", "two\nlines"] {
        let err = queries::sensors::insert_sensor(&mut c, t.tenant_id, params(bad)).unwrap_err();
        assert_eq!(
            err.kind(),
            trapperkeeper_db::ErrorKind::Validation,
            "{bad:?}: {err:?}"
        );
        assert!(err.to_string().starts_with("invalid name"), "{err}");
    }
    assert!(sensors::list(&mut c, t.tenant_id, Page::first(10))
        .unwrap()
        .is_empty());
    // Two inserts, two ids, both readable through the repository.
    let a = queries::sensors::insert_sensor(&mut c, t.tenant_id, params("a")).unwrap();
    let b = queries::sensors::insert_sensor(&mut c, t.tenant_id, params("b")).unwrap();
    assert_ne!(a, b);
    let made = sensors::get(&mut c, t.tenant_id, a).unwrap();
    // modified_at left out of the UPDATE: set to the current time, not kept.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let seen = Timestamp::now();
    assert_eq!(
        queries::sensors::touch_sensor(&mut c, t.tenant_id, a, Some(seen)).unwrap(),
        1
    );
    let touched = sensors::get(&mut c, t.tenant_id, a).unwrap();
    assert_eq!(touched.last_seen_at, Some(seen));
    assert!(
        touched.modified_at > made.modified_at,
        "{touched:?} after {made:?}"
    );
    assert_eq!(touched.created_at, made.created_at);

    // The async twins: one hop each, same results, owned copies of borrowed text.
    common::runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        let name = String::from("from async");
        let id = queries::sensors::insert_sensor_async(
            &database,
            t.tenant_id,
            InsertSensorParams {
                name: &name,
                description: None,
                metadata: "{}",
            },
        )
        .await
        .unwrap();
        let got = queries::sensors::get_sensor_async(&database, t.tenant_id, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.name, "from async");
        let listed = queries::sensors::get_sensors_by_ids_async(&database, t.tenant_id, &[id, a])
            .await
            .unwrap();
        assert_eq!(listed.len(), 2);
        let err = queries::sensors::insert_sensor_async(&database, gone.tenant_id, params("x"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), trapperkeeper_db::ErrorKind::ForeignKey);
    });
    assert_eq!(
        sensors::list(&mut c, t.tenant_id, Page::first(10))
            .unwrap()
            .len(),
        3
    );
    // A soft-deleted sensor leaves the list's answer.
    sensors::soft_delete(&mut c, t.tenant_id, b).unwrap();
    assert_eq!(
        queries::sensors::get_sensors_by_ids(&mut c, t.tenant_id, &[a, b])
            .unwrap()
            .into_iter()
            .map(|s| s.sensor_id)
            .collect::<Vec<_>>(),
        vec![a]
    );
}

backend_tests!(batch_inserts_write_every_row_or_none);

/// A `-- batch` insert: one call for many rows (more than one statement holds), ids made per
/// row, every row checked before any is written, nothing written when one is refused.
fn batch_inserts_write_every_row_or_none(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let gone = tenants::create(
        &mut c,
        NewTenant {
            name: "gone".into(),
        },
    )
    .unwrap();
    tenants::soft_delete(&mut c, gone.tenant_id).unwrap();
    let row = |i: usize| RegisterSensorsRow {
        name: format!("fleet {i:04}"),
        description: (i % 2 == 0).then(|| format!("even {i}")),
        metadata: format!(r#"{{"n":{i}}}"#),
    };
    // 2,600 rows at 4 placeholders each: more than one statement (10,000 placeholders each).
    let rows: Vec<_> = (0..2_600).map(row).collect();
    let ids = queries::sensors::register_sensors(&mut c, t.tenant_id, &rows).unwrap();
    assert_eq!(ids.len(), rows.len());
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "an id per row");
    for (k, i) in [(0usize, 0usize), (1, 1), (2_599, 2_599)] {
        let got = sensors::get(&mut c, t.tenant_id, ids[k]).unwrap();
        assert_eq!((got.name, got.description, got.metadata), {
            let r = row(i);
            (r.name, r.description, r.metadata)
        });
        assert_eq!(got.created_at, got.modified_at);
    }
    let stored = queries::sensors::find_sensors(
        &mut c,
        t.tenant_id,
        FindSensorsParams {
            name: None,
            seen_since: None,
            limit: 5_000,
        },
    );
    assert_eq!(stored.unwrap().len(), rows.len());
    // One bad row refuses the whole batch before anything is written.
    let mut bad: Vec<_> = (0..10).map(|i| row(10_000 + i)).collect();
    bad[7].metadata = "{not json".into();
    let err = queries::sensors::register_sensors(&mut c, t.tenant_id, &bad).unwrap_err();
    assert_eq!(
        err.kind(),
        trapperkeeper_db::ErrorKind::Validation,
        "{err:?}"
    );
    // …and says which row.
    assert!(
        err.to_string().starts_with("invalid metadata: ") && err.to_string().ends_with("(rows[7])"),
        "{err}"
    );
    let err = queries::sensors::register_sensors(&mut c, gone.tenant_id, &bad[..2]).unwrap_err();
    assert_eq!(
        err.kind(),
        trapperkeeper_db::ErrorKind::ForeignKey,
        "{err:?}"
    );
    assert_eq!(
        queries::sensors::register_sensors(&mut c, t.tenant_id, &[]).unwrap(),
        vec![]
    );
    let all = sensors::list(&mut c, t.tenant_id, Page::first(1_000)).unwrap();
    assert_eq!(all.len(), 1_000);
    assert!(all.iter().all(|s| s.name.starts_with("fleet 0")
        || s.name.starts_with("fleet 1")
        || s.name.starts_with("fleet 2")));
    // The async twin takes the rows by value.
    common::runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        let more =
            queries::sensors::register_sensors_async(&database, t.tenant_id, vec![row(9_999)])
                .await
                .unwrap();
        assert_eq!(more.len(), 1);
        let got = queries::sensors::get_sensor_async(&database, t.tenant_id, more[0])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.name, "fleet 9999");
    });
}

backend_tests!(subqueries_and_text_functions_on_real_rows);

/// The named queries with EXISTS, IN (SELECT …), value subqueries, `||`, SUBSTR, TRIM and
/// LIKE return what the rows say, on each backend: soft-deleted rows and other tenants' rows
/// stay out of every subquery.
fn subqueries_and_text_functions_on_real_rows(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(
        &mut c,
        NewTenant {
            name: "Acme".into(),
        },
    )
    .unwrap();
    let other = tenants::create(
        &mut c,
        NewTenant {
            name: "other".into(),
        },
    )
    .unwrap();
    let tid = t.tenant_id;
    let long = "é".repeat(100);
    let s1 = sensors::create(
        &mut c,
        tid,
        NewSensor {
            name: "s1".into(),
            description: Some(long.clone()),
            metadata: "{}".into(),
        },
    )
    .unwrap();
    let s2 = sensors::create(
        &mut c,
        tid,
        NewSensor {
            name: "s2".into(),
            description: None,
            metadata: "{}".into(),
        },
    )
    .unwrap();
    let s_gone = sensors::create(&mut c, tid, sensor("gone")).unwrap();
    let s3 = sensors::create(&mut c, tid, sensor(" lead")).unwrap();
    let s4 = sensors::create(&mut c, tid, sensor("trail ")).unwrap();
    let s5 = sensors::create(&mut c, tid, sensor("two  spaces")).unwrap();
    let s_other = sensors::create(&mut c, other.tenant_id, sensor("trail ")).unwrap();
    let linked = rules::create(&mut c, tid, rule("linked", RuleState::Active, true)).unwrap();
    let orphaned = rules::create(&mut c, tid, rule("orphaned", RuleState::Active, true)).unwrap();
    let unlinked = rules::create(&mut c, tid, rule("unlinked", RuleState::Draft, true)).unwrap();
    let deleted = rules::create(&mut c, tid, rule("deleted", RuleState::Draft, true)).unwrap();
    let foreign = rules::create(
        &mut c,
        other.tenant_id,
        rule("foreign", RuleState::Draft, true),
    )
    .unwrap();
    let link = |c: &mut _, tenant, rule_id, sensor_id| {
        rule_sensors::create(c, tenant, NewRuleSensor { rule_id, sensor_id }).unwrap()
    };
    link(&mut c, tid, linked.rule_id, s1.sensor_id);
    link(&mut c, tid, linked.rule_id, s2.sensor_id);
    // `orphaned` points only at a sensor that is then soft-deleted (the link goes with it);
    // `unlinked` had a link to s2 that was soft-deleted by itself.
    link(&mut c, tid, orphaned.rule_id, s_gone.sensor_id);
    sensors::soft_delete(&mut c, tid, s_gone.sensor_id).unwrap();
    let dropped = link(&mut c, tid, unlinked.rule_id, s2.sensor_id);
    rule_sensors::soft_delete(&mut c, tid, dropped.rule_sensor_id).unwrap();
    rules::soft_delete(&mut c, tid, deleted.rule_id).unwrap();
    link(&mut c, other.tenant_id, foreign.rule_id, s_other.sensor_id);

    // NOT EXISTS, correlated through the rule and its tenant.
    let without: Vec<_> = queries::rules::list_rules_without_sensors(&mut c, tid)
        .unwrap()
        .into_iter()
        .map(|r| r.rule_id)
        .collect();
    assert_eq!(without, vec![orphaned.rule_id, unlinked.rule_id]);
    assert!(
        queries::rules::list_rules_without_sensors(&mut c, other.tenant_id)
            .unwrap()
            .is_empty(),
        "the other tenant's rule has a live sensor"
    );

    // IN (SELECT …) over a join.
    let under = |c: &mut _, tenant, state| {
        queries::sensors::list_sensors_under_rule_state(c, tenant, state)
            .unwrap()
            .into_iter()
            .map(|s| s.sensor_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        under(&mut c, tid, "active"),
        vec![s1.sensor_id, s2.sensor_id]
    );
    assert_eq!(under(&mut c, tid, "draft"), vec![], "only deleted links");
    assert_eq!(
        under(&mut c, other.tenant_id, "draft"),
        vec![s_other.sensor_id]
    );

    // Value subqueries, `||` and SUBSTR in the select list; keyset pages.
    let page = queries::sensors::list_sensor_summaries(&mut c, tid, None, 10).unwrap();
    let ids: Vec<_> = page.iter().map(|r| r.sensor_id).collect();
    assert_eq!(
        ids,
        vec![
            s1.sensor_id,
            s2.sensor_id,
            s3.sensor_id,
            s4.sensor_id,
            s5.sensor_id
        ]
    );
    assert_eq!(page[0].label.as_deref(), Some("s1 @ Acme"));
    assert_eq!(page[0].summary.as_deref(), Some("é".repeat(80).as_str()));
    assert_eq!(page[0].rule_count, 1);
    assert_eq!(page[1].summary, None);
    assert_eq!(
        page[1].rule_count, 1,
        "the soft-deleted link is not counted"
    );
    assert_eq!(page[2].rule_count, 0);
    assert_eq!(page[3].label.as_deref(), Some("trail  @ Acme"));
    let next = queries::sensors::list_sensor_summaries(&mut c, tid, Some(s2.sensor_id), 2).unwrap();
    assert_eq!(
        next.iter().map(|r| r.sensor_id).collect::<Vec<_>>(),
        vec![s3.sensor_id, s4.sensor_id]
    );

    // TRIM and a letter-free LIKE.
    let untidy: Vec<_> = queries::sensors::list_sensors_with_untidy_names(&mut c, tid)
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(untidy, vec![" lead", "trail ", "two  spaces"]);

    // An UPDATE with NOT EXISTS: the rules without a live link are switched off, once.
    assert_eq!(
        queries::rules::disable_rules_without_sensors(&mut c, tid).unwrap(),
        2
    );
    for (r, enabled) in [(&linked, true), (&orphaned, false), (&unlinked, false)] {
        let now = rules::get(&mut c, tid, r.rule_id).unwrap();
        assert_eq!(now.enabled, enabled, "{}", r.name);
        assert_eq!(now.modified_at > r.modified_at, !enabled, "{}", r.name);
    }
    assert_eq!(
        queries::rules::disable_rules_without_sensors(&mut c, tid).unwrap(),
        0
    );
    assert!(
        rules::get(&mut c, other.tenant_id, foreign.rule_id)
            .unwrap()
            .enabled
    );
}

backend_tests!(insert_select_adds_rows_as_the_repository_does);

/// INSERT … SELECT: the selected rows are inserted in one write transaction, each with a new
/// UUIDv7 id and timestamps, the rule (one value for every row) and each sensor checked live;
/// a dead parent or another tenant's rule inserts nothing.
fn insert_select_adds_rows_as_the_repository_does(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let other = tenants::create(
        &mut c,
        NewTenant {
            name: "other".into(),
        },
    )
    .unwrap();
    let tid = t.tenant_id;
    let early = Timestamp::from(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap());
    let late = Timestamp::from(Utc.with_ymd_and_hms(2031, 1, 1, 0, 0, 0).unwrap());
    let since = Timestamp::from(Utc.with_ymd_and_hms(2030, 6, 1, 0, 0, 0).unwrap());
    let seen = |c: &mut _, tenant, name: &str, at: Option<Timestamp>| {
        let s = sensors::create(c, tenant, sensor(name)).unwrap();
        sensors::update(
            c,
            tenant,
            s.sensor_id,
            SensorChanges {
                last_seen_at: Some(at),
                ..Default::default()
            },
        )
        .unwrap();
        s
    };
    let a = seen(&mut c, tid, "a", Some(late));
    let b = seen(&mut c, tid, "b", Some(late));
    seen(&mut c, tid, "c", Some(early));
    seen(&mut c, tid, "d", None);
    let e = seen(&mut c, tid, "e", Some(late));
    sensors::soft_delete(&mut c, tid, e.sensor_id).unwrap();
    seen(&mut c, other.tenant_id, "x", Some(late));
    let r = rules::create(&mut c, tid, rule("r", RuleState::Active, true)).unwrap();
    rule_sensors::create(
        &mut c,
        tid,
        NewRuleSensor {
            rule_id: r.rule_id,
            sensor_id: b.sensor_id,
        },
    )
    .unwrap();

    let before = Timestamp::now();
    let ids =
        queries::rules::link_rule_to_sensors_seen_since(&mut c, tid, r.rule_id, since).unwrap();
    assert_eq!(
        ids.len(),
        1,
        "only a: b is linked already, c and d not seen since, e deleted"
    );
    let links = rule_sensors::list_for_rule(&mut c, tid, r.rule_id).unwrap();
    let mut linked: Vec<_> = links.iter().map(|l| l.sensor_id).collect();
    linked.sort();
    let mut want = vec![a.sensor_id, b.sensor_id];
    want.sort();
    assert_eq!(linked, want);
    let made = links.iter().find(|l| l.rule_sensor_id == ids[0]).unwrap();
    assert_eq!(made.sensor_id, a.sensor_id);
    assert_eq!(made.rule_sensor_id.as_uuid().get_version_num(), 7);
    assert!(made.created_at >= before && made.created_at <= Timestamp::now());
    assert_eq!(made.modified_at, made.created_at);
    // Again: nothing left to link.
    assert_eq!(
        queries::rules::link_rule_to_sensors_seen_since(&mut c, tid, r.rule_id, since).unwrap(),
        vec![]
    );

    // A deleted rule, or a rule of another tenant: refused, nothing inserted.
    let gone = rules::create(&mut c, tid, rule("gone", RuleState::Active, true)).unwrap();
    rules::soft_delete(&mut c, tid, gone.rule_id).unwrap();
    let err = queries::rules::link_rule_to_sensors_seen_since(&mut c, tid, gone.rule_id, since)
        .unwrap_err();
    assert!(
        matches!(err, trapperkeeper_db::repository::Error::ForeignKey { .. }),
        "{err:?}"
    );
    let err =
        queries::rules::link_rule_to_sensors_seen_since(&mut c, other.tenant_id, r.rule_id, since)
            .unwrap_err();
    assert!(
        matches!(err, trapperkeeper_db::repository::Error::ForeignKey { .. }),
        "{err:?}"
    );
    assert!(
        rule_sensors::list_for_rule(&mut c, other.tenant_id, r.rule_id)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        rule_sensors::list_for_rule(&mut c, tid, r.rule_id)
            .unwrap()
            .len(),
        2
    );

    // The async twin, one hop.
    common::runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        let r2 = database
            .run(move |c| rules::create(c, tid, rule("r2", RuleState::Draft, true)))
            .await
            .unwrap();
        let ids = queries::rules::link_rule_to_sensors_seen_since_async(
            &database, tid, r2.rule_id, since,
        )
        .await
        .unwrap();
        assert_eq!(ids.len(), 2, "a and b");
    });
}

backend_tests!(named_writes_apply_the_rules_of_enum_columns_and_coalesced_values);

/// A text enum column written by a named query takes only its enum's values; a value inside
/// COALESCE gets the column's rule as a bare one does. Refused values change nothing.
fn named_writes_apply_the_rules_of_enum_columns_and_coalesced_values(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let tid = t.tenant_id;
    let r = rules::create(&mut c, tid, rule("r", RuleState::Draft, true)).unwrap();
    assert_eq!(
        queries::rules::set_rule_state(&mut c, tid, r.rule_id, "active").unwrap(),
        1
    );
    assert_eq!(
        rules::get(&mut c, tid, r.rule_id).unwrap().state,
        RuleState::Active
    );
    let err = queries::rules::set_rule_state(&mut c, tid, r.rule_id, "Active").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid state: \"Active\" is not one of draft, active, disabled"
    );
    assert_eq!(
        rules::get(&mut c, tid, r.rule_id).unwrap().state,
        RuleState::Active
    );

    assert_eq!(
        queries::rules::rename_rule(&mut c, tid, r.rule_id, Some("renamed")).unwrap(),
        1
    );
    assert_eq!(rules::get(&mut c, tid, r.rule_id).unwrap().name, "renamed");
    assert_eq!(
        queries::rules::rename_rule(&mut c, tid, r.rule_id, None).unwrap(),
        1
    );
    assert_eq!(rules::get(&mut c, tid, r.rule_id).unwrap().name, "renamed");
    let err = queries::rules::rename_rule(&mut c, tid, r.rule_id, Some("   ")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid name: must not be only white space"
    );
    assert_eq!(rules::get(&mut c, tid, r.rule_id).unwrap().name, "renamed");
}

backend_tests!(with_window_functions_and_union_all_on_real_rows);

/// WITH + ROW_NUMBER and UNION ALL in the named queries, on real rows: ties numbered by the
/// id alike everywhere, other tenants and soft-deleted rows left out of every part.
fn with_window_functions_and_union_all_on_real_rows(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let other = tenants::create(
        &mut c,
        NewTenant {
            name: "other".into(),
        },
    )
    .unwrap();
    let tid = t.tenant_id;
    let mut made = Vec::new();
    for (name, state) in [
        ("a1", RuleState::Active),
        ("d1", RuleState::Draft),
        ("a2", RuleState::Active),
        ("a3", RuleState::Active),
        ("d2", RuleState::Draft),
    ] {
        made.push(rules::create(&mut c, tid, rule(name, state, true)).unwrap());
    }
    let gone = rules::create(&mut c, tid, rule("gone", RuleState::Active, true)).unwrap();
    rules::soft_delete(&mut c, tid, gone.rule_id).unwrap();
    rules::create(
        &mut c,
        other.tenant_id,
        rule("foreign", RuleState::Active, true),
    )
    .unwrap();
    // The newest per state: by created_at, then the id (UUIDv7 ids grow with time, so the
    // order is the creation order even where two timestamps tie).
    let newest: Vec<(String, String, i64)> =
        queries::rules::list_newest_rules_per_state(&mut c, tid, 2)
            .unwrap()
            .into_iter()
            .map(|r| (r.state, r.name, r.position))
            .collect();
    let row = |s: &str, n: &str, p| (s.to_string(), n.to_string(), p);
    assert_eq!(
        newest,
        vec![
            row("active", "a3", 1),
            row("active", "a2", 2),
            row("draft", "d2", 1),
            row("draft", "d1", 2),
        ]
    );
    assert_eq!(
        queries::rules::list_newest_rules_per_state(&mut c, tid, 0).unwrap(),
        vec![]
    );

    let s1 = sensors::create(&mut c, tid, sensor("s1")).unwrap();
    sensors::create(&mut c, other.tenant_id, sensor("x")).unwrap();
    let since = made[1].created_at;
    let feed: Vec<(String, String)> = queries::tenants::list_recent_activity(&mut c, tid, since, 4)
        .unwrap()
        .into_iter()
        .map(|r| (r.kind, r.name))
        .collect();
    // What the rows say: made at or after `since`, newest first, then kind and name.
    let mut want: Vec<(Timestamp, String, String)> = made[1..]
        .iter()
        .map(|r| (r.created_at, "rule".to_string(), r.name.clone()))
        .chain([(s1.created_at, "sensor".to_string(), "s1".to_string())])
        .collect();
    want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let want: Vec<(String, String)> = want.into_iter().take(4).map(|(_, k, n)| (k, n)).collect();
    assert_eq!(feed, want);
    let all = queries::tenants::list_recent_activity(&mut c, tid, since, 100).unwrap();
    assert_eq!(all.len(), 5, "d1 (at `since`) too; not the deleted rule");
    assert_eq!(all[0].created_at, s1.created_at);
}

backend_tests!(named_soft_deletes_cascade_as_the_repository_does);

/// A named soft delete of a sensor or a tenant marks what the repository's soft delete marks:
/// the rows pointing at it, with the same instant, in one write transaction; other tenants'
/// rows and already deleted ones keep theirs.
fn named_soft_deletes_cascade_as_the_repository_does(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let other = tenants::create(
        &mut c,
        NewTenant {
            name: "other".into(),
        },
    )
    .unwrap();
    let tid = t.tenant_id;
    let s1 = sensors::create(&mut c, tid, sensor("s1")).unwrap();
    let s2 = sensors::create(&mut c, tid, sensor("s2")).unwrap();
    let r = rules::create(&mut c, tid, rule("r", RuleState::Active, true)).unwrap();
    for s in [&s1, &s2] {
        rule_sensors::create(
            &mut c,
            tid,
            NewRuleSensor {
                rule_id: r.rule_id,
                sensor_id: s.sensor_id,
            },
        )
        .unwrap();
    }
    let now = Timestamp::now();
    assert_eq!(
        queries::sensors::soft_delete_sensor(&mut c, tid, s1.sensor_id, now).unwrap(),
        1
    );
    let links = rule_sensors::list_for_rule(&mut c, tid, r.rule_id).unwrap();
    assert_eq!(
        links.iter().map(|l| l.sensor_id).collect::<Vec<_>>(),
        vec![s2.sensor_id],
        "the deleted sensor's link went with it"
    );
    let gone = queries::sensors::get_sensor(&mut c, tid, s1.sensor_id).unwrap();
    assert_eq!(gone, None);
    // Again: nothing live to delete, nothing cascades.
    assert_eq!(
        queries::sensors::soft_delete_sensor(&mut c, tid, s1.sensor_id, Timestamp::now()).unwrap(),
        0
    );
    // Another tenant's id: nothing.
    assert_eq!(
        queries::sensors::soft_delete_sensor(&mut c, other.tenant_id, s2.sensor_id, now).unwrap(),
        0
    );
    assert_eq!(
        rule_sensors::list_for_rule(&mut c, tid, r.rule_id)
            .unwrap()
            .len(),
        1
    );

    // The tenant: every row of it goes, none of the other tenant's.
    let kept = sensors::create(&mut c, other.tenant_id, sensor("kept")).unwrap();
    let at = Timestamp::now();
    assert_eq!(
        queries::tenants::soft_delete_tenant(&mut c, tid, at).unwrap(),
        1
    );
    assert!(tenants::get(&mut c, tid).is_err());
    assert!(sensors::list(&mut c, tid, Page::first(10))
        .unwrap()
        .is_empty());
    assert!(rules::list(&mut c, tid, Page::first(10))
        .unwrap()
        .is_empty());
    assert!(rule_sensors::list_for_rule(&mut c, tid, r.rule_id)
        .unwrap()
        .is_empty());
    assert_eq!(
        sensors::get(&mut c, other.tenant_id, kept.sensor_id)
            .unwrap()
            .deleted_at,
        None
    );
}
