//! An S3-compatible server of the test's own: moto's server mode (`pip install
//! 'moto[server]'`) on a free loopback port, a bucket per test, killed on drop. Where
//! `moto_server` is not installed, [`MotoServer::start`] says so and the test skips S3.

use std::time::Duration;

use coalition_server::config::{Secret, Settings};

/// A `moto_server` process with one bucket, killed (with everything in it) on drop.
pub struct MotoServer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The test's bucket.
    pub bucket: String,
    process: std::process::Child,
    client: reqwest::Client,
}

impl MotoServer {
    /// Starts `moto_server` and creates `bucket`; `None` (said on stderr) when moto is not
    /// installed.
    pub async fn start(bucket: &str) -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let process = std::process::Command::new("moto_server")
            // A service beside the server, not code under test: it keeps real time.
            .env_remove("LD_PRELOAD")
            .env_remove("FAKETIME")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(process) = process else {
            eprintln!("moto_server is not installed (pip install 'moto[server]'): S3 skipped");
            return None;
        };
        let mut server = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            bucket: bucket.to_owned(),
            process,
            client: reqwest::Client::new(),
        };
        // Python takes a moment to start: wait until it answers (or exits).
        let mut ready = false;
        for _ in 0..600 {
            if let Ok(Some(_)) = server.process.try_wait() {
                break;
            }
            if server.client.get(&server.endpoint).send().await.is_ok() {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ready, "moto_server did not start on port {port}");
        let created = server
            .client
            .put(server.bucket_url(""))
            .send()
            .await
            .expect("moto answers");
        assert!(created.status().is_success(), "bucket: {created:?}");
        Some(server)
    }

    fn bucket_url(&self, query: &str) -> String {
        format!("{}/{}{query}", self.endpoint, self.bucket)
    }

    /// Points `settings` at the bucket, under `prefix`.
    pub fn configure(&self, settings: &mut Settings, prefix: &str) {
        settings.storage.url = format!("s3://{}/{prefix}", self.bucket);
        settings.storage.endpoint = self.endpoint.clone();
        settings.storage.region = "us-east-1".to_owned();
        settings.storage.access_key_id = "testing".to_owned();
        settings.storage.secret_access_key = Secret::new("testing");
    }

    /// The keys of the objects in the bucket.
    pub async fn keys(&self) -> Vec<String> {
        self.elements("?list-type=2", "Key").await
    }

    /// The multipart uploads begun and neither completed nor aborted.
    pub async fn unfinished_uploads(&self) -> Vec<String> {
        self.elements("?uploads", "UploadId").await
    }

    async fn elements(&self, query: &str, tag: &str) -> Vec<String> {
        let body = self
            .client
            .get(self.bucket_url(query))
            .send()
            .await
            .expect("moto answers")
            .text()
            .await
            .expect("a listing");
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        body.split(&open)
            .skip(1)
            .filter_map(|rest| rest.split(&close).next())
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
