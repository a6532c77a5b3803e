//! Running one checked block on one engine: binding the parameters by their declared SQL types,
//! reading the rows by position and decoding each column by the type the checker declared, and
//! normalising the values so that the three engines' answers can be compared.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use diesel::backend::Backend;
use diesel::connection::Connection;
use diesel::deserialize::{self, FromSql, QueryableByName};
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::row::{Field, NamedRow, Row};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, Double, HasSqlType, Integer, Nullable, Text};
use diesel::RunQueryDsl;
use trapperkeeper_db::types::sql::{UtcTimestamp, Uuid36};
use trapperkeeper_db::types::{TenantId, Timestamp};
use trapperkeeper_db::AnyConnection;

/// A diesel SQL type the checker hands out (`Analyzed::params[k].sql`, `columns[k].sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Id,
    Text,
    BigInt,
    Integer,
    Double,
    Bool,
    Ts,
}

/// Parses `diesel::sql_types::Nullable<crate::types::sql::Uuid36>` and friends into (type,
/// nullable).
pub fn parse_sql_type(s: &str) -> Option<(Ty, bool)> {
    let s = s.trim();
    let (inner, nullable) = match s
        .strip_prefix("diesel::sql_types::Nullable<")
        .and_then(|r| r.strip_suffix('>'))
    {
        Some(inner) => (inner, true),
        None => (s, false),
    };
    let ty = match inner.rsplit("::").next()? {
        "Uuid36" => Ty::Id,
        "UtcTimestamp" => Ty::Ts,
        "Text" => Ty::Text,
        "BigInt" => Ty::BigInt,
        "Integer" => Ty::Integer,
        "Double" => Ty::Double,
        "Bool" => Ty::Bool,
        _ => return None,
    };
    Some((ty, nullable))
}

/// A parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Id(TenantId),
    Text(String),
    I64(i64),
    I32(i32),
    F64(f64),
    Bool(bool),
    Ts(Timestamp),
    /// A `-- list:` parameter's values.
    List(Vec<Value>),
}

impl Value {
    /// Whether the value can be bound as `ty`.
    pub fn fits(&self, ty: Ty, nullable: bool) -> bool {
        if let Value::List(values) = self {
            return values.iter().all(|v| v.fits(ty, false));
        }
        matches!(
            (self, ty),
            (Value::Null, _) if nullable
        ) || matches!(
            (self, ty),
            (Value::Id(_), Ty::Id)
                | (Value::Text(_), Ty::Text)
                | (Value::I64(_), Ty::BigInt)
                | (Value::I32(_), Ty::Integer)
                | (Value::F64(_), Ty::Double)
                | (Value::Bool(_), Ty::Bool)
                | (Value::Ts(_), Ty::Ts)
        )
    }

    /// For the report.
    pub fn show(&self) -> String {
        match self {
            Value::Null => "NULL".into(),
            Value::Id(id) => format!("'{id}'"),
            Value::Text(s) => format!("{s:?}"),
            Value::I64(x) => x.to_string(),
            Value::I32(x) => x.to_string(),
            Value::F64(x) => format!("{x:?}"),
            Value::Bool(b) => b.to_string(),
            Value::Ts(t) => t.to_string(),
            Value::List(values) => format!(
                "[{}]",
                values
                    .iter()
                    .map(Value::show)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// One placeholder's binding: its declared type and value.
#[derive(Debug, Clone)]
pub struct Bind {
    pub ty: Ty,
    pub nullable: bool,
    pub value: Value,
    /// A list bound as one PostgreSQL array (`= ANY($n)`, as the generated code binds it).
    pub array: bool,
}

/// What a block did on one engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Rows, each cell normalised (`None` = NULL); and the columns declared NOT NULL that held a
    /// NULL.
    Rows {
        rows: Vec<Vec<Option<String>>>,
        null_in_not_null: Vec<String>,
    },
    /// An UPDATE: rows affected, and the canonical rows of the table afterwards.
    Exec { affected: usize, after: Vec<String> },
    /// The engine refused the statement (or the driver panicked).
    Error(String),
    /// A value came back that the declared column type cannot decode.
    Decode(String),
}

impl Outcome {
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Error(_) | Outcome::Decode(_))
    }
}

/// A normalised double: 12 significant digits (summation order and decimal/binary literals
/// differ in the last bits), `-0` as `0`.
pub fn norm_f64(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if !x.is_finite() {
        format!("{x}")
    } else {
        format!("{x:.11e}")
    }
}

thread_local! {
    /// Set while a statement runs: a driver panic there is an outcome, not noise on stderr.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The declared type of each result column of the statement being loaded: diesel's
    /// `QueryableByName` has no other way to receive it.
    static SPEC: RefCell<Vec<Ty>> = const { RefCell::new(Vec::new()) };
}

/// A row read by position; each cell decoded by its declared type, or the decode error.
pub struct DynRow(Vec<Result<Option<String>, String>>);

fn decode_cell<DB>(ty: Ty, raw: DB::RawValue<'_>) -> Result<String, String>
where
    DB: Backend,
    TenantId: FromSql<Uuid36, DB>,
    Timestamp: FromSql<UtcTimestamp, DB>,
    String: FromSql<Text, DB>,
    i64: FromSql<BigInt, DB>,
    i32: FromSql<Integer, DB>,
    f64: FromSql<Double, DB>,
    bool: FromSql<Bool, DB>,
{
    let e = |e: Box<dyn std::error::Error + Send + Sync>| e.to_string();
    Ok(match ty {
        // Every id type has the same SQL impls; TenantId stands for all of them.
        Ty::Id => <TenantId as FromSql<Uuid36, DB>>::from_sql(raw)
            .map_err(e)?
            .to_string(),
        Ty::Ts => <Timestamp as FromSql<UtcTimestamp, DB>>::from_sql(raw)
            .map_err(e)?
            .to_string(),
        Ty::Text => format!(
            "{:?}",
            <String as FromSql<Text, DB>>::from_sql(raw).map_err(e)?
        ),
        Ty::BigInt => <i64 as FromSql<BigInt, DB>>::from_sql(raw)
            .map_err(e)?
            .to_string(),
        Ty::Integer => <i32 as FromSql<Integer, DB>>::from_sql(raw)
            .map_err(e)?
            .to_string(),
        Ty::Double => norm_f64(<f64 as FromSql<Double, DB>>::from_sql(raw).map_err(e)?),
        Ty::Bool => <bool as FromSql<Bool, DB>>::from_sql(raw)
            .map_err(e)?
            .to_string(),
    })
}

impl<DB> QueryableByName<DB> for DynRow
where
    DB: Backend,
    TenantId: FromSql<Uuid36, DB>,
    Timestamp: FromSql<UtcTimestamp, DB>,
    String: FromSql<Text, DB>,
    i64: FromSql<BigInt, DB>,
    i32: FromSql<Integer, DB>,
    f64: FromSql<Double, DB>,
    bool: FromSql<Bool, DB>,
{
    fn build<'a>(row: &impl NamedRow<'a, DB>) -> deserialize::Result<Self> {
        let spec = SPEC.with(|s| s.borrow().clone());
        if row.field_count() != spec.len() {
            return Err(format!(
                "the row has {} columns, the checker declared {}",
                row.field_count(),
                spec.len()
            )
            .into());
        }
        let mut cells = Vec::with_capacity(spec.len());
        for (i, ty) in spec.iter().enumerate() {
            let field = Row::get(row, i).ok_or("missing field")?;
            cells.push(match field.value() {
                None => Ok(None),
                Some(raw) => decode_cell::<DB>(*ty, raw).map(Some),
            });
        }
        Ok(DynRow(cells))
    }
}

fn bind_one<'f, DB>(
    q: BoxedSqlQuery<'f, DB, SqlQuery>,
    b: &Bind,
) -> Result<BoxedSqlQuery<'f, DB, SqlQuery>, String>
where
    DB: Backend
        + HasSqlType<Uuid36>
        + HasSqlType<UtcTimestamp>
        + HasSqlType<Text>
        + HasSqlType<BigInt>
        + HasSqlType<Integer>
        + HasSqlType<Double>
        + HasSqlType<Bool>,
    TenantId: ToSql<Uuid36, DB>,
    Timestamp: ToSql<UtcTimestamp, DB>,
    String: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
    i32: ToSql<Integer, DB>,
    f64: ToSql<Double, DB>,
    bool: ToSql<Bool, DB>,
{
    macro_rules! typed {
        ($st:ty, $rust:ty, $v:expr) => {
            if b.nullable {
                q.bind::<Nullable<$st>, Option<$rust>>($v)
            } else {
                match $v {
                    Some(v) => q.bind::<$st, $rust>(v),
                    None => return Err("NULL for a NOT NULL parameter".into()),
                }
            }
        };
    }
    let v = &b.value;
    let null = matches!(v, Value::Null);
    Ok(match (b.ty, v) {
        (Ty::Id, Value::Id(x)) => typed!(Uuid36, TenantId, Some(*x)),
        (Ty::Id, _) if null => typed!(Uuid36, TenantId, None),
        (Ty::Ts, Value::Ts(x)) => typed!(UtcTimestamp, Timestamp, Some(*x)),
        (Ty::Ts, _) if null => typed!(UtcTimestamp, Timestamp, None),
        (Ty::Text, Value::Text(x)) => typed!(Text, String, Some(x.clone())),
        (Ty::Text, _) if null => typed!(Text, String, None),
        (Ty::BigInt, Value::I64(x)) => typed!(BigInt, i64, Some(*x)),
        (Ty::BigInt, _) if null => typed!(BigInt, i64, None),
        (Ty::Integer, Value::I32(x)) => typed!(Integer, i32, Some(*x)),
        (Ty::Integer, _) if null => typed!(Integer, i32, None),
        (Ty::Double, Value::F64(x)) => typed!(Double, f64, Some(*x)),
        (Ty::Double, _) if null => typed!(Double, f64, None),
        (Ty::Bool, Value::Bool(x)) => typed!(Bool, bool, Some(*x)),
        (Ty::Bool, _) if null => typed!(Bool, bool, None),
        (ty, v) => return Err(format!("harness: value {v:?} does not fit {ty:?}")),
    })
}

enum Raw {
    Rows(Vec<DynRow>),
    Count(usize),
}

/// Runs `sql` with `binds` on the native connection inside `conn` (the generated code goes
/// through `MultiBackend`, which dispatches to the same per-backend `ToSql`/`FromSql` impls).
fn run_native(
    conn: &mut AnyConnection,
    sql: &str,
    binds: &[Bind],
    rows: bool,
) -> Result<Result<Raw, diesel::result::Error>, String> {
    macro_rules! go {
        ($c:expr, $db:ty) => {{
            let mut q = diesel::sql_query(sql.to_string()).into_boxed::<$db>();
            for b in binds {
                q = bind_one::<$db>(q, b)?;
            }
            Ok(if rows {
                q.load::<DynRow>($c).map(Raw::Rows)
            } else {
                q.execute($c).map(Raw::Count)
            })
        }};
    }
    match conn {
        AnyConnection::Sqlite(c) => go!(c, diesel::sqlite::Sqlite),
        AnyConnection::Postgresql(c) if binds.iter().any(|b| b.array) => {
            let mut q = diesel::sql_query(sql.to_string()).into_boxed::<diesel::pg::Pg>();
            for b in binds {
                q = if b.array {
                    bind_pg_array(q, b)?
                } else {
                    bind_one::<diesel::pg::Pg>(q, b)?
                };
            }
            Ok(if rows {
                q.load::<DynRow>(c).map(Raw::Rows)
            } else {
                q.execute(c).map(Raw::Count)
            })
        }
        AnyConnection::Postgresql(c) => go!(c, diesel::pg::Pg),
        AnyConnection::Mysql(c) => go!(c, diesel::mysql::Mysql),
    }
}

/// A list as one PostgreSQL array of its element type.
fn bind_pg_array<'f>(
    q: BoxedSqlQuery<'f, diesel::pg::Pg, SqlQuery>,
    b: &Bind,
) -> Result<BoxedSqlQuery<'f, diesel::pg::Pg, SqlQuery>, String> {
    use diesel::sql_types::Array;
    let Value::List(values) = &b.value else {
        return Err("harness: an array bind of a single value".into());
    };
    macro_rules! array {
        ($st:ty, $pat:path) => {{
            let items = values
                .iter()
                .map(|v| match v {
                    $pat(x) => Ok(x.clone()),
                    other => Err(format!("harness: {other:?} in a {:?} list", b.ty)),
                })
                .collect::<Result<Vec<_>, String>>()?;
            q.bind::<Array<$st>, _>(items)
        }};
    }
    Ok(match b.ty {
        Ty::Id => array!(Uuid36, Value::Id),
        Ty::Text => array!(Text, Value::Text),
        Ty::BigInt => array!(BigInt, Value::I64),
        Ty::Ts => array!(UtcTimestamp, Value::Ts),
        Ty::Double => array!(Double, Value::F64),
        other => return Err(format!("harness: no {other:?} lists")),
    })
}

/// Keeps panics caught around a statement off stderr (the hook installed before stays in force
/// for every other panic).
pub fn quiet_statement_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info)
            }
        }));
    });
}

fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    QUIET.with(|q| q.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

/// What a failed statement says, on one line.
fn error_text(e: &diesel::result::Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// The canonical rows of `table`, doubles normalised like result cells.
pub fn canonical(conn: &mut AnyConnection, table: &str) -> Result<Vec<String>, String> {
    let table = trapperkeeper_db::copy::Table::from_name(table)
        .ok_or_else(|| format!("{table} is not an entity's table"))?;
    let rows = trapperkeeper_db::copy::canonical_rows(conn, table).map_err(|e| {
        // The whole chain: diesel's "Error deserializing field" hides the cause.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        message
    })?;
    Ok(rows.iter().map(|r| normalise_json(r)).collect())
}

fn normalise_json(row: &str) -> String {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Number(n) if n.is_f64() => {
                *v = serde_json::Value::String(norm_f64(n.as_f64().unwrap_or_default()))
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(o) => o.values_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(row) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => row.to_string(),
    }
}

/// Runs a SELECT whose result columns have the declared `(type, nullable, name)`.
pub fn select(
    conn: &mut AnyConnection,
    sql: &str,
    binds: &[Bind],
    columns: &[(Ty, bool, String)],
) -> (Outcome, bool) {
    SPEC.with(|s| *s.borrow_mut() = columns.iter().map(|c| c.0).collect());
    let result = quietly(|| run_native(conn, sql, binds, true));
    let raw = match result {
        Err(p) => return (Outcome::Error(format!("panic: {}", panic_text(p))), true),
        Ok(Err(harness)) => return (Outcome::Error(harness), false),
        Ok(Ok(Err(e))) => {
            let text = error_text(&e);
            return (
                match e {
                    diesel::result::Error::DeserializationError(_) => Outcome::Decode(text),
                    _ => Outcome::Error(text),
                },
                false,
            );
        }
        Ok(Ok(Ok(Raw::Rows(rows)))) => rows,
        Ok(Ok(Ok(Raw::Count(_)))) => unreachable!("loaded rows"),
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut null_in_not_null = Vec::new();
    for row in raw {
        let mut cells = Vec::with_capacity(row.0.len());
        for (i, cell) in row.0.into_iter().enumerate() {
            let (ty, nullable, name) = &columns[i];
            match cell {
                Ok(v) => {
                    if v.is_none() && !nullable && !null_in_not_null.contains(name) {
                        null_in_not_null.push(name.clone());
                    }
                    cells.push(v)
                }
                Err(e) => {
                    return (
                        Outcome::Decode(format!("as {ty:?}: {e} [column {name}]")),
                        false,
                    )
                }
            }
        }
        out.push(cells);
    }
    (
        Outcome::Rows {
            rows: out,
            null_in_not_null,
        },
        false,
    )
}

/// Runs an UPDATE in a transaction that is rolled back; returns the rows affected and
/// `table`'s canonical rows as the statement left them.
pub fn update(conn: &mut AnyConnection, sql: &str, binds: &[Bind], table: &str) -> (Outcome, bool) {
    let mut outcome = None;
    let mut panicked = false;
    let tx = conn.transaction::<(), diesel::result::Error, _>(|c| {
        let result = quietly(|| run_native(c, sql, binds, false));
        outcome = Some(match result {
            Err(p) => {
                panicked = true;
                Outcome::Error(format!("panic: {}", panic_text(p)))
            }
            Ok(Err(harness)) => Outcome::Error(harness),
            Ok(Ok(Err(e))) => Outcome::Error(error_text(&e)),
            Ok(Ok(Ok(Raw::Count(affected)))) => match canonical(c, table) {
                Ok(after) => Outcome::Exec { affected, after },
                // The statement ran; the crate's model cannot read the table back.
                Err(e) => Outcome::Error(format!("reading {table} back after the UPDATE: {e}")),
            },
            Ok(Ok(Ok(Raw::Rows(_)))) => unreachable!("executed"),
        });
        Err(diesel::result::Error::RollbackTransaction)
    });
    match tx {
        Err(diesel::result::Error::RollbackTransaction) => {}
        Err(e) => {
            panicked = true; // the connection is in an unknown state: replace it
            if outcome.is_none() {
                outcome = Some(Outcome::Error(format!("harness: transaction: {e}")));
            }
        }
        Ok(()) => unreachable!("always rolled back"),
    }
    (
        outcome.unwrap_or_else(|| Outcome::Error("harness: no outcome".into())),
        panicked,
    )
}
