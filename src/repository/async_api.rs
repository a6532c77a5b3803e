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

    /// Runs one repository function (or several, composed) in one blocking hop.
    pub async fn call<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.db.run(f).await
    }
}
