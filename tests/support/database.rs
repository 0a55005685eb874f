//! A database of the test's own: a SQLite file in a temporary folder, or a PostgreSQL
//! database created under `TEST_DATABASE_URL` and dropped when the test ends.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database};

use crate::Backend;

/// A database that exists for one test and is removed on drop, even after a panic.
pub struct TestDatabase {
    /// The URL the server should use.
    pub url: String,
    /// A folder of the test's own (mail files, SQLite database), removed on drop.
    pub scratch_dir: PathBuf,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder,
    PostgresDatabase { admin_url: String, name: String },
}

impl TestDatabase {
    /// Creates an empty database on `backend`.
    pub async fn create(backend: Backend) -> Self {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let scratch_dir = std::env::temp_dir().join(format!("coalition-test-{unique}"));
        std::fs::create_dir_all(&scratch_dir).expect("temporary folder");
        match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}", scratch_dir.join("coalition.db").display()),
                scratch_dir,
                cleanup: Cleanup::Folder,
            },
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = format!("coalition_test_{unique}");
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("PostgreSQL answers");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("test database created");
                let _ = admin.close().await;
                Self {
                    url: with_database_name(&admin_url, &name),
                    scratch_dir,
                    cleanup: Cleanup::PostgresDatabase { admin_url, name },
                }
            }
        }
    }
}

/// Replaces the database name (the URL's path) of a PostgreSQL URL.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base
        .find("://")
        .map(|scheme| scheme + 3)
        .and_then(|start| base[start..].find('/').map(|slash| start + slash))
        .unwrap_or(base.len());
    let mut result = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch_dir);
        match &self.cleanup {
            Cleanup::Folder => {}
            Cleanup::PostgresDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime, which cannot block on itself: use a
                // short-lived runtime on a thread of its own.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let admin = Database::connect(&admin_url).await.ok()?;
                        let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let result = admin.execute_unprepared(&statement).await.ok();
                        let _ = admin.close().await;
                        result
                    })
                });
                let _ = dropped.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database_name("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database_name("postgres://127.0.0.1/test?sslmode=disable", "x"),
            "postgres://127.0.0.1/x?sslmode=disable"
        );
        assert_eq!(
            with_database_name("postgres://127.0.0.1", "x"),
            "postgres://127.0.0.1/x"
        );
    }
}
