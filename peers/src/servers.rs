//! What the servers say about the contenders, read from the servers' own counters before
//! anything is measured: on PostgreSQL that every contender's get and list use an index (a
//! CHAR(36) key bound as `text` would make PostgreSQL scan the table); on MySQL how many server
//! commands each contender sends per write transaction.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::contenders::{AsyncContender, Fixture, Op, PlainDiesel, Project, Sqlx, SyncContender};
use crate::diesel_async_peer::DieselAsync;

/// A contender opened on a pool of one connection, and how to close it (a PostgreSQL session
/// reports its counters when it ends).
enum One {
    Async(Arc<dyn AsyncContender>, Option<Arc<Sqlx>>),
    Sync(Box<dyn SyncContender>),
}

impl One {
    async fn all(fx: &Arc<Fixture>) -> Vec<One> {
        let sqlx = Arc::new(Sqlx::open(fx.clone(), 1).await);
        vec![
            One::Async(Arc::new(Project::open(fx.clone(), 1).await), None),
            One::Async(Arc::new(DieselAsync::open(fx.clone(), 1).await), None),
            One::Async(sqlx.clone(), Some(sqlx)),
            One::Sync(Box::new(PlainDiesel::open(fx.clone()))),
        ]
    }

    fn name(&self) -> &'static str {
        match self {
            One::Async(c, _) => c.name(),
            One::Sync(c) => c.name(),
        }
    }

    async fn call(&mut self, op: Op, i: u64) {
        match self {
            One::Async(c, _) => c.call(op, i).await,
            One::Sync(c) => c.call(op, i),
        }
    }

    async fn close(self) {
        if let One::Async(_, Some(sqlx)) = &self {
            sqlx.close().await;
        }
        drop(self);
        // Let the pools' connection tasks see that they are gone.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[derive(QueryableByName, Debug, Clone, Copy)]
struct Scans {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = BigInt)]
    idx: i64,
}

fn scans(url: &str) -> Scans {
    let mut c = PgConnection::establish(url).unwrap();
    diesel::sql_query(
        "SELECT COALESCE(seq_scan, 0)::bigint AS seq, COALESCE(idx_scan, 0)::bigint AS idx \
         FROM pg_stat_user_tables WHERE relname = 'sensors'",
    )
    .get_result(&mut c)
    .unwrap()
}

/// Each contender's gets and pages, counted by PostgreSQL: every one an index scan, no
/// sequential scan. Panics otherwise (the comparison would be meaningless).
pub async fn prove_index_use(fx: &Arc<Fixture>) {
    const GETS: u64 = 300;
    const PAGES: u64 = 100;
    println!("### PostgreSQL: index use per contender ({GETS} gets + {PAGES} pages, pg_stat_user_tables)\n");
    println!("| contender | idx_scan | seq_scan |");
    println!("|---|---|---|");
    for mut one in One::all(fx).await {
        // Sessions opened by the other contenders are idle; only this one's count.
        let before = scans(&fx.url);
        for i in 0..GETS {
            one.call(Op::Get, i).await;
        }
        for i in 0..PAGES {
            one.call(Op::List, i).await;
        }
        let name = one.name();
        one.close().await;
        let deadline = Instant::now() + Duration::from_secs(15);
        let after = loop {
            let now = scans(&fx.url);
            if now.idx - before.idx >= (GETS + PAGES) as i64 || Instant::now() > deadline {
                break now;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let (idx, seq) = (after.idx - before.idx, after.seq - before.seq);
        println!("| {name} | +{idx} | +{seq} |");
        assert!(
            idx >= (GETS + PAGES) as i64 && seq == 0,
            "{name} does not use an index on PostgreSQL: idx_scan +{idx}, seq_scan +{seq}"
        );
    }
    println!();
}

#[derive(QueryableByName)]
struct Status {
    #[diesel(sql_type = Text, column_name = Variable_name)]
    name: String,
    #[diesel(sql_type = Text, column_name = Value)]
    value: String,
}

const COUNTERS: [&str; 6] = [
    "Questions",
    "Com_set_option",
    "Com_stmt_prepare",
    "Com_stmt_execute",
    "Com_stmt_close",
    "Com_commit",
];

fn counters(url: &str) -> Vec<i64> {
    let mut c = MysqlConnection::establish(url).unwrap();
    let rows: Vec<Status> = diesel::sql_query(format!(
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('{}')",
        COUNTERS.join("', '")
    ))
    .load(&mut c)
    .unwrap();
    COUNTERS
        .iter()
        .map(|k| {
            rows.iter()
                .find(|r| r.name.eq_ignore_ascii_case(k))
                .map_or(0, |r| r.value.parse().unwrap())
        })
        .collect()
}

/// Server commands per write transaction of one insert, per contender (statements prepared
/// once beforehand, as in a running service).
pub async fn count_commands(fx: &Arc<Fixture>) {
    const TX: u64 = 200;
    println!("### MySQL: server commands per write transaction of one insert ({TX} transactions, SHOW GLOBAL STATUS)\n");
    println!("| contender | {} |", COUNTERS.join(" | "));
    println!("|---|{}", "---|".repeat(COUNTERS.len()));
    for mut one in One::all(fx).await {
        for i in 0..20 {
            one.call(Op::InsertTx, i).await;
        }
        let before = counters(&fx.url);
        for i in 0..TX {
            one.call(Op::InsertTx, i).await;
        }
        let after = counters(&fx.url);
        // The counters are global: the second reading's own statement is subtracted.
        let per: Vec<String> = before
            .iter()
            .zip(&after)
            .enumerate()
            .map(|(k, (b, a))| {
                let own = if COUNTERS[k] == "Questions" { 1 } else { 0 };
                format!("{:.2}", (a - b - own) as f64 / TX as f64)
            })
            .collect();
        println!("| {} | {} |", one.name(), per.join(" | "));
        one.close().await;
    }
    println!();
}
