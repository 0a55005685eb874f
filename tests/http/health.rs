//! Liveness and readiness probes.

use coalition_tests::{Backend, TestApp, backends};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn healthz_and_readyz_answer_when_the_database_does() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let response = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "[{backend}]");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");

        let response = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "[{backend}]");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["checks"]["database"], "ok", "[{backend}]");
        app.finish().await;
    }
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    if !backends().contains(&Backend::Postgres) {
        // Only a server database can vanish under a running process; SQLite keeps its
        // open file. Without TEST_DATABASE_URL there is nothing to check here.
        return;
    }
    let app = TestApp::spawn(Backend::Postgres).await;
    let database_name = app
        .store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT current_database() AS name",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "name")
        .unwrap();
    let admin = sea_orm::Database::connect(std::env::var("TEST_DATABASE_URL").unwrap())
        .await
        .unwrap();
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!("DROP DATABASE {database_name} WITH (FORCE)"))
        .await
        .unwrap();
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], "unavailable");
    // Liveness does not depend on the database.
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let _ = admin.close().await;
    app.finish().await;
}
