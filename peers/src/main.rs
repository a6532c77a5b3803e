//! The project's async layer against what a service author would pick instead, in one run on
//! the same database, schema, rows and indexes (issue 13; results in BENCHMARKS.md):
//! the project (`Repo::call` / `Database::run` / `Database::write`), diesel-async 0.9 + bb8,
//! sqlx 0.9, and the synchronous floors plain diesel and (SQLite) rusqlite.
//!
//! ```text
//! cargo run --release -p tk-peers -- [--backend sqlite|postgres|mysql]... [--seconds 2]
//!     [--rounds 5] [--calls 1000] [--load-rounds 3] [--tasks 16,64] [--pool 16] [--smoke]
//! ```
//!
//! - Latency: each operation in rounds, the contenders' order rotated every round, one call at
//!   a time from a tokio task on a worker thread (as a service calls); the median per call.
//! - Throughput: `--tasks` tasks per contender calling as fast as they can for `--seconds`
//!   (after a warm-up that fills the pools), rounds interleaved; calls/s, p50/p99 and the calls
//!   each task finished relative to the mean (starvation shows as a small minimum).
//! - Before measuring, on PostgreSQL, every contender's get and list statements are proven to
//!   use an index (the server's own counters, `pg_stat_user_tables`); on MySQL, the server
//!   commands each contender sends per write transaction are counted (`SHOW GLOBAL STATUS`).
//!
//! The servers are the local ones (`TK_TEST_POSTGRES_URL`, `TK_TEST_MYSQL_URL`, defaults
//! `postgres://postgres@127.0.0.1:5432/postgres` and `mysql://root@127.0.0.1:3306/test`); each
//! run creates its own database and drops it. `--smoke` runs everything briefly (CI: proves the
//! benchmark works, measures nothing).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::repository::tenants;
use trapperkeeper_db::url::Backend;

// The benchmarks' database per run (created here, dropped after).
#[path = "../../benches/common/mod.rs"]
mod common;
mod contenders;
mod diesel_async_peer;
#[path = "../../tests/common/sensor_rows.rs"]
mod sensor_rows;
mod servers;

use common::BenchDb;
use contenders::{
    AsyncContender, Fixture, Op, PlainDiesel, Project, Rusqlite, Sqlx, SyncContender,
};
use diesel_async_peer::DieselAsync;

#[derive(Debug, Clone)]
struct Args {
    backends: Vec<Backend>,
    seconds: f64,
    rounds: usize,
    calls: u64,
    load_rounds: usize,
    tasks: Vec<usize>,
    pool: u32,
    rows: u32,
    // `--profile CONTENDER,OP`: only that contender's load on that op, for a profiler.
    profile: Option<(String, Op)>,
}

fn parse_args() -> Args {
    let mut a = Args {
        backends: vec![],
        seconds: 2.0,
        rounds: 5,
        calls: 1000,
        load_rounds: 3,
        tasks: vec![16, 64],
        pool: 16,
        rows: 11_000,
        profile: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--backend" => {
                for b in value().split(',') {
                    a.backends.push(match b {
                        "sqlite" => Backend::Sqlite,
                        "postgres" => Backend::Postgres,
                        "mysql" => Backend::Mysql,
                        other => usage(&format!("unknown backend {other}")),
                    })
                }
            }
            "--seconds" => a.seconds = number(&flag, &value()),
            "--rounds" => a.rounds = number(&flag, &value()),
            "--calls" => a.calls = number(&flag, &value()),
            "--load-rounds" => a.load_rounds = number(&flag, &value()),
            "--pool" => a.pool = number(&flag, &value()),
            "--tasks" => a.tasks = value().split(',').map(|n| number(&flag, n)).collect(),
            "--profile" => {
                let v = value();
                let (name, op) = v
                    .split_once(',')
                    .unwrap_or_else(|| usage("--profile takes CONTENDER,OP"));
                let op = match op {
                    "get" => Op::Get,
                    "insert" => Op::Insert,
                    "insert-tx" => Op::InsertTx,
                    "list" => Op::List,
                    other => usage(&format!("unknown op {other}")),
                };
                a.profile = Some((name.to_string(), op));
            }
            "--smoke" => {
                a.seconds = 0.2;
                a.rounds = 1;
                a.calls = 20;
                a.load_rounds = 1;
                a.rows = 1_100;
            }
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if a.backends.is_empty() {
        a.backends = vec![Backend::Sqlite, Backend::Postgres, Backend::Mysql];
    }
    a
}

/// CPU time (user and system) this process has used so far, from `/proc/self/stat`.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    // Clock ticks of 1/100 s, the kernel's USER_HZ on Linux.
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> T {
    v.parse()
        .unwrap_or_else(|_| usage(&format!("{flag} takes a number, got {v:?}")))
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("tk-peers: {problem}");
    }
    eprintln!(
        "usage: tk-peers [--backend sqlite|postgres|mysql]... [--seconds S] [--rounds N] \
         [--calls N] [--load-rounds N] [--tasks 16,64] [--pool N] [--smoke]\n       \
         tk-peers --profile CONTENDER,get|insert|insert-tx|list [--backend B] [--tasks N] \
         [--seconds S]   (one contender's load only, e.g. under `perf record`)"
    );
    std::process::exit(if problem.is_empty() { 0 } else { 2 })
}

/// Migrates the database and seeds the measured tenant (and a second one, interleaved).
fn fixture(backend: Backend, db: &BenchDb, args: &Args) -> Fixture {
    let config = DatabaseConfig::for_url(&db.url).unwrap();
    let mut conn = trapperkeeper_db::startup::open_sync(&config).unwrap();
    let new = |name: &str| tenants::NewTenant { name: name.into() };
    let tenant = tenants::create(&mut conn, new("measured"))
        .unwrap()
        .tenant_id;
    let other = tenants::create(&mut conn, new("other")).unwrap().tenant_id;
    sensor_rows::seed(&mut conn, tenant, other, 1, args.rows);
    let ids = (1..=args.rows)
        .filter(|n| n % 10 != 0 && n % 11 != 0)
        .map(sensor_rows::id_of)
        .collect();
    Fixture {
        backend,
        url: db.url.clone(),
        sqlite_path: db.url.strip_prefix("sqlite://").map(Into::into),
        tenant,
        ids,
    }
}

async fn open_async(fx: &Arc<Fixture>, pool: u32) -> Vec<Arc<dyn AsyncContender>> {
    vec![
        Arc::new(Project::open(fx.clone(), pool).await),
        Arc::new(DieselAsync::open(fx.clone(), pool).await),
        Arc::new(Sqlx::open(fx.clone(), pool).await),
    ]
}

fn open_sync(fx: &Arc<Fixture>) -> Vec<Box<dyn SyncContender>> {
    let mut v: Vec<Box<dyn SyncContender>> = vec![Box::new(PlainDiesel::open(fx.clone()))];
    if fx.backend == Backend::Sqlite {
        v.push(Box::new(Rusqlite::open(fx.clone())));
    }
    v
}

/// Latency of one contender: per-call nanoseconds of every round, and each round's median.
#[derive(Default, Clone)]
struct Latency {
    calls: Vec<u64>,
    round_medians: Vec<u64>,
}

impl Latency {
    fn add_round(&mut self, mut round: Vec<u64>) {
        round.sort_unstable();
        self.round_medians.push(round[round.len() / 2]);
        self.calls.extend(round);
    }

    fn median(&self) -> u64 {
        let mut v = self.calls.clone();
        v.sort_unstable();
        v[v.len() / 2]
    }
}

/// One throughput run.
#[derive(Clone, Copy)]
struct Load {
    calls_per_s: f64,
    p50: u64,
    p99: u64,
    // Mean and worst latency of a call: with every task busy for the whole run, the mean is
    // tasks ÷ calls/s for everyone (Little's law); a p99 below the mean means a few calls
    // waited very long (starved tasks), which the p99 does not show and the worst call does.
    mean: u64,
    max: u64,
    min_share: f64,
    max_share: f64,
}

async fn load(
    c: Arc<dyn AsyncContender>,
    op: Op,
    tasks: usize,
    secs: f64,
    seq: Arc<AtomicU64>,
) -> Load {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let c = c.clone();
            let seq = seq.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(4096);
                while Instant::now() < deadline {
                    let i = seq.fetch_add(1, Ordering::Relaxed);
                    let t0 = Instant::now();
                    c.call(op, i).await;
                    lat.push(t0.elapsed().as_nanos() as u64);
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut counts = Vec::new();
    for h in handles {
        let lat = h.await.unwrap();
        counts.push(lat.len());
        all.extend(lat);
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let total = all.len().max(1);
    let mean = total as f64 / tasks as f64;
    Load {
        calls_per_s: all.len() as f64 / elapsed,
        p50: all.get(total / 2).copied().unwrap_or(0),
        p99: all.get(total * 99 / 100).copied().unwrap_or(0),
        mean: all.iter().sum::<u64>() / total as u64,
        max: all.last().copied().unwrap_or(0),
        min_share: *counts.iter().min().unwrap() as f64 / mean,
        max_share: *counts.iter().max().unwrap() as f64 / mean,
    }
}

fn median_load(runs: &[Load]) -> Load {
    let pick = |f: fn(&Load) -> f64| {
        let mut v: Vec<f64> = runs.iter().map(f).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    Load {
        calls_per_s: pick(|l| l.calls_per_s),
        p50: pick(|l| l.p50 as f64) as u64,
        p99: pick(|l| l.p99 as f64) as u64,
        mean: pick(|l| l.mean as f64) as u64,
        // The worst call is the worst round's.
        max: runs.iter().map(|l| l.max).max().unwrap_or(0),
        // Starvation is the worst round's, not the typical one's.
        min_share: runs.iter().map(|l| l.min_share).fold(f64::MAX, f64::min),
        max_share: runs.iter().map(|l| l.max_share).fold(0.0, f64::max),
    }
}

fn us(ns: u64) -> String {
    let us = ns as f64 / 1000.0;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else if us >= 100.0 {
        format!("{us:.0} µs")
    } else {
        format!("{us:.1} µs")
    }
}

/// Each contender's figure for one (tasks, operation) pair.
type LoadRow = (usize, Op, Vec<(&'static str, Load)>);

/// What the run found for one backend, for the targets.
struct Results {
    backend: Backend,
    seq: Vec<(Op, Vec<(&'static str, Latency)>)>,
    load: Vec<LoadRow>,
}

fn run_backend(rt: &tokio::runtime::Runtime, backend: Backend, args: &Args) -> Results {
    let db = BenchDb::new(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        Backend::Mysql => "mysql",
    });
    let fx = Arc::new(fixture(backend, &db, args));
    println!(
        "\n## {backend:?}: {} live sensors of {} rows in the sequence, pool {}\n",
        fx.ids.len(),
        args.rows,
        args.pool
    );
    match backend {
        Backend::Postgres => rt.block_on(servers::prove_index_use(&fx)),
        Backend::Mysql => rt.block_on(servers::count_commands(&fx)),
        Backend::Sqlite => {}
    }
    let asyncs = rt.block_on(open_async(&fx, args.pool));
    let mut syncs = open_sync(&fx);
    let n_async = asyncs.len();
    let names: Vec<&'static str> = asyncs
        .iter()
        .map(|c| c.name())
        .chain(syncs.iter().map(|c| c.name()))
        .collect();
    let seq_counter = Arc::new(AtomicU64::new(0));
    if let Some((name, op)) = &args.profile {
        let c = asyncs
            .iter()
            .find(|c| c.name() == name)
            .unwrap_or_else(|| usage(&format!("no async contender named {name}")))
            .clone();
        drop(asyncs);
        for &tasks in &args.tasks {
            let (cpu0, t0) = (process_cpu(), Instant::now());
            let l = rt.block_on(load(
                c.clone(),
                *op,
                tasks,
                args.seconds,
                seq_counter.clone(),
            ));
            let (cpu, elapsed) = (process_cpu() - cpu0, t0.elapsed().as_secs_f64());
            println!(
                "{name} {} {tasks} tasks: {:.0} calls/s, p50 {}, p99 {}, mean {}, worst {}, calls per task {:.2}–{:.2}, this process's CPU per call {:.1} µs",
                op.label(),
                l.calls_per_s,
                us(l.p50),
                us(l.p99),
                us(l.mean),
                us(l.max),
                l.min_share,
                l.max_share,
                cpu.as_secs_f64() * 1e6 / (l.calls_per_s * elapsed)
            );
        }
        drop(syncs);
        return Results {
            backend,
            seq: Vec::new(),
            load: Vec::new(),
        };
    }

    // Latency, in rounds with the order rotated.
    let mut seq = Vec::new();
    for op in Op::ALL {
        let mut lat = vec![Latency::default(); names.len()];
        for round in 0..args.rounds {
            for k in 0..names.len() {
                let idx = (k + round) % names.len();
                let base = seq_counter.fetch_add(args.calls, Ordering::Relaxed);
                let calls = args.calls;
                let round_lat = if idx < n_async {
                    let c = asyncs[idx].clone();
                    rt.block_on(rt.spawn(async move {
                        for i in 0..calls.min(50) {
                            c.call(op, base + i).await; // warm this contender's statements
                        }
                        let mut v = Vec::with_capacity(calls as usize);
                        for i in 0..calls {
                            let t0 = Instant::now();
                            c.call(op, base + i).await;
                            v.push(t0.elapsed().as_nanos() as u64);
                        }
                        v
                    }))
                    .unwrap()
                } else {
                    let c = &mut syncs[idx - n_async];
                    for i in 0..calls.min(50) {
                        c.call(op, base + i);
                    }
                    (0..calls)
                        .map(|i| {
                            let t0 = Instant::now();
                            c.call(op, base + i);
                            t0.elapsed().as_nanos() as u64
                        })
                        .collect()
                };
                lat[idx].add_round(round_lat);
            }
        }
        seq.push((op, names.iter().copied().zip(lat).collect::<Vec<_>>()));
    }
    println!(
        "### One call at a time: median per call ({} rounds × {} calls, range of round medians)\n",
        args.rounds, args.calls
    );
    print!("| operation |");
    for n in &names {
        print!(" {n} |");
    }
    println!(" project ÷ diesel-async | project ÷ plain diesel |");
    println!("|---|{}---|---|", "---|".repeat(names.len()));
    for (op, row) in &seq {
        print!("| {} |", op.label());
        for (_, l) in row {
            let lo = *l.round_medians.iter().min().unwrap();
            let hi = *l.round_medians.iter().max().unwrap();
            print!(" {} ({}–{}) |", us(l.median()), us(lo), us(hi));
        }
        let m = |name: &str| row.iter().find(|(n, _)| *n == name).unwrap().1.median() as f64;
        println!(
            " {:.2}× | {:.2}× |",
            m("project") / m("diesel-async + bb8"),
            m("project") / m("plain diesel (sync)")
        );
    }

    // Throughput: the async contenders only (the synchronous floors have no async face).
    let mut loads = Vec::new();
    for &tasks in &args.tasks {
        for op in Op::ALL {
            let mut runs = vec![Vec::new(); n_async];
            for round in 0..args.load_rounds {
                for k in 0..n_async {
                    let idx = (k + round) % n_async;
                    let c = asyncs[idx].clone();
                    let s = seq_counter.clone();
                    let warm = (args.seconds / 4.0).min(0.5);
                    rt.block_on(load(c.clone(), op, tasks, warm, s.clone()));
                    runs[idx].push(rt.block_on(load(c, op, tasks, args.seconds, s)));
                }
            }
            let row: Vec<_> = (0..n_async)
                .map(|k| (names[k], median_load(&runs[k])))
                .collect();
            loads.push((tasks, op, row));
        }
    }
    println!(
        "\n### Under load: median of {} rounds of {} s (calls per task: fewest–most, × the mean, worst round)\n",
        args.load_rounds, args.seconds
    );
    println!(
        "| tasks | operation | contender | calls/s | p50 | p99 | mean | worst call | calls per task |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (tasks, op, row) in &loads {
        for (name, l) in row {
            println!(
                "| {tasks} | {} | {name} | {:.0} | {} | {} | {} | {} | {:.2}–{:.2} |",
                op.label(),
                l.calls_per_s,
                us(l.p50),
                us(l.p99),
                us(l.mean),
                us(l.max),
                l.min_share,
                l.max_share
            );
        }
    }
    drop(asyncs);
    drop(syncs);
    Results {
        backend,
        seq,
        load: loads,
    }
}

/// The issue's targets, as ratios of this run.
fn targets(results: &[Results]) -> usize {
    let mut misses = 0;
    let mut check = |ok: bool, what: String| {
        println!("- {} {what}", if ok { "meets" } else { "MISSES" });
        if !ok {
            misses += 1;
        }
    };
    println!("\n## Targets (issue 13), ratios of this run\n");
    for r in results {
        let seq = |op: Op, name: &str| {
            r.seq
                .iter()
                .find(|(o, _)| *o == op)
                .unwrap()
                .1
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap()
                .1
                .median() as f64
        };
        let ld = |tasks: usize, op: Op, name: &str| {
            r.load
                .iter()
                .find(|(t, o, _)| *t == tasks && *o == op)
                .map(|(_, _, row)| row.iter().find(|(n, _)| *n == name).unwrap().1)
        };
        let b = format!("{:?}", r.backend);
        if r.backend == Backend::Sqlite {
            for (tasks, op, _) in &r.load {
                let (tasks, op) = (*tasks, *op);
                let p = ld(tasks, op, "project").unwrap().calls_per_s;
                let s = ld(tasks, op, "sqlx").unwrap().calls_per_s;
                check(
                    p >= 2.0 * s,
                    format!(
                        "{b} {tasks} tasks {}: calls/s {:.2}× sqlx (≥ 2)",
                        op.label(),
                        p / s
                    ),
                );
            }
            let g = seq(Op::Get, "project") / seq(Op::Get, "plain diesel (sync)");
            check(
                g <= 1.5,
                format!("{b} get one at a time: {g:.2}× plain diesel (≤ 1.5)"),
            );
            let t = seq(Op::InsertTx, "project") / seq(Op::InsertTx, "plain diesel (sync)");
            check(
                t <= 1.3,
                format!("{b} insert in a transaction one at a time: {t:.2}× plain diesel (≤ 1.3)"),
            );
        } else {
            for op in [Op::Get, Op::Insert, Op::InsertTx] {
                let s = seq(op, "project") / seq(op, "diesel-async + bb8");
                check(
                    s <= 1.10,
                    format!(
                        "{b} {} one at a time: {s:.2}× diesel-async (≤ 1.10)",
                        op.label()
                    ),
                );
                for (tasks, o, _) in &r.load {
                    if *o != op {
                        continue;
                    }
                    let p = ld(*tasks, op, "project").unwrap();
                    let d = ld(*tasks, op, "diesel-async + bb8").unwrap();
                    check(
                        p.calls_per_s >= d.calls_per_s,
                        format!(
                            "{b} {tasks} tasks {}: calls/s {:.2}× diesel-async (≥ 1.0)",
                            op.label(),
                            p.calls_per_s / d.calls_per_s
                        ),
                    );
                    check(
                        (p.p99 as f64) <= 1.5 * d.p99 as f64,
                        format!(
                            "{b} {tasks} tasks {}: p99 {:.2}× diesel-async (≤ 1.5; mean {:.2}×, diesel-async's p99 {:.2}× its own mean, worst call {} vs {})",
                            op.label(),
                            p.p99 as f64 / d.p99 as f64,
                            p.mean as f64 / d.mean as f64,
                            d.p99 as f64 / d.mean as f64,
                            us(p.max),
                            us(d.max)
                        ),
                    );
                    check(
                        p.min_share >= 0.5 && p.max_share <= 2.0,
                        format!(
                            "{b} {tasks} tasks {}: every task {:.2}–{:.2}× the mean (within 2×)",
                            op.label(),
                            p.min_share,
                            p.max_share
                        ),
                    );
                }
            }
        }
    }
    misses
}

fn main() {
    let args = parse_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "# tk-peers: {} worker threads, {:?}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args
    );
    let results: Vec<Results> = args
        .backends
        .iter()
        .map(|&b| run_backend(&rt, b, &args))
        .collect();
    if args.profile.is_some() {
        return;
    }
    let misses = targets(&results);
    println!("\n{misses} target(s) missed");
}
