//! The contenders, each doing the same four operations on the same rows with the same SQL:
//! - get: the live sensor `id` of the tenant (`WHERE tenant_id = ? AND deleted_at IS NULL AND
//!   sensor_id = ? LIMIT 1`, every column);
//! - insert: one new sensor (an autocommitted statement);
//! - insert in a write transaction: the same insert between `BEGIN` and `COMMIT` (the project
//!   begins SQLite's with `BEGIN IMMEDIATE`, the others as their library does);
//! - list 50: a keyset page after an id (`… AND sensor_id > ? ORDER BY sensor_id LIMIT 50`; on
//!   MySQL everyone names the index as the repository does).
//!
//! Every call checks its answer (the row asked for, one row inserted, a full page), so a
//! contender cannot win by doing less. Connections are set up alike: on SQLite the project's
//! pragmas (WAL, `synchronous = NORMAL`, `busy_timeout = 5000`, `foreign_keys = ON`) for
//! everyone; pools of the same size; no health check on checkout anywhere (diesel-async's
//! `RecyclingMethod::Fast`; the project and sqlx do not ping either).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use diesel::prelude::*;
use trapperkeeper_db::config::DatabaseConfig;
use trapperkeeper_db::native::{UnitConnection, UnitFuture};
use trapperkeeper_db::repository::sensors::{self, Sensor};
use trapperkeeper_db::repository::Page;
use trapperkeeper_db::schema::sensors as t;
use trapperkeeper_db::types::{SensorId, TenantId, Timestamp};
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::{AnyConnection, Database};

/// What every contender works on: one tenant's live sensor ids, sorted.
pub struct Fixture {
    pub backend: Backend,
    pub url: String,
    pub sqlite_path: Option<std::path::PathBuf>,
    pub tenant: TenantId,
    pub ids: Vec<SensorId>,
}

impl Fixture {
    /// The id a call reads: spread over the tenant, the same sequence for everyone.
    pub fn id(&self, i: u64) -> SensorId {
        self.ids[(mix(i) % self.ids.len() as u64) as usize]
    }

    /// The id a page starts after: at least a page of live rows follows it.
    pub fn after(&self, i: u64) -> SensorId {
        let n = self.ids.len() as u64 - 60;
        self.ids[(mix(i) % n) as usize]
    }

    /// A new sensor of the tenant.
    pub fn new_row(&self) -> Sensor {
        let now = Timestamp::now();
        Sensor {
            sensor_id: SensorId::new(),
            tenant_id: self.tenant,
            name: "peer".into(),
            description: None,
            metadata: "{}".into(),
            last_seen_at: None,
            created_at: now,
            modified_at: now,
            deleted_at: None,
        }
    }

    pub(crate) fn page_sql(&self, placeholder: impl Fn(usize) -> String) -> String {
        let hint = if self.backend == Backend::Mysql {
            " FORCE INDEX (idx_sensors_tenant_deleted)"
        } else {
            ""
        };
        format!(
            "SELECT {COLUMNS} FROM sensors{hint} WHERE tenant_id = {} AND deleted_at IS NULL \
             AND sensor_id > {} ORDER BY sensor_id LIMIT 50",
            placeholder(1),
            placeholder(2)
        )
    }
}

const COLUMNS: &str = "sensor_id, tenant_id, name, description, metadata, last_seen_at, \
                       created_at, modified_at, deleted_at";

/// A cheap, fixed scramble of the call number (splitmix64), so reads spread over the table.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The operations measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Get,
    Insert,
    InsertTx,
    List,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Get, Op::Insert, Op::InsertTx, Op::List];

    pub fn label(self) -> &'static str {
        match self {
            Op::Get => "get by id",
            Op::Insert => "insert",
            Op::InsertTx => "insert in a write transaction",
            Op::List => "list 50",
        }
    }
}

pub type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A contender called from async code.
pub trait AsyncContender: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn call(&self, op: Op, i: u64) -> BoxFut<'_>;
}

/// A contender called from a plain thread (the synchronous baselines).
pub trait SyncContender {
    fn name(&self) -> &'static str;
    fn call(&mut self, op: Op, i: u64);
}

pub(crate) fn check_get(asked: SensorId, got: SensorId) {
    assert_eq!(asked, got, "get returned another row");
}

pub(crate) fn check_page(n: usize) {
    assert_eq!(n, 50, "a page after an id must be full");
}

// ---------------------------------------------------------------- the project

/// The project's typed async calls: the repository's `get_async`/`list_async` and
/// `Database::unit`/`unit_write` with one `statement!` — native async connections on the
/// servers, one blocking hop in place on SQLite.
pub struct Project {
    db: Database,
    fx: Arc<Fixture>,
}

impl Project {
    pub async fn open(fx: Arc<Fixture>, pool: u32) -> Self {
        let config = DatabaseConfig::for_url(&fx.url)
            .unwrap()
            .with_max_connections(pool);
        let db = Database::open(&config).await.unwrap();
        assert_eq!(
            db.runs_natively(),
            fx.backend != Backend::Sqlite,
            "the servers' typed calls run on native connections"
        );
        Self { db, fx }
    }
}

/// The same insert as everyone's, on whichever connection the unit runs on.
fn insert_row(
    c: UnitConnection<'_>,
    row: Sensor,
) -> UnitFuture<'_, (), trapperkeeper_db::repository::Error> {
    Box::pin(async move {
        let n =
            trapperkeeper_db::statement!(c, diesel::insert_into(t::table).values(&row) => execute)?;
        assert_eq!(n, 1);
        Ok(())
    })
}

impl AsyncContender for Project {
    fn name(&self) -> &'static str {
        "project"
    }

    fn call(&self, op: Op, i: u64) -> BoxFut<'_> {
        let tenant = self.fx.tenant;
        Box::pin(async move {
            match op {
                Op::Get => {
                    let id = self.fx.id(i);
                    let s = sensors::get_async(&self.db, tenant, id).await.unwrap();
                    check_get(id, s.sensor_id);
                }
                Op::Insert => {
                    let row = self.fx.new_row();
                    self.db.unit(move |c| insert_row(c, row)).await.unwrap();
                }
                Op::InsertTx => {
                    let row = self.fx.new_row();
                    self.db
                        .unit_write(move |c| insert_row(c, row))
                        .await
                        .unwrap();
                }
                Op::List => {
                    let page = Page {
                        after: Some(self.fx.after(i)),
                        limit: 50,
                    };
                    let rows = sensors::list_async(&self.db, tenant, page).await.unwrap();
                    check_page(rows.len());
                }
            }
        })
    }
}

/// The pragmas every SQLite contender's connections get (the project's own).
pub const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

// ---------------------------------------------------------------- sqlx

/// sqlx 0.9 with its own pools, prepared statements cached per connection (its default).
pub enum Sqlx {
    Pg(sqlx::PgPool, Arc<Fixture>),
    My(sqlx::MySqlPool, Arc<Fixture>),
    Lite(sqlx::SqlitePool, Arc<Fixture>),
}

impl Sqlx {
    pub async fn open(fx: Arc<Fixture>, size: u32) -> Self {
        use sqlx::pool::PoolOptions;
        match fx.backend {
            Backend::Postgres => {
                let pool = PoolOptions::new()
                    .max_connections(size)
                    .connect(&fx.url)
                    .await
                    .unwrap();
                Self::Pg(pool, fx)
            }
            Backend::Mysql => {
                let pool = PoolOptions::new()
                    .max_connections(size)
                    .connect(&fx.url)
                    .await
                    .unwrap();
                Self::My(pool, fx)
            }
            Backend::Sqlite => {
                use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
                let options = SqliteConnectOptions::new()
                    .filename(fx.sqlite_path.as_ref().unwrap())
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(std::time::Duration::from_secs(5))
                    .foreign_keys(true);
                let pool = PoolOptions::new()
                    .max_connections(size)
                    .connect_with(options)
                    .await
                    .unwrap();
                Self::Lite(pool, fx)
            }
        }
    }

    /// Closes the pool (the index proof needs the server sessions gone).
    pub async fn close(&self) {
        match self {
            Self::Pg(p, _) => p.close().await,
            Self::My(p, _) => p.close().await,
            Self::Lite(p, _) => p.close().await,
        }
    }
}

// Each backend's row, as sqlx decodes it: PostgreSQL text and TIMESTAMPTZ; MySQL bytes (sqlx
// refuses `_bin`-collated text as `String`: the server flags it BINARY) and DATETIME; SQLite
// text and the BIGINT nanoseconds the schema stores.
type PgRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<chrono::DateTime<chrono::Utc>>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
    Option<chrono::DateTime<chrono::Utc>>,
);
type MyRow = (
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Option<Vec<u8>>,
    Vec<u8>,
    Option<chrono::NaiveDateTime>,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
);
type LiteRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
);

fn nanos(t: Timestamp) -> i64 {
    t.as_datetime().timestamp_nanos_opt().unwrap()
}

/// The same sqlx code for each backend: `$ph` makes the n-th placeholder, `$id` binds an id,
/// `$ts` a timestamp, `$row` is the decoded row and `$key` reads its id as text.
macro_rules! sqlx_call {
    ($pool:expr, $fx:expr, $op:expr, $i:expr, $row:ty, $ph:expr, $ts:expr, $key:expr) => {{
        let fx = $fx;
        let ph = $ph;
        match $op {
            Op::Get => {
                let id = fx.id($i);
                let sql = format!(
                    "SELECT {COLUMNS} FROM sensors WHERE tenant_id = {} AND deleted_at IS NULL \
                     AND sensor_id = {} LIMIT 1",
                    ph(1),
                    ph(2)
                );
                let row: $row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(fx.tenant.to_string())
                    .bind(id.to_string())
                    .fetch_one($pool)
                    .await
                    .unwrap();
                assert_eq!($key(&row), id.to_string(), "get returned another row");
            }
            Op::Insert | Op::InsertTx => {
                let row = fx.new_row();
                let sql = format!(
                    "INSERT INTO sensors ({COLUMNS}) VALUES ({}, {}, {}, NULL, {}, NULL, {}, {}, NULL)",
                    ph(1),
                    ph(2),
                    ph(3),
                    ph(4),
                    ph(5),
                    ph(6)
                );
                let q = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(row.sensor_id.to_string())
                    .bind(row.tenant_id.to_string())
                    .bind(row.name)
                    .bind(row.metadata)
                    .bind($ts(row.created_at))
                    .bind($ts(row.modified_at));
                let done = if $op == Op::InsertTx {
                    let mut tx = $pool.begin().await.unwrap();
                    let done = q.execute(&mut *tx).await.unwrap();
                    tx.commit().await.unwrap();
                    done
                } else {
                    q.execute($pool).await.unwrap()
                };
                assert_eq!(done.rows_affected(), 1);
            }
            Op::List => {
                let rows: Vec<$row> = sqlx::query_as(sqlx::AssertSqlSafe(fx.page_sql(ph)))
                    .bind(fx.tenant.to_string())
                    .bind(fx.after($i).to_string())
                    .fetch_all($pool)
                    .await
                    .unwrap();
                check_page(rows.len());
            }
        }
    }};
}

impl AsyncContender for Sqlx {
    fn name(&self) -> &'static str {
        "sqlx"
    }

    fn call(&self, op: Op, i: u64) -> BoxFut<'_> {
        Box::pin(async move {
            match self {
                // A CHAR(36) key is found by its index only when the parameter is bpchar.
                Self::Pg(pool, fx) => sqlx_call!(
                    pool,
                    fx,
                    op,
                    i,
                    PgRow,
                    |n: usize| if n <= 2 {
                        format!("${n}::bpchar")
                    } else {
                        format!("${n}")
                    },
                    |t: Timestamp| t.as_datetime(),
                    |r: &PgRow| r.0.clone()
                ),
                Self::My(pool, fx) => sqlx_call!(
                    pool,
                    fx,
                    op,
                    i,
                    MyRow,
                    |_: usize| "?".to_string(),
                    |t: Timestamp| t.as_datetime().naive_utc(),
                    |r: &MyRow| String::from_utf8(r.0.clone()).unwrap()
                ),
                Self::Lite(pool, fx) => sqlx_call!(
                    pool,
                    fx,
                    op,
                    i,
                    LiteRow,
                    |_: usize| "?".to_string(),
                    nanos,
                    |r: &LiteRow| r.0.clone()
                ),
            }
        })
    }
}

// ---------------------------------------------------------------- plain diesel (sync)

/// Plain synchronous diesel on the backend's native connection, set up by the project's
/// `establish` (same session settings), called on one thread: the floor for one call.
pub enum PlainDiesel {
    Pg(PgConnection, Arc<Fixture>),
    My(MysqlConnection, Arc<Fixture>),
    Lite(SqliteConnection, Arc<Fixture>),
}

impl PlainDiesel {
    pub fn open(fx: Arc<Fixture>) -> Self {
        let url = trapperkeeper_db::url::DatabaseUrl::parse(&fx.url).unwrap();
        match trapperkeeper_db::connection::establish(&url).unwrap() {
            AnyConnection::Postgresql(c) => Self::Pg(c, fx),
            AnyConnection::Mysql(c) => Self::My(c, fx),
            AnyConnection::Sqlite(c) => Self::Lite(c, fx),
        }
    }
}

macro_rules! plain_call {
    ($c:expr, $fx:expr, $op:expr, $i:expr) => {{
        let c = $c;
        let fx = $fx;
        match $op {
            Op::Get => {
                let id = fx.id($i);
                let s: Sensor = t::table
                    .filter(t::tenant_id.eq(fx.tenant))
                    .filter(t::deleted_at.is_null())
                    .filter(t::sensor_id.eq(id))
                    .select(Sensor::as_select())
                    .first(c)
                    .unwrap();
                check_get(id, s.sensor_id);
            }
            Op::Insert => {
                let row = fx.new_row();
                assert_eq!(
                    diesel::insert_into(t::table)
                        .values(&row)
                        .execute(c)
                        .unwrap(),
                    1
                );
            }
            Op::InsertTx => {
                let row = fx.new_row();
                let n = c
                    .transaction(|c| diesel::insert_into(t::table).values(&row).execute(c))
                    .unwrap();
                assert_eq!(n, 1);
            }
            Op::List => {
                let after = fx.after($i);
                let rows: Vec<Sensor> = if fx.backend == Backend::Mysql {
                    diesel::sql_query(fx.page_sql(|_| "?".into()))
                        .bind::<trapperkeeper_db::types::sql::Uuid36, _>(fx.tenant)
                        .bind::<trapperkeeper_db::types::sql::Uuid36, _>(after)
                        .load(c)
                        .unwrap()
                } else {
                    t::table
                        .filter(t::tenant_id.eq(fx.tenant))
                        .filter(t::deleted_at.is_null())
                        .filter(t::sensor_id.gt(after))
                        .order(t::sensor_id)
                        .limit(50)
                        .select(Sensor::as_select())
                        .load(c)
                        .unwrap()
                };
                check_page(rows.len());
            }
        }
    }};
}

impl SyncContender for PlainDiesel {
    fn name(&self) -> &'static str {
        "plain diesel (sync)"
    }

    fn call(&mut self, op: Op, i: u64) {
        match self {
            Self::Pg(c, fx) => plain_call!(c, fx, op, i),
            Self::My(c, fx) => plain_call!(c, fx, op, i),
            Self::Lite(c, fx) => plain_call!(c, fx, op, i),
        }
    }
}

// ---------------------------------------------------------------- rusqlite (sync, SQLite)

/// rusqlite on one connection with cached prepared statements: SQLite's floor from Rust.
pub struct Rusqlite {
    conn: rusqlite::Connection,
    fx: Arc<Fixture>,
}

impl Rusqlite {
    pub fn open(fx: Arc<Fixture>) -> Self {
        let conn = rusqlite::Connection::open(fx.sqlite_path.as_ref().unwrap()).unwrap();
        conn.execute_batch(SQLITE_PRAGMAS).unwrap();
        Self { conn, fx }
    }
}

impl SyncContender for Rusqlite {
    fn name(&self) -> &'static str {
        "rusqlite (sync)"
    }

    fn call(&mut self, op: Op, i: u64) {
        let fx = &self.fx;
        let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<LiteRow> {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        };
        match op {
            Op::Get => {
                let id = fx.id(i).to_string();
                let mut st = self
                    .conn
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM sensors WHERE tenant_id = ?1 AND deleted_at IS NULL \
                         AND sensor_id = ?2 LIMIT 1"
                    ))
                    .unwrap();
                let row = st.query_row((fx.tenant.to_string(), &id), read).unwrap();
                assert_eq!(row.0, id, "get returned another row");
            }
            Op::Insert | Op::InsertTx => {
                let row = fx.new_row();
                let tx = (op == Op::InsertTx).then(|| self.conn.unchecked_transaction().unwrap());
                let mut st = self
                    .conn
                    .prepare_cached(&format!(
                        "INSERT INTO sensors ({COLUMNS}) VALUES (?1, ?2, ?3, NULL, ?4, NULL, ?5, ?6, NULL)"
                    ))
                    .unwrap();
                let n = st
                    .execute((
                        row.sensor_id.to_string(),
                        row.tenant_id.to_string(),
                        &row.name,
                        &row.metadata,
                        nanos(row.created_at),
                        nanos(row.modified_at),
                    ))
                    .unwrap();
                assert_eq!(n, 1);
                drop(st);
                if let Some(tx) = tx {
                    tx.commit().unwrap();
                }
            }
            Op::List => {
                let mut st = self
                    .conn
                    .prepare_cached(&fx.page_sql(|n| format!("?{n}")))
                    .unwrap();
                let rows = st
                    .query_map((fx.tenant.to_string(), fx.after(i).to_string()), read)
                    .unwrap()
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .unwrap();
                check_page(rows.len());
            }
        }
    }
}
