//! Fault injection (RELIABILITY.md): process kills during writes, ten times more tasks than
//! connections, storms of dropped futures, and hostile input — on every backend each applies to.
//! Server restarts live in tests/server_restart.rs, a test binary of their own, because they take
//! a shared server away from every test running beside them.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::repository::sensors::{self, NewSensor};
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::repository::{self as repo, Page};
use trapperkeeper_db::schema;
use trapperkeeper_db::types::{SensorId, TenantId};
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::{AnyConnection, Database};

use common::{count_from_env, Rng, TestDb};

const SENSORS_PER_UNIT: usize = 2;

/// The rows a typed storm unit writes, as the repository would make them.
fn storm_tenant(i: usize) -> tenants::Tenant {
    let now = trapperkeeper_db::types::Timestamp::now();
    tenants::Tenant {
        tenant_id: TenantId::new(),
        name: format!("storm {i}"),
        created_at: now,
        modified_at: now,
        deleted_at: None,
    }
}

fn storm_sensor(tenant: TenantId, s: usize) -> sensors::Sensor {
    let now = trapperkeeper_db::types::Timestamp::now();
    sensors::Sensor {
        sensor_id: SensorId::new(),
        tenant_id: tenant,
        name: format!("s{s}"),
        description: None,
        metadata: "{}".into(),
        last_seen_at: None,
        created_at: now,
        modified_at: now,
        deleted_at: None,
    }
}

fn sensor(name: String) -> NewSensor {
    NewSensor {
        name,
        description: None,
        metadata: "{}".into(),
    }
}

/// One unit of work that must be all-or-nothing: a tenant and its sensors.
#[cfg(feature = "sqlite")]
fn tenant_with_sensors(c: &mut AnyConnection, name: String) -> repo::Result<TenantId> {
    let t = tenants::create(c, NewTenant { name })?;
    for s in 0..SENSORS_PER_UNIT {
        sensors::create(c, t.tenant_id, sensor(format!("s{s}")))?;
    }
    Ok(t.tenant_id)
}

/// Every tenant id, and how many sensors each has.
fn tenants_and_sensor_counts(c: &mut AnyConnection) -> BTreeMap<TenantId, usize> {
    let mut counts: BTreeMap<TenantId, usize> = schema::tenants::table
        .select(schema::tenants::tenant_id)
        .load::<TenantId>(c)
        .unwrap()
        .into_iter()
        .map(|t| (t, 0))
        .collect();
    for owner in schema::sensors::table
        .select(schema::sensors::tenant_id)
        .load::<TenantId>(c)
        .unwrap()
    {
        *counts.get_mut(&owner).expect("sensor of a known tenant") += 1;
    }
    counts
}

/// Fails unless every tenant holds exactly its unit's sensors: no unit is half applied.
fn assert_no_half_applied_unit(counts: &BTreeMap<TenantId, usize>) {
    let partial: Vec<_> = counts
        .iter()
        .filter(|(_, n)| **n != SENSORS_PER_UNIT)
        .collect();
    assert!(partial.is_empty(), "half-applied units: {partial:?}");
}

// ---------------------------------------------------------------------------------------------
// 1. SIGKILL during writes (SQLite)

/// Helper role: writes units (a tenant and its sensors, one write transaction each) forever and
/// prints `ACK <tenant id>` after each commit has returned.
#[cfg(feature = "sqlite")]
#[test]
fn helper_crash_writer() {
    use std::io::Write;
    if common::helper_role().as_deref() != Some("crash-writer") {
        return;
    }
    let config = DatabaseConfig::for_url(&std::env::var("TK_TEST_DB").unwrap()).unwrap();
    common::runtime().block_on(async {
        let db = Database::open(&config).await.unwrap();
        let out = std::io::stdout();
        for i in 0u64.. {
            let tenant = db
                .write(move |c| tenant_with_sensors(c, format!("crash {i}")))
                .await
                .unwrap();
            let mut out = out.lock();
            writeln!(out, "ACK {tenant}").unwrap();
            out.flush().unwrap();
        }
    });
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_survives_sigkill_during_writes() {
    use std::io::{BufRead, BufReader};
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let kills = count_from_env("TK_CRASH_KILLS", 20);
    let mut rng = Rng::new("sqlite_survives_sigkill_during_writes");
    let mut acked = HashSet::new();
    let mut kills_before_first_ack = 0;
    for round in 0..kills {
        let mut child = common::spawn_self(
            "helper_crash_writer",
            "crash-writer",
            &[("TK_TEST_DB", db.url.clone())],
        );
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.find("ACK ").map(|i| l[i + 4..].trim().to_string()))
                .collect::<Vec<_>>()
        });
        // Every fourth kill lands in start-up (on the first round: during the migrations), the
        // rest while units are being written.
        let delay = if round % 4 == 0 {
            rng.below(40)
        } else {
            50 + rng.below(350)
        };
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(!status.success(), "the writer only ends by being killed");
        let round: Vec<String> = reader.join().unwrap();
        if round.is_empty() {
            kills_before_first_ack += 1;
        }
        acked.extend(round.into_iter().map(|id| TenantId::parse(&id).unwrap()));

        // After every kill: the database opens, is intact, and holds every acknowledged unit
        // whole.
        common::runtime().block_on(async {
            let database = Database::open(&db.config())
                .await
                .expect("opens after a kill");
            let (integrity, counts) = database
                .run(|c| {
                    #[derive(QueryableByName)]
                    struct Check {
                        #[diesel(sql_type = diesel::sql_types::Text)]
                        integrity_check: String,
                    }
                    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(c)?;
                    let integrity: Vec<String> =
                        check.into_iter().map(|r| r.integrity_check).collect();
                    Ok::<_, trapperkeeper_db::Error>((integrity, tenants_and_sensor_counts(c)))
                })
                .await
                .unwrap();
            assert_eq!(integrity, vec!["ok".to_string()]);
            let missing: Vec<_> = acked.iter().filter(|t| !counts.contains_key(t)).collect();
            assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
            assert_no_half_applied_unit(&counts);
        });
    }
    let mut conn = common::migrated(&db);
    let rows = common::dump(&mut conn).len();
    common::figure(format!(
        "crash: kills={kills} kills_before_first_ack={kills_before_first_ack} \
         acknowledged_units={} rows_checked={rows}",
        acked.len()
    ));
    assert!(
        kills_before_first_ack <= kills / 2 && !acked.is_empty(),
        "most kills must land while units are being written"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Pool under pressure

#[derive(Debug, Default)]
struct Phase {
    calls: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
    slowest_error: Duration,
    written: Vec<SensorId>,
    elapsed: Duration,
}

impl Phase {
    fn ok_per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// A repository error by kind, with what caused the generic ones.
fn error_kind(e: &repo::Error) -> String {
    match e {
        repo::Error::Timeout {
            source: trapperkeeper_db::Error::PoolTimeout { .. },
        } => "pool checkout timeout".into(),
        other => format!("{other}: {:?}", std::error::Error::source(other)),
    }
}

/// `tasks` tasks call the repository for `length`: alternately a read and a write (a sensor, in
/// a write transaction); each unit first holds its connection for `hold`, as slow work would.
async fn phase(
    db: &Database,
    tenant: TenantId,
    tasks: usize,
    length: Duration,
    hold: Duration,
) -> Phase {
    let stats = Arc::new(Mutex::new(Phase::default()));
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for task in 0..tasks {
        let (db, stats) = (db.clone(), stats.clone());
        set.spawn(async move {
            let mut n = 0u64;
            while start.elapsed() < length {
                n += 1;
                let began = Instant::now();
                let result = if n % 2 == 0 {
                    db.run(move |c| {
                        std::thread::sleep(hold);
                        c.write_transaction(|c| {
                            sensors::create(c, tenant, sensor(format!("p{task}-{n}")))
                        })
                        .map(|s| Some(s.sensor_id))
                    })
                    .await
                } else {
                    db.run(move |c| {
                        std::thread::sleep(hold);
                        sensors::list(c, tenant, Page::first(10)).map(|_| None)
                    })
                    .await
                };
                let mut s = stats.lock().unwrap();
                s.calls += 1;
                match result {
                    Ok(written) => {
                        s.ok += 1;
                        s.written.extend(written);
                    }
                    Err(e) => {
                        *s.errors.entry(error_kind(&e)).or_default() += 1;
                        s.slowest_error = s.slowest_error.max(began.elapsed());
                    }
                }
            }
        });
    }
    let all = tokio::time::timeout(length + Duration::from_secs(30), async {
        while let Some(joined) = set.join_next().await {
            joined.expect("task panicked");
        }
    })
    .await;
    assert!(
        all.is_ok(),
        "tasks still running 30 s after the phase ended: deadlock"
    );
    let mut phase = std::mem::take(&mut *stats.lock().unwrap());
    phase.elapsed = start.elapsed();
    phase
}

backend_tests!(
    pool_under_ten_times_pressure,
    cancellation_storm_leaves_nothing_open,
    hostile_input_through_the_repository,
    hostile_input_through_the_cli,
);

fn pool_under_ten_times_pressure(db: &TestDb) {
    const POOL: usize = 4;
    let hold = Duration::from_millis(20);
    // The queue at ten times the pool: 40 tasks × 20 ms / 4 connections ≈ 200 ms of waiting.
    let short = Duration::from_millis(60);
    let long = Duration::from_secs(10);
    let config = |timeout| {
        DatabaseConfig::for_url(&db.url)
            .unwrap()
            .with_pool_size(POOL as u32, 1)
            .with_connection_timeout(timeout)
    };
    common::runtime().block_on(async {
        // The start-up connection must answer within the same 60 ms, which a loaded machine
        // sometimes misses (seen in CI on PostgreSQL: "no answer within 60ms"); this test is
        // about checkouts under pressure, so opening may take a few tries.
        let mut tries = 0;
        let tight = loop {
            match Database::open(&config(short)).await {
                Ok(db) => break db,
                Err(e) if tries < 20 => {
                    tries += 1;
                    eprintln!("opening the 60 ms pool, try {tries}: {e}");
                }
                Err(e) => panic!("the 60 ms pool did not open in 21 tries: {e}"),
            }
        };
        let roomy = Database::open(&config(long)).await.unwrap();
        let tenant = tight
            .run(|c| tenants::create(c, NewTenant { name: "p".into() }))
            .await
            .unwrap()
            .tenant_id;
        // The baseline is the pool at steady state: all its connections open first (opening
        // one on demand can take longer than the 60 ms timeout on a loaded machine; seen once
        // in CI on MySQL).
        let deadline = Instant::now() + Duration::from_secs(10);
        while tight.state().connections < POOL as u32 && Instant::now() < deadline {
            let units = common::holding_pings(&tight, POOL, hold);
            for unit in units {
                let _ = unit.await.unwrap();
            }
        }
        let baseline = phase(&tight, tenant, POOL, Duration::from_millis(800), hold).await;
        let pressed = phase(&tight, tenant, 10 * POOL, Duration::from_secs(2), hold).await;
        let recovered = phase(&tight, tenant, POOL, Duration::from_millis(800), hold).await;
        let patient = phase(&roomy, tenant, 10 * POOL, Duration::from_secs(2), hold).await;
        for (name, p) in [
            ("baseline", &baseline),
            ("pressed", &pressed),
            ("recovered", &recovered),
            ("patient", &patient),
        ] {
            common::figure(format!(
                "pool {}: {name}: calls={} ok={} ok/s={:.0} errors={:?} slowest_error={:?}",
                db.backend,
                p.calls,
                p.ok,
                p.ok_per_second(),
                p.errors,
                p.slowest_error
            ));
        }
        assert!(baseline.errors.is_empty(), "{:?}", baseline.errors);
        // Under pressure with a timeout shorter than the queue: the typed timeout and nothing
        // else, each returned within the timeout (plus scheduling slack), and work still done.
        let timeouts = pressed.errors.get("pool checkout timeout").copied();
        assert!(timeouts.unwrap_or(0) > 0, "{:?}", pressed.errors);
        assert_eq!(pressed.errors.len(), 1, "{:?}", pressed.errors);
        assert!(
            pressed.slowest_error < short + Duration::from_millis(500),
            "{:?}",
            pressed.slowest_error
        );
        assert!(pressed.ok > 0);
        // With a timeout longer than the queue: every call waits its turn and succeeds.
        assert!(patient.errors.is_empty(), "{:?}", patient.errors);
        assert!(patient.ok > 0);
        // When the load drops, throughput comes back.
        assert!(recovered.errors.is_empty(), "{:?}", recovered.errors);
        assert!(
            recovered.ok_per_second() >= 0.5 * baseline.ok_per_second(),
            "recovered {:.0}/s vs baseline {:.0}/s",
            recovered.ok_per_second(),
            baseline.ok_per_second()
        );
        // Every acknowledged write is there.
        let acked: HashSet<SensorId> = [&baseline, &pressed, &recovered, &patient]
            .iter()
            .flat_map(|p| p.written.iter().copied())
            .collect();
        let stored = common::sensor_ids(&roomy, tenant).await;
        assert_eq!(stored, acked);
        assert!(tight.state().connections <= POOL as u32);
    });
}

// ---------------------------------------------------------------------------------------------
// 4. Cancellation storm

/// How many transactions other sessions hold open on this test's database: from the server's
/// own view on PostgreSQL and MySQL; on SQLite, whether a write lock can be taken at once.
fn open_transactions(db: &TestDb) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = trapperkeeper_db::pool::connect_sync(&db.config()).unwrap();
    let sql = match db.backend {
        Backend::Sqlite => {
            c.batch_execute("PRAGMA busy_timeout = 0").unwrap();
            return match c.batch_execute("BEGIN IMMEDIATE; COMMIT") {
                Ok(()) => 0,
                Err(e) if e.to_string().contains("locked") => 1,
                Err(e) => panic!("{e}"),
            };
        }
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
        }
        Backend::Mysql => {
            // InnoDB refreshes this view at most every 100 ms.
            std::thread::sleep(Duration::from_millis(200));
            "SELECT COUNT(*) AS n FROM information_schema.innodb_trx t \
             JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id \
             WHERE p.db = DATABASE() AND p.id <> CONNECTION_ID()"
        }
    };
    diesel::sql_query(sql).get_result::<N>(&mut c).unwrap().n
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Committed,
    Failed,
    TimedOut,
    Aborted,
}

fn cancellation_storm_leaves_nothing_open(db: &TestDb) {
    let units = count_from_env("TK_STORM_UNITS", 1_000);
    let mut rng = Rng::new("cancellation_storm");
    let config = db.config();

    // The probe must see an open transaction when there is one.
    {
        let mut holder = common::migrated(db);
        let begin = match db.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            _ => "BEGIN",
        };
        holder.batch_execute(begin).unwrap();
        tenants::create(&mut holder, NewTenant { name: "x".into() }).unwrap();
        assert_eq!(
            open_transactions(db),
            1,
            "the probe sees a held transaction"
        );
        holder.batch_execute("ROLLBACK").unwrap();
        assert_eq!(open_transactions(db), 0);
    }

    let mut committed = Vec::new();
    let mut outcomes: BTreeMap<(&str, Outcome), u64> = BTreeMap::new();
    // On a multi-thread runtime a started unit runs in place and a drop can only land while
    // it waits for a connection; on a current-thread runtime it runs on the blocking pool and
    // a drop can land anywhere, even between the statements of its transaction.
    // Typed units (`unit_write`) run on native async connections on the servers: a drop can land
    // anywhere there too, mid-statement included.
    for (flavor, rt, typed) in [
        ("multi-thread", common::runtime(), false),
        ("current-thread", common::current_thread_runtime(), false),
        ("typed", common::runtime(), true),
    ] {
        let plan: Vec<(u64, u64, bool)> = (0..units)
            .map(|_| {
                // A third run to the end; the rest are dropped after 0–4 ms.
                let deadline = if rng.below(3) == 0 {
                    u64::MAX
                } else {
                    rng.below(4_000)
                };
                (deadline, rng.below(1_500), rng.below(10) == 0)
            })
            .collect();
        rt.block_on(async {
            let database = Database::open(&config).await.unwrap();
            let limit = Arc::new(tokio::sync::Semaphore::new(16));
            let mut set = tokio::task::JoinSet::new();
            for (i, (deadline, pause, abort)) in plan.into_iter().enumerate() {
                let permit = limit.clone().acquire_owned().await.unwrap();
                let db = database.clone();
                let handle = set.spawn(async move {
                    let _permit = permit;
                    let unit: std::pin::Pin<Box<dyn std::future::Future<Output = Result<TenantId, repo::Error>> + Send>> = if typed {
                        Box::pin(db.unit_write(move |mut c| {
                            Box::pin(async move {
                                let t = storm_tenant(i);
                                trapperkeeper_db::statement!(c.reborrow(), diesel::insert_into(schema::tenants::table).values(&t) => execute)?;
                                for s in 0..SENSORS_PER_UNIT {
                                    tokio::time::sleep(Duration::from_micros(pause)).await;
                                    let row = storm_sensor(t.tenant_id, s);
                                    trapperkeeper_db::statement!(c.reborrow(), diesel::insert_into(schema::sensors::table).values(&row) => execute)?;
                                }
                                Ok::<_, repo::Error>(t.tenant_id)
                            })
                        }))
                    } else {
                        Box::pin(db.write(move |c| {
                            let t = tenants::create(
                                c,
                                NewTenant {
                                    name: format!("storm {i}"),
                                },
                            )?;
                            for s in 0..SENSORS_PER_UNIT {
                                // A pause between statements, so drops land mid-transaction.
                                std::thread::sleep(Duration::from_micros(pause));
                                sensors::create(c, t.tenant_id, sensor(format!("s{s}")))?;
                            }
                            Ok::<_, repo::Error>(t.tenant_id)
                        }))
                    };
                    let limit = Duration::from_micros(deadline.min(60_000_000));
                    match tokio::time::timeout(limit, unit).await {
                        Ok(Ok(id)) => (Outcome::Committed, Some(id), None),
                        Ok(Err(e)) => (Outcome::Failed, None, Some(error_kind(&e))),
                        Err(_) => (Outcome::TimedOut, None, None),
                    }
                });
                if abort {
                    tokio::task::yield_now().await;
                    handle.abort();
                }
            }
            while let Some(joined) = set.join_next().await {
                let (outcome, id, error) = match joined {
                    Ok(result) => result,
                    Err(e) if e.is_cancelled() => (Outcome::Aborted, None, None),
                    Err(e) => panic!("unit panicked: {e}"),
                };
                assert_eq!(error, None, "a unit failed on its own");
                *outcomes.entry((flavor, outcome)).or_default() += 1;
                committed.extend(id);
            }
            // The pool is fully usable: every connection at once, none inside a transaction.
            let max = config.max_connections().value as usize;
            let busy = Arc::new(common::Rendezvous::new(max));
            let mut all = tokio::task::JoinSet::new();
            for _ in 0..max {
                let (db, busy) = (database.clone(), busy.clone());
                all.spawn(async move {
                    db.run(move |c| {
                        assert!(!c.in_transaction());
                        busy.wait(Duration::from_secs(30));
                        tenants::list(c, Page::first(1)).map(drop)
                    })
                    .await
                });
            }
            while let Some(joined) = all.join_next().await {
                joined.unwrap().unwrap();
            }
        });
    }
    common::figure(format!(
        "storm {}: units={} outcomes={outcomes:?}",
        db.backend,
        3 * units
    ));
    let cancelled: u64 = outcomes
        .iter()
        .filter(|((_, o), _)| matches!(o, Outcome::TimedOut | Outcome::Aborted))
        .map(|(_, n)| n)
        .sum();
    assert!(cancelled > 0, "the storm dropped nothing: {outcomes:?}");
    assert_eq!(open_transactions(db), 0, "a transaction was left open");
    let mut conn = common::migrated(db);
    let counts = tenants_and_sensor_counts(&mut conn);
    assert_no_half_applied_unit(&counts);
    let lost: Vec<_> = committed
        .iter()
        .filter(|t| !counts.contains_key(t))
        .collect();
    assert!(lost.is_empty(), "acknowledged but missing: {lost:?}");
}

// ---------------------------------------------------------------------------------------------
// 6. Hostile input

/// Text that must be stored and read back exactly: SQL meant to break out of a literal, quoting
/// and comment syntax of each dialect, placeholders, wildcards and unusual Unicode.
const VERBATIM: &[&str] = &[
    "Robert'); DROP TABLE tenants; --",
    "' OR '1'='1",
    "\"; DELETE FROM sensors; --",
    "1; SELECT pg_sleep(10); SELECT SLEEP(10)",
    "`backticks` and [brackets]",
    "back\\slash \\' \\\" \\0 \\n",
    "100% _wild_ cards",
    "$1 :name ? @var",
    "-- line comment",
    "/* block */ comment #hash",
    "😀 ünïcödé ☃ 𝕏 \u{202e}RTL\u{202c} e\u{301}",
    "NULL",
    "0x41",
    "trailing spaces  ",
    "  leading spaces",
];

/// Tabs and line breaks: kept verbatim in free text and JSON, refused in a name (a name is one
/// line: it is a cell of every table it is shown in).
const MULTILINE: &str = "tab\tnew\nline\r\nend";

/// A tenant with one row of every table, for the corpus to aim at.
fn seed(c: &mut AnyConnection) -> (TenantId, SensorId) {
    use trapperkeeper_db::repository::{api_keys, configurations, rules, users};
    let tenant = tenants::create(
        c,
        NewTenant {
            name: "seed".into(),
        },
    )
    .unwrap()
    .tenant_id;
    let s = sensors::create(c, tenant, sensor("seed".into())).unwrap();
    rules::create(c, tenant, rule("seed".into())).unwrap();
    configurations::create(
        c,
        tenant,
        configurations::NewConfiguration {
            config_key: "seed".into(),
            config_value: "1".into(),
        },
    )
    .unwrap();
    users::create(c, tenant, user("seed".into())).unwrap();
    api_keys::create(
        c,
        tenant,
        api_keys::NewApiKey {
            name: "seed".into(),
            key_hash: "a".repeat(64),
        },
    )
    .unwrap();
    (tenant, s.sensor_id)
}

fn rule(name: String) -> trapperkeeper_db::repository::rules::NewRule {
    use trapperkeeper_db::repository::rules::{NewRule, RuleAction, RuleState};
    NewRule {
        name,
        description: None,
        state: RuleState::Draft,
        action: RuleAction::Observe,
        sample_rate: 0.5,
        enabled: true,
        scope_tags: "[]".into(),
        expression: "{}".into(),
    }
}

fn user(username: String) -> trapperkeeper_db::repository::users::NewUser {
    trapperkeeper_db::repository::users::NewUser {
        username,
        password_hash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA".into(),
        role: trapperkeeper_db::repository::users::Role::Observer,
        force_password_change: false,
    }
}

/// Runs a call that must be refused for `field`, and checks nothing changed.
fn refused<T: std::fmt::Debug>(
    c: &mut AnyConnection,
    what: &str,
    field: &str,
    call: impl FnOnce(&mut AnyConnection) -> repo::Result<T>,
) {
    let before = common::dump(c);
    let result = call(c);
    match &result {
        Err(repo::Error::Validation { field: f, reason }) => {
            assert_eq!(*f, field, "{what}: {reason}");
            assert!(!reason.is_empty());
        }
        other => panic!("{what}: expected a validation error for {field}, got {other:?}"),
    }
    assert_eq!(common::dump(c), before, "{what}: data changed");
}

fn hostile_input_through_the_repository(db: &TestDb) {
    use trapperkeeper_db::repository::configurations::{self, NewConfiguration};
    use trapperkeeper_db::repository::rules::{self, RuleChanges};
    use trapperkeeper_db::repository::sensors::SensorChanges;
    use trapperkeeper_db::repository::users;
    let c = &mut common::migrated(db);
    let (tenant, seeded_sensor) = seed(c);
    let before = common::dump(c);

    let long = "x".repeat(129);
    let very_long = "é".repeat(100_000);
    for (what, name) in [
        ("empty", ""),
        ("129 characters", long.as_str()),
        ("100,000 characters", very_long.as_str()),
        ("NUL", "a\0b"),
        ("escape sequence", "\u{1b}[2J"),
        ("DEL", "\u{7f}"),
        ("C1 control", "\u{85}"),
    ] {
        refused(c, &format!("tenant name {what}"), "name", |c| {
            tenants::create(c, NewTenant { name: name.into() })
        });
        refused(c, &format!("sensor name {what}"), "name", |c| {
            sensors::create(c, tenant, sensor(name.into()))
        });
        refused(c, &format!("rule name {what}"), "name", |c| {
            rules::create(c, tenant, rule(name.into()))
        });
        refused(c, &format!("username {what}"), "username", |c| {
            users::create(c, tenant, user(name.into()))
        });
        refused(c, &format!("config key {what}"), "config_key", |c| {
            configurations::create(
                c,
                tenant,
                NewConfiguration {
                    config_key: name.into(),
                    config_value: "1".into(),
                },
            )
        });
    }
    for bad_json in [
        "",
        "{",
        "{'single': 'quotes'}",
        "NaN",
        "[1,]",
        "{\"a\":1}}",
        "\u{0}",
    ] {
        refused(c, &format!("metadata {bad_json:?}"), "metadata", |c| {
            sensors::create(
                c,
                tenant,
                NewSensor {
                    metadata: bad_json.into(),
                    ..sensor("m".into())
                },
            )
        });
        refused(
            c,
            &format!("config value {bad_json:?}"),
            "config_value",
            |c| {
                configurations::create(
                    c,
                    tenant,
                    NewConfiguration {
                        config_key: "k".into(),
                        config_value: bad_json.into(),
                    },
                )
            },
        );
        refused(c, &format!("expression {bad_json:?}"), "expression", |c| {
            rules::create(
                c,
                tenant,
                trapperkeeper_db::repository::rules::NewRule {
                    expression: bad_json.into(),
                    ..rule("e".into())
                },
            )
        });
        refused(
            c,
            &format!("metadata update {bad_json:?}"),
            "metadata",
            |c| {
                sensors::update(
                    c,
                    tenant,
                    seeded_sensor,
                    SensorChanges {
                        metadata: Some(bad_json.into()),
                        ..Default::default()
                    },
                )
            },
        );
    }
    for rate in [
        -0.01,
        1.0001,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e308,
    ] {
        refused(c, &format!("sample rate {rate}"), "sample_rate", |c| {
            rules::create(
                c,
                tenant,
                trapperkeeper_db::repository::rules::NewRule {
                    sample_rate: rate,
                    ..rule("r".into())
                },
            )
        });
        let rule_id = rules::list(c, tenant, Page::first(1)).unwrap()[0].rule_id;
        refused(
            c,
            &format!("sample rate update {rate}"),
            "sample_rate",
            |c| {
                rules::update(
                    c,
                    tenant,
                    rule_id,
                    RuleChanges {
                        sample_rate: Some(rate),
                        ..Default::default()
                    },
                )
            },
        );
    }
    // Malformed ids never reach the database.
    for bad_id in [
        "",
        "not-a-uuid",
        "0192d3c1-7b2e-7cc3-9a41-6e5f0c1d2e3",
        "0192d3c1-7b2e-7cc3-9a41-6e5f0c1d2e3g",
        "' OR 1=1 --",
        "0192d3c1-7b2e-7cc3-9a41-6e5f0c1d2e3f'; DROP TABLE tenants; --",
    ] {
        assert!(TenantId::parse(bad_id).is_err(), "{bad_id:?}");
        assert!(SensorId::parse(bad_id).is_err(), "{bad_id:?}");
    }
    // Ids that parse but name nothing here: not found, including another tenant's row.
    let other = tenants::create(
        c,
        NewTenant {
            name: "other".into(),
        },
    )
    .unwrap()
    .tenant_id;
    let before_missing = common::dump(c);
    for (tenant, id) in [(tenant, SensorId::new()), (other, seeded_sensor)] {
        assert!(matches!(
            sensors::get(c, tenant, id),
            Err(repo::Error::NotFound { .. })
        ));
        assert!(matches!(
            sensors::update(c, tenant, id, SensorChanges::default()),
            Err(repo::Error::NotFound { .. })
        ));
        assert!(matches!(
            sensors::soft_delete(c, tenant, id),
            Err(repo::Error::NotFound { .. })
        ));
    }
    assert_eq!(common::dump(c), before_missing);
    tenants::soft_delete(c, other).unwrap();

    // Timestamps at and past the edges of what each backend stores: stored exactly, or a clear
    // error with nothing changed.
    for (y, m, d) in [
        (1, 1, 1),
        (1677, 9, 22),
        (2262, 4, 11),
        (2300, 1, 1),
        (9999, 12, 31),
    ] {
        let at = trapperkeeper_db::types::Timestamp::from_datetime(
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_micro_opt(12, 0, 0, 123_456)
                .unwrap()
                .and_utc(),
        );
        let snapshot = common::dump(c);
        let changes = SensorChanges {
            last_seen_at: Some(Some(at)),
            ..Default::default()
        };
        match sensors::update(c, tenant, seeded_sensor, changes) {
            Ok(s) => {
                assert_eq!(s.last_seen_at, Some(at), "{y}: read back");
                assert_eq!(
                    sensors::get(c, tenant, seeded_sensor).unwrap().last_seen_at,
                    Some(at)
                );
            }
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        repo::Error::Database { .. } | repo::Error::Validation { .. }
                    ),
                    "{y}: {e:?}"
                );
                assert!(!e.to_string().is_empty());
                assert_eq!(common::dump(c), snapshot, "{y}: data changed");
            }
        }
    }
    // Back to the seed's state, then the failures above must not have left a trace.
    sensors::update(
        c,
        tenant,
        seeded_sensor,
        SensorChanges {
            last_seen_at: Some(None),
            ..Default::default()
        },
    )
    .unwrap();
    let mut now = common::dump(c);
    let mut was = before.clone();
    // Only the other tenant (created and deleted above) and the seeded sensor's modified_at
    // may differ.
    let strip = |rows: &mut Vec<String>| {
        rows.retain(|r| !r.contains(&other.to_string()));
        for r in rows.iter_mut() {
            if r.contains(&seeded_sensor.to_string()) {
                *r = "seeded sensor".into();
            }
        }
    };
    strip(&mut now);
    strip(&mut was);
    assert_eq!(now, was);

    // Hostile text is stored verbatim and executes nothing.
    for (i, text) in VERBATIM.iter().enumerate() {
        let t = tenants::create(
            c,
            NewTenant {
                name: (*text).into(),
            },
        )
        .unwrap();
        assert_eq!(tenants::get(c, t.tenant_id).unwrap().name, *text);
        let json = serde_json::json!({ "v": text }).to_string();
        let s = sensors::create(
            c,
            tenant,
            NewSensor {
                name: (*text).into(),
                description: Some((*text).into()),
                metadata: json.clone(),
            },
        )
        .unwrap();
        let back = sensors::get(c, tenant, s.sensor_id).unwrap();
        assert_eq!(
            (
                back.name.as_str(),
                back.description.as_deref(),
                &back.metadata
            ),
            (*text, Some(*text), &json)
        );
        if text.trim() != *text {
            // Unique identifiers refuse surrounding whitespace (MySQL compares `k` and `k `
            // as equal); free text above keeps it.
            refused(c, &format!("username {text:?}"), "username", |c| {
                users::create(c, tenant, user((*text).into()))
            });
            refused(c, &format!("config key {text:?}"), "config_key", |c| {
                configurations::create(
                    c,
                    tenant,
                    NewConfiguration {
                        config_key: (*text).into(),
                        config_value: "1".into(),
                    },
                )
            });
            // On MySQL `seed  ` would find the seed's `seed` key.
            let lookalike = format!("seed{}", &text[text.trim_end().len()..]);
            let lookalike = if lookalike == "seed" {
                format!("{text}seed")
            } else {
                lookalike
            };
            refused(c, &format!("lookup of {lookalike:?}"), "config_key", |c| {
                configurations::get_by_key(c, tenant, &lookalike)
            });
            continue;
        }
        let u = users::create(c, tenant, user(format!("{i}{text}"))).unwrap();
        assert_eq!(
            users::get(c, tenant, u.user_id).unwrap().username,
            format!("{i}{text}")
        );
        configurations::create(
            c,
            tenant,
            NewConfiguration {
                config_key: (*text).into(),
                config_value: json.clone(),
            },
        )
        .unwrap();
        let conf = configurations::get_by_key(c, tenant, text).unwrap();
        assert_eq!(
            (conf.config_key.as_str(), &conf.config_value),
            (*text, &json)
        );
    }
    refused(c, "multi-line tenant name", "name", |c| {
        tenants::create(
            c,
            NewTenant {
                name: MULTILINE.into(),
            },
        )
    });
    refused(c, "multi-line sensor name", "name", |c| {
        sensors::create(c, tenant, sensor(MULTILINE.into()))
    });
    let json = serde_json::json!({ "v": MULTILINE }).to_string();
    let kept = sensors::create(
        c,
        tenant,
        NewSensor {
            name: "one line".into(),
            description: Some(MULTILINE.into()),
            metadata: json.clone(),
        },
    )
    .unwrap();
    let back = sensors::get(c, tenant, kept.sensor_id).unwrap();
    assert_eq!(
        (back.description.as_deref(), &back.metadata),
        (Some(MULTILINE), &json)
    );
    // The longest allowed name, in 4-byte characters.
    let widest = "😀".repeat(128);
    let t = tenants::create(
        c,
        NewTenant {
            name: widest.clone(),
        },
    )
    .unwrap();
    assert_eq!(tenants::get(c, t.tenant_id).unwrap().name, widest);
    // Nothing was executed: every table is still there with every row.
    let counts = tenants_and_sensor_counts(c);
    assert_eq!(counts.len(), 3 + VERBATIM.len());
    assert_eq!(
        counts.get(&tenant).copied(),
        Some(2 + VERBATIM.len()),
        "the seed's sensor, one per verbatim text, the multi-line description's"
    );
}

// The CLI: the same kinds of input arriving as arguments, URLs and files.

fn tk(db: &TestDb, args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_trapperkeeper"))
        .args(args)
        .env("TK_DATABASE_URL", &db.url)
        .env_remove("TK_CONFIG_FILE")
        .output()
        .map(common::recorded)
        .unwrap()
}

fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(Into::into).collect()
}

/// A refusal: the exit code, a short message naming `needle`, and no panic.
fn cli_refuses(db: &TestDb, args: &[std::ffi::OsString], code: i32, needle: &str) {
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let out = tk(db, &refs);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{args:?}: {needle:?} not in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
}

fn hostile_input_through_the_cli(db: &TestDb) {
    use std::os::unix::ffi::OsStringExt;
    let c = &mut common::migrated(db);
    let (tenant, sensor_id) = seed(c);
    let t = tenant.to_string();
    let before = common::dump(c);

    let invalid_utf8 = std::ffi::OsString::from_vec(vec![b'a', 0xff, 0xfe, b'z']);
    cli_refuses(
        db,
        &[os(&["tenant", "create"]), vec![invalid_utf8.clone()]].concat(),
        2,
        "UTF-8",
    );
    cli_refuses(
        db,
        &[
            os(&["sensor", "create", "--tenant", &t, "--name"]),
            vec![invalid_utf8],
        ]
        .concat(),
        2,
        "UTF-8",
    );
    let create = |table: &str, flags: &[&str]| -> Vec<String> {
        let mut args = vec![
            table.to_string(),
            "create".into(),
            "--tenant".into(),
            t.clone(),
        ];
        args.extend(flags.iter().map(|f| f.to_string()));
        args
    };
    let plain = |args: &[&str]| -> Vec<String> { args.iter().map(|a| a.to_string()).collect() };
    for (args, needle) in [
        (plain(&["tenant", "create", ""]), "name"),
        (plain(&["tenant", "create", "a\u{1}b"]), "control character"),
        (plain(&["tenant", "show", "not-a-uuid"]), "not-a-uuid"),
        (plain(&["tenant", "show", "' OR 1=1 --"]), "id"),
        (
            plain(&["sensor", "list", "--tenant", "0192-nope"]),
            "0192-nope",
        ),
        (create("sensor", &["--name=n", "--metadata={"]), "metadata"),
        (
            create("rule", &["--name=r", "--sample-rate=NaN"]),
            "sample_rate",
        ),
        (
            create("rule", &["--name=r", "--sample-rate=1e999"]),
            "sample_rate",
        ),
        (
            create("rule", &["--name=r", "--sample-rate=abc"]),
            "sample-rate",
        ),
        (create("rule", &["--name=r", "--state='; DROP"]), "state"),
        (
            plain(&["config", "set", "--tenant", &t, "k", "{'a': 1}"]),
            "config_value",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli_refuses(db, &os(&args), 2, needle);
    }
    assert_eq!(common::dump(c), before, "refused commands changed nothing");

    cli_refuses(
        db,
        &os(&["sensor", "create", "--tenant", &t, "--name", MULTILINE]),
        2,
        "invalid name: contains control character U+0009",
    );
    // Injection text through the CLI is stored verbatim.
    for text in VERBATIM {
        // `--flag=value`: a value starting with `--` is otherwise read as a flag.
        let name = format!("--name={text}");
        let description = format!("--description={text}");
        let out = tk(
            db,
            &os(&[
                "--json",
                "sensor",
                "create",
                "--tenant",
                &t,
                &name,
                &description,
            ])
            .iter()
            .map(|a| a.as_os_str())
            .collect::<Vec<_>>(),
        );
        assert!(
            out.status.success(),
            "{text:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let id = SensorId::parse(created["sensor_id"].as_str().unwrap()).unwrap();
        let stored = sensors::get(c, tenant, id).unwrap();
        assert_eq!(
            (stored.name.as_str(), stored.description.as_deref()),
            (*text, Some(*text))
        );
    }
    assert!(sensors::get(c, tenant, sensor_id).is_ok());
    assert_eq!(
        tenants_and_sensor_counts(c).get(&tenant).copied(),
        Some(1 + VERBATIM.len())
    );
}

/// Malformed URLs, settings and TOML files: exit 2 with one line naming the problem, before any
/// database is touched. Backend independent.
#[test]
fn hostile_configuration_is_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_trapperkeeper"));
        cmd.args(args).current_dir(dir.path());
        for var in ["TK_DATABASE_URL", "TK_DATA_DIR", "TK_CONFIG_FILE"] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().map(common::recorded).unwrap()
    };
    let check = |what: &str, out: std::process::Output| {
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: one line: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(!stderr.contains("s3cr3t-pw"), "{what}: {stderr}");
    };
    for url in [
        "nope",
        "ftp://host/db",
        "sqlite://",
        "postgres://",
        "postgres://u:s3cr3t-pw@h:99999/db",
        "postgres://u:s3cr3t-pw@[::1/db",
        "mysql://u:s3cr3t-pw@/",
        "postgres://u:s3cr3t-pw@h/db?sslmode=%ZZ",
        "mysql://u:s3cr3t-pw%@h/db",
        "\u{1}",
        "sqlite:\u{7f}",
        "sqlite:///tmp/a%0Ab.db",
    ] {
        check(url, run(&["--db-url", url, "db", "status"], &[]));
        check(url, run(&["db", "status"], &[("TK_DATABASE_URL", url)]));
    }
    for (var, value) in [
        ("TK_DATABASE_MAX_CONNECTIONS", "-1"),
        ("TK_DATABASE_MAX_CONNECTIONS", "99999999999999999999"),
        ("TK_DATABASE_MAX_CONNECTIONS", "0"),
        ("TK_DATABASE_MIN_IDLE", "1.5"),
        ("TK_DATABASE_CONNECTION_TIMEOUT_MS", "forever"),
        ("TK_DATABASE_IDLE_TIMEOUT_MS", "1e3"),
        ("TK_DATA_DIR", "\u{1}"),
        ("TK_DATABASE_MIGRATIONS", "'; DROP TABLE x; --"),
    ] {
        check(var, run(&["db", "status"], &[(var, value)]));
    }
    for (i, toml) in [
        "[database",
        "[database]\nurl = 5",
        "[database]\nmax_connections = \"x\"",
        "[database]\nmax_connections = 1e400",
        "[database]\nurl = \"postgres://u:s3cr3t-pw@h:0/db\"\nurl = \"again\"",
        "\u{feff}[database]\nunknown_setting = 1",
        "[[database]]",
        "database = 1",
        "\u{0}",
    ]
    .iter()
    .enumerate()
    {
        let path = dir.path().join(format!("bad-{i}.toml"));
        std::fs::write(&path, toml).unwrap();
        check(
            toml,
            run(&["--config", path.to_str().unwrap(), "db", "status"], &[]),
        );
    }
    check(
        "control character in --data-dir",
        run(&["--data-dir", "\u{1b}[2J", "db", "status"], &[]),
    );
    // A file that is not UTF-8 at all.
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    check(
        "binary file",
        run(&["--config", binary.to_str().unwrap(), "db", "status"], &[]),
    );
}
