//! Server restarts under load (RELIABILITY.md, scenario 2): PostgreSQL and MariaDB are stopped
//! and started again while tasks run repository operations through one pool.
//!
//! A test binary of its own: a restart takes the server away from every test running beside it,
//! and cargo runs test binaries one at a time. The two restarts are also serialised with each
//! other, so each outage is exactly as long as the test makes it. Needs to be able to stop and
//! start the local servers (root on this machine, as in CI); elsewhere it is skipped unless `CI`
//! is set. `TK_TEST_SERVER_CONTROL=none` skips it where the servers are containers the test
//! cannot control (the hosted workflow).
#![cfg(any(feature = "postgres", feature = "mysql"))]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::repository::sensors::{self, NewSensor};
use trapperkeeper_db::repository::tenants::{self, NewTenant};
use trapperkeeper_db::repository::{self as repo, Page};
use trapperkeeper_db::types::SensorId;
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::Database;

use common::TestDb;

backend_tests!(servers: server_restart_under_load);

static ONE_RESTART_AT_A_TIME: Mutex<()> = Mutex::new(());

const TASKS: usize = 6;
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);
const OUTAGE: Duration = Duration::from_secs(3);

fn sh(what: &str, cmd: &mut Command) -> bool {
    match cmd.output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            eprintln!(
                "{what}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            false
        }
        Err(e) => {
            eprintln!("{what}: {e}");
            false
        }
    }
}

fn pg_cluster() -> String {
    std::fs::read_dir("/etc/postgresql")
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .unwrap_or_else(|| "15".into())
}

/// `mariadb-admin COMMAND` as root over loopback TCP.
fn mariadb_admin(command: &str) -> Command {
    let mut cmd = Command::new("mariadb-admin");
    cmd.args([
        "--protocol=tcp",
        "-h",
        "127.0.0.1",
        "-P",
        "3306",
        "-u",
        "root",
        command,
    ]);
    cmd
}

fn answers(backend: Backend) -> bool {
    match backend {
        Backend::Postgres => sh(
            "pg_isready",
            Command::new("pg_isready").args(["-q", "-h", "127.0.0.1", "-p", "5432"]),
        ),
        _ => sh("mariadb-admin ping", &mut mariadb_admin("ping")),
    }
}

fn wait_until(backend: Backend, up: bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while answers(backend) != up {
        assert!(Instant::now() < deadline, "{backend} did not come {up}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stop(backend: Backend) {
    let stopped = match backend {
        Backend::Postgres => sh(
            "pg_ctlcluster stop",
            Command::new("pg_ctlcluster").args([
                "--skip-systemctl-redirect",
                &pg_cluster(),
                "main",
                "stop",
                "-m",
                "fast",
            ]),
        ),
        _ => sh("mariadb-admin shutdown", &mut mariadb_admin("shutdown")),
    };
    assert!(stopped, "could not stop {backend}");
    wait_until(backend, false);
}

/// Starts whatever server is down with the script CI and the README use, which also waits
/// until it answers.
fn start(backend: Backend) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/start-databases");
    assert!(
        sh("scripts/start-databases", &mut Command::new(script)),
        "could not start {backend}"
    );
    wait_until(backend, true);
}

/// Starts the server again however the test ends.
struct StartOnDrop(Backend);

impl Drop for StartOnDrop {
    fn drop(&mut self) {
        if !answers(self.0) {
            start(self.0);
        }
    }
}

#[derive(Debug)]
struct Call {
    began: Instant,
    took: Duration,
    result: Result<Option<SensorId>, (String, bool)>,
}

fn server_restart_under_load(db: &TestDb) {
    // Hosted CI runs the servers as service containers, which a test cannot stop and start.
    if std::env::var("TK_TEST_SERVER_CONTROL").as_deref() == Ok("none") {
        eprintln!("skipped: TK_TEST_SERVER_CONTROL=none (the servers cannot be restarted here)");
        return;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to restart the servers"
        );
        eprintln!("skipped: restarting the servers needs root");
        return;
    }
    let _one_at_a_time = ONE_RESTART_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let backend = db.backend;
    let config = DatabaseConfig::for_url(&db.url)
        .unwrap()
        .with_pool_size(TASKS as u32, 2)
        .with_connection_timeout(CHECKOUT_TIMEOUT);
    common::runtime().block_on(async {
        let database = Database::open(&config).await.unwrap();
        let tenant = database
            .run(|c| tenants::create(c, NewTenant { name: "r".into() }))
            .await
            .unwrap()
            .tenant_id;
        let calls = Arc::new(Mutex::new(Vec::<Call>::new()));
        let stop_at = Arc::new(Mutex::new(None::<Instant>));
        let mut set = tokio::task::JoinSet::new();
        for task in 0..TASKS {
            let (db, calls, stop_at) = (database.clone(), calls.clone(), stop_at.clone());
            set.spawn(async move {
                for n in 0u64.. {
                    if stop_at.lock().unwrap().is_some_and(|t| Instant::now() >= t) {
                        break;
                    }
                    let began = Instant::now();
                    let result = match n % 3 {
                        0 => {
                            db.write(move |c| {
                                sensors::create(
                                    c,
                                    tenant,
                                    NewSensor {
                                        name: format!("t{task}-{n}"),
                                        description: None,
                                        metadata: "{}".into(),
                                    },
                                )
                                .map(|s| Some(s.sensor_id))
                            })
                            .await
                        }
                        // Typed calls (native async connections) from half the tasks,
                        // closures (the blocking pool) from the other half.
                        1 if task % 2 == 0 => sensors::list_async(&db, tenant, Page::first(5))
                            .await
                            .map(|_| None),
                        1 => {
                            db.run(move |c| sensors::list(c, tenant, Page::first(5)).map(|_| None))
                                .await
                        }
                        _ => db.run(move |c| tenants::get(c, tenant).map(|_| None)).await,
                    };
                    let took = began.elapsed();
                    let result = result.map_err(|e: repo::Error| {
                        let source = std::error::Error::source(&e)
                            .map(|s| s.to_string())
                            .unwrap_or_default();
                        // Retryable, or — for a commit cut off with its connection — the
                        // typed "outcome unknown" that tells the caller to read back first.
                        let expected =
                            e.is_retryable() || matches!(e, repo::Error::OutcomeUnknown { .. });
                        (format!("{e} ({source})"), expected)
                    });
                    if result.is_err() {
                        // A real service backs off; without it the failing loop only spins.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    calls.lock().unwrap().push(Call {
                        began,
                        took,
                        result,
                    });
                }
            });
        }

        tokio::time::sleep(Duration::from_millis(700)).await;
        let guard = StartOnDrop(backend);
        let down_from = Instant::now();
        tokio::task::spawn_blocking(move || stop(backend))
            .await
            .unwrap();
        tokio::time::sleep(OUTAGE).await;
        tokio::task::spawn_blocking(move || start(backend))
            .await
            .unwrap();
        let up_from = Instant::now();
        drop(guard);
        // Run on until a call has succeeded again, then a second longer.
        let recovered = loop {
            let first_ok = {
                let calls = calls.lock().unwrap();
                let mut by_time: Vec<&Call> = calls
                    .iter()
                    .filter(|c| c.began >= up_from && c.result.is_ok())
                    .collect();
                by_time.sort_by_key(|c| c.began + c.took);
                by_time.first().map(|c| c.began + c.took)
            };
            if let Some(at) = first_ok {
                break at.saturating_duration_since(up_from);
            }
            assert!(
                up_from.elapsed() < Duration::from_secs(30),
                "the pool did not serve again within 30 s of the server's return"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        *stop_at.lock().unwrap() = Some(Instant::now() + Duration::from_secs(1));
        while let Some(joined) = set.join_next().await {
            joined.expect("task panicked");
        }

        let calls = std::mem::take(&mut *calls.lock().unwrap());
        let mut errors: BTreeMap<String, usize> = BTreeMap::new();
        let mut slowest_error = Duration::ZERO;
        for call in &calls {
            if let Err((kind, expected)) = &call.result {
                assert!(expected, "neither retryable nor outcome-unknown: {kind}");
                // Group by message shape, not by the numbers in it.
                let shape: String = kind.chars().filter(|c| !c.is_ascii_digit()).collect();
                *errors.entry(shape).or_default() += 1;
                slowest_error = slowest_error.max(call.took);
            }
        }
        let slowest_call = calls.iter().map(|c| c.took).max().unwrap();
        // Failing fast: while the pool has no connection and the server refuses new ones, calls
        // return at once instead of each waiting out the checkout timeout.
        let failed: Vec<Duration> = calls
            .iter()
            .filter(|c| c.result.is_err())
            .map(|c| c.took)
            .collect();
        let fast_failures = failed
            .iter()
            .filter(|t| **t < Duration::from_millis(100))
            .count();
        let late_failures = calls
            .iter()
            .filter(|c| c.began >= up_from + recovered + Duration::from_millis(500))
            .filter(|c| c.result.is_err())
            .count();
        let acked: HashSet<SensorId> = calls
            .iter()
            .filter_map(|c| c.result.as_ref().ok().copied().flatten())
            .collect();
        common::figure(format!(
            "restart {backend}: calls={} ok={} acknowledged_writes={} \
             outage={:?} recovery_after_server_up={recovered:?} slowest_call={slowest_call:?} \
             slowest_error={slowest_error:?} failures_under_100ms={fast_failures}/{} errors={errors:?}",
            calls.len(),
            calls.iter().filter(|c| c.result.is_ok()).count(),
            acked.len(),
            up_from - down_from,
            failed.len(),
        ));
        assert!(!errors.is_empty(), "the restart was not noticed");
        // Slow failures: the calls already waiting when the pool lost its last connection (at
        // most one per task), then one probe at a time, each waiting out the checkout timeout.
        let slow_failures = failed.len() - fast_failures;
        let probes_possible = (up_from - down_from).as_millis() / CHECKOUT_TIMEOUT.as_millis() + 1;
        assert!(
            slow_failures <= TASKS + probes_possible as usize,
            "{slow_failures} slow failures: only the first wave and the probes may wait"
        );
        assert!(fast_failures > 0, "no call failed fast during the outage");
        // Nothing hangs past the configured checkout timeout.
        assert!(
            slowest_call < CHECKOUT_TIMEOUT + Duration::from_secs(1),
            "{slowest_call:?}"
        );
        assert!(recovered < Duration::from_secs(5), "{recovered:?}");
        assert_eq!(late_failures, 0, "failures after the pool recovered");

        // Every acknowledged write survived the restart, and the pool serves.
        let stored = common::sensor_ids(&database, tenant).await;
        let lost: Vec<_> = acked.difference(&stored).collect();
        assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
        for _ in 0..20 {
            database
                .run(move |c| tenants::get(c, tenant))
                .await
                .unwrap();
        }
    });
}
