//! The repository on SQLite, PostgreSQL and MySQL: round trips, soft deletes and cascades,
//! tenant isolation, typed errors from real database conditions, validation.

mod common;

use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use trapperkeeper_db::repository::api_keys::{self, ApiKeyChanges, NewApiKey};
use trapperkeeper_db::repository::configurations::{self, ConfigurationChanges, NewConfiguration};
use trapperkeeper_db::repository::rule_sensors::{self, NewRuleSensor};
use trapperkeeper_db::repository::rules::{self, NewRule, RuleAction, RuleChanges, RuleState};
use trapperkeeper_db::repository::sensors::{self, NewSensor, SensorChanges};
use trapperkeeper_db::repository::tenants::{self, NewTenant, TenantChanges};
use trapperkeeper_db::repository::users::{self, NewUser, Role, UserChanges};
use trapperkeeper_db::repository::{Error as RepoError, Page, Repo};
use trapperkeeper_db::types::{ConfigurationId, RuleId, SensorId, TenantId, Timestamp, UserId};
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::{AnyConnection, Database};

use common::{migrated, runtime, TestDb};

fn tenant(conn: &mut AnyConnection, name: &str) -> TenantId {
    tenants::create(conn, NewTenant { name: name.into() })
        .unwrap()
        .tenant_id
}

fn new_user(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        password_hash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA".into(),
        role: Role::Operator,
        force_password_change: true,
    }
}

fn new_rule(name: &str) -> NewRule {
    NewRule {
        name: name.into(),
        description: Some("drops noisy events — ünïcödé ✓".into()),
        state: RuleState::Active,
        action: RuleAction::Drop,
        sample_rate: 0.25,
        enabled: true,
        scope_tags: r#"["prod","eu"]"#.into(),
        expression: r#"{"field":"level","op":"eq","value":"debug"}"#.into(),
    }
}

fn new_sensor(name: &str) -> NewSensor {
    NewSensor {
        name: name.into(),
        description: None,
        metadata: r#"{"site":"Zürich"}"#.into(),
    }
}

fn key_hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// A checksum of everything stored: row counts and contents of every table, for "unchanged".
fn snapshot(conn: &mut AnyConnection) -> String {
    let t = tenants::list(conn, Page::first(1000)).unwrap();
    let mut out = format!("{t:?}");
    for tenant in t {
        let id = tenant.tenant_id;
        out += &format!("{:?}", users::list(conn, id, Page::first(1000)).unwrap());
        out += &format!("{:?}", api_keys::list(conn, id, Page::first(1000)).unwrap());
        out += &format!("{:?}", sensors::list(conn, id, Page::first(1000)).unwrap());
        out += &format!("{:?}", rules::list(conn, id, Page::first(1000)).unwrap());
        out += &format!(
            "{:?}",
            rule_sensors::list(conn, id, Page::first(1000)).unwrap()
        );
        out += &format!(
            "{:?}",
            configurations::list(conn, id, Page::first(1000)).unwrap()
        );
    }
    out
}

backend_tests!(
    every_entity_round_trips_exactly,
    timestamps_round_trip_far_dates_and_truncate_nanoseconds,
    out_of_range_timestamps_are_errors_not_changed_values,
    ids_increase_and_pages_follow_creation_order,
    soft_deleted_rows_are_invisible_to_normal_reads,
    tenant_cascade_shares_one_deleted_at,
    failed_cascade_deletes_nothing,
    rule_and_sensor_cascade_to_their_links,
    tenants_are_isolated_on_every_operation,
    error_kinds_come_from_real_conditions,
    validation_errors_leave_the_database_unchanged,
    async_api_runs_repository_calls,
    text_compares_by_code_point_without_padding,
);

fn every_entity_round_trips_exactly(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(
        &mut c,
        NewTenant {
            name: "Acme — 株式会社 🚀".into(),
        },
    )
    .unwrap();
    assert_eq!(tenants::get(&mut c, t.tenant_id).unwrap(), t);
    let id = t.tenant_id;

    let u = users::create(&mut c, id, new_user("ops@acme")).unwrap();
    assert_eq!(users::get(&mut c, id, u.user_id).unwrap(), u);
    assert!(u.force_password_change);
    let u2 = users::create(
        &mut c,
        id,
        NewUser {
            force_password_change: false,
            role: Role::Admin,
            ..new_user("root")
        },
    )
    .unwrap();
    assert_eq!(users::get(&mut c, id, u2.user_id).unwrap(), u2);

    let k = api_keys::create(
        &mut c,
        id,
        NewApiKey {
            name: "ci".into(),
            key_hash: key_hash(1),
        },
    )
    .unwrap();
    assert_eq!(api_keys::get(&mut c, id, k.api_key_id).unwrap(), k);

    let s = sensors::create(&mut c, id, new_sensor("edge-1")).unwrap();
    assert_eq!(sensors::get(&mut c, id, s.sensor_id).unwrap(), s);
    assert_eq!(s.description, None);

    let r = rules::create(&mut c, id, new_rule("noisy")).unwrap();
    assert_eq!(rules::get(&mut c, id, r.rule_id).unwrap(), r);
    let r0 = rules::create(
        &mut c,
        id,
        NewRule {
            sample_rate: 0.0,
            enabled: false,
            state: RuleState::Draft,
            action: RuleAction::Fail,
            ..new_rule("zero")
        },
    )
    .unwrap();
    assert_eq!(rules::get(&mut c, id, r0.rule_id).unwrap(), r0);

    let link = rule_sensors::create(
        &mut c,
        id,
        NewRuleSensor {
            rule_id: r.rule_id,
            sensor_id: s.sensor_id,
        },
    )
    .unwrap();
    assert_eq!(
        rule_sensors::get(&mut c, id, link.rule_sensor_id).unwrap(),
        link
    );

    let cfg = configurations::create(
        &mut c,
        id,
        NewConfiguration {
            config_key: "retention".into(),
            config_value: r#"{"days":30}"#.into(),
        },
    )
    .unwrap();
    assert_eq!(
        configurations::get_by_key(&mut c, id, "retention").unwrap(),
        cfg
    );

    // Updates bump modified_at and keep created_at.
    std::thread::sleep(std::time::Duration::from_millis(2));
    let changed = rules::update(
        &mut c,
        id,
        r.rule_id,
        RuleChanges {
            sample_rate: Some(1.0),
            description: Some(None),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(changed.sample_rate, 1.0);
    assert_eq!(changed.description, None);
    assert_eq!(changed.created_at, r.created_at);
    assert!(changed.modified_at > r.modified_at);
    assert_eq!(rules::get(&mut c, id, r.rule_id).unwrap(), changed);
    let renamed = tenants::update(
        &mut c,
        id,
        TenantChanges {
            name: Some("Acme 2".into()),
        },
    )
    .unwrap();
    assert_eq!(renamed.name, "Acme 2");
    let u_changed = users::update(
        &mut c,
        id,
        u.user_id,
        UserChanges {
            role: Some(Role::Observer),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(u_changed.role, Role::Observer);
    let cfg2 = configurations::update(
        &mut c,
        id,
        cfg.configuration_id,
        ConfigurationChanges {
            config_value: Some("[1,2]".into()),
        },
    )
    .unwrap();
    assert_eq!(cfg2.config_value, "[1,2]");
    // Serde round trip of a model.
    let json = serde_json::to_string(&changed).unwrap();
    assert_eq!(serde_json::from_str::<rules::Rule>(&json).unwrap(), changed);
}

fn timestamps_round_trip_far_dates_and_truncate_nanoseconds(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenant(&mut c, "t");
    let s = sensors::create(&mut c, t, new_sensor("s")).unwrap();
    let cases = [
        Utc.with_ymd_and_hms(2039, 1, 19, 3, 14, 8).unwrap(),
        Utc.with_ymd_and_hms(2200, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap(),
    ];
    for dt in cases {
        let ts = Timestamp::from(dt);
        let back = sensors::update(
            &mut c,
            t,
            s.sensor_id,
            SensorChanges {
                last_seen_at: Some(Some(ts)),
                ..Default::default()
            },
        )
        .unwrap()
        .last_seen_at
        .unwrap();
        assert_eq!(back, ts, "{dt}");
        assert_eq!(back.as_datetime(), dt);
    }
    // Nanoseconds are cut to the same microsecond on every backend.
    let precise = Utc.timestamp_opt(2_178_000_000, 123_456_789).unwrap();
    let ts = Timestamp::from(precise);
    let back = sensors::update(
        &mut c,
        t,
        s.sensor_id,
        SensorChanges {
            last_seen_at: Some(Some(ts)),
            ..Default::default()
        },
    )
    .unwrap()
    .last_seen_at
    .unwrap();
    assert_eq!(back.as_datetime().timestamp_subsec_nanos(), 123_456_000);
    assert_eq!(back.unix_micros(), 2_178_000_000_123_456);
}

fn out_of_range_timestamps_are_errors_not_changed_values(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenant(&mut c, "t");
    let s = sensors::create(&mut c, t, new_sensor("s")).unwrap();
    let year_2300 = Timestamp::from(Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0).unwrap());
    let year_900 = Timestamp::from(Utc.with_ymd_and_hms(900, 1, 1, 0, 0, 0).unwrap());
    for (ts, fits) in [
        (year_2300, db.backend != Backend::Sqlite),
        (year_900, db.backend == Backend::Postgres),
    ] {
        let stored_before = sensors::get(&mut c, t, s.sensor_id).unwrap().last_seen_at;
        let result = sensors::update(
            &mut c,
            t,
            s.sensor_id,
            SensorChanges {
                last_seen_at: Some(Some(ts)),
                ..Default::default()
            },
        );
        match (result, fits) {
            (Ok(row), true) => assert_eq!(row.last_seen_at, Some(ts)),
            (Err(RepoError::Database { source }), false) => {
                let text = format!("{source}");
                assert!(text.contains("outside the range"), "{text}");
                assert_eq!(
                    sensors::get(&mut c, t, s.sensor_id).unwrap().last_seen_at,
                    stored_before,
                    "nothing stored"
                );
            }
            (other, fits) => panic!("{ts}: fits={fits}, got {other:?}"),
        }
    }
}

fn ids_increase_and_pages_follow_creation_order(db: &TestDb) {
    let ids: Vec<TenantId> = (0..10_000).map(|_| TenantId::new()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "10,000 ids strictly increasing"
    );
    assert!(ids.iter().all(
        |i| i.to_string() == i.to_string().to_lowercase() && i.as_uuid().get_version_num() == 7
    ));
    let mut c = migrated(db);
    let t = tenant(&mut c, "t");
    let created: Vec<RuleId> = (0..120)
        .map(|i| {
            rules::create(&mut c, t, new_rule(&format!("r{i}")))
                .unwrap()
                .rule_id
        })
        .collect();
    let mut seen = Vec::new();
    let mut page = Page::first(50);
    loop {
        let rows = rules::list(&mut c, t, page).unwrap();
        if rows.is_empty() {
            break;
        }
        page.after = Some(rows.last().unwrap().rule_id);
        seen.extend(rows.into_iter().map(|r| r.rule_id));
    }
    assert_eq!(
        seen, created,
        "keyset pages return every row once, in creation order"
    );
}

fn soft_deleted_rows_are_invisible_to_normal_reads(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenant(&mut c, "t");
    let r = rules::create(&mut c, t, new_rule("r")).unwrap();
    let keep = rules::create(&mut c, t, new_rule("keep")).unwrap();
    let s = sensors::create(&mut c, t, new_sensor("s")).unwrap();
    let link = rule_sensors::create(
        &mut c,
        t,
        NewRuleSensor {
            rule_id: r.rule_id,
            sensor_id: s.sensor_id,
        },
    )
    .unwrap();
    let deleted = rules::soft_delete(&mut c, t, r.rule_id).unwrap();
    assert_eq!(deleted.children, 1);
    assert!(matches!(
        rules::get(&mut c, t, r.rule_id),
        Err(RepoError::NotFound { .. })
    ));
    assert_eq!(rules::list(&mut c, t, Page::first(10)).unwrap(), vec![keep]);
    assert!(matches!(
        rules::update(
            &mut c,
            t,
            r.rule_id,
            RuleChanges {
                enabled: Some(false),
                ..Default::default()
            }
        ),
        Err(RepoError::NotFound { .. })
    ));
    assert!(
        matches!(
            rules::soft_delete(&mut c, t, r.rule_id),
            Err(RepoError::NotFound { .. })
        ),
        "one-way"
    );
    assert!(!rules::is_live(&mut c, t, r.rule_id).unwrap());
    assert!(rule_sensors::list_for_rule(&mut c, t, r.rule_id)
        .unwrap()
        .is_empty());
    assert!(matches!(
        rule_sensors::get(&mut c, t, link.rule_sensor_id),
        Err(RepoError::NotFound { .. })
    ));
    // A deleted rule cannot be linked again.
    assert!(matches!(
        rule_sensors::create(
            &mut c,
            t,
            NewRuleSensor {
                rule_id: r.rule_id,
                sensor_id: s.sensor_id
            }
        ),
        Err(RepoError::ForeignKey {
            referenced: "rule",
            ..
        })
    ));
    // The audit path sees it, with its deletion time.
    let audited = rules::audit_get_including_deleted(&mut c, t, r.rule_id).unwrap();
    assert_eq!(audited.deleted_at, Some(deleted.deleted_at));
}

fn populate(c: &mut AnyConnection, t: TenantId, tag: &str) -> usize {
    let mut n = 0;
    for i in 0..3 {
        users::create(c, t, new_user(&format!("{tag}-user{i}"))).unwrap();
        api_keys::create(
            c,
            t,
            NewApiKey {
                name: format!("k{i}"),
                key_hash: format!("{tag:0<8}{i:0>56}")
                    .replace(|ch: char| !ch.is_ascii_hexdigit(), "a")
                    .to_lowercase(),
            },
        )
        .unwrap();
        let s = sensors::create(c, t, new_sensor(&format!("s{i}"))).unwrap();
        let r = rules::create(c, t, new_rule(&format!("r{i}"))).unwrap();
        rule_sensors::create(
            c,
            t,
            NewRuleSensor {
                rule_id: r.rule_id,
                sensor_id: s.sensor_id,
            },
        )
        .unwrap();
        configurations::create(
            c,
            t,
            NewConfiguration {
                config_key: format!("key{i}"),
                config_value: "true".into(),
            },
        )
        .unwrap();
        n += 6;
    }
    n
}

fn tenant_cascade_shares_one_deleted_at(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenant(&mut c, "doomed");
    let other = tenant(&mut c, "bystander");
    let children = populate(&mut c, t, "d");
    populate(&mut c, other, "b");
    let before_other = snapshot_of(&mut c, other);
    let deleted = tenants::soft_delete(&mut c, t).unwrap();
    assert_eq!(deleted.children, children);
    assert!(matches!(
        tenants::get(&mut c, t),
        Err(RepoError::NotFound { .. })
    ));
    assert_eq!(
        tenants::audit_get_including_deleted(&mut c, t)
            .unwrap()
            .deleted_at,
        Some(deleted.deleted_at)
    );
    // Every child carries the parent's deleted_at.
    use trapperkeeper_db::schema as db;
    let stamps: Vec<Option<Timestamp>> = [
        db::users::table
            .filter(db::users::tenant_id.eq(t))
            .select(db::users::deleted_at)
            .load(&mut c)
            .unwrap(),
        db::api_keys::table
            .filter(db::api_keys::tenant_id.eq(t))
            .select(db::api_keys::deleted_at)
            .load(&mut c)
            .unwrap(),
        db::sensors::table
            .filter(db::sensors::tenant_id.eq(t))
            .select(db::sensors::deleted_at)
            .load(&mut c)
            .unwrap(),
        db::rules::table
            .filter(db::rules::tenant_id.eq(t))
            .select(db::rules::deleted_at)
            .load(&mut c)
            .unwrap(),
        db::rule_sensors::table
            .filter(db::rule_sensors::tenant_id.eq(t))
            .select(db::rule_sensors::deleted_at)
            .load(&mut c)
            .unwrap(),
        db::configurations::table
            .filter(db::configurations::tenant_id.eq(t))
            .select(db::configurations::deleted_at)
            .load(&mut c)
            .unwrap(),
    ]
    .concat();
    assert_eq!(stamps.len(), children);
    assert!(
        stamps.iter().all(|s| *s == Some(deleted.deleted_at)),
        "{stamps:?}"
    );
    assert_eq!(
        snapshot_of(&mut c, other),
        before_other,
        "the other tenant is untouched"
    );
}

fn snapshot_of(c: &mut AnyConnection, t: TenantId) -> String {
    format!(
        "{:?}{:?}{:?}{:?}{:?}{:?}",
        users::list(c, t, Page::first(1000)).unwrap(),
        api_keys::list(c, t, Page::first(1000)).unwrap(),
        sensors::list(c, t, Page::first(1000)).unwrap(),
        rules::list(c, t, Page::first(1000)).unwrap(),
        rule_sensors::list(c, t, Page::first(1000)).unwrap(),
        configurations::list(c, t, Page::first(1000)).unwrap(),
    )
}

fn failed_cascade_deletes_nothing(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenant(&mut c, "t");
    populate(&mut c, t, "x");
    let before = snapshot(&mut c);
    // A real database failure in the middle of the cascade: the last child table refuses updates.
    let trigger = match db.backend {
        Backend::Postgres => "CREATE FUNCTION tk_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER tk_fail BEFORE UPDATE ON configurations FOR EACH ROW EXECUTE FUNCTION tk_fail();",
        Backend::Mysql => "CREATE TRIGGER tk_fail BEFORE UPDATE ON configurations FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'",
        Backend::Sqlite => "CREATE TRIGGER tk_fail BEFORE UPDATE ON configurations BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    };
    c.batch_execute(trigger).unwrap();
    let err = tenants::soft_delete(&mut c, t).unwrap_err();
    assert!(matches!(err, RepoError::Database { .. }), "{err:?}");
    assert!(
        !err.to_string().contains("injected"),
        "driver text stays in the source: {err}"
    );
    assert_eq!(snapshot(&mut c), before, "nothing half-deleted");
    assert!(!c.in_transaction());
    c.batch_execute("DROP TRIGGER tk_fail").ok();
}

fn rule_and_sensor_cascade_to_their_links(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenant(&mut c, "t");
    let r = rules::create(&mut c, t, new_rule("r")).unwrap();
    let sensors: Vec<SensorId> = (0..4)
        .map(|i| {
            sensors::create(&mut c, t, new_sensor(&format!("s{i}")))
                .unwrap()
                .sensor_id
        })
        .collect();
    for s in &sensors {
        rule_sensors::create(
            &mut c,
            t,
            NewRuleSensor {
                rule_id: r.rule_id,
                sensor_id: *s,
            },
        )
        .unwrap();
    }
    let r2 = rules::create(&mut c, t, new_rule("r2")).unwrap();
    rule_sensors::create(
        &mut c,
        t,
        NewRuleSensor {
            rule_id: r2.rule_id,
            sensor_id: sensors[0],
        },
    )
    .unwrap();
    // Deleting sensor 0 removes its two links.
    assert_eq!(
        sensors::soft_delete(&mut c, t, sensors[0])
            .unwrap()
            .children,
        2
    );
    assert_eq!(
        rule_sensors::list_for_rule(&mut c, t, r.rule_id)
            .unwrap()
            .len(),
        3
    );
    assert!(rule_sensors::list_for_rule(&mut c, t, r2.rule_id)
        .unwrap()
        .is_empty());
    // Deleting the rule removes the remaining three.
    let d = rules::soft_delete(&mut c, t, r.rule_id).unwrap();
    assert_eq!(d.children, 3);
    assert!(rule_sensors::list(&mut c, t, Page::first(10))
        .unwrap()
        .is_empty());
    assert_eq!(
        sensors::list(&mut c, t, Page::first(10)).unwrap().len(),
        3,
        "sensors stay"
    );
}

fn tenants_are_isolated_on_every_operation(db: &TestDb) {
    let mut c = migrated(db);
    let a = tenant(&mut c, "a");
    let b = tenant(&mut c, "b");
    let u = users::create(&mut c, a, new_user("alice")).unwrap();
    let k = api_keys::create(
        &mut c,
        a,
        NewApiKey {
            name: "k".into(),
            key_hash: key_hash(7),
        },
    )
    .unwrap();
    let s = sensors::create(&mut c, a, new_sensor("s")).unwrap();
    let r = rules::create(&mut c, a, new_rule("r")).unwrap();
    let link = rule_sensors::create(
        &mut c,
        a,
        NewRuleSensor {
            rule_id: r.rule_id,
            sensor_id: s.sensor_id,
        },
    )
    .unwrap();
    let cfg = configurations::create(
        &mut c,
        a,
        NewConfiguration {
            config_key: "k".into(),
            config_value: "1".into(),
        },
    )
    .unwrap();
    let before = snapshot(&mut c);
    let nf = |r: Result<_, RepoError>| matches!(r, Err(RepoError::NotFound { .. }));
    // Reads from tenant b see nothing of a.
    assert!(nf(users::get(&mut c, b, u.user_id).map(drop)));
    assert!(nf(api_keys::get(&mut c, b, k.api_key_id).map(drop)));
    assert!(nf(sensors::get(&mut c, b, s.sensor_id).map(drop)));
    assert!(nf(rules::get(&mut c, b, r.rule_id).map(drop)));
    assert!(nf(
        rule_sensors::get(&mut c, b, link.rule_sensor_id).map(drop)
    ));
    assert!(nf(
        configurations::get(&mut c, b, cfg.configuration_id).map(drop)
    ));
    assert!(nf(configurations::get_by_key(&mut c, b, "k").map(drop)));
    assert!(users::list(&mut c, b, Page::first(10)).unwrap().is_empty());
    assert!(rules::list(&mut c, b, Page::first(10)).unwrap().is_empty());
    assert!(rule_sensors::list_for_rule(&mut c, b, r.rule_id)
        .unwrap()
        .is_empty());
    assert!(nf(
        rules::audit_get_including_deleted(&mut c, b, r.rule_id).map(drop)
    ));
    // Writes from tenant b change nothing of a.
    assert!(nf(users::update(
        &mut c,
        b,
        u.user_id,
        UserChanges {
            role: Some(Role::Admin),
            ..Default::default()
        }
    )
    .map(drop)));
    assert!(nf(api_keys::update(
        &mut c,
        b,
        k.api_key_id,
        ApiKeyChanges {
            name: Some("x".into()),
            ..Default::default()
        }
    )
    .map(drop)));
    assert!(nf(sensors::update(
        &mut c,
        b,
        s.sensor_id,
        SensorChanges {
            name: Some("x".into()),
            ..Default::default()
        }
    )
    .map(drop)));
    assert!(nf(rules::update(
        &mut c,
        b,
        r.rule_id,
        RuleChanges {
            name: Some("x".into()),
            ..Default::default()
        }
    )
    .map(drop)));
    assert!(nf(configurations::update(
        &mut c,
        b,
        cfg.configuration_id,
        ConfigurationChanges {
            config_value: Some("2".into())
        }
    )
    .map(drop)));
    assert!(nf(users::soft_delete(&mut c, b, u.user_id).map(drop)));
    assert!(nf(api_keys::soft_delete(&mut c, b, k.api_key_id).map(drop)));
    assert!(nf(sensors::soft_delete(&mut c, b, s.sensor_id).map(drop)));
    assert!(nf(rules::soft_delete(&mut c, b, r.rule_id).map(drop)));
    assert!(nf(rule_sensors::soft_delete(
        &mut c,
        b,
        link.rule_sensor_id
    )
    .map(drop)));
    assert!(nf(configurations::soft_delete(
        &mut c,
        b,
        cfg.configuration_id
    )
    .map(drop)));
    // Tenant b cannot link a's rule and sensor, nor mix them with its own.
    let s_b = sensors::create(&mut c, b, new_sensor("sb")).unwrap();
    assert!(matches!(
        rule_sensors::create(
            &mut c,
            b,
            NewRuleSensor {
                rule_id: r.rule_id,
                sensor_id: s_b.sensor_id
            }
        ),
        Err(RepoError::ForeignKey { .. })
    ));
    assert!(matches!(
        rule_sensors::create(
            &mut c,
            a,
            NewRuleSensor {
                rule_id: r.rule_id,
                sensor_id: s_b.sensor_id
            }
        ),
        Err(RepoError::ForeignKey {
            referenced: "sensor",
            ..
        })
    ));
    sensors::soft_delete(&mut c, b, s_b.sensor_id).unwrap();
    // Tenant a is exactly as it was (b's own sensor changed only b's rows).
    let after = snapshot(&mut c);
    assert_eq!(after, before);
}

fn error_kinds_come_from_real_conditions(db: &TestDb) {
    let mut c = migrated(db);
    let a = tenant(&mut c, "a");
    let b = tenant(&mut c, "b");
    // Conflict: usernames are unique across tenants (a unique index).
    users::create(&mut c, a, new_user("sam")).unwrap();
    let err = users::create(&mut c, b, new_user("sam")).unwrap_err();
    assert!(
        matches!(err, RepoError::Conflict { entity: "user", .. }),
        "{err:?}"
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "the driver error is kept as the source"
    );
    assert!(
        !err.to_string().contains("uq_users_username"),
        "but not shown: {err}"
    );
    // Conflict: one live value per configuration key; deleting frees the key.
    let first = configurations::create(
        &mut c,
        a,
        NewConfiguration {
            config_key: "mode".into(),
            config_value: "1".into(),
        },
    )
    .unwrap();
    let err = configurations::create(
        &mut c,
        a,
        NewConfiguration {
            config_key: "mode".into(),
            config_value: "2".into(),
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Conflict {
                entity: "configuration",
                ..
            }
        ),
        "{err:?}"
    );
    configurations::create(
        &mut c,
        b,
        NewConfiguration {
            config_key: "mode".into(),
            config_value: "3".into(),
        },
    )
    .expect("other tenant, same key");
    configurations::soft_delete(&mut c, a, first.configuration_id).unwrap();
    configurations::create(
        &mut c,
        a,
        NewConfiguration {
            config_key: "mode".into(),
            config_value: "4".into(),
        },
    )
    .expect("key free again");
    // Conflict: duplicate API key hash.
    api_keys::create(
        &mut c,
        a,
        NewApiKey {
            name: "k1".into(),
            key_hash: key_hash(9),
        },
    )
    .unwrap();
    let err = api_keys::create(
        &mut c,
        b,
        NewApiKey {
            name: "k2".into(),
            key_hash: key_hash(9),
        },
    )
    .unwrap_err();
    assert!(matches!(err, RepoError::Conflict { .. }), "{err:?}");
    // ForeignKey: missing and deleted tenants.
    let ghost = TenantId::new();
    assert!(matches!(
        users::create(&mut c, ghost, new_user("ghost")),
        Err(RepoError::ForeignKey {
            referenced: "tenant",
            ..
        })
    ));
    tenants::soft_delete(&mut c, b).unwrap();
    assert!(matches!(
        rules::create(&mut c, b, new_rule("late")),
        Err(RepoError::ForeignKey { .. })
    ));
    // ForeignKey from the database's own constraint, for a row written around the repository.
    let raw = diesel::insert_into(trapperkeeper_db::schema::tenants::table)
        .values((
            trapperkeeper_db::schema::tenants::tenant_id.eq(TenantId::new()),
            trapperkeeper_db::schema::tenants::name.eq("x"),
            trapperkeeper_db::schema::tenants::created_at.eq(Timestamp::now()),
            trapperkeeper_db::schema::tenants::modified_at.eq(Timestamp::now()),
        ))
        .execute(&mut c);
    assert!(raw.is_ok());
    let raw_fk = diesel::insert_into(trapperkeeper_db::schema::sensors::table)
        .values((
            trapperkeeper_db::schema::sensors::sensor_id.eq(SensorId::new()),
            trapperkeeper_db::schema::sensors::tenant_id.eq(ghost),
            trapperkeeper_db::schema::sensors::name.eq("x"),
            trapperkeeper_db::schema::sensors::metadata.eq("{}"),
            trapperkeeper_db::schema::sensors::created_at.eq(Timestamp::now()),
            trapperkeeper_db::schema::sensors::modified_at.eq(Timestamp::now()),
        ))
        .execute(&mut c)
        .map_err(RepoError::from);
    assert!(
        matches!(raw_fk, Err(RepoError::ForeignKey { .. })),
        "{raw_fk:?}"
    );
    // NotFound.
    assert!(matches!(
        users::get(&mut c, a, UserId::new()),
        Err(RepoError::NotFound { entity: "user", .. })
    ));
    // Timeout: the pool's checkout timeout, through the async API.
    runtime().block_on(async {
        let config = db
            .config()
            .with_pool_size(1, 0)
            .with_connection_timeout(std::time::Duration::from_millis(300));
        let database = Database::open(&config).await.unwrap();
        let repo = Repo::new(&database);
        let hold = {
            let repo = repo.clone();
            tokio::spawn(async move {
                repo.call(|c| {
                    std::thread::sleep(std::time::Duration::from_millis(900));
                    tenants::list(c, Page::first(1))
                })
                .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let err = repo
            .call(|c| tenants::list(c, Page::first(1)))
            .await
            .unwrap_err();
        assert!(
            matches!(err, RepoError::Timeout { .. }) && err.is_retryable(),
            "{err:?}"
        );
        hold.await.unwrap().unwrap();
    });
    // Unavailable: nothing listens.
    if db.backend != Backend::Sqlite {
        let mut url = url::Url::parse(&db.url).unwrap();
        url.set_port(Some(1)).unwrap();
        let config = trapperkeeper_db::config::DatabaseConfig::for_url(url.as_str()).unwrap();
        let err = RepoError::from(trapperkeeper_db::pool::connect_sync(&config).unwrap_err());
        assert!(
            matches!(err, RepoError::Unavailable { .. }) && err.is_retryable(),
            "{err:?}"
        );
    }
}

fn validation_errors_leave_the_database_unchanged(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenant(&mut c, "t");
    let r = rules::create(&mut c, t, new_rule("r")).unwrap();
    let before = snapshot(&mut c);
    let long = "x".repeat(129);
    let field = |e: RepoError| match e {
        RepoError::Validation { field, .. } => field,
        other => panic!("expected Validation, got {other:?}"),
    };
    assert_eq!(
        field(tenants::create(&mut c, NewTenant { name: "".into() }).unwrap_err()),
        "name"
    );
    assert_eq!(
        field(tenants::create(&mut c, NewTenant { name: long.clone() }).unwrap_err()),
        "name"
    );
    assert_eq!(
        field(
            tenants::create(
                &mut c,
                NewTenant {
                    name: "bell\u{7}".into()
                }
            )
            .unwrap_err()
        ),
        "name"
    );
    assert_eq!(
        field(users::create(&mut c, t, new_user(&long)).unwrap_err()),
        "username"
    );
    assert_eq!(
        field(
            users::create(
                &mut c,
                t,
                NewUser {
                    password_hash: "".into(),
                    ..new_user("u")
                }
            )
            .unwrap_err()
        ),
        "password_hash"
    );
    assert_eq!(
        field(
            rules::create(
                &mut c,
                t,
                NewRule {
                    sample_rate: 1.5,
                    ..new_rule("r")
                }
            )
            .unwrap_err()
        ),
        "sample_rate"
    );
    assert_eq!(
        field(
            rules::create(
                &mut c,
                t,
                NewRule {
                    sample_rate: f64::NAN,
                    ..new_rule("r")
                }
            )
            .unwrap_err()
        ),
        "sample_rate"
    );
    assert_eq!(
        field(
            rules::create(
                &mut c,
                t,
                NewRule {
                    expression: "{not json".into(),
                    ..new_rule("r")
                }
            )
            .unwrap_err()
        ),
        "expression"
    );
    assert_eq!(
        field(
            rules::create(
                &mut c,
                t,
                NewRule {
                    scope_tags: "".into(),
                    ..new_rule("r")
                }
            )
            .unwrap_err()
        ),
        "scope_tags"
    );
    assert_eq!(
        field(
            rules::update(
                &mut c,
                t,
                r.rule_id,
                RuleChanges {
                    sample_rate: Some(-0.1),
                    ..Default::default()
                }
            )
            .unwrap_err()
        ),
        "sample_rate"
    );
    assert_eq!(
        field(
            rules::update(
                &mut c,
                t,
                r.rule_id,
                RuleChanges {
                    name: Some("".into()),
                    ..Default::default()
                }
            )
            .unwrap_err()
        ),
        "name"
    );
    assert_eq!(
        field(
            sensors::create(
                &mut c,
                t,
                NewSensor {
                    metadata: "nope".into(),
                    ..new_sensor("s")
                }
            )
            .unwrap_err()
        ),
        "metadata"
    );
    assert_eq!(
        field(
            api_keys::create(
                &mut c,
                t,
                NewApiKey {
                    name: "k".into(),
                    key_hash: "ABC".into()
                }
            )
            .unwrap_err()
        ),
        "key_hash"
    );
    assert_eq!(
        field(
            configurations::create(
                &mut c,
                t,
                NewConfiguration {
                    config_key: "k".into(),
                    config_value: "{".into()
                }
            )
            .unwrap_err()
        ),
        "config_value"
    );
    assert_eq!(
        field(rules::list(&mut c, t, Page::first(0)).unwrap_err()),
        "limit"
    );
    assert_eq!(field("superuser".parse::<Role>().unwrap_err()), "role");
    assert_eq!(field("paused".parse::<RuleState>().unwrap_err()), "state");
    assert!(RuleId::parse("not-a-uuid").is_err());
    assert!(
        RuleId::parse(&r.rule_id.to_string().to_uppercase()).is_err(),
        "ids are lowercase"
    );
    // Injection attempts are stored verbatim, never executed.
    let evil = "x'); DROP TABLE rules; --";
    let stored = rules::create(&mut c, t, new_rule(evil)).unwrap();
    assert_eq!(rules::get(&mut c, t, stored.rule_id).unwrap().name, evil);
    rules::soft_delete(&mut c, t, stored.rule_id).unwrap();
    let _ = before;
    let after_failures: Vec<_> = rules::list(&mut c, t, Page::first(10)).unwrap();
    assert_eq!(after_failures, vec![r]);
    assert_eq!(tenants::list(&mut c, Page::first(10)).unwrap().len(), 1);
    assert!(users::list(&mut c, t, Page::first(10)).unwrap().is_empty());
}

fn async_api_runs_repository_calls(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        let repo = Repo::new(&database);
        let t = repo
            .call(|c| {
                tenants::create(
                    c,
                    NewTenant {
                        name: "async".into(),
                    },
                )
            })
            .await
            .unwrap();
        let id = t.tenant_id;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let repo = repo.clone();
                tokio::spawn(async move {
                    repo.call(move |c| rules::create(c, id, new_rule(&format!("r{i}"))))
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let deleted = repo
            .call(move |c| tenants::soft_delete(c, id))
            .await
            .unwrap();
        assert_eq!(deleted.children, 8);
        let err = repo.call(move |c| tenants::get(c, id)).await.unwrap_err();
        assert!(matches!(err, RepoError::NotFound { .. }));
    });
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_id_lookups_use_the_primary_key_index() {
    common::run(Backend::Postgres, |db| {
        let mut c = migrated(db);
        let t = tenant(&mut c, "t");
        #[derive(QueryableByName)]
        struct Plan {
            #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
            line: String,
        }
        c.batch_execute("SET enable_seqscan = off").unwrap();
        const SQL: &str = "EXPLAIN SELECT name FROM tenants WHERE tenant_id = $1";
        let lines = |plan: Vec<Plan>| {
            plan.into_iter()
                .map(|p| p.line)
                .collect::<Vec<_>>()
                .join("\n")
        };
        let plan = lines(
            diesel::sql_query(SQL)
                .bind::<trapperkeeper_db::types::sql::Uuid36, _>(t)
                .load(&mut c)
                .unwrap(),
        );
        assert!(
            plan.contains("Index Scan using tenants_pkey")
                || plan.contains("Index Only Scan using tenants_pkey"),
            "{plan}"
        );
        // The control: the same lookup bound as text casts the column and cannot use the index.
        let plan = lines(
            diesel::sql_query(SQL)
                .bind::<diesel::sql_types::Text, _>(t.to_string())
                .load(&mut c)
                .unwrap(),
        );
        assert!(
            !plan.contains("tenants_pkey"),
            "a text bind should not use the index: {plan}"
        );
    });
}

/// Text compares the same on every backend (migration 0003): by code point, and without
/// padding, so values that differ only in trailing spaces are different values. MySQL's
/// `utf8mb4_bin` is PAD SPACE ('eve ' collided with 'eve' in `uq_users_username` and an equality
/// lookup of one found both); a PostgreSQL database whose default collation is a language's
/// sorted 'a' before 'B' (see the ICU test below).
fn text_compares_by_code_point_without_padding(db: &TestDb) {
    use diesel::dsl::{max, min};
    use trapperkeeper_db::repository::configurations::Configuration;
    use trapperkeeper_db::repository::users::User;
    use trapperkeeper_db::schema::{configurations as cfg, sensors as sen, users as usr};
    let backend = db.backend;
    let mut c = migrated(db);
    let t = tenant(&mut c, "t");

    // Two values with no column: the session's collation decides (MySQL: NO PAD since the
    // connection setup names it).
    let padded_equal: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "'eve' = 'eve '",
    ))
    .get_result(&mut c)
    .unwrap();
    assert!(!padded_equal, "{backend}: 'eve' = 'eve ' between literals");
    // key_hash is text to the application: a non-ASCII probe finds nothing, with no error
    // (MySQL raised "Illegal mix of collations" while it was ascii_bin).
    let found: i64 = trapperkeeper_db::schema::api_keys::table
        .filter(trapperkeeper_db::schema::api_keys::key_hash.eq("émile"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(found, 0, "{backend}");

    // The repository refuses usernames and keys with surrounding whitespace
    // (`validate::identifier`), so the spaced twins go in through diesel's DSL.
    let eve = users::create(&mut c, t, new_user("eve")).unwrap();
    let eve_spaced = User {
        user_id: UserId::new(),
        username: "eve ".into(),
        ..eve.clone()
    };
    diesel::insert_into(usr::table)
        .values(&eve_spaced)
        .execute(&mut c)
        .unwrap_or_else(|e| panic!("{backend}: user 'eve ' next to 'eve': {e}"));
    for (name, id) in [("eve", eve.user_id), ("eve ", eve_spaced.user_id)] {
        let found: Vec<UserId> = usr::table
            .filter(usr::username.eq(name))
            .select(usr::user_id)
            .load(&mut c)
            .unwrap();
        assert_eq!(found, [id], "{backend}: username = {name:?}");
    }

    let timeout = configurations::create(
        &mut c,
        t,
        NewConfiguration {
            config_key: "timeout".into(),
            config_value: "1".into(),
        },
    )
    .unwrap();
    let timeout_spaced = Configuration {
        configuration_id: ConfigurationId::new(),
        config_key: "timeout ".into(),
        config_value: "2".into(),
        ..timeout.clone()
    };
    diesel::insert_into(cfg::table)
        .values(&timeout_spaced)
        .execute(&mut c)
        .unwrap_or_else(|e| panic!("{backend}: live key 'timeout ' next to 'timeout': {e}"));
    assert_eq!(
        configurations::get_by_key(&mut c, t, "timeout").unwrap(),
        timeout
    );
    for (key, value) in [("timeout", "1"), ("timeout ", "2")] {
        let found: Vec<String> = cfg::table
            .filter(cfg::tenant_id.eq(t))
            .filter(cfg::config_key.eq(key))
            .select(cfg::config_value)
            .load(&mut c)
            .unwrap();
        assert_eq!(found, [value], "{backend}: config_key = {key:?}");
    }

    // Mixed case and a non-ASCII letter: code-point order ('B' < 'a' < 'e' < 'É'), on the
    // indexed usernames and on sensor names (free text, which the repository keeps verbatim).
    let code_point_order = ["B", "a", "e", "eve", "eve ", "É"];
    for name in ["B", "a", "É", "e"] {
        users::create(&mut c, t, new_user(name)).unwrap();
    }
    for name in ["B", "a", "É", "e", "eve ", "eve"] {
        sensors::create(&mut c, t, new_sensor(name)).unwrap();
    }
    let usernames: Vec<String> = usr::table
        .filter(usr::tenant_id.eq(t))
        .order(usr::username.asc())
        .select(usr::username)
        .load(&mut c)
        .unwrap();
    assert_eq!(usernames, code_point_order, "{backend}: ORDER BY username");
    let sensor_names: Vec<String> = sen::table
        .filter(sen::tenant_id.eq(t))
        .order(sen::name.desc())
        .select(sen::name)
        .load(&mut c)
        .unwrap();
    let descending: Vec<&str> = code_point_order.iter().rev().copied().collect();
    assert_eq!(sensor_names, descending, "{backend}: ORDER BY name DESC");
    let (lowest, highest): (Option<String>, Option<String>) = sen::table
        .filter(sen::tenant_id.eq(t))
        .select((min(sen::name), max(sen::name)))
        .first(&mut c)
        .unwrap();
    assert_eq!(
        (lowest.as_deref(), highest.as_deref()),
        (Some("B"), Some("É")),
        "{backend}: MIN/MAX(name)"
    );
    let below_a: Vec<String> = sen::table
        .filter(sen::tenant_id.eq(t))
        .filter(sen::name.lt("a"))
        .select(sen::name)
        .load(&mut c)
        .unwrap();
    assert_eq!(below_a, ["B"], "{backend}: name < 'a'");
    let named_eve: Vec<String> = sen::table
        .filter(sen::tenant_id.eq(t))
        .filter(sen::name.eq("eve"))
        .select(sen::name)
        .load(&mut c)
        .unwrap();
    assert_eq!(named_eve, ["eve"], "{backend}: name = 'eve'");
}

/// The same on a PostgreSQL database created the way an operator might, with a language's
/// default collation (ICU en-US, which sorts 'a' < 'B' < 'e' < 'É'): the text columns are
/// pinned to "C", so nothing depends on the database's locale.
#[cfg(feature = "postgres")]
#[test]
fn text_compares_by_code_point_on_a_postgres_database_collating_as_en_us() {
    common::observe();
    let options = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'";
    match TestDb::create_with(Backend::Postgres, options) {
        Some(db) => text_compares_by_code_point_without_padding(&db),
        None => eprintln!("skipped: PostgreSQL unreachable (or without ICU) and CI is not set"),
    }
}

backend_tests!(repo_write_is_all_or_nothing);

/// `Repo::write` runs repository functions in one write transaction: a later failure (here a
/// name that fails validation) rolls back an earlier create; a unit that succeeds keeps both.
fn repo_write_is_all_or_nothing(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        let repo = Repo::new(&database);
        let new = |name: &str| tenants::NewTenant { name: name.into() };
        let err = repo
            .write(move |c| {
                tenants::create(c, new("kept only if all succeed"))?;
                tenants::create(c, new(""))
            })
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::Validation { .. }), "{err:?}");
        let listed = repo
            .call(|c| tenants::list(c, Page::first(10)))
            .await
            .unwrap();
        assert!(listed.is_empty(), "{listed:?}");
        let (a, b) = repo
            .write(move |c| {
                Ok((
                    tenants::create(c, new("first"))?.tenant_id,
                    tenants::create(c, new("second"))?.tenant_id,
                ))
            })
            .await
            .unwrap();
        let listed = repo
            .call(|c| tenants::list(c, Page::first(10)))
            .await
            .unwrap();
        let ids: Vec<_> = listed.iter().map(|t| t.tenant_id).collect();
        assert_eq!(ids, vec![a, b]);
    });
}

backend_tests!(configuration_set_creates_then_replaces);

/// `configurations::set` (what `config set` runs): creates the key's live value, then replaces
/// it in place; a bad value changes nothing.
fn configuration_set_creates_then_replaces(db: &TestDb) {
    let mut c = migrated(db);
    let t = tenants::create(&mut c, NewTenant { name: "t".into() }).unwrap();
    let first = configurations::set(&mut c, t.tenant_id, "timeout", "5").unwrap();
    assert_eq!(first.config_value, "5");
    let second = configurations::set(&mut c, t.tenant_id, "timeout", r#"{"s": 7}"#).unwrap();
    assert_eq!(second.configuration_id, first.configuration_id);
    assert_eq!(second.created_at, first.created_at);
    assert!(second.modified_at >= first.modified_at);
    let err = configurations::set(&mut c, t.tenant_id, "timeout", "{nope").unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Validation {
                field: "config_value",
                ..
            }
        ),
        "{err:?}"
    );
    let err = configurations::set(&mut c, t.tenant_id, "new-key", "{nope").unwrap_err();
    assert!(matches!(err, RepoError::Validation { .. }), "{err:?}");
    let live = configurations::list(&mut c, t.tenant_id, Page::first(10)).unwrap();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].config_value, r#"{"s": 7}"#);
}

backend_tests!(a_pool_whose_min_idle_is_its_size_opens);

/// `min_idle = max_connections` (accepted by the configuration) opens and serves; it once
/// failed with "the new pool refused its first connection".
fn a_pool_whose_min_idle_is_its_size_opens(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config().with_pool_size(3, 3))
            .await
            .expect("opens");
        database.ping().await.unwrap();
        let n = database
            .run(|c| tenants::list(c, Page::first(10)).map(|t| t.len()))
            .await
            .unwrap();
        assert_eq!(n, 0);
        assert!(database.state().connections <= 3, "{:?}", database.state());
    });
}

backend_tests!(servers: a_password_parameter_logs_in);

/// The documented `?password=` form logs in on both servers (diesel's MySQL driver reads only
/// the userinfo, so the URL moves it there) and is never shown.
#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn a_password_parameter_logs_in(db: &TestDb) {
    let mut url = url::Url::parse(&db.url).unwrap();
    let Some(password) = url.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    }) else {
        // The suite's servers log in with a password (scripts/test); without one there is
        // nothing to move.
        assert!(std::env::var("CI").is_err(), "CI runs with a password");
        return;
    };
    url.set_password(None).unwrap();
    url.query_pairs_mut().append_pair("password", &password);
    let config = trapperkeeper_db::config::DatabaseConfig::for_url(url.as_str()).unwrap();
    let shown = format!("{config:?} {}", config.target().unwrap());
    assert!(!shown.contains(&password), "{shown}");
    let mut conn = trapperkeeper_db::pool::connect_sync(&config).expect("logs in");
    conn.ping().unwrap();
    // And a wrong one is refused: the parameter is really used.
    let mut wrong = url.clone();
    wrong
        .query_pairs_mut()
        .clear()
        .append_pair("password", "not-the-password");
    let config = trapperkeeper_db::config::DatabaseConfig::for_url(wrong.as_str()).unwrap();
    if db.backend == Backend::Mysql {
        assert!(trapperkeeper_db::pool::connect_sync(&config).is_err());
    }
}

backend_tests!(async_writes_keep_the_rules_of_the_sync_ones);

/// `create_async`/`update_async` (one write transaction on the native connection of a server,
/// `BEGIN IMMEDIATE` on SQLite) keep every rule of `create`/`update`: validation before any
/// write, the tenant and (links) both ends must be live rows of the tenant, a unique violation
/// is this entity's Conflict, an update bumps `modified_at` of a live row only; and a failed
/// write leaves what was stored as it was.
fn async_writes_keep_the_rules_of_the_sync_ones(db: &TestDb) {
    runtime().block_on(async {
        let database = Database::open(&db.config()).await.unwrap();
        assert_eq!(database.runs_natively(), db.backend != Backend::Sqlite);
        let repo = Repo::new(&database);
        let made = tenants::create_async(&database, NewTenant { name: "t".into() })
            .await
            .unwrap();
        let t = made.tenant_id;
        let renamed = tenants::update_async(
            &database,
            t,
            TenantChanges {
                name: Some("t2".into()),
            },
        )
        .await
        .unwrap();
        assert_eq!(renamed.name, "t2");
        assert!(renamed.modified_at > made.modified_at, "{renamed:?}");
        assert_eq!(tenants::get_async(&database, t).await.unwrap(), renamed);
        let err = tenants::update_async(
            &database,
            t,
            TenantChanges {
                name: Some(String::new()),
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, RepoError::Validation { field: "name", .. }),
            "{err:?}"
        );
        let err = tenants::create_async(
            &database,
            NewTenant {
                name: "x".repeat(129),
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, RepoError::Validation { field: "name", .. }),
            "{err:?}"
        );

        let s = sensors::create_async(&database, t, new_sensor("s1"))
            .await
            .unwrap();
        assert_eq!((s.tenant_id, s.created_at), (t, s.modified_at));
        let stored = sensors::get_async(&database, t, s.sensor_id).await.unwrap();
        assert_eq!(stored, s, "the row returned is the row stored");

        let err = sensors::create_async(&database, t, new_sensor(""))
            .await
            .unwrap_err();
        assert!(
            matches!(err, RepoError::Validation { field: "name", .. }),
            "{err:?}"
        );

        let u = users::create_async(&database, t, new_user("ann"))
            .await
            .unwrap();
        let err = users::create_async(&database, t, new_user("ann"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, RepoError::Conflict { entity: "user", .. }),
            "{err:?}"
        );

        // A link's ends must be live rows of its tenant.
        let r = rules::create_async(&database, t, new_rule("r1"))
            .await
            .unwrap();
        let other = repo
            .call(|c| tenants::create(c, NewTenant { name: "o".into() }))
            .await
            .unwrap()
            .tenant_id;
        let foreign = sensors::create_async(&database, other, new_sensor("f"))
            .await
            .unwrap();
        let link = |sensor_id| NewRuleSensor {
            rule_id: r.rule_id,
            sensor_id,
        };
        let err = rule_sensors::create_async(&database, t, link(foreign.sensor_id))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                RepoError::ForeignKey {
                    referenced: "sensor",
                    ..
                }
            ),
            "{err:?}"
        );
        rule_sensors::create_async(&database, t, link(s.sensor_id))
            .await
            .unwrap();

        // Updates: a live row changes and its modified_at moves; a clash is a Conflict.
        let renamed = sensors::update_async(
            &database,
            t,
            s.sensor_id,
            SensorChanges {
                name: Some("s1-renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(renamed.name, "s1-renamed");
        assert!(renamed.modified_at > s.modified_at, "{renamed:?}");
        assert_eq!(renamed.created_at, s.created_at);
        assert_eq!(
            sensors::get_async(&database, t, s.sensor_id).await.unwrap(),
            renamed
        );
        let bob = users::create_async(&database, t, new_user("bob"))
            .await
            .unwrap();
        let err = users::update_async(
            &database,
            t,
            bob.user_id,
            UserChanges {
                username: Some("ann".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, RepoError::Conflict { entity: "user", .. }),
            "{err:?}"
        );
        let err = users::update_async(&database, other, u.user_id, UserChanges::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, RepoError::NotFound { .. }),
            "another tenant's row: {err:?}"
        );

        // A deleted tenant takes no new rows, and a deleted row no changes.
        let gone = tenants::soft_delete_async(&database, other).await.unwrap();
        assert_eq!(gone.children, 1, "the other tenant's one sensor: {gone:?}");
        let err = tenants::get_async(&database, other).await.unwrap_err();
        assert!(matches!(err, RepoError::NotFound { .. }), "{err:?}");
        let err = sensors::create_async(&database, other, new_sensor("late"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                RepoError::ForeignKey {
                    referenced: "tenant",
                    ..
                }
            ),
            "{err:?}"
        );
        let err = sensors::update_async(
            &database,
            other,
            foreign.sensor_id,
            SensorChanges::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, RepoError::NotFound { .. }), "{err:?}");

        // What the failures left: exactly the rows the successes wrote.
        let page = |t| {
            let database = database.clone();
            async move {
                sensors::list_async(&database, t, Page::first(10))
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(page(t).await, vec!["s1-renamed"]);
        assert!(page(other).await.is_empty());
        let tenant_names: Vec<_> = repo
            .call(|c| tenants::list(c, Page::first(10)))
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(
            tenant_names,
            vec!["t2"],
            "one live tenant, renamed; no failed create"
        );
        let names: Vec<_> = repo
            .call(move |c| users::list(c, t, Page::first(10)))
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, vec!["ann", "bob"]);
        let links = repo
            .call(move |c| rule_sensors::list_for_rule(c, t, r.rule_id))
            .await
            .unwrap();
        assert_eq!(links.len(), 1);

        // An async soft delete cascades as the sync one: the sensor's link goes with it, at the
        // same instant; a second delete finds nothing live.
        let gone = sensors::soft_delete_async(&database, t, s.sensor_id)
            .await
            .unwrap();
        assert_eq!(gone.children, 1, "{gone:?}");
        let link_id = links[0].rule_sensor_id;
        let link = repo
            .call(move |c| rule_sensors::audit_get_including_deleted(c, t, link_id))
            .await
            .unwrap();
        assert_eq!(link.deleted_at, Some(gone.deleted_at));
        let err = sensors::soft_delete_async(&database, t, s.sensor_id)
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::NotFound { .. }), "{err:?}");
        assert!(page(t).await.is_empty());
        assert_eq!(
            rules::get_async(&database, t, r.rule_id)
                .await
                .unwrap()
                .deleted_at,
            None,
            "the link's other end stays"
        );
    });
}
