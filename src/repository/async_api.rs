//! The async face of the repository: each call is the sync function run in one blocking hop on a
//! pooled connection (cascades included).

use super::Result;
use crate::{AnyConnection, Database};

/// Async repository access over a [`Database`]: `Repo::new(&db).call(|c| rules::get(c, t, id))`.
#[derive(Debug, Clone)]
pub struct Repo {
    db: Database,
}

impl Repo {
    /// Repository calls over `db`'s pool.
    pub fn new(db: &Database) -> Self {
        Self { db: db.clone() }
    }

    /// Runs one repository function (or several, composed) in one blocking hop. Each function
    /// that writes is atomic on its own; for several at once, or for writes under load on
    /// SQLite, use [`write`](Self::write).
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db.run(f).await
    }

    /// Runs repository functions in one write transaction ([`Database::write`]): all of them or
    /// none, an error rolls everything back. On SQLite the unit queues in this process for the
    /// write lock rather than in SQLite's busy handler (where a write that lost waited up to a
    /// second under 16 writing tasks).
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db.write(f).await
    }
}
