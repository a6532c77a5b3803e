//! TrapperKeeper's relational data layer: one API over SQLite, PostgreSQL and MySQL.
//!
//! - [`config`]: where the database is and how the pool behaves, from flags, environment and TOML.
//! - [`url`]: database URLs, backend selection by scheme, password redaction.
//! - [`connection`]: [`AnyConnection`], set up per backend, and the write transaction.
//! - [`native`]: the servers' native async connections and [`native::UnitConnection`], the
//!   connection a typed unit of work runs on.
//! - [`pool`]: the bb8 pool and the async unit-of-work API ([`Database`]).
//! - [`migrations`]: embedded per-backend migrations, applied under a lock, checksummed.
//! - [`startup`]: whether a database may serve (migrations by policy, no interrupted copy).
//! - [`types`]: typed UUIDv7 ids and microsecond UTC timestamps, portable across backends.
//! - [`schema`]: the unified, type-checked schema.
//! - [`copy`]: verified copies between backends; [`backup`]: online SQLite backups.
//! - `cli` (feature `cli`, off by default): the `trapperkeeper` operator commands.
//!
//! ```no_run
//! # async fn demo() -> trapperkeeper_db::Result<()> {
//! use trapperkeeper_db::{config::{CliOverrides, DatabaseConfig}, Database};
//! let config = DatabaseConfig::load(&CliOverrides::default())?;
//! let db = Database::open(&config).await?; // pings, then applies pending migrations under a lock
//! db.ping().await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod backup;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
// `#[macro_use]`: `on_native!` (generated with `AnyConnection`) is in scope by name in every
// module declared after this one; the modules above do not run statements.
#[macro_use]
pub mod connection;
pub mod copy;
pub mod error;
pub mod migrations;
// `#[macro_use]`: `statement!` is in scope by name in the modules declared after this one.
#[macro_use]
pub mod native;
pub mod pool;
pub mod queries;
pub mod repository;
pub mod schema;
pub mod startup;
pub mod types;
pub mod url;

pub use connection::AnyConnection;
pub use error::{Error, ErrorKind, Result};
pub use pool::Database;
