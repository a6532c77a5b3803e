//! Keyset pages read their rows in index order on every backend: the plan of a page has no
//! sort of the tenant's rows (migration 0004). The engines judge: each backend's own EXPLAIN,
//! on a seeded table. What a page costs at 10,000 and 100,000 rows is measured by
//! `benches/pages.rs` (BENCHMARKS.md); on MySQL a page after an id names its index (MariaDB
//! would otherwise read the tenant from its first row), which the last part checks works.

mod common;
#[path = "common/sensor_rows.rs"]
mod sensor_rows;

use common::TestDb;
use diesel::prelude::*;
use diesel::sql_types::Text;
use trapperkeeper_db::repository::{sensors, tenants, Page};
use trapperkeeper_db::types::SensorId;
use trapperkeeper_db::url::Backend;
use trapperkeeper_db::AnyConnection;

const ROWS: u32 = 22_000;

#[derive(QueryableByName)]
struct PgLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

#[derive(QueryableByName)]
struct SqliteLine {
    #[diesel(sql_type = Text)]
    detail: String,
}

/// The plan of `sql`, one line per node (MySQL: the key and the Extra column of each row).
fn plan(c: &mut AnyConnection, backend: Backend, sql: &str) -> Vec<String> {
    match backend {
        Backend::Sqlite => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqliteLine>(c)
            .unwrap()
            .into_iter()
            .map(|l| l.detail)
            .collect(),
        Backend::Postgres => diesel::sql_query(format!("EXPLAIN {sql}"))
            .load::<PgLine>(c)
            .unwrap()
            .into_iter()
            .map(|l| l.line)
            .collect(),
        Backend::Mysql => {
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
                key: Option<String>,
                #[diesel(sql_type = diesel::sql_types::Nullable<Text>, column_name = "Extra")]
                extra: Option<String>,
            }
            diesel::sql_query(format!("EXPLAIN {sql}"))
                .load::<Row>(c)
                .unwrap()
                .into_iter()
                .map(|r| {
                    format!(
                        "key={} extra={}",
                        r.key.unwrap_or_default(),
                        r.extra.unwrap_or_default()
                    )
                })
                .collect()
        }
    }
}

backend_tests!(keyset_pages_read_in_index_order);

fn keyset_pages_read_in_index_order(db: &TestDb) {
    let mut c = common::migrated(db);
    let new = |name: &str| tenants::NewTenant { name: name.into() };
    let big = tenants::create(&mut c, new("big")).unwrap().tenant_id;
    let small = tenants::create(&mut c, new("small")).unwrap().tenant_id;
    sensor_rows::seed(&mut c, big, small, 1, ROWS);
    let after = "00000000-0000-7000-8000-000000010000";
    let mut used_live_index = false;
    for tenant in [big, small] {
        for filter in ["", &format!(" AND sensor_id > '{after}'")] {
            let sql = format!(
                "SELECT * FROM sensors WHERE tenant_id = '{tenant}' AND deleted_at IS NULL{filter} ORDER BY sensor_id LIMIT 50"
            );
            let plan = plan(&mut c, db.backend, &sql);
            let text = plan.join("\n");
            match db.backend {
                Backend::Sqlite => {
                    assert!(!text.contains("TEMP B-TREE"), "{sql}\n{text}");
                    assert!(text.contains("USING INDEX"), "{sql}\n{text}");
                }
                Backend::Postgres => {
                    assert!(!text.contains("Sort"), "{sql}\n{text}");
                    assert!(text.contains("Index Scan"), "{sql}\n{text}");
                    // (PostgreSQL may walk the primary key instead when the tenant's rows are
                    // dense there; that is no sort either.)
                    used_live_index |= text.contains("idx_sensors_live");
                }
                Backend::Mysql => {
                    assert!(!text.contains("filesort"), "{sql}\n{text}");
                    assert!(!text.contains("key= "), "an index is used: {sql}\n{text}");
                }
            }
        }
    }
    if db.backend == Backend::Postgres {
        assert!(
            used_live_index,
            "the small tenant's first page uses the live index"
        );
    }
    // And the repository's pages over that data: every live row of the small tenant, in id
    // order, none twice.
    let mut seen: Vec<SensorId> = Vec::new();
    let mut page = Page::first(50);
    loop {
        let rows = sensors::list(&mut c, small, page).unwrap();
        let Some(last) = rows.last() else { break };
        page.after = Some(last.sensor_id);
        seen.extend(rows.iter().map(|r| r.sensor_id));
    }
    let live_small = (1..=ROWS).filter(|n| n % 11 == 0 && n % 10 != 0).count();
    assert_eq!(seen.len(), live_small);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));

    // Pages after an id take MySQL's hinted path: every entity's, one row a page (the
    // configurations table has a helper column on MySQL that the model does not read).
    use trapperkeeper_db::repository::configurations::{self, NewConfiguration};
    let mut keys = Vec::new();
    for k in ["a", "b", "c"] {
        let new = NewConfiguration {
            config_key: k.into(),
            config_value: "1".into(),
        };
        keys.push(
            configurations::create(&mut c, small, new)
                .unwrap()
                .configuration_id,
        );
    }
    configurations::soft_delete(&mut c, small, keys[1]).unwrap();
    let mut page = Page::first(1);
    let mut listed = Vec::new();
    while let Some(row) = configurations::list(&mut c, small, page).unwrap().pop() {
        page.after = Some(row.configuration_id);
        listed.push(row.config_key);
    }
    assert_eq!(listed, ["a", "c"]);
}
