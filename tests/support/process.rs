//! The built `coalition` binary, run as an operator runs it: a fresh environment, settings
//! from a configuration file and `COALITION_` variables, stderr captured line by line.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coalition_server::config::Settings;

/// How long a starting server may take to log its address (migrations on a cold
/// PostgreSQL database included).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// The `coalition` binary beside this test binary (`target/<profile>/coalition`), or the one
/// `COALITION_BIN` names. `make test` builds it before the tests run.
pub fn coalition_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("COALITION_BIN") {
        return PathBuf::from(path);
    }
    let test_binary = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/http-<hash> → target/<profile>/coalition
    let profile_dir = test_binary
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let binary = profile_dir.join(format!("coalition{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build --bin coalition` (`make test` does)",
        binary.display()
    );
    binary
}

/// `coalition` with none of the developer's `COALITION_*` or `RUST_LOG` variables.
pub fn coalition() -> Command {
    let mut command = Command::new(coalition_binary());
    for (key, _) in std::env::vars() {
        if key.starts_with("COALITION_") {
            command.env_remove(key);
        }
    }
    command.env_remove("RUST_LOG");
    command.stdin(Stdio::null());
    command
}

/// Writes `settings` as the TOML file an operator would pass with `--config`.
pub fn write_config(settings: &Settings, path: &Path) {
    let text = toml::to_string(settings).expect("settings serialise as TOML");
    std::fs::write(path, text).expect("configuration file written");
}

/// A running `coalition` process whose stderr is collected.
pub struct Process {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Process {
    /// Spawns `command` (stdout discarded, stderr collected).
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the coalition binary starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                collected.lock().expect("log lock").push(line);
            }
        });
        Self { child, log }
    }

    /// Every line written to stderr so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("log lock").clone()
    }

    /// Waits until a line containing `needle` appears; the line, or `None` if the process
    /// exits or `timeout` passes first.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.log().into_iter().find(|line| line.contains(needle)) {
                return Some(line);
            }
            if Instant::now() >= deadline || self.exited().is_some() {
                // One last look: the line may have arrived with the exit.
                std::thread::sleep(Duration::from_millis(50));
                return self.log().into_iter().find(|line| line.contains(needle));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The exit status, if the process has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("process status")
    }

    /// Waits up to `timeout` for the process to end by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        None
    }

    /// Sends SIGTERM, as a supervisor does, without waiting.
    pub fn terminate(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }

    /// Kills the process with SIGKILL (no cleanup at all, as a crash or the OOM killer
    /// does) and waits for it to be gone.
    pub fn kill(&mut self) -> Option<ExitStatus> {
        let _ = self.child.kill();
        self.child.wait().ok()
    }

    /// Asks the process to stop (SIGTERM, as a supervisor does) and waits for it; kills it
    /// if it has not stopped after ten seconds. Returns the exit status.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        if let Some(status) = self.exited() {
            return Some(status);
        }
        self.terminate();
        if let Some(status) = self.wait_exit(Duration::from_secs(10)) {
            return Some(status);
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `coalition serve` started with `config` and `env`, once it logs where it listens.
pub struct ServerProcess {
    /// The process.
    pub process: Process,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
}

impl ServerProcess {
    /// Starts `coalition --config <config> serve` with extra environment variables and
    /// waits for its "listening on" line.
    pub fn start(config: &Path, env: &[(&str, &str)]) -> Self {
        let mut command = coalition();
        command.arg("--config").arg(config).arg("serve");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut process = Process::spawn(command);
        let Some(line) = process.wait_for_line("listening on http://", START_TIMEOUT) else {
            let status = process.stop();
            panic!(
                "the server did not start ({status:?}):\n{}",
                process.log().join("\n")
            );
        };
        let at = line.find("listening on http://").unwrap_or_default();
        // Text or JSON logs: the address ends at the first character a URL of ours lacks.
        let address: String = line[at + "listening on ".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || ":/.[]".contains(*c))
            .collect();
        Self { process, address }
    }
}
