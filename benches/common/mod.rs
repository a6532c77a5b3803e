//! What the benchmarks share: a database per run, created and dropped by the benchmark.

use diesel::connection::SimpleConnection;
use trapperkeeper_db::url::DatabaseUrl;

/// A database created for the benchmark and dropped after it.
pub struct BenchDb {
    /// Its URL.
    pub url: String,
    drop_sql: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl BenchDb {
    /// A new database of `backend` (`sqlite`, `postgres` or `mysql`).
    pub fn new(backend: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let name = format!("tk_bench_{}", std::process::id());
        let (admin, create, drop) = match backend {
            "sqlite" => {
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                return Self {
                    url,
                    drop_sql: None,
                    _dir: dir,
                };
            }
            "postgres" => (
                std::env::var("TK_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
                format!("CREATE DATABASE {name}"),
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ),
            _ => (
                std::env::var("TK_TEST_MYSQL_URL")
                    .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
                format!("CREATE DATABASE {name}"),
                format!("DROP DATABASE IF EXISTS {name}"),
            ),
        };
        let mut conn =
            trapperkeeper_db::connection::establish(&DatabaseUrl::parse(&admin).unwrap()).unwrap();
        conn.batch_execute(&drop).unwrap();
        conn.batch_execute(&create).unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&format!("/{name}"));
        Self {
            url: url.to_string(),
            drop_sql: Some((admin, drop)),
            _dir: dir,
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Some((admin, sql)) = &self.drop_sql {
            if let Ok(mut c) =
                trapperkeeper_db::connection::establish(&DatabaseUrl::parse(admin).unwrap())
            {
                let _ = c.batch_execute(sql);
            }
        }
    }
}
