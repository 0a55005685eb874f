//! A real SMTP listener on a loopback port, speaking enough of RFC 5321 for a client to
//! deliver (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), that can refuse for a while,
//! temporarily (451) or for good (550), answer slowly, and can be stopped and started again
//! on its port.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the listener answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// Accept every message.
    Accept,
    /// Answer `451` to RCPT: the client should retry later.
    Temporary,
    /// Answer `550` to RCPT: the client should give up.
    Permanent,
}

/// One message the listener accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The envelope recipients.
    pub recipients: Vec<String>,
    /// The message as sent (headers and body), dot-unstuffed.
    pub data: String,
}

/// The listener.
pub struct SmtpServer {
    /// Its loopback port.
    pub port: u16,
    delivered: Arc<Mutex<Vec<Delivered>>>,
    mode: Arc<Mutex<SmtpMode>>,
    delay: Arc<Mutex<Duration>>,
    holding: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl SmtpServer {
    /// Listens on a free port.
    pub async fn start() -> Self {
        Self::start_on(0, Arc::default()).await
    }

    /// Listens on `port`, appending to `delivered` (to survive a restart).
    pub async fn start_on(port: u16, delivered: Arc<Mutex<Vec<Delivered>>>) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("SMTP port free");
        let port = listener.local_addr().expect("address").port();
        let mode = Arc::new(Mutex::new(SmtpMode::Accept));
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let holding = Arc::new(AtomicUsize::new(0));
        let (store, answer, slowness, held) = (
            delivered.clone(),
            mode.clone(),
            delay.clone(),
            holding.clone(),
        );
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let listener = Listener {
                    delivered: store.clone(),
                    mode: answer.clone(),
                    delay: slowness.clone(),
                    holding: held.clone(),
                };
                tokio::spawn(serve(stream, listener));
            }
        });
        Self {
            port,
            delivered,
            mode,
            delay,
            holding,
            task,
        }
    }

    /// The URL the server's `mail.smtp_url` should hold.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Changes how the listener answers.
    pub fn set_mode(&self, mode: SmtpMode) {
        *self.mode.lock().expect("lock") = mode;
    }

    /// Makes the listener take `delay` to accept each message (after its data), as a
    /// slow or overloaded mail server does.
    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().expect("lock") = delay;
    }

    /// Waits (up to twenty seconds) until the listener holds its reply to a message whose
    /// data it has received in full: a client killed now has sent the message, unconfirmed.
    pub async fn wait_until_holding(&self) {
        for _ in 0..1000 {
            if self.holding.load(Ordering::SeqCst) > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no message held by the SMTP listener");
    }

    /// What was delivered so far.
    pub fn delivered(&self) -> Vec<Delivered> {
        self.delivered.lock().expect("lock").clone()
    }

    /// Waits until at least `count` messages arrived (up to ten seconds).
    pub async fn wait_for(&self, count: usize) -> Vec<Delivered> {
        for _ in 0..200 {
            let delivered = self.delivered();
            if delivered.len() >= count {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} messages, got {:?}",
            self.delivered().len()
        );
    }

    /// Stops listening (connections are refused); returns the port and what was delivered.
    pub fn stop(self) -> (u16, Arc<Mutex<Vec<Delivered>>>) {
        self.task.abort();
        (self.port, self.delivered.clone())
    }
}

/// What a connection shares with the listener.
struct Listener {
    delivered: Arc<Mutex<Vec<Delivered>>>,
    mode: Arc<Mutex<SmtpMode>>,
    delay: Arc<Mutex<Duration>>,
    holding: Arc<AtomicUsize>,
}

async fn serve(stream: TcpStream, listener: Listener) {
    let Listener {
        delivered,
        mode,
        delay,
        holding,
    } = listener;
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut recipients = Vec::new();
    if writer
        .write_all(b"220 test.local ESMTP ready\r\n")
        .await
        .is_err()
    {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-test.local\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 test.local\r\n",
            "MAIL" => {
                recipients.clear();
                b"250 OK\r\n"
            }
            "RCPT" => match *mode.lock().expect("lock") {
                SmtpMode::Accept => {
                    let address = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
                    recipients.push(address);
                    b"250 OK\r\n"
                }
                SmtpMode::Temporary => b"451 4.3.0 Try again later\r\n",
                SmtpMode::Permanent => b"550 5.1.1 No such mailbox\r\n",
            },
            "DATA" => {
                if writer
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push_str("\r\n");
                }
                let delay = *delay.lock().expect("lock");
                holding.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                holding.fetch_sub(1, Ordering::SeqCst);
                // Accepted once the data is in, as a real server queues it, whether or not
                // the client is still there for the reply.
                delivered.lock().expect("lock").push(Delivered {
                    recipients: std::mem::take(&mut recipients),
                    data,
                });
                b"250 OK: queued\r\n"
            }
            "RSET" | "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                let _ = writer.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => b"502 Command not implemented\r\n",
        };
        if writer.write_all(reply).await.is_err() {
            return;
        }
    }
}
