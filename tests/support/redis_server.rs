//! A `redis-server` of the test's own on a loopback port, to stop and start at will.

use std::time::Duration;

/// A Redis server process, killed on drop.
pub struct OwnRedis {
    /// Its loopback port.
    pub port: u16,
    process: std::process::Child,
}

impl OwnRedis {
    /// Starts `redis-server` on `port`, or on a free port, and waits until it accepts.
    pub fn start(port: Option<u16>) -> Self {
        let port = port.unwrap_or_else(|| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        });
        let process = std::process::Command::new("redis-server")
            // Redis is a service beside the server, not code under test: under `faketime`
            // (make test-future) its allocator and libfaketime recurse, so it keeps real time.
            .env_remove("LD_PRELOAD")
            .env_remove("FAKETIME")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { port, process }
    }

    /// Kills the server; returns its port, to start another on it.
    pub fn stop(mut self) -> u16 {
        let _ = self.process.kill();
        let _ = self.process.wait();
        self.port
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
