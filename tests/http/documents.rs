//! Shared documents over HTTP: multipart uploads, versions and editions, downloads (Range,
//! ETag, 304, signed links), refusal by visibility, and bad input.

use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_tests::accounts::{member_of, person_id, signed_up};
use coalition_tests::{TestApp, backends, error_code};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

pub(crate) const UPLOAD: &str = "mutation Upload($input: UploadDocumentInput!, $file: Upload!) {
    uploadDocument(input: $input, file: $file) {
        id kind licence visibility tags title
        edition { language title versions { id number fileName mediaType byteSize sha256 path downloadUrl } }
    }
}";

pub(crate) const ADD_VERSION: &str =
    "mutation Add($id: ID!, $lang: String!, $file: Upload!, $note: String) {
    addDocumentVersion(documentId: $id, language: $lang, file: $file, note: $note) {
        id
        editions { language title versions { id number note mediaType } }
    }
}";

const GROUP_DOCUMENTS: &str = "query($id: ID!) { node(id: $id) { ... on WorkingGroup {
    documents(first: 10) { edges { node { id title(lang: \"fr\") edition(lang: \"ru\") { language } } } }
} } }";

/// A small PDF: the magic number is what counts.
pub(crate) fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

pub(crate) fn input(group: &str, visibility: &str) -> Value {
    json!({
        "groupId": group,
        "language": "en",
        "title": "Open licensing in practice",
        "description": "How the coalition's members license their resources.",
        "kind": "REPORT",
        "tags": ["OER", "licensing"],
        "visibility": visibility,
    })
}

/// Sends a GraphQL multipart request with one file in `$file`; returns status and body.
pub(crate) async fn upload(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
    file_name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let map = json!({ "0": ["variables.file"] });
    multipart(
        app,
        token,
        json!({ "query": query, "variables": variables }),
        map,
        vec![("0", file_name, bytes)],
    )
    .await
}

async fn multipart(
    app: &TestApp,
    token: Option<&str>,
    operations: Value,
    map: Value,
    files: Vec<(&str, &str, Vec<u8>)>,
) -> (u16, Value) {
    // File names go as sent (reqwest would percent-encode them): the server cleans them.
    let mut form = Form::new()
        .percent_encode_noop()
        .text("operations", operations.to_string())
        .text("map", map.to_string());
    for (name, file_name, bytes) in files {
        form = form.part(
            name.to_owned(),
            Part::bytes(bytes).file_name(file_name.to_owned()),
        );
    }
    let mut request = app.client.post(app.url("/graphql")).multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `GET /files/…` with optional bearer token and headers.
pub(crate) async fn download(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        app.url(path)
    };
    let mut request = app.client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request reaches the server")
}

/// The app, the first group (store id and global ID) and a member's token.
pub(crate) async fn with_member(
    app: TestApp,
) -> (
    TestApp,
    coalition_domain::coalition::WorkingGroupId,
    String,
    String,
) {
    let (group, group_id) = app.group(0).await;
    let (_, member) = member_of(&app, group, "Amina Diallo", "amina@example.org").await;
    (app, group, group_id, member)
}

/// Every file kept under the test's storage folder.
pub(crate) fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(std::path::Path::new(&app.settings.storage.dir), &mut found);
    found
}

#[tokio::test]
async fn members_upload_version_and_download_documents() {
    for backend in backends() {
        let (app, group, group_id, member) = with_member(TestApp::spawn(backend).await).await;

        let (status, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": input(&group_id, "GROUP") }),
            "../../Report.pdf",
            pdf(),
        )
        .await;
        assert_eq!(status, 200, "[{backend}] {body}");
        let document = &body["data"]["uploadDocument"];
        assert_eq!(document["licence"], "CC_BY", "[{backend}] {body}");
        assert_eq!(document["tags"], json!(["oer", "licensing"]));
        let version = &document["edition"]["versions"][0];
        assert_eq!(
            version["fileName"], "Report.pdf",
            "[{backend}] paths are cut off"
        );
        assert_eq!(version["mediaType"], "application/pdf");
        assert_eq!(version["byteSize"].as_f64(), Some(pdf().len() as f64));
        let sha256 = version["sha256"].as_str().unwrap().to_owned();
        let path = version["path"].as_str().unwrap().to_owned();
        let signed = version["downloadUrl"].as_str().unwrap().to_owned();
        let id = document["id"].as_str().unwrap().to_owned();

        // A French edition, and a second English version.
        let (_, body) = upload(
            &app,
            Some(&member),
            ADD_VERSION,
            json!({ "id": id, "lang": "fr-CA", "note": "Traduction" }),
            "rapport.md",
            "# Rapport\n\nLicences ouvertes, été 2027.\n"
                .as_bytes()
                .to_vec(),
        )
        .await;
        let editions = &body["data"]["addDocumentVersion"]["editions"];
        assert_eq!(
            editions.as_array().map(Vec::len),
            Some(2),
            "[{backend}] {body}"
        );
        let (_, body) = upload(
            &app,
            Some(&member),
            ADD_VERSION,
            json!({ "id": id, "lang": "en" }),
            "report-v2.txt",
            b"Second edition, in plain text.\n".to_vec(),
        )
        .await;
        let english = body["data"]["addDocumentVersion"]["editions"]
            .as_array()
            .and_then(|editions| editions.iter().find(|e| e["language"] == "en"))
            .cloned()
            .unwrap_or_default();
        let numbers: Vec<i64> = english["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, [1, 2], "[{backend}] {body}");
        let french = body["data"]["addDocumentVersion"]["editions"]
            .as_array()
            .and_then(|editions| editions.iter().find(|e| e["language"] == "fr"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(french["versions"][0]["mediaType"], "text/markdown");
        assert_eq!(french["versions"][0]["note"], "Traduction");

        // The group's list: the nearest edition, English when the language has none.
        let (_, body) = app
            .graphql_as(&member, GROUP_DOCUMENTS, json!({ "id": group_id }))
            .await;
        let node = &body["data"]["node"]["documents"]["edges"][0]["node"];
        assert_eq!(node["edition"]["language"], "en", "[{backend}] {body}");
        assert_eq!(node["title"], "Open licensing in practice");

        // Downloads: whole, conditional, partial, unsatisfiable, through a signed link.
        let response = download(&app, &path, Some(&member), &[]).await;
        assert_eq!(response.status(), 200, "[{backend}]");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "application/pdf");
        assert_eq!(headers["etag"], format!("\"{sha256}\"").as_str());
        assert_eq!(headers["cache-control"], "private, max-age=3600");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''Report.pdf")
        );
        assert_eq!(response.bytes().await.unwrap().to_vec(), pdf());

        let etag = format!("\"{sha256}\"");
        let response = download(&app, &path, Some(&member), &[("if-none-match", &etag)]).await;
        assert_eq!(response.status(), 304, "[{backend}]");

        let response = download(&app, &path, Some(&member), &[("range", "bytes=0-3")]).await;
        assert_eq!(response.status(), 206, "[{backend}]");
        let total = pdf().len();
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes 0-3/{total}").as_str()
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), b"%PDF");

        let response = download(&app, &path, Some(&member), &[("range", "bytes=100000-")]).await;
        assert_eq!(response.status(), 416, "[{backend}]");

        // The link names the configured public URL; this server listens elsewhere.
        let public_url = app.settings.accounts.public_url.trim_end_matches('/');
        assert!(
            signed.starts_with(&format!("{public_url}/files/")),
            "{signed}"
        );
        let signed = signed.replacen(public_url, "", 1);
        let response = download(&app, &signed, None, &[]).await;
        assert_eq!(
            response.status(),
            200,
            "[{backend}] a signed link needs no token"
        );
        let tampered = signed.replace("signature=", "signature=00");
        assert_eq!(
            download(&app, &tampered, None, &[]).await.status(),
            404,
            "[{backend}]"
        );

        // Activity: the upload and both versions.
        let verbs: Vec<&str> = app
            .store
            .group_activity(group, 3)
            .await
            .unwrap()
            .into_iter()
            .map(|event| event.change.verb())
            .collect();
        assert_eq!(
            verbs,
            [
                "document.version_added",
                "document.version_added",
                "document.uploaded"
            ],
            "[{backend}]"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn documents_are_refused_by_visibility() {
    for backend in backends() {
        let (app, group, group_id, member) = with_member(TestApp::spawn(backend).await).await;
        let (_, outsider) = signed_up(&app, "Li Wei", "li@example.org").await;
        let (observer_id, observer) = signed_up(&app, "Olga Petrova", "olga@example.org").await;
        app.store
            .insert_membership(
                group,
                person_id(&observer_id),
                MembershipRole::Observer,
                MembershipStatus::Active,
            )
            .await
            .unwrap();

        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": input(&group_id, "GROUP") }),
            "r.pdf",
            pdf(),
        )
        .await;
        let document = &body["data"]["uploadDocument"];
        let id = document["id"].as_str().unwrap().to_owned();
        let path = document["edition"]["versions"][0]["path"]
            .as_str()
            .unwrap()
            .to_owned();

        // The group reads; everyone else finds nothing.
        assert_eq!(
            download(&app, &path, Some(&observer), &[]).await.status(),
            200,
            "[{backend}]"
        );
        assert_eq!(
            download(&app, &path, Some(&outsider), &[]).await.status(),
            404,
            "[{backend}]"
        );
        assert_eq!(
            download(&app, &path, None, &[]).await.status(),
            404,
            "[{backend}]"
        );
        assert_eq!(
            download(&app, "/files/999999", Some(&member), &[])
                .await
                .status(),
            404
        );
        let body = app
            .graphql(GROUP_DOCUMENTS, json!({ "id": group_id }))
            .await;
        assert_eq!(
            body["data"]["node"]["documents"]["edges"],
            json!([]),
            "[{backend}] {body}"
        );
        let (_, body) = app
            .graphql_as(
                &outsider,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");

        // Observers read but do not post; outsiders neither.
        let (_, body) = upload(
            &app,
            Some(&observer),
            ADD_VERSION,
            json!({ "id": id, "lang": "en" }),
            "r.pdf",
            pdf(),
        )
        .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let (_, body) = upload(
            &app,
            Some(&outsider),
            ADD_VERSION,
            json!({ "id": id, "lang": "en" }),
            "r.pdf",
            pdf(),
        )
        .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        let (_, body) = upload(
            &app,
            Some(&observer),
            UPLOAD,
            json!({ "input": input(&group_id, "PUBLIC") }),
            "r.pdf",
            pdf(),
        )
        .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let (_, body) = upload(
            &app,
            None,
            UPLOAD,
            json!({ "input": input(&group_id, "PUBLIC") }),
            "r.pdf",
            pdf(),
        )
        .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "[{backend}] {body}");

        // A public document is anyone's, and shared caches may keep it.
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": input(&group_id, "PUBLIC") }),
            "p.txt",
            b"public notes\n".to_vec(),
        )
        .await;
        let public = body["data"]["uploadDocument"]["edition"]["versions"][0]["path"]
            .as_str()
            .unwrap()
            .to_owned();
        let response = download(&app, &public, None, &[]).await;
        assert_eq!(response.status(), 200, "[{backend}]");
        assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
        assert_eq!(
            response.headers()["content-type"],
            "text/plain; charset=utf-8"
        );
        let body = app
            .graphql(GROUP_DOCUMENTS, json!({ "id": group_id }))
            .await;
        assert_eq!(
            body["data"]["node"]["documents"]["edges"]
                .as_array()
                .map(Vec::len),
            Some(1),
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing_behind() {
    for backend in backends() {
        let small = TestApp::spawn_with(backend, |settings| {
            settings.storage.max_upload_bytes = 4096;
        });
        let (app, _, group_id, member) = with_member(small.await).await;
        let variables = json!({ "input": input(&group_id, "GROUP") });

        let refused: Vec<(&str, &str, Vec<u8>)> = vec![
            ("empty", "empty.pdf", Vec::new()),
            (
                "an executable",
                "report.pdf",
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".repeat(8),
            ),
            (
                "a lying name",
                "report.pdf",
                vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37],
            ),
            (
                "a plain zip",
                "slides.pptx",
                b"PK\x03\x04\x14\x00\x00\x00\x08\x00plain.bin".to_vec(),
            ),
        ];
        for (what, name, bytes) in refused {
            let (status, body) =
                upload(&app, Some(&member), UPLOAD, variables.clone(), name, bytes).await;
            assert_eq!(
                (status, error_code(&body)),
                (200, "BAD_USER_INPUT"),
                "[{backend}] {what}: {body}"
            );
        }
        let mut unknown_language = variables.clone();
        unknown_language["input"]["language"] = json!("xx");
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            unknown_language,
            "r.pdf",
            pdf(),
        )
        .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");

        let (status, _) = upload(
            &app,
            Some(&member),
            UPLOAD,
            variables.clone(),
            "big.txt",
            vec![b'a'; 5000],
        )
        .await;
        assert_eq!(status, 413, "[{backend}] over storage.max_upload_bytes");

        // The map names a part that is not there, or a variable that is not an Upload.
        let operations = json!({ "query": UPLOAD, "variables": variables });
        let (status, body) = multipart(
            &app,
            Some(&member),
            operations.clone(),
            json!({ "1": ["variables.file"] }),
            vec![],
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "BAD_USER_INPUT"),
            "[{backend}] {body}"
        );
        let (status, body) = multipart(
            &app,
            Some(&member),
            operations.clone(),
            json!({ "0": ["variables.input"] }),
            vec![("0", "r.pdf", pdf())],
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "BAD_USER_INPUT"),
            "[{backend}] {body}"
        );
        let (status, _) = multipart(
            &app,
            Some(&member),
            operations,
            json!("not a map"),
            vec![("0", "r.pdf", pdf())],
        )
        .await;
        assert_eq!(status, 400, "[{backend}]");

        // Nothing was stored: no row, no bytes, no spooled file.
        let body = app
            .graphql_as(&member, GROUP_DOCUMENTS, json!({ "id": group_id }))
            .await
            .1;
        assert_eq!(
            body["data"]["node"]["documents"]["edges"],
            json!([]),
            "[{backend}] {body}"
        );
        assert_eq!(
            stored_files(&app),
            Vec::<std::path::PathBuf>::new(),
            "[{backend}]"
        );

        // Names lose their folders.
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            variables,
            "/home/amina/notes.txt",
            b"notes\n".to_vec(),
        )
        .await;
        assert_eq!(
            body["data"]["uploadDocument"]["edition"]["versions"][0]["fileName"], "notes.txt",
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_interrupted_upload_leaves_no_row_and_no_bytes() {
    for backend in backends() {
        let (app, _, group_id, member) = with_member(TestApp::spawn(backend).await).await;
        let operations =
            json!({ "query": UPLOAD, "variables": { "input": input(&group_id, "GROUP") } });
        let boundary = "coalition-test-boundary";
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.file\"]}}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"r.pdf\"\r\n\r\n"
        );
        let mut first = head.into_bytes();
        first.extend(pdf());
        first.extend(vec![b'x'; 64 * 1024]);
        // The client goes away in the middle of the file.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            vec![Ok(first), Err(std::io::Error::other("connection lost"))];
        let result = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&member)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                chunks,
            )))
            .send()
            .await;
        assert!(
            result
                .as_ref()
                .map(|response| response.status() != 200)
                .unwrap_or(true),
            "[{backend}] {result:?}"
        );
        let (_, body) = app
            .graphql_as(&member, GROUP_DOCUMENTS, json!({ "id": group_id }))
            .await;
        assert_eq!(
            body["data"]["node"]["documents"]["edges"],
            json!([]),
            "[{backend}] {body}"
        );
        assert_eq!(
            stored_files(&app),
            Vec::<std::path::PathBuf>::new(),
            "[{backend}]"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn documents_are_edited_archived_restored_and_purged() {
    const UPDATE: &str = "mutation($id: ID!, $input: UpdateDocumentInput!) {
        updateDocument(documentId: $id, input: $input) { title(lang: \"en\") tags licence visibility }
    }";
    const ARCHIVE: &str = "mutation($id: ID!) { archiveDocument(documentId: $id) { archived } }";
    const RESTORE: &str = "mutation($id: ID!) { restoreDocument(documentId: $id) { archived } }";
    const PURGE: &str = "mutation($id: ID!) { purgeDocument(documentId: $id) }";
    for backend in backends() {
        let (app, group, group_id, member) = with_member(TestApp::spawn(backend).await).await;
        let (_, admin) =
            coalition_tests::accounts::administrator(&app, "Secretariat", "sec@example.org").await;
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": input(&group_id, "GROUP") }),
            "r.pdf",
            pdf(),
        )
        .await;
        let first = body["data"]["uploadDocument"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // A second document with the same bytes: purging the first keeps them.
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": input(&group_id, "GROUP") }),
            "copy.pdf",
            pdf(),
        )
        .await;
        let second = body["data"]["uploadDocument"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            stored_files(&app).len(),
            1,
            "[{backend}] stored once by content"
        );

        let (_, body) = app
            .graphql_as(&member, UPDATE, json!({ "id": first, "input": { "language": "en", "title": "Open licensing, revised", "tags": ["Policy"], "licence": "CC_BY_SA", "visibility": "PUBLIC" } }))
            .await;
        let updated = &body["data"]["updateDocument"];
        assert_eq!(
            updated["title"], "Open licensing, revised",
            "[{backend}] {body}"
        );
        assert_eq!(
            (
                updated["tags"].clone(),
                updated["licence"].clone(),
                updated["visibility"].clone()
            ),
            (json!(["policy"]), json!("CC_BY_SA"), json!("PUBLIC"))
        );
        let (_, body) = app
            .graphql_as(
                &member,
                UPDATE,
                json!({ "id": first, "input": { "language": "ar", "title": "x" } }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "NOT_FOUND",
            "[{backend}] no Arabic edition: {body}"
        );

        let (_, body) = app
            .graphql_as(&member, ARCHIVE, json!({ "id": first }))
            .await;
        assert_eq!(
            body["data"]["archiveDocument"]["archived"], true,
            "[{backend}] {body}"
        );
        let body = app
            .graphql_as(&member, GROUP_DOCUMENTS, json!({ "id": group_id }))
            .await
            .1;
        assert_eq!(
            body["data"]["node"]["documents"]["edges"]
                .as_array()
                .map(Vec::len),
            Some(1),
            "[{backend}] {body}"
        );
        let (_, body) = app
            .graphql_as(&member, RESTORE, json!({ "id": first }))
            .await;
        assert_eq!(
            body["data"]["restoreDocument"]["archived"], false,
            "[{backend}] {body}"
        );

        // Members cannot delete; administrators purge, and bytes go with the last user.
        let (_, body) = app.graphql_as(&member, PURGE, json!({ "id": first })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let (_, body) = app.graphql_as(&admin, PURGE, json!({ "id": first })).await;
        assert_eq!(
            body["data"]["purgeDocument"], 0,
            "[{backend}] still used: {body}"
        );
        assert_eq!(stored_files(&app).len(), 1, "[{backend}]");
        let (_, body) = app.graphql_as(&admin, PURGE, json!({ "id": second })).await;
        assert_eq!(body["data"]["purgeDocument"], 1, "[{backend}] {body}");
        assert_eq!(
            stored_files(&app),
            Vec::<std::path::PathBuf>::new(),
            "[{backend}]"
        );
        let (_, body) = app
            .graphql_as(
                &admin,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": first }),
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        let verbs: Vec<&str> = app
            .store
            .group_activity(group, 5)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.change.verb())
            .collect();
        assert_eq!(
            verbs,
            [
                "document.purged",
                "document.purged",
                "document.restored",
                "document.archived",
                "document.updated"
            ],
            "[{backend}]"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn search_finds_visible_documents_with_snippets() {
    const SEARCH: &str = "query($q: String!, $group: ID, $lang: String, $kind: DocumentKind) {
        searchDocuments(query: $q, groupId: $group, language: $lang, kind: $kind) {
            edges { node { language snippet document { id } } }
        }
    }";
    for backend in backends() {
        let (app, _, group_id, member) = with_member(TestApp::spawn(backend).await).await;
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": input(&group_id, "GROUP") }),
            "r.pdf",
            pdf(),
        )
        .await;
        let private = body["data"]["uploadDocument"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let french = json!({
            "groupId": group_id, "language": "fr", "title": "Ressources éducatives libres",
            "description": "Un guide <pratique> des licences.", "kind": "POLICY_BRIEF",
            "tags": ["OER"], "visibility": "PUBLIC",
        });
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": french }),
            "guide.txt",
            b"guide\n".to_vec(),
        )
        .await;
        let public = body["data"]["uploadDocument"]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let hits = |body: &Value| -> Vec<(String, String)> {
            body["data"]["searchDocuments"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|edge| {
                    let node = &edge["node"];
                    (
                        node["document"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        node["snippet"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        };
        // Anonymous visitors find the public document only.
        let body = app.graphql(SEARCH, json!({ "q": "licensing" })).await;
        assert_eq!(hits(&body), vec![], "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&member, SEARCH, json!({ "q": "Licensing" }))
            .await;
        let found = hits(&body);
        assert_eq!(found.len(), 1, "[{backend}] {body}");
        assert_eq!(found[0].0, private);
        assert!(
            found[0].1.contains("<mark>licensing</mark>"),
            "[{backend}] {}",
            found[0].1
        );

        let body = app.graphql(SEARCH, json!({ "q": "éducatives" })).await;
        let found = hits(&body);
        assert_eq!(
            found.iter().map(|hit| hit.0.clone()).collect::<Vec<_>>(),
            vec![public.clone()],
            "[{backend}] {body}"
        );
        assert!(
            found[0].1.contains("&lt;pratique&gt;")
                || !found[0].1.contains('<')
                || found[0].1.contains("<mark>"),
            "[{backend}] escaped: {}",
            found[0].1
        );

        // Tags, and the filters.
        let (_, body) = app.graphql_as(&member, SEARCH, json!({ "q": "oer" })).await;
        assert_eq!(hits(&body).len(), 2, "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&member, SEARCH, json!({ "q": "oer", "lang": "fr" }))
            .await;
        assert_eq!(
            hits(&body)
                .iter()
                .map(|hit| hit.0.clone())
                .collect::<Vec<_>>(),
            vec![public.clone()],
            "[{backend}] {body}"
        );
        let (_, body) = app
            .graphql_as(
                &member,
                SEARCH,
                json!({ "q": "oer", "kind": "REPORT", "group": group_id }),
            )
            .await;
        assert_eq!(
            hits(&body)
                .iter()
                .map(|hit| hit.0.clone())
                .collect::<Vec<_>>(),
            vec![private.clone()],
            "[{backend}] {body}"
        );
        let (_, body) = app
            .graphql_as(&member, SEARCH, json!({ "q": " ;; " }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");

        // Archived documents drop out; an edit is found at once.
        let (_, body) = app
            .graphql_as(
                &member,
                "mutation($id: ID!) { archiveDocument(documentId: $id) { archived } }",
                json!({ "id": private }),
            )
            .await;
        assert_eq!(
            body["data"]["archiveDocument"]["archived"], true,
            "[{backend}] {body}"
        );
        let (_, body) = app.graphql_as(&member, SEARCH, json!({ "q": "oer" })).await;
        assert_eq!(hits(&body).len(), 1, "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&member, "mutation($id: ID!, $input: UpdateDocumentInput!) { updateDocument(documentId: $id, input: $input) { id } }", json!({ "id": public, "input": { "language": "fr", "title": "Manuel de gouvernance" } }))
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let body = app.graphql(SEARCH, json!({ "q": "gouvernance" })).await;
        assert_eq!(hits(&body).len(), 1, "[{backend}] {body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn coalition_documents_are_for_administrators_to_upload() {
    const COALITION_DOCUMENTS: &str = "{ coalition { documents { edges { node { id kind } } } } }";
    for backend in backends() {
        let (app, _, _, member) = with_member(TestApp::spawn(backend).await).await;
        let (_, admin) =
            coalition_tests::accounts::administrator(&app, "Secretariat", "sec@example.org").await;
        let mut coalition_input = input("", "COALITION");
        coalition_input
            .as_object_mut()
            .map(|fields| fields.remove("groupId"));
        coalition_input["kind"] = json!("MINUTES");
        let variables = json!({ "input": coalition_input });
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            variables.clone(),
            "m.txt",
            b"minutes\n".to_vec(),
        )
        .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let (_, body) = upload(
            &app,
            Some(&admin),
            UPLOAD,
            variables,
            "m.txt",
            b"minutes\n".to_vec(),
        )
        .await;
        let id = body["data"]["uploadDocument"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(!id.is_empty(), "[{backend}] {body}");

        let (_, body) = app
            .graphql_as(&member, COALITION_DOCUMENTS, json!({}))
            .await;
        assert_eq!(
            body["data"]["coalition"]["documents"]["edges"][0]["node"]["id"],
            id.as_str(),
            "[{backend}] {body}"
        );
        let body = app.graphql(COALITION_DOCUMENTS, json!({})).await;
        assert_eq!(
            body["data"]["coalition"]["documents"]["edges"],
            json!([]),
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}

/// Who got a queued mail of `kind` (`document`), and how it is held.
async fn document_mails(app: &TestApp) -> Vec<(String, String, String)> {
    app.store
        .outbox_messages(None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|message| message.kind.template() == "document")
        .map(|message| {
            let subject = message
                .mail
                .as_ref()
                .map(|mail| mail.subject(message.language))
                .unwrap_or_default();
            (message.to, message.status.as_str().to_owned(), subject)
        })
        .collect()
}

#[tokio::test]
async fn document_changes_are_mailed_to_those_who_may_read_them_by_preference() {
    const ARCHIVE: &str = "mutation($id: ID!) { archiveDocument(documentId: $id) { archived } }";
    const RESTORE: &str = "mutation($id: ID!) { restoreDocument(documentId: $id) { archived } }";
    const DIGEST: &str = "mutation { updateNotificationPreferences(preferences: [{ category: DOCUMENTS, mode: DAILY_DIGEST }]) { mode } }";
    const OFF: &str = "mutation { updateNotificationPreferences(preferences: [{ category: DOCUMENTS, mode: OFF }]) { mode } }";
    for backend in backends() {
        let (app, group, group_id, member) = with_member(TestApp::spawn(backend).await).await;
        let (other_group, _) = app.group(1).await;
        let (_, _) = member_of(&app, group, "Bo Chen", "bo@example.cn").await;
        let (_, claire) = member_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, dan) = member_of(&app, group, "Dan Okoye", "dan@example.ng").await;
        let (eve_id, _) = member_of(&app, group, "Eve Adams", "eve@example.org").await;
        member_of(&app, other_group, "Femi Bello", "femi@example.ng").await;
        let (_, body) = app.graphql_as(&claire, DIGEST, json!({})).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let (_, body) = app.graphql_as(&dan, OFF, json!({})).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        // A disabled account may read nothing: it is not told of anything.
        app.store
            .change_account(
                None,
                person_id(&eve_id),
                coalition_store::AccountChange::Disable,
            )
            .await
            .unwrap();

        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": input(&group_id, "GROUP") }),
            "report.pdf",
            pdf(),
        )
        .await;
        let id = body["data"]["uploadDocument"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .to_owned();
        let mut mails = document_mails(&app).await;
        mails.sort();
        let expected = |subject: &str| {
            vec![
                (
                    "bo@example.cn".to_owned(),
                    "pending".to_owned(),
                    subject.to_owned(),
                ),
                (
                    "claire@example.fr".to_owned(),
                    "digest".to_owned(),
                    subject.to_owned(),
                ),
            ]
        };
        // Not the uploader, not Dan (off), not Eve (disabled), not Femi (another group).
        let mut pending_or_sent = mails.clone();
        for mail in &mut pending_or_sent {
            if mail.1 == "sent" || mail.1 == "sending" {
                mail.1 = "pending".to_owned();
            }
        }
        assert_eq!(
            pending_or_sent,
            expected("New document: Open licensing in practice"),
            "[{backend}]"
        );
        let text = app.mail_to("bo@example.cn", "New document").await;
        let text = coalition_tests::mail::body(&text);
        assert!(
            text.contains("Amina Diallo shared a new document") && text.contains("report.pdf"),
            "[{backend}] {text}"
        );

        let (_, body) = upload(
            &app,
            Some(&member),
            ADD_VERSION,
            json!({ "id": id, "lang": "fr", "note": "Traduction" }),
            "rapport.pdf",
            pdf(),
        )
        .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let text = app.mail_to("bo@example.cn", "New version").await;
        let text = coalition_tests::mail::body(&text);
        assert!(
            text.contains("rapport.pdf (fr edition)") && text.contains("Traduction"),
            "[{backend}] {text}"
        );

        let (_, body) = app.graphql_as(&member, ARCHIVE, json!({ "id": id })).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        app.mail_to("bo@example.cn", "Document archived").await;
        // Restoring is not announced.
        let (_, body) = app.graphql_as(&member, RESTORE, json!({ "id": id })).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let mails = document_mails(&app).await;
        let addressees: std::collections::BTreeSet<&str> =
            mails.iter().map(|(to, _, _)| to.as_str()).collect();
        assert_eq!(
            addressees.into_iter().collect::<Vec<_>>(),
            ["bo@example.cn", "claire@example.fr"],
            "[{backend}]"
        );
        assert_eq!(
            mails.len(),
            6,
            "[{backend}] three changes, two readers: {mails:?}"
        );
        let held: Vec<&str> = mails
            .iter()
            .filter(|(to, _, _)| to == "claire@example.fr")
            .map(|(_, status, _)| status.as_str())
            .collect();
        assert_eq!(
            held, ["digest"; 3],
            "[{backend}] Claire's wait for her digest"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_slow_upload_outlives_the_request_timeout() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |settings| {
            settings.server.request_timeout_secs = 1;
        })
        .await;
        let (app, _, group_id, member) = with_member(app).await;
        let operations =
            json!({ "query": UPLOAD, "variables": { "input": input(&group_id, "GROUP") } });
        let boundary = "coalition-slow-boundary";
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\":[\"variables.file\"]}}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"r.pdf\"\r\n\r\n"
        );
        let mut parts: Vec<Vec<u8>> = vec![head.into_bytes(), pdf()];
        parts.extend((0..6).map(|_| vec![b' '; 1024]));
        parts.push(format!("\r\n--{boundary}--\r\n").into_bytes());
        // The file arrives over about two seconds: twice the request timeout.
        let stream = futures_util::stream::unfold(parts.into_iter(), |mut parts| async move {
            let part = parts.next()?;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            Some((Ok::<_, std::io::Error>(part), parts))
        });
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&member)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "[{backend}]");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["data"]["uploadDocument"]["id"].is_string(),
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn postgres_search_stems_each_language_through_its_index() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    const SEARCH: &str = "query($q: String!, $lang: String) {
        searchDocuments(query: $q, language: $lang) { edges { node { language snippet document { id } } } }
    }";
    if !backends().contains(&coalition_tests::Backend::Postgres) {
        return; // PostgreSQL only: SQLite's FTS5 does not stem.
    }
    let (app, _, group_id, member) =
        with_member(TestApp::spawn(coalition_tests::Backend::Postgres).await).await;
    let editions = [
        (
            "fr",
            "Les licences ouvertes",
            "Partager des ressources éducatives.",
        ),
        (
            "es",
            "Recursos educativos abiertos",
            "Licencias abiertas para compartir.",
        ),
        (
            "ru",
            "Открытые образовательные ресурсы",
            "Открытые лицензии.",
        ),
        ("zh", "开放教育资源", "开放 许可"),
    ];
    let mut ids = Vec::new();
    for (language, title, description) in editions {
        let fields = json!({
            "groupId": group_id, "language": language, "title": title,
            "description": description, "kind": "REPORT", "tags": ["OER"],
            "visibility": "GROUP",
        });
        let (_, body) = upload(
            &app,
            Some(&member),
            UPLOAD,
            json!({ "input": fields }),
            "r.pdf",
            pdf(),
        )
        .await;
        ids.push(
            body["data"]["uploadDocument"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
    }
    // Each word in another form than stored: the language's stemmer joins them.
    for (query, language, expected) in [
        ("licence", "fr", &ids[0]),
        ("recurso abierto", "es", &ids[1]),
        ("ресурс", "ru", &ids[2]),
        ("开放", "zh", &ids[3]),
    ] {
        let (_, body) = app
            .graphql_as(&member, SEARCH, json!({ "q": query, "lang": language }))
            .await;
        let edges = body["data"]["searchDocuments"]["edges"].clone();
        assert_eq!(
            edges.as_array().map(Vec::len),
            Some(1),
            "{query} ({language}): {body}"
        );
        assert_eq!(edges[0]["node"]["document"]["id"], expected.as_str());
        assert!(
            edges[0]["node"]["snippet"]
                .as_str()
                .is_some_and(|snippet| snippet.contains("<mark>")),
            "{query}: {body}"
        );
    }
    // The vectors are indexed: with sequential scans discouraged, the planner uses it.
    let db = app.store.connection();
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    let plan = txn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "EXPLAIN SELECT document_id FROM document_edition \
             WHERE search_vector @@ plainto_tsquery('french'::regconfig, 'licence')",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(plan.contains("document_edition_search"), "{plan}");
    txn.rollback().await.unwrap();
    app.finish().await;
}
