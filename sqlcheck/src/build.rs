//! The one call a service crate's `build.rs` makes to keep its own `queries/*.sql` checked
//! against `trapperkeeper-db`'s schema and models:
//!
//! ```text
//! // build.rs of a crate with `trapperkeeper-db` in [dependencies] and `tk-sqlcheck` in
//! // [build-dependencies]
//! fn main() {
//!     tk_sqlcheck::build::service_queries();
//! }
//! ```
//!
//! and in the crate: `pub mod queries { include!(concat!(env!("OUT_DIR"), "/queries.rs")); }`.
//! The generated functions are the ones `trapperkeeper-db` gets for its own queries (same
//! checks, same repository rules, same async twins), spelt with `::trapperkeeper_db::` paths;
//! the service needs no dependency of its own on diesel or serde.

use std::path::{Path, PathBuf};

use crate::codegen::Target;

/// Checks `queries/*.sql` of the crate being built (its `CARGO_MANIFEST_DIR`) and writes the
/// typed functions to `$OUT_DIR/queries.rs`; on any problem prints every diagnostic and stops
/// the build. Reads the schema and entity list `trapperkeeper-db`'s build script announces
/// (`DEP_TRAPPERKEEPER_DB_SCHEMA`, `DEP_TRAPPERKEEPER_DB_ENTITIES`), so `trapperkeeper-db`
/// must be a direct dependency.
pub fn service_queries() {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    service_queries_in(&manifest.join("queries"));
}

/// [`service_queries`] for another folder of query files.
pub fn service_queries_in(dir: &Path) {
    let schema = PathBuf::from(env("DEP_TRAPPERKEEPER_DB_SCHEMA"));
    let entities = PathBuf::from(env("DEP_TRAPPERKEEPER_DB_ENTITIES"));
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", schema.display());
    println!("cargo:rerun-if-changed={}", entities.display());
    let out = PathBuf::from(env("OUT_DIR")).join("queries.rs");
    match crate::check_dir_for(dir, &schema, &entities, &Target::dependent()) {
        Ok(code) => {
            if let Err(e) = std::fs::write(&out, code) {
                eprintln!("error: cannot write {}: {e}", out.display());
                std::process::exit(1);
            }
        }
        Err(diagnostics) => {
            for d in &diagnostics {
                eprintln!("error: {d}");
            }
            eprintln!(
                "{} problem(s) in {}/*.sql",
                diagnostics.len(),
                dir.display()
            );
            std::process::exit(1);
        }
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!(
            "error: {name} is not set: call tk_sqlcheck::build::service_queries() from the build.rs of a crate that has trapperkeeper-db in [dependencies]"
        );
        std::process::exit(1)
    })
}
