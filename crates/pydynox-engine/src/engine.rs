//! The engine: all tables of one named instance behind one lock, and dispatch of JSON API requests
//! by their `X-Amz-Target` operation name.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::idempotency::Tokens;
use crate::ops::{self, Effect};
use crate::persist::Wal;
use crate::request::{Node, Request};
use crate::table::Table;
use crate::wire;

pub struct State {
    pub tables: BTreeMap<String, Table>,
    /// What TransactWriteItems' client request tokens were used for.
    pub tokens: Tokens,
    pub region: String,
    pub account: String,
    last_sweep: f64,
}

impl State {
    pub fn table(&self, name: &str) -> Result<&Table> {
        self.tables.get(name).ok_or_else(|| not_found(name))
    }

    pub fn table_mut(&mut self, name: &str) -> Result<&mut Table> {
        self.tables.get_mut(name).ok_or_else(|| not_found(name))
    }
}

fn not_found(name: &str) -> Error {
    Error::not_found(format!(
        "Requested resource not found: Table: {name} not found"
    ))
}

pub struct Engine {
    state: Mutex<State>,
    log: Mutex<Option<Wal>>,
}

/// An HTTP-level answer: status and JSON body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new("us-east-1")
    }
}

impl Engine {
    pub fn new(region: &str) -> Engine {
        Engine {
            state: Mutex::new(State {
                tables: BTreeMap::new(),
                tokens: Tokens::default(),
                region: region.to_owned(),
                account: "000000000000".to_owned(),
                last_sweep: 0.0,
            }),
            log: Mutex::new(None),
        }
    }

    /// Every acknowledged request that changed state is appended to `log` before its answer is
    /// returned (reads, PartiQL SELECTs included, are not); a log failure turns the answer into an
    /// error (the write is then not acknowledged).
    pub fn set_write_log(&self, log: Option<Wal>) {
        *self.log.lock().unwrap_or_else(|p| p.into_inner()) = log;
    }

    /// Runs `f` with the state and the write-ahead log both locked (compaction).
    pub fn with_log<T>(&self, f: impl FnOnce(&mut State, Option<&mut Wal>) -> T) -> T {
        let mut state = self.lock();
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut state, log.as_mut())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied write: every operation
        // validates before it mutates. Keep serving rather than poisoning every later request.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers one request: `target` is the operation (`DynamoDB_20120810.PutItem` or `PutItem`).
    pub fn handle(&self, target: &str, body: &[u8]) -> Response {
        self.handle_at(target, body, now())
    }

    /// Answers one request as if the time were `now` (a logged request replayed at the time it was
    /// first answered: token windows, stream record times and table creation times carry on).
    pub fn handle_at(&self, target: &str, body: &[u8], now: f64) -> Response {
        let operation = target.rsplit('.').next().unwrap_or(target);
        match self.dispatch(operation, body, now) {
            Ok(body) => Response { status: 200, body },
            Err(e) => Response {
                status: e.status,
                body: serde_json::to_vec(&e.to_json()).unwrap_or_default(),
            },
        }
    }

    fn dispatch(&self, operation: &str, body: &[u8], now: f64) -> Result<Vec<u8>> {
        let read = wire::read_request(body)?;
        let req = Request::of(Node::Read(&read))?;
        let mut state = self.lock();
        if now - state.last_sweep >= 1.0 {
            state.last_sweep = now;
            for table in state.tables.values_mut() {
                table.expire(now);
            }
        }
        let (answer, effect) = ops::call(&mut state, operation, &req, now)?;
        if effect == Effect::Write {
            let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(log) = log.as_mut() {
                log.append(operation, body, now).map_err(|e| {
                    Error::new(
                        "InternalServerError",
                        format!("The write-ahead log could not be written: {e}"),
                    )
                    .with_status(500)
                })?;
            }
        }
        Ok(answer)
    }

    /// Runs `f` with the engine's state locked (tests, the server's inspection endpoints).
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.lock())
    }

    /// Stream records of a table (Lambda event shape), optionally clearing them.
    pub fn stream_records(&self, table: &str, drain: bool) -> Result<Vec<Json>> {
        let mut state = self.lock();
        let table = state.table_mut(table)?;
        Ok(if drain {
            std::mem::take(&mut table.stream_records)
        } else {
            table.stream_records.clone()
        })
    }

    /// Runs the TTL sweeper now, as if `now` were the time; returns how many items expired.
    pub fn expire_ttl(&self, at: Option<f64>) -> usize {
        let at = at.unwrap_or_else(now);
        self.lock().tables.values_mut().map(|t| t.expire(at)).sum()
    }

    /// Drops every table.
    pub fn reset(&self) {
        let mut state = self.lock();
        state.tables.clear();
        state.tokens.clear();
    }
}
