//! The embedded local engine (crate `pydynox-engine`) as seen from Python: named in-process
//! instances reached through `memory://name`, fault injection for tests, and the HTTP server behind
//! `pydynox local`.
//!
//! - `faults`: the injectable failures (throttle, unprocessed items, latency, 500, connection reset).
//! - `transport`: the AWS SDK HTTP client that answers from an engine without sockets.
//! - `server`: the engine over HTTP on the shared runtime.
//! - `handle`: the `LocalEngine` Python class (inspection, faults, stream records).

pub mod faults;
pub mod handle;
pub mod server;
pub mod transport;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use pydynox_engine::engine::Engine;

use faults::Faults;

/// One named engine and the faults armed for calls that reach it.
pub struct Instance {
    pub name: String,
    pub engine: Engine,
    pub faults: Faults,
}

fn registry() -> &'static Mutex<HashMap<String, Arc<Instance>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Arc<Instance>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The instance called `name`, created empty on first use.
pub fn instance(name: &str) -> Arc<Instance> {
    registry()
        .lock()
        .entry(name.to_owned())
        .or_insert_with(|| {
            Arc::new(Instance {
                name: name.to_owned(),
                engine: Engine::default(),
                faults: Faults::default(),
            })
        })
        .clone()
}

/// Forgets an instance: clients still holding it keep working on their copy until dropped.
pub fn discard(name: &str) -> bool {
    registry().lock().remove(name).is_some()
}

pub fn names() -> Vec<String> {
    let mut names: Vec<String> = registry().lock().keys().cloned().collect();
    names.sort();
    names
}

/// `memory://` → `default`, `memory://name` → `name`; names are what a host name may hold.
pub fn parse_memory_url(url: &str) -> Option<Result<String, String>> {
    let rest = url.strip_prefix("memory://")?;
    let name = rest.trim_end_matches('/');
    if name.is_empty() {
        return Some(Ok("default".to_owned()));
    }
    if name.len() > 128
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Some(Err(format!(
            "endpoint_url {url:?}: a memory engine name is 1 to 128 letters, digits, '-', '_' or '.'"
        )));
    }
    Some(Ok(name.to_owned()))
}
