//! Named SQL queries from `queries/*.sql`, checked at build time (by `tk-sqlcheck`, from
//! `build.rs`) against the schema and the SQLite, PostgreSQL and MySQL dialects, with no database
//! running. Each file is a module; each `-- name: some-query` block a function `some_query(conn,
//! params…)` returning typed rows. See `queries/README.md` for the format.
//!
//! The functions take `&mut AnyConnection`; from async code run them in one hop:
//! `db.run(move |c| Ok::<_, Error>(queries::rules::list_active_rules(c, tenant, 50)?)).await`.
#![allow(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/queries.rs"));
