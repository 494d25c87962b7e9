//! A raw-TCP server for broken protocol: what each connection gets is written byte for byte,
//! so a test can send what no HTTP framework will (a connection closed at once or after the
//! request, a body shorter than its `Content-Length`, bad chunking, a huge `Content-Length`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::OwnRuntime;

#[derive(Debug, Clone)]
enum Step {
    Write(Vec<u8>),
    Repeat(Vec<u8>, usize),
    Pause(Duration),
}

/// What the server does with one connection: read the request (unless told not to), run its
/// steps, close.
#[derive(Debug, Clone)]
pub struct RawReply {
    read_request: bool,
    steps: Vec<Step>,
}

impl RawReply {
    /// Reads the request and closes the connection without a byte of answer.
    pub fn close() -> RawReply {
        RawReply {
            read_request: true,
            steps: Vec::new(),
        }
    }

    /// Closes the connection as soon as it is accepted, before reading anything.
    pub fn close_at_once() -> RawReply {
        RawReply {
            read_request: false,
            steps: Vec::new(),
        }
    }

    /// Reads the request, writes `bytes`, and closes the connection.
    pub fn bytes(bytes: impl Into<Vec<u8>>) -> RawReply {
        RawReply::close().then_write(bytes)
    }

    /// A complete `200` answer with a JSON body.
    pub fn ok_json(body: &str) -> RawReply {
        RawReply::bytes(format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        ))
    }

    /// A `200` whose `Content-Length` promises 100 bytes more than the body it sends before
    /// closing.
    pub fn cut_short(body: &str) -> RawReply {
        RawReply::bytes(format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len() + 100
        ))
    }

    /// A `200` whose `Content-Length` is `length` (say, 500 GB) over a body of `body`.
    pub fn huge_content_length(length: u64, body: &str) -> RawReply {
        RawReply::bytes(format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n{body}"
        ))
    }

    /// A chunked `200` of `chunks` chunks of `size` bytes (`x`s), then the last chunk: no
    /// `Content-Length`, so only reading tells the size.
    pub fn chunked(chunks: usize, size: usize) -> RawReply {
        RawReply::bytes(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        )
        .then_repeat(format!("{size:x}\r\n{}\r\n", "x".repeat(size)), chunks)
        .then_write("0\r\n\r\n")
    }

    /// A chunked `200` whose first chunk size is not hexadecimal.
    pub fn bad_chunking() -> RawReply {
        RawReply::bytes(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n\
             zz\r\n{}\r\n0\r\n\r\n",
        )
    }

    /// Then writes `bytes`.
    pub fn then_write(mut self, bytes: impl Into<Vec<u8>>) -> RawReply {
        self.steps.push(Step::Write(bytes.into()));
        self
    }

    /// Then writes `bytes` `times` times.
    pub fn then_repeat(mut self, bytes: impl Into<Vec<u8>>, times: usize) -> RawReply {
        self.steps.push(Step::Repeat(bytes.into(), times));
        self
    }

    /// Then waits `pause` before the next step (or before closing).
    pub fn then_pause(mut self, pause: Duration) -> RawReply {
        self.steps.push(Step::Pause(pause));
        self
    }

    async fn serve(self, mut socket: tokio::net::TcpStream) -> Vec<u8> {
        let request = if self.read_request {
            match read_request(&mut socket).await {
                Some(r) => r,
                None => return Vec::new(),
            }
        } else {
            Vec::new()
        };
        for step in self.steps {
            let written = match step {
                Step::Write(bytes) => socket.write_all(&bytes).await,
                Step::Repeat(bytes, times) => {
                    let mut result = Ok(());
                    for _ in 0..times {
                        result = socket.write_all(&bytes).await;
                        if result.is_err() {
                            break;
                        }
                    }
                    result
                }
                Step::Pause(pause) => {
                    tokio::time::sleep(pause).await;
                    Ok(())
                }
            };
            if written.is_err() {
                break;
            }
        }
        let _ = socket.flush().await;
        // Dropping the socket closes the connection.
        request
    }
}

/// Reads a request head and, when it has a `Content-Length`, its body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length.min(1 << 20) {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    Some(data)
}

/// A loopback TCP server answering connection `i` with script entry `i` (or every connection
/// with one reply). Stops when dropped.
#[derive(Debug)]
pub struct RawServer {
    base_url: String,
    accepted: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
    _runtime: OwnRuntime,
}

impl RawServer {
    /// Connection `i` gets `script[i]`; connections past the script are closed after their
    /// request ([`RawReply::close`]).
    pub fn start(script: Vec<RawReply>) -> RawServer {
        let mut script = VecDeque::from(script);
        RawServer::serve(move || script.pop_front().unwrap_or_else(RawReply::close))
    }

    /// Every connection gets `reply`.
    pub fn always(reply: RawReply) -> RawServer {
        RawServer::serve(move || reply.clone())
    }

    fn serve(mut next: impl FnMut() -> RawReply + Send + 'static) -> RawServer {
        let listener = crate::bind_first(&["127.0.0.1:0"]);
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local address: {e}"));
        let runtime = OwnRuntime::new("raw-server");
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (count, log) = (accepted.clone(), requests.clone());
        runtime.handle().spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener)
                .unwrap_or_else(|e| panic!("adopting the listener: {e}"));
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let reply = next();
                let log = log.clone();
                tokio::spawn(async move {
                    let request = reply.serve(socket).await;
                    if !request.is_empty() {
                        log.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(request);
                    }
                });
            }
        });
        RawServer {
            base_url: format!("http://{addr}"),
            accepted,
            requests,
            _runtime: runtime,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// How many connections it accepted.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The raw requests read so far (head and body), in the order they were read.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `http://127.0.0.1:PORT` where nothing listens (a port just bound and released): connections
/// are refused.
pub fn refused_url() -> String {
    let listener = crate::bind_first(&["127.0.0.1:0"]);
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local address: {e}"));
    drop(listener);
    format!("http://{addr}")
}
