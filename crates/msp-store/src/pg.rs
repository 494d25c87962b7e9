//! The PostgreSQL client on a thread of its own.
//!
//! The synchronous `postgres` client drives a runtime of its own, and a runtime cannot be
//! driven (nor dropped) on a thread that already runs async tasks: `snapshot`, `serve` and
//! `mcp` call the store from async functions, so the client never runs there. It is made,
//! used and dropped on its own thread; the store sends it statements (their text and owned
//! parameters) and waits for the answer, as it waits for SQLite's.

use std::collections::HashMap;
use std::sync::mpsc;

use crate::db::{Row, Value};
use crate::location::PgUrl;
use crate::{StoreError, dialect};

/// What the client thread is asked to do.
enum Request {
    /// Run a statement: the number of rows it changed.
    Execute(String, Vec<Value<'static>>),
    /// Run a query: its rows.
    Query(String, Vec<Value<'static>>),
    /// Run statements without parameters (`BEGIN`, `COMMIT`).
    Batch(String),
}

/// What it answers.
enum Answer {
    Count(u64),
    Rows(Vec<Row>),
}

type Job = (Request, mpsc::SyncSender<Result<Answer, StoreError>>);

/// The handle of a PostgreSQL client running on its own thread.
#[derive(Debug)]
pub(crate) struct Pg {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Pg {
    /// Connects to `url` and brings its schema up to date, on the client's thread; unless
    /// `create`, a database without the store's schema is [`StoreError::NoStore`] and nothing
    /// is created in it.
    pub(crate) fn connect(url: &PgUrl, create: bool) -> Result<Self, StoreError> {
        let url = url.clone();
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready, started) = mpsc::sync_channel::<Result<(), StoreError>>(1);
        let thread = std::thread::Builder::new()
            .name("store-postgres".into())
            .spawn(move || {
                let client = crate::location::connect(&url).and_then(|mut client| {
                    if !create && !crate::schema::pg_has_store(&mut client)? {
                        return Err(StoreError::NoStore(url.to_string()));
                    }
                    crate::schema::pg_migrate(&mut client)?;
                    Ok(client)
                });
                let mut client = match client {
                    Ok(client) => {
                        let _ = ready.send(Ok(()));
                        client
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let mut statements = HashMap::new();
                while let Ok((request, reply)) = inbox.recv() {
                    let _ = reply.send(serve(&mut client, &mut statements, request));
                }
            })
            .map_err(|e| StoreError::Postgres(format!("cannot start its client thread: {e}")))?;
        let pg = Self {
            jobs: Some(jobs),
            thread: Some(thread),
        };
        started
            .recv()
            .map_err(|_| StoreError::Postgres("its client thread stopped".into()))??;
        Ok(pg)
    }

    fn ask(&self, request: Request) -> Result<Answer, StoreError> {
        let stopped = || StoreError::Postgres("its client thread stopped".into());
        let (reply, answer) = mpsc::sync_channel(1);
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send((request, reply))
            .map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }

    /// Runs a statement; the number of rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64, StoreError> {
        match self.ask(Request::Execute(sql.to_owned(), owned(params)))? {
            Answer::Count(n) => Ok(n),
            Answer::Rows(_) => Err(StoreError::Corrupt("rows for a statement".into())),
        }
    }

    /// Every row of a query.
    pub(crate) fn query(&self, sql: &str, params: &[Value<'_>]) -> Result<Vec<Row>, StoreError> {
        match self.ask(Request::Query(sql.to_owned(), owned(params)))? {
            Answer::Rows(rows) => Ok(rows),
            Answer::Count(_) => Err(StoreError::Corrupt("a count for a query".into())),
        }
    }

    /// Runs statements without parameters.
    pub(crate) fn batch(&self, sql: &str) -> Result<(), StoreError> {
        self.ask(Request::Batch(sql.to_owned())).map(drop)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // The thread ends (closing the session) once its inbox is closed.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn owned(params: &[Value<'_>]) -> Vec<Value<'static>> {
    params
        .iter()
        .map(|v| match v {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(*i),
            Value::Real(f) => Value::Real(*f),
            Value::Text(t) => Value::Text(t.to_string().into()),
        })
        .collect()
}

/// One request, on the client's thread. Statements are prepared once (by the store's text).
fn serve(
    client: &mut postgres::Client,
    statements: &mut HashMap<String, postgres::Statement>,
    request: Request,
) -> Result<Answer, StoreError> {
    let mut statement = |client: &mut postgres::Client, sql: &str| {
        if let Some(s) = statements.get(sql) {
            return Ok::<_, StoreError>(s.clone());
        }
        let prepared = client.prepare(&dialect::postgres(sql))?;
        // Bounded: format!-ed SQL (limits, fragments) is still a handful of texts.
        if statements.len() > 256 {
            statements.clear();
        }
        statements.insert(sql.to_owned(), prepared.clone());
        Ok(prepared)
    };
    match request {
        Request::Execute(sql, params) => {
            let s = statement(client, &sql)?;
            Ok(Answer::Count(
                client.execute(&s, &dialect::pg_params(&params))?,
            ))
        }
        Request::Query(sql, params) => {
            let s = statement(client, &sql)?;
            let rows = client.query(&s, &dialect::pg_params(&params))?;
            Ok(Answer::Rows(
                rows.iter().map(dialect::pg_row).collect::<Result<_, _>>()?,
            ))
        }
        Request::Batch(sql) => {
            client.batch_execute(&sql)?;
            Ok(Answer::Count(0))
        }
    }
}
