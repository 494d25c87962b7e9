//! [`Reply`]: one scripted answer (status, headers, body, a delay, a cut-off), and the bodies
//! generated as they are sent so a huge one is never held in memory.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: ReplyBody,
    delay: Duration,
    cut_off: bool,
}

#[derive(Debug, Clone)]
enum ReplyBody {
    Bytes(Vec<u8>),
    /// `prefix`, then `item` over and over, `total` bytes in all (the last item cut).
    Stream {
        prefix: Vec<u8>,
        item: Vec<u8>,
        total: u64,
        content_length: bool,
    },
}

impl Reply {
    /// `status` with no header and an empty body.
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: ReplyBody::Bytes(Vec::new()),
            delay: Duration::ZERO,
            cut_off: false,
        }
    }

    /// `status` with `body` of `content_type`.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        let mut reply = Reply::new(status).header("content-type", content_type);
        reply.body = ReplyBody::Bytes(body.into());
        reply
    }

    /// `status` with a JSON body: a string of JSON or a [`serde_json::Value`].
    pub fn json(status: u16, body: impl ToString) -> Reply {
        Reply::raw(status, "application/json", body.to_string())
    }

    /// `status` with an empty JSON object as the body.
    pub fn status(status: u16) -> Reply {
        Reply::json(status, "{}")
    }

    /// A redirect (`301`, `302`, `303`, `307`, `308`) to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::raw(status, "text/plain", "moved").header("location", location)
    }

    /// A `200` JSON answer whose body is `prefix` then `item` repeated, `total` bytes in all,
    /// generated chunk by chunk (never held in memory); with `content_length`, its
    /// `Content-Length` says `total`, else it is chunked.
    pub fn stream(prefix: &str, item: &str, total: u64, content_length: bool) -> Reply {
        let mut reply = Reply::new(200).header("content-type", "application/json");
        reply.body = ReplyBody::Stream {
            prefix: prefix.as_bytes().to_vec(),
            item: item.as_bytes().to_vec(),
            total,
            content_length,
        };
        reply
    }

    /// Adds a header; the value may hold any bytes a header can (an invalid one is left out).
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Reply {
        self.headers
            .push((name.to_ascii_lowercase(), value.as_ref().to_vec()));
        self
    }

    /// Answers only after `delay`.
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Sends the status, the headers (with a `Content-Length` one byte longer than the body) and
    /// the body, then closes the connection: a body cut off by the server. For a connection
    /// closed before any byte, see [`crate::raw::RawReply::close`].
    pub fn cut_off(mut self) -> Reply {
        self.cut_off = true;
        self
    }

    /// Its status.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    pub(super) async fn into_response(self) -> Response {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let mut headers = self.headers;
        let body = match self.body {
            ReplyBody::Bytes(bytes) if self.cut_off => {
                headers.push((
                    "content-length".into(),
                    (bytes.len() + 1).to_string().into_bytes(),
                ));
                // The pause lets the server flush what was sent before the error aborts the
                // connection.
                let sent = futures::stream::once(async move { Ok(Bytes::from(bytes)) });
                let cut = futures::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Err::<Bytes, _>(std::io::Error::other("cut off by the script"))
                });
                Body::from_stream(futures::StreamExt::chain(sent, cut))
            }
            ReplyBody::Bytes(bytes) => Body::from(bytes),
            ReplyBody::Stream {
                prefix,
                item,
                total,
                content_length,
            } => {
                if content_length {
                    headers.push(("content-length".into(), total.to_string().into_bytes()));
                }
                Body::from_stream(generate(prefix, item, total))
            }
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(&value),
            ) {
                response.headers_mut().append(n, v);
            }
        }
        response
    }
}

impl From<serde_json::Value> for Reply {
    /// `200` with `body` as JSON.
    fn from(body: serde_json::Value) -> Reply {
        Reply::json(200, body)
    }
}

/// `prefix`, then `item` repeated, `total` bytes, in chunks of about 64 KiB that share one
/// buffer.
pub(super) fn generate(
    prefix: Vec<u8>,
    item: Vec<u8>,
    total: u64,
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send {
    let mut block = Vec::with_capacity(64 * 1024 + item.len());
    while block.len() < 64 * 1024 && !item.is_empty() {
        block.extend_from_slice(&item);
    }
    let block = Bytes::from(block);
    let first = Bytes::from(prefix);
    futures::stream::unfold((Some(first), 0u64), move |(first, sent)| {
        let block = block.clone();
        async move {
            if sent >= total {
                return None;
            }
            let left = total - sent;
            let chunk = first.filter(|b| !b.is_empty()).unwrap_or(block);
            if chunk.is_empty() {
                return None;
            }
            let take = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
            let chunk = chunk.slice(..take);
            Some((Ok(chunk), (None, sent + take as u64)))
        }
    })
}
