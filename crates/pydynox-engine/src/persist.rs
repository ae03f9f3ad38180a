//! Durability for `pydynox local --data-dir`: a write-ahead log of acknowledged requests.
//!
//! Every mutating request that succeeds is appended to `DIR/wal.log` and fsynced before its answer
//! is returned, so an acknowledged write survives a crash or `kill -9`. Opening a directory
//! replays the log; a torn record at the tail (a write cut short by the crash, never acknowledged)
//! is dropped. `compact` rewrites the log as one CreateTable per table and one PutItem per item.
//!
//! Record format: `len: u32 LE`, `checksum: u64 LE` (FNV-1a of the payload), payload =
//! operation name, `\n`, request body.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::engine::Engine;
use crate::hash::fnv1a;
use crate::ops::tables::create_request;
use crate::wire::item_json;

const LOG: &str = "wal.log";

pub struct Wal {
    dir: PathBuf,
    file: File,
}

fn encode(operation: &str, body: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(operation.len() + 1 + body.len());
    payload.extend_from_slice(operation.as_bytes());
    payload.push(b'\n');
    payload.extend_from_slice(body);
    let mut record = Vec::with_capacity(12 + payload.len());
    record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    record.extend_from_slice(&fnv1a(&payload).to_le_bytes());
    record.extend_from_slice(&payload);
    record
}

impl Wal {
    pub fn append(&mut self, operation: &str, body: &[u8]) -> io::Result<()> {
        self.file.write_all(&encode(operation, body))?;
        self.file.sync_data()
    }
}

/// Reads the complete records of a log; returns them and the length of the valid prefix.
/// A logged request: the operation name and its body.
type Record = (String, Vec<u8>);

fn read_records(path: &Path) -> io::Result<(Vec<Record>, u64)> {
    let mut records = Vec::new();
    let mut valid = 0u64;
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((records, 0)),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::new(file);
    loop {
        let mut header = [0u8; 12];
        if reader.read_exact(&mut header).is_err() {
            break;
        }
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let sum = u64::from_le_bytes(header[4..12].try_into().unwrap_or_default());
        let mut payload = vec![0u8; len];
        if reader.read_exact(&mut payload).is_err() || fnv1a(&payload) != sum {
            break;
        }
        let Some(split) = payload.iter().position(|b| *b == b'\n') else {
            break;
        };
        let operation = String::from_utf8_lossy(&payload[..split]).into_owned();
        records.push((operation, payload[split + 1..].to_vec()));
        valid += 12 + len as u64;
    }
    Ok((records, valid))
}

/// Replays `dir`'s log into `engine` (which should be empty), then logs its writes there.
pub fn attach(engine: &Engine, dir: &Path) -> io::Result<usize> {
    fs::create_dir_all(dir)?;
    let path = dir.join(LOG);
    let (records, valid) = read_records(&path)?;
    engine.set_write_log(None);
    for (operation, body) in &records {
        engine.handle(operation, body);
    }
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(false)
        .open(&path)?;
    // Drop a torn tail so new records follow the last complete one.
    file.set_len(valid)?;
    file.seek(SeekFrom::End(0))?;
    file.sync_all()?;
    engine.set_write_log(Some(Wal {
        dir: dir.to_owned(),
        file,
    }));
    Ok(records.len())
}

/// Rewrites the log as the current state (one CreateTable per table, one PutItem per item).
pub fn compact(engine: &Engine) -> io::Result<()> {
    engine.with_log(|state, wal| {
        let Some(wal) = wal else {
            return Err(io::Error::other("this engine has no data directory"));
        };
        let tmp = wal.dir.join("wal.log.tmp");
        let mut out = io::BufWriter::new(File::create(&tmp)?);
        for table in state.tables.values() {
            out.write_all(&encode("CreateTable", create_request(table).to_string().as_bytes()))?;
            if let Some(attr) = &table.ttl_attribute {
                let body = json!({"TableName": table.name, "TimeToLiveSpecification": {"Enabled": true, "AttributeName": attr}});
                out.write_all(&encode("UpdateTimeToLive", body.to_string().as_bytes()))?;
            }
            for (_, item) in table.all(None) {
                let body = json!({"TableName": table.name, "Item": item_json(item)});
                out.write_all(&encode("PutItem", body.to_string().as_bytes()))?;
            }
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, wal.dir.join(LOG))?;
        File::open(&wal.dir)?.sync_all()?;
        let mut file = OpenOptions::new().read(true).write(true).open(wal.dir.join(LOG))?;
        file.seek(SeekFrom::End(0))?;
        wal.file = file;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    #[test]
    fn torn_tail_is_dropped() {
        let dir = std::env::temp_dir().join(format!("pydynox-wal-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let engine = Engine::default();
        attach(&engine, &dir).unwrap();
        let create = json!({"TableName": "t1x", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"});
        assert_eq!(
            engine
                .handle("CreateTable", create.to_string().as_bytes())
                .status,
            200
        );
        let put = json!({"TableName": "t1x", "Item": {"pk": {"S": "a"}, "n": {"N": "1.50"}}});
        assert_eq!(
            engine.handle("PutItem", put.to_string().as_bytes()).status,
            200
        );
        // A crash in the middle of a record.
        let mut f = OpenOptions::new().append(true).open(dir.join(LOG)).unwrap();
        f.write_all(&encode("PutItem", b"{\"TableName\":\"t1x\"")[..10])
            .unwrap();
        drop(f);

        let restarted = Engine::default();
        assert_eq!(attach(&restarted, &dir).unwrap(), 2);
        let get = json!({"TableName": "t1x", "Key": {"pk": {"S": "a"}}});
        let answer = restarted.handle("GetItem", get.to_string().as_bytes());
        assert!(String::from_utf8_lossy(&answer.body).contains("1.5"));
        compact(&restarted).unwrap();
        let again = Engine::default();
        assert_eq!(attach(&again, &dir).unwrap(), 2);
        let _ = fs::remove_dir_all(&dir);
    }

    fn ok(engine: &Engine, operation: &str, body: Json) -> String {
        let answer = engine.handle(operation, body.to_string().as_bytes());
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        assert_eq!(answer.status, 200, "{operation}: {text}");
        text
    }

    #[test]
    fn partiql_reads_are_not_logged() {
        let dir = std::env::temp_dir().join(format!("pydynox-wal-reads-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let log_len = || fs::metadata(dir.join(LOG)).map(|m| m.len()).unwrap_or(0);
        let engine = Engine::default();
        attach(&engine, &dir).unwrap();
        ok(
            &engine,
            "CreateTable",
            json!({"TableName": "orders", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}),
        );
        ok(
            &engine,
            "ExecuteStatement",
            json!({"Statement": "INSERT INTO orders VALUE {'pk': 'a', 'n': 1}"}),
        );
        let written = log_len();
        assert!(written > 0);

        let select =
            |pk: &str| json!({"Statement": format!("SELECT * FROM orders WHERE pk = '{pk}'")});
        assert!(ok(&engine, "ExecuteStatement", select("a")).contains("\"n\""));
        ok(
            &engine,
            "ExecuteStatement",
            json!({"Statement": "SELECT * FROM orders"}),
        );
        ok(
            &engine,
            "BatchExecuteStatement",
            json!({"Statements": [select("a"), select("b")]}),
        );
        ok(
            &engine,
            "ExecuteTransaction",
            json!({"TransactStatements": [select("a")]}),
        );
        // A batch of writes that all fail changes nothing either.
        ok(
            &engine,
            "BatchExecuteStatement",
            json!({"Statements": [
            {"Statement": "INSERT INTO orders VALUE {'pk': 'a'}"}]}),
        );
        ok(
            &engine,
            "GetItem",
            json!({"TableName": "orders", "Key": {"pk": {"S": "a"}}}),
        );
        assert_eq!(log_len(), written, "reads reached the write-ahead log");

        // Writes, PartiQL and not, mixed with reads: each write is logged, and a replay rebuilds
        // exactly the state they left.
        ok(
            &engine,
            "ExecuteStatement",
            json!({"Statement": "UPDATE orders SET n = n + 5 WHERE pk = 'a'"}),
        );
        ok(&engine, "ExecuteStatement", select("a"));
        ok(
            &engine,
            "BatchExecuteStatement",
            json!({"Statements": [
            {"Statement": "INSERT INTO orders VALUE {'pk': 'b', 'n': 2}"},
            {"Statement": "INSERT INTO orders VALUE {'pk': 'a'}"}]}),
        );
        ok(
            &engine,
            "ExecuteTransaction",
            json!({"TransactStatements": [
            {"Statement": "DELETE FROM orders WHERE pk = 'b'"},
            {"Statement": "INSERT INTO orders VALUE {'pk': 'c', 'n': 3}"}]}),
        );
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "orders", "Item": {"pk": {"S": "d"}}}),
        );
        assert!(log_len() > written);
        let scan = || json!({"TableName": "orders", "ConsistentRead": true});
        let before = ok(&engine, "Scan", scan());

        let replayed = Engine::default();
        assert_eq!(attach(&replayed, &dir).unwrap(), 6);
        assert_eq!(ok(&replayed, "Scan", scan()), before);
        assert!(
            before.contains("\"6\"") && !before.contains("\"b\""),
            "{before}"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
