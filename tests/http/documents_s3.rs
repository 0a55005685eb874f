//! Document storage on local files and on an S3-compatible store (moto's server, when it is
//! installed): the same upload, version, download (ETag, 304, Range) and purge checks on
//! both, over both databases.

use coalition_tests::s3::MotoServer;
use coalition_tests::{Backend, TestApp, backends};
use serde_json::json;

use crate::documents::{
    ADD_VERSION, UPLOAD, download, input, pdf, stored_files, upload, with_member,
};

/// Where the files of a test's server go.
enum Storage {
    Local,
    S3(MotoServer),
}

impl Storage {
    fn name(&self) -> &'static str {
        match self {
            Storage::Local => "local",
            Storage::S3(_) => "s3",
        }
    }

    /// Local files always; a moto server with a bucket of the test's own when installed.
    async fn all(test: &str, backend: Backend) -> Vec<Storage> {
        let mut storages = vec![Storage::Local];
        let bucket = format!("{test}-{backend}-{}", uuid::Uuid::new_v4().simple());
        if let Some(server) = MotoServer::start(&bucket).await {
            storages.push(Storage::S3(server));
        }
        storages
    }

    async fn spawn(&self, backend: Backend) -> TestApp {
        match self {
            Storage::Local => TestApp::spawn(backend).await,
            Storage::S3(server) => {
                TestApp::spawn_with(backend, |settings| server.configure(settings, "files")).await
            }
        }
    }

    /// The stored objects (files), and multipart uploads left unfinished.
    async fn objects(&self, app: &TestApp) -> (usize, usize) {
        match self {
            Storage::Local => (stored_files(app).len(), 0),
            Storage::S3(server) => (
                server.keys().await.len(),
                server.unfinished_uploads().await.len(),
            ),
        }
    }
}

/// Bytes above the 5 MiB part size: they go to S3 in a multipart upload.
fn large_text() -> Vec<u8> {
    let line = b"Open educational resources, openly licensed, in every language.\n";
    line.iter()
        .copied()
        .cycle()
        .take(5 * 1024 * 1024 + 300 * 1024)
        .collect()
}

#[tokio::test]
async fn files_round_trip_through_local_and_s3_storage() {
    const PURGE: &str = "mutation($id: ID!) { purgeDocument(documentId: $id) }";
    for backend in backends() {
        for storage in Storage::all("round-trip", backend).await {
            let label = format!("{backend}/{}", storage.name());
            let (app, _, group_id, member) = with_member(storage.spawn(backend).await).await;
            let (_, admin) =
                coalition_tests::accounts::administrator(&app, "Secretariat", "sec@example.org")
                    .await;
            let (status, body) = upload(
                &app,
                Some(&member),
                UPLOAD,
                json!({ "input": input(&group_id, "GROUP") }),
                "report.pdf",
                pdf(),
            )
            .await;
            assert_eq!(status, 200, "[{label}] {body}");
            let document = body["data"]["uploadDocument"].clone();
            let id = document["id"].as_str().unwrap().to_owned();
            let first = &document["edition"]["versions"][0];
            let sha256 = first["sha256"].as_str().unwrap().to_owned();
            let path = first["path"].as_str().unwrap().to_owned();

            let large = large_text();
            let (status, body) = upload(
                &app,
                Some(&member),
                ADD_VERSION,
                json!({ "id": id, "lang": "en", "note": "Long form" }),
                "report.txt",
                large.clone(),
            )
            .await;
            assert_eq!(status, 200, "[{label}] {body}");
            let versions = body["data"]["addDocumentVersion"]["editions"][0]["versions"].clone();
            assert_eq!(
                versions.as_array().map(Vec::len),
                Some(2),
                "[{label}] {body}"
            );
            let (_, body) = app
                .graphql_as(
                    &member,
                    "query($id: ID!) { node(id: $id) { ... on Document { editions { versions { path } } } } }",
                    json!({ "id": id }),
                )
                .await;
            let large_path = body["data"]["node"]["editions"][0]["versions"][1]["path"]
                .as_str()
                .unwrap_or_else(|| panic!("[{label}] {body}"))
                .to_owned();
            assert_eq!(storage.objects(&app).await, (2, 0), "[{label}]");

            // Whole, conditional and partial downloads.
            let response = download(&app, &path, Some(&member), &[]).await;
            assert_eq!(response.status(), 200, "[{label}]");
            assert_eq!(response.headers()["etag"], format!("\"{sha256}\"").as_str());
            assert_eq!(response.bytes().await.unwrap().to_vec(), pdf(), "[{label}]");
            let etag = format!("\"{sha256}\"");
            let response = download(&app, &path, Some(&member), &[("if-none-match", &etag)]).await;
            assert_eq!(response.status(), 304, "[{label}]");
            let response = download(&app, &path, Some(&member), &[("range", "bytes=0-3")]).await;
            assert_eq!(response.status(), 206, "[{label}]");
            assert_eq!(response.bytes().await.unwrap().as_ref(), b"%PDF");

            let response = download(&app, &large_path, Some(&member), &[]).await;
            assert_eq!(response.status(), 200, "[{label}]");
            let bytes = response.bytes().await.unwrap();
            assert_eq!(bytes.len(), large.len(), "[{label}]");
            assert!(
                bytes.as_ref() == large.as_slice(),
                "[{label}] the bytes come back whole"
            );
            let tail = format!("bytes={}-", large.len() - 10);
            let response = download(&app, &large_path, Some(&member), &[("range", &tail)]).await;
            assert_eq!(response.status(), 206, "[{label}]");
            assert_eq!(
                response.bytes().await.unwrap().as_ref(),
                &large[large.len() - 10..],
                "[{label}]"
            );

            // A second document with the first's bytes keeps them through a purge.
            let (_, body) = upload(
                &app,
                Some(&member),
                UPLOAD,
                json!({ "input": input(&group_id, "GROUP") }),
                "copy.pdf",
                pdf(),
            )
            .await;
            let copy = body["data"]["uploadDocument"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            assert_eq!(storage.objects(&app).await, (2, 0), "[{label}] kept once");
            let (_, body) = app.graphql_as(&admin, PURGE, json!({ "id": id })).await;
            assert_eq!(body["data"]["purgeDocument"], 1, "[{label}] {body}");
            assert_eq!(storage.objects(&app).await, (1, 0), "[{label}]");
            let response = download(&app, &path, Some(&member), &[]).await;
            assert_eq!(response.status(), 404, "[{label}] the version went");
            let (_, body) = app.graphql_as(&admin, PURGE, json!({ "id": copy })).await;
            assert_eq!(body["data"]["purgeDocument"], 1, "[{label}] {body}");
            assert_eq!(storage.objects(&app).await, (0, 0), "[{label}]");
            app.finish().await;
        }
    }
}

#[tokio::test]
async fn a_failed_s3_upload_leaves_no_row_and_no_object() {
    for backend in backends() {
        let bucket = format!("failed-{backend}-{}", uuid::Uuid::new_v4().simple());
        let Some(server) = MotoServer::start(&bucket).await else {
            return;
        };
        // The bucket's address is wrong: storing fails, and nothing is recorded.
        let app = TestApp::spawn_with(backend, |settings| {
            server.configure(settings, "files");
            settings.storage.url = format!("s3://{bucket}-missing");
        })
        .await;
        let (app, _, group_id, member) = with_member(app).await;
        let (status, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": input(&group_id, "GROUP") }),
            "report.pdf",
            pdf(),
        )
        .await;
        assert!(status < 500, "[{backend}] {status} {body}");
        assert_eq!(
            coalition_tests::error_code(&body),
            "INTERNAL",
            "[{backend}] {body}"
        );
        assert!(
            !body.to_string().contains("missing"),
            "[{backend}] no internals leak: {body}"
        );
        let (_, body) = app
            .graphql_as(
                &member,
                "query($id: ID!) { node(id: $id) { ... on WorkingGroup { documents(first: 5) { edges { node { id } } } } } }",
                json!({ "id": group_id }),
            )
            .await;
        assert_eq!(
            body["data"]["node"]["documents"]["edges"],
            json!([]),
            "[{backend}] {body}"
        );
        assert!(server.keys().await.is_empty(), "[{backend}]");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_version_uploaded_while_its_bytes_are_purged_keeps_them() {
    const PURGE: &str = "mutation($id: ID!) { purgeDocument(documentId: $id) }";
    for backend in backends() {
        for storage in Storage::all("purge-race", backend).await {
            let label = format!("{backend}/{}", storage.name());
            let (app, _, group_id, member) = with_member(storage.spawn(backend).await).await;
            let (_, admin) =
                coalition_tests::accounts::administrator(&app, "Secretariat", "sec@example.org")
                    .await;
            for round in 0..4 {
                let bytes = format!("Round {round} of the purge race.\n").into_bytes();
                let (_, body) = upload(
                    &app,
                    Some(&member),
                    UPLOAD,
                    json!({ "input": input(&group_id, "GROUP") }),
                    "first.txt",
                    bytes.clone(),
                )
                .await;
                let first = body["data"]["uploadDocument"]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("[{label}] {body}"))
                    .to_owned();
                // The purge of the only user of the bytes races an upload of the same bytes.
                let purge = app.graphql_as(&admin, PURGE, json!({ "id": first }));
                let second = upload(
                    &app,
                    Some(&member),
                    UPLOAD,
                    json!({ "input": input(&group_id, "GROUP") }),
                    "second.txt",
                    bytes.clone(),
                );
                let ((_, purged), (_, uploaded)) = tokio::join!(purge, second);
                assert!(purged["errors"].is_null(), "[{label}] {purged}");
                let path = uploaded["data"]["uploadDocument"]["edition"]["versions"][0]["path"]
                    .as_str()
                    .unwrap_or_else(|| panic!("[{label}] {uploaded}"))
                    .to_owned();
                let response = download(&app, &path, Some(&member), &[]).await;
                assert_eq!(response.status(), 200, "[{label}] round {round}");
                assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
            }
            app.finish().await;
        }
    }
}
