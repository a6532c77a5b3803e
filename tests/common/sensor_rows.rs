//! Many sensor rows at once, by one `INSERT … SELECT` over a recursive sequence, for the
//! keyset-page test (`tests/indexes.rs`) and benchmark (`benches/pages.rs`). Row `n` has the id
//! [`id_of`]`(n)`; every 11th row belongs to `other`, the rest to `tenant`; every 10th is
//! soft-deleted. Then the servers' statistics (they gather them by themselves, autovacuum and
//! InnoDB; SQLite only when told, which a deployment rarely does — its planner is judged
//! without them).

use diesel::connection::SimpleConnection;
use trapperkeeper_db::types::{SensorId, TenantId};
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::AnyConnection;

/// Rows `from..=to` of the sequence.
pub fn seed(c: &mut AnyConnection, tenant: TenantId, other: TenantId, from: u32, to: u32) {
    let backend = c.backend();
    let (id, now, prelude) = match backend {
        Backend::Sqlite => ("printf('00000000-0000-7000-8000-%012d', n)", "0", ""),
        Backend::Postgres => (
            "'00000000-0000-7000-8000-' || lpad(n::text, 12, '0')",
            "now()",
            "",
        ),
        Backend::Mysql => (
            "CONCAT('00000000-0000-7000-8000-', LPAD(n, 12, '0'))",
            "UTC_TIMESTAMP(6)",
            "SET SESSION max_recursive_iterations = 10000000;",
        ),
    };
    c.batch_execute(&format!(
        "{prelude}
         INSERT INTO sensors (sensor_id, tenant_id, name, description, metadata, last_seen_at, created_at, modified_at, deleted_at)
         WITH RECURSIVE g(n) AS (SELECT {from} UNION ALL SELECT n + 1 FROM g WHERE n < {to})
         SELECT {id}, CASE WHEN n % 11 = 0 THEN '{other}' ELSE '{tenant}' END, 'sensor', NULL, '{{}}', NULL,
                {now}, {now}, CASE WHEN n % 10 = 0 THEN {now} ELSE NULL END
         FROM g;"
    ))
    .unwrap();
    match backend {
        Backend::Sqlite => {}
        Backend::Postgres => c.batch_execute("ANALYZE sensors").unwrap(),
        Backend::Mysql => c.batch_execute("ANALYZE TABLE sensors").unwrap(),
    }
}

/// The id of row `n` of the sequence.
#[allow(dead_code)] // used by the benchmark only
pub fn id_of(n: u32) -> SensorId {
    SensorId::parse(&format!("00000000-0000-7000-8000-{n:012}")).unwrap()
}
