//! A minimal SMTP server for the tests: accepts mail on a free port and keeps every message it
//! accepted. It can refuse the next messages (a send failure) or hang before answering the
//! end of a message (a worker killed mid-send).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A message the sink accepted (answered 250 after its data).
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message, as sent (headers and MIME parts).
    pub data: String,
}

impl Received {
    /// The decoded text of every part (plain and HTML), and the decoded subject.
    pub fn parsed(&self) -> (String, String) {
        let mail = mailparse::parse_mail(self.data.as_bytes()).expect("a well-formed message");
        let subject = mail
            .headers
            .iter()
            .find(|header| header.get_key().eq_ignore_ascii_case("subject"))
            .map(|header| header.get_value())
            .unwrap_or_default();
        let mut text = String::new();
        collect_text(&mail, &mut text);
        (subject, text)
    }
}

fn collect_text(part: &mailparse::ParsedMail<'_>, out: &mut String) {
    if part.subparts.is_empty() {
        out.push_str(&part.get_body().unwrap_or_default());
        out.push('\n');
    }
    for sub in &part.subparts {
        collect_text(sub, out);
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Answer the end of the next N messages with 451 (try again later).
    refuse_next: AtomicUsize,
    /// Never answer the end of a message (the sender hangs until it gives up or dies).
    hang: AtomicBool,
    /// How many messages reached their end (accepted or not).
    data_ends: AtomicUsize,
    /// Wait this long before answering the end of a message (a slow mail server).
    delay_ms: AtomicU64,
    /// Refuse every message for good (550: no such mailbox).
    refuse_all: AtomicBool,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Shared>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        SmtpSink::start_on("127.0.0.1:0").await
    }

    /// Listens on `address` (a fixed port, for the browser tests' sink program).
    pub async fn start_on(address: &str) -> SmtpSink {
        let listener = TcpListener::bind(address).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, accepting.clone()));
            }
        });
        SmtpSink { port, shared }
    }

    /// `SMTP_URL` for this sink (plain SMTP on localhost).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn refuse_next(&self, count: usize) {
        self.shared.refuse_next.store(count, Ordering::SeqCst);
    }

    pub fn hang(&self, hang: bool) {
        self.shared.hang.store(hang, Ordering::SeqCst);
    }

    /// Answer the end of each message only after `delay`.
    pub fn answer_after(&self, delay: std::time::Duration) {
        self.shared
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Refuse every message permanently (550), as for an address that does not exist.
    pub fn refuse_all(&self, refuse: bool) {
        self.shared.refuse_all.store(refuse, Ordering::SeqCst);
    }

    /// Messages whose data was sent in full, whatever the answer.
    pub fn data_ends(&self) -> usize {
        self.shared.data_ends.load(Ordering::SeqCst)
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(b"220 sink.test ESMTP\r\n").await.is_err() {
        return;
    }
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..].trim().to_string();
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(command[8..].trim().to_string());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            if write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await
                .is_err()
            {
                return;
            }
            let mut data = String::new();
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                // Undo dot-stuffing.
                let text = line
                    .strip_prefix('.')
                    .filter(|_| line.starts_with(".."))
                    .unwrap_or(&line);
                data.push_str(text);
            }
            shared.data_ends.fetch_add(1, Ordering::SeqCst);
            if shared.hang.load(Ordering::SeqCst) {
                // Hold the connection open without answering, until the sender goes away.
                let mut rest = String::new();
                let _ = lines.read_line(&mut rest).await;
                return;
            }
            let delay = shared.delay_ms.load(Ordering::SeqCst);
            if delay > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            let refuse = shared
                .refuse_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if shared.refuse_all.load(Ordering::SeqCst) {
                b"550 5.1.1 No such mailbox\r\n"
            } else if refuse {
                b"451 4.3.0 Try again later\r\n"
            } else {
                shared.received.lock().unwrap().push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
                b"250 OK: queued\r\n"
            }
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 Bye\r\n").await;
            return;
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 Command not implemented\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
