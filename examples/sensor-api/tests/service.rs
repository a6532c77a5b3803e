//! The example service on SQLite, PostgreSQL and MySQL: it opens a fresh database (migrations
//! applied at start-up) and serves its paths through its own named queries.

#[allow(unused_macros)]
#[path = "../../../tests/common/mod.rs"]
mod common;

use common::TestDb;
use tk_sensor_api_example::Service;
use trapperkeeper_db::repository::tenants::{self, NewTenant};

backend_tests!(serves_its_paths_through_its_own_queries);

fn serves_its_paths_through_its_own_queries(db: &TestDb) {
    common::runtime().block_on(async {
        // A fresh database: start-up applies the migrations.
        let service = Service::start(&db.config()).await.unwrap();
        let tenant = |name: &str| {
            let name = name.to_string();
            service
                .database()
                .run(move |c| tenants::create(c, NewTenant { name }))
        };
        let t = tenant("t").await.unwrap().tenant_id;
        let other = tenant("other").await.unwrap().tenant_id;

        let made = service
            .handle("POST", &format!("/tenants/{t}/sensors/alpha"))
            .await;
        assert_eq!(made.status, 201, "{made:?}");
        let id = made.body.trim().to_string();
        let second = service
            .handle("POST", &format!("/tenants/{t}/sensors/beta"))
            .await;
        assert_eq!(second.status, 201, "{second:?}");
        let listed = service
            .handle("GET", &format!("/tenants/{t}/sensors"))
            .await;
        assert_eq!(listed.status, 200);
        let lines: Vec<&str> = listed.body.lines().collect();
        assert_eq!(lines.len(), 2, "{listed:?}");
        // UUIDv7 ids sort by creation: alpha first.
        assert_eq!(lines[0], format!("{id} alpha"));
        assert!(lines[1].ends_with(" beta"), "{listed:?}");
        // Tenant scope: the other tenant sees none of them.
        let theirs = service
            .handle("GET", &format!("/tenants/{other}/sensors"))
            .await;
        assert_eq!((theirs.status, theirs.body.as_str()), (200, ""));

        // Wrong input gets a clear answer and changes nothing.
        let unknown = trapperkeeper_db::types::TenantId::new();
        let answer = service
            .handle("POST", &format!("/tenants/{unknown}/sensors/x"))
            .await;
        assert_eq!(answer.status, 404, "{answer:?}");
        let answer = service.handle("GET", "/tenants/not-a-uuid/sensors").await;
        assert_eq!(answer.status, 400, "{answer:?}");
        let long = "n".repeat(129);
        let answer = service
            .handle("POST", &format!("/tenants/{t}/sensors/{long}"))
            .await;
        assert_eq!(answer.status, 400, "{answer:?}");
        assert!(answer.body.contains("name"), "{answer:?}");
        assert_eq!(
            service
                .handle("DELETE", &format!("/tenants/{t}/sensors"))
                .await
                .status,
            405
        );
        assert_eq!(service.handle("GET", "/nope").await.status, 404);
        let listed = service
            .handle("GET", &format!("/tenants/{t}/sensors"))
            .await;
        assert_eq!(listed.body.lines().count(), 2);

        // Names arrive percent-encoded in the path.
        let made = service
            .handle("POST", &format!("/tenants/{t}/sensors/caf%C3%A9%202"))
            .await;
        assert_eq!(made.status, 201, "{made:?}");
        let answer = service
            .handle("POST", &format!("/tenants/{t}/sensors/bad%ZZ"))
            .await;
        assert_eq!(answer.status, 400, "{answer:?}");
        let listed = service
            .handle("GET", &format!("/tenants/{t}/sensors"))
            .await;
        assert_eq!(listed.body.lines().count(), 3);
        assert!(listed.body.contains(" café 2\n"), "{listed:?}");
    });
}

#[test]
fn path_segments_are_percent_decoded() {
    use tk_sensor_api_example::percent_decoded;
    assert_eq!(percent_decoded("plain").as_deref(), Some("plain"));
    assert_eq!(percent_decoded("%E2%9C%93").as_deref(), Some("✓"));
    assert_eq!(percent_decoded("a%2Fb").as_deref(), Some("a/b"));
    assert_eq!(percent_decoded("%ZZ"), None);
    assert_eq!(percent_decoded("%4"), None);
    assert_eq!(percent_decoded("%FF"), None, "not UTF-8");
}
