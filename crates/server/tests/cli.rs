//! The `coalition` command as an operator runs it: configuration errors, start-up log,
//! schema export, migrate and seed.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn coalition() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_coalition"));
    // The environment of the developer's shell must not leak into these runs.
    for (key, _) in std::env::vars() {
        if key.starts_with("COALITION_") {
            command.env_remove(key);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

fn temporary_folder() -> std::path::PathBuf {
    let folder = std::env::temp_dir()
        .join(format!("coalition-cli-{}", std::process::id()))
        .join(format!("{:?}", Instant::now()).replace(['.', ' '], "-"));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

#[test]
fn a_bad_setting_names_its_key_and_exits_non_zero() {
    let output = coalition()
        .arg("migrate")
        .env("COALITION_SERVER__BIND", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("server.bind"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let output = coalition()
        .arg("migrate")
        .env("COALITION_DATABASE__URL", "mysql://localhost/x")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("database.url"));

    let output = coalition()
        .args(["--config", "/nonexistent/coalition.toml", "migrate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("coalition.toml"));
}

#[test]
fn a_config_file_is_read_and_the_environment_overrides_it() {
    let folder = temporary_folder();
    let config = folder.join("coalition.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nurl = \"sqlite://{}/from-file.db\"\n[server]\nbind = \"127.0.0.1:1\"\n",
            folder.display()
        ),
    )
    .unwrap();
    let output = coalition()
        .args(["--config", config.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(folder.join("from-file.db").exists());

    let output = coalition()
        .args(["--config", config.to_str().unwrap(), "seed"])
        .env(
            "COALITION_DATABASE__URL",
            format!("sqlite://{}/from-env.db", folder.display()),
        )
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(folder.join("from-env.db").exists());
    let _ = std::fs::remove_dir_all(folder);
}

#[test]
fn serve_logs_the_address_it_listens_on() {
    let folder = temporary_folder();
    let mut child = coalition()
        .env("COALITION_SERVER__BIND", "127.0.0.1:0")
        .env(
            "COALITION_DATABASE__URL",
            format!("sqlite://{}/serve.db", folder.display()),
        )
        .env("COALITION_LOG__FILTER", "coalition_server=info,warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let _ = sender.send(line[at + "listening on http://".len()..].trim().to_owned());
                return;
            }
        }
    });
    let address = receiver.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    let address = address.expect("the server logs its address");
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    assert!(address.starts_with("127.0.0.1:") && port != 0, "{address}");
    let _ = std::fs::remove_dir_all(folder);
}

#[test]
fn export_schema_prints_the_sdl() {
    let output = coalition().arg("export-schema").output().unwrap();
    assert!(output.status.success());
    let sdl = String::from_utf8(output.stdout).unwrap();
    assert!(sdl.contains("type WorkingGroup implements Node"));
    assert_eq!(sdl, coalition_api::sdl());
}

#[test]
fn create_admin_creates_then_promotes() {
    let folder = temporary_folder();
    let database = format!("sqlite://{}/admin.db", folder.display());
    let run = |stdin: &str| {
        let mut child = coalition()
            .args(["create-admin", "--email", "Secretariat@Example.org"])
            .env("COALITION_DATABASE__URL", &database)
            .env("COALITION_MAIL__FILE_DIR", folder.join("mail"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let refused = run("password1\n");
    assert!(!refused.status.success(), "a common password is refused");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("most common"));

    let created = run("a secretariat passphrase\n");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("created administrator"));

    let promoted = run("");
    assert!(
        promoted.status.success(),
        "{}",
        String::from_utf8_lossy(&promoted.stderr)
    );
    assert!(String::from_utf8_lossy(&promoted.stdout).contains("promoted to administrator"));
    let _ = std::fs::remove_dir_all(folder);
}
