//! Durability for `pydynox local --data-dir`: a write-ahead log of acknowledged requests.
//!
//! Every mutating request that succeeds is appended to `DIR/wal.log` and fsynced before its answer
//! is returned, so an acknowledged write survives a crash or `kill -9`. Opening a directory
//! replays the log; a torn record at the tail (a write cut short by the crash, never acknowledged)
//! is dropped. `compact` rewrites the log as one CreateTable per table and one PutItem per item.
//!
//! Record format: `len: u32 LE`, `checksum: u64 LE` (FNV-1a of the payload), payload =
//! operation name, optionally a space and the time it was answered (seconds since the epoch),
//! `\n`, request body. A request is replayed at the time it was first answered, so that what
//! depends on time carries on where it was: a transaction token's ten-minute window, stream record
//! times, a table's creation time (and the table id and stream label made from it).
//!
//! Compaction also keeps what is not made of items: the remembered transaction tokens
//! (`pydynox.Token` records) and each table's stream records (`pydynox.StreamRecords`). These
//! records are read only here, never by the request dispatcher: they are not operations a client
//! can send.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use crate::engine::{now, Engine};
use crate::hash::fnv1a;
use crate::idempotency::Remembered;
use crate::ops::tables::create_request;
use crate::wire::{item_from_json, item_json};

const LOG: &str = "wal.log";
/// A remembered transaction token (compaction).
const TOKEN: &str = "pydynox.Token";
/// A table's stream records, replacing those its replayed items made (compaction).
const STREAM_RECORDS: &str = "pydynox.StreamRecords";

pub struct Wal {
    dir: PathBuf,
    file: File,
}

fn encode(operation: &str, at: Option<f64>, body: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(operation.len() + 24 + body.len());
    payload.extend_from_slice(operation.as_bytes());
    if let Some(at) = at {
        // `Display` of an f64 is the shortest text that reads back as the same number.
        payload.extend_from_slice(format!(" {at}").as_bytes());
    }
    payload.push(b'\n');
    payload.extend_from_slice(body);
    let mut record = Vec::with_capacity(12 + payload.len());
    record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    record.extend_from_slice(&fnv1a(&payload).to_le_bytes());
    record.extend_from_slice(&payload);
    record
}

impl Wal {
    pub fn append(&mut self, operation: &str, body: &[u8], at: f64) -> io::Result<()> {
        self.file.write_all(&encode(operation, Some(at), body))?;
        self.file.sync_data()
    }
}

/// A logged request: the operation name, the time it was answered (absent in logs written before
/// times were recorded: replayed at the current time), and its body.
struct Record {
    /// Where the record starts in the log.
    offset: u64,
    operation: String,
    at: Option<f64>,
    body: Vec<u8>,
}

fn unreadable(log: &Path, offset: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{}: the record at byte {offset} is not a logged request",
            log.display()
        ),
    )
}

/// Reads the complete records of a log; returns them and the length of the valid prefix.
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
        // A complete record (its checksum holds) that is not a logged request was not cut short
        // by a crash: refuse the log rather than drop it and every write after it.
        let refused = || unreadable(path, valid);
        let split = payload
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(refused)?;
        let head = std::str::from_utf8(&payload[..split]).map_err(|_| refused())?;
        let (operation, at) = match head.split_once(' ') {
            Some((operation, at)) => {
                let at = at.parse::<f64>().map_err(|_| refused())?;
                (operation.to_owned(), Some(at))
            }
            None => (head.to_owned(), None),
        };
        records.push(Record {
            offset: valid,
            operation,
            at,
            body: payload[split + 1..].to_vec(),
        });
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
    for record in &records {
        let restored = match record.operation.as_str() {
            TOKEN => restore_token(engine, &record.body),
            STREAM_RECORDS => restore_stream_records(engine, &record.body),
            operation => {
                engine.handle_at(operation, &record.body, record.at.unwrap_or_else(now));
                Some(())
            }
        };
        // As for any complete record that is not a logged request (see `read_records`).
        if restored.is_none() {
            return Err(unreadable(&path, record.offset));
        }
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
        // The items are written as of now: replaying them sweeps expired ones as the engine
        // would have done now, before the stream records are put back as they are.
        let at = now();
        for table in state.tables.values() {
            let create = create_request(table).to_string();
            out.write_all(&encode("CreateTable", Some(table.created), create.as_bytes()))?;
            if let Some(attr) = &table.ttl_attribute {
                let body = json!({"TableName": table.name, "TimeToLiveSpecification": {"Enabled": true, "AttributeName": attr}});
                out.write_all(&encode("UpdateTimeToLive", Some(at), body.to_string().as_bytes()))?;
            }
            for (_, item) in table.all(None) {
                let body = json!({"TableName": table.name, "Item": item_json(item)});
                out.write_all(&encode("PutItem", Some(at), body.to_string().as_bytes()))?;
            }
            if table.stream.is_some() || !table.stream_records.is_empty() {
                let body = json!({"TableName": table.name, "Records": table.stream_records,
                    "Sequence": table.sequence});
                out.write_all(&encode(STREAM_RECORDS, None, body.to_string().as_bytes()))?;
            }
        }
        for (token, remembered) in state.tokens.iter() {
            let items: Vec<Json> = remembered
                .items
                .iter()
                .filter_map(|(name, key)| {
                    let table = state.tables.get(name)?;
                    Some(json!({"TableName": name, "Key": item_json(&table.key_item(key))}))
                })
                .collect();
            let body = json!({
                "Token": token,
                "Fingerprint": hex(&remembered.fingerprint),
                // As text: serde_json's number reader does not read every f64 back exactly.
                "At": remembered.at.to_string(),
                "Items": items,
            });
            out.write_all(&encode(TOKEN, None, body.to_string().as_bytes()))?;
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A `pydynox.Token` record: the token remembered as it was when the log was compacted. None
/// when the record cannot be read (`compact` writes these records, and their tables come first).
fn restore_token(engine: &Engine, body: &[u8]) -> Option<()> {
    let record = serde_json::from_slice::<Json>(body).ok()?;
    let token = record["Token"].as_str()?;
    let fingerprint = record["Fingerprint"].as_str().and_then(unhex)?;
    let at = record["At"].as_str()?.parse::<f64>().ok()?;
    engine.with_state(|state| {
        let items = record["Items"]
            .as_array()?
            .iter()
            .map(|entry| {
                let name = entry["TableName"].as_str()?;
                let key = item_from_json(&entry["Key"]).ok()?;
                let key = state.tables.get(name)?.key_from_request(&key).ok()?;
                Some((name.to_owned(), key))
            })
            .collect::<Option<Vec<_>>>()?;
        state.tokens.remember(
            token,
            Remembered {
                fingerprint,
                at,
                items,
            },
        );
        Some(())
    })
}

/// A `pydynox.StreamRecords` record: the table's stream records as they were when the log was
/// compacted, in place of the INSERT records its replayed items made, and the sequence number
/// the next record follows on from. None when the record cannot be read.
fn restore_stream_records(engine: &Engine, body: &[u8]) -> Option<()> {
    let record = serde_json::from_slice::<Json>(body).ok()?;
    let name = record["TableName"].as_str()?;
    let records = record["Records"].as_array()?;
    let sequence = record["Sequence"].as_u64()?;
    engine.with_state(|state| {
        let table = state.table_mut(name).ok()?;
        table.stream_records = records.clone();
        table.sequence = sequence;
        Some(())
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
        f.write_all(&encode("PutItem", Some(1.0), b"{\"TableName\":\"t1x\"")[..10])
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

    #[test]
    fn times_tokens_and_stream_records_carry_on_after_a_restart_and_a_compaction() {
        let dir = std::env::temp_dir().join(format!("pydynox-wal-times-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let engine = Engine::default();
        attach(&engine, &dir).unwrap();
        // Everything happened nine and a half minutes ago: the token has 30 s of its window left.
        let then = now() - 570.0;
        let create = json!({"TableName": "ledger", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}});
        let at = |engine: &Engine, operation: &str, body: &Json, at: f64| {
            let answer = engine.handle_at(operation, body.to_string().as_bytes(), at);
            let text = String::from_utf8_lossy(&answer.body).into_owned();
            assert_eq!(answer.status, 200, "{operation}: {text}");
            text
        };
        at(&engine, "CreateTable", &create, then);
        let add = json!({"ClientRequestToken": "once", "TransactItems": [{"Update": {
            "TableName": "ledger", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}}}}]});
        at(&engine, "TransactWriteItems", &add, then);
        at(&engine, "TransactWriteItems", &add, then + 1.0);
        let counter = |engine: &Engine| {
            ok(
                engine,
                "GetItem",
                json!({"TableName": "ledger", "Key": {"pk": {"S": "a"}}, "ConsistentRead": true}),
            )
        };
        assert!(counter(&engine).contains(r#""N":"1""#));
        let describe = json!({"TableName": "ledger"});
        let described = ok(&engine, "DescribeTable", describe.clone());
        let records = engine.stream_records("ledger", false).unwrap();
        assert_eq!(records.len(), 1);

        let state_of = |engine: &Engine| {
            engine.with_state(|s| {
                let remembered = s.tokens.get("once", now()).map(|r| (r.at, r.items.len()));
                let table = s.table("ledger").map(|t| (t.created, t.sequence)).ok();
                (remembered, table)
            })
        };
        let before = state_of(&engine);
        assert_eq!(before, (Some((then, 1)), Some((then, 1))));

        // Replayed at the times the requests were answered, and again after a compaction.
        for compacted in [false, true] {
            let restarted = Engine::default();
            attach(&restarted, &dir).unwrap();
            assert_eq!(state_of(&restarted), before, "compacted: {compacted}");
            assert_eq!(ok(&restarted, "DescribeTable", describe.clone()), described);
            assert_eq!(restarted.stream_records("ledger", false).unwrap(), records);
            // Within the window, a retry is answered and not applied again.
            ok(&restarted, "TransactWriteItems", add.clone());
            assert!(counter(&restarted).contains(r#""N":"1""#));
            compact(&restarted).unwrap();
        }

        // Once the window is over, the same request is a new transaction; its stream record
        // follows on from the ones before.
        let restarted = Engine::default();
        attach(&restarted, &dir).unwrap();
        at(&restarted, "TransactWriteItems", &add, then + 600.0);
        assert!(counter(&restarted).contains(r#""N":"2""#));
        let records = restarted.stream_records("ledger", false).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[1]["dynamodb"]["SequenceNumber"],
            json!(format!("{:021}", 2))
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_complete_record_that_is_not_a_request_is_refused_not_dropped() {
        let dir = std::env::temp_dir().join(format!("pydynox-wal-bad-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let create = br#"{"TableName": "t1x", "BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}"#;
        let put = br#"{"TableName": "t1x", "Item": {"pk": {"S": "a"}}}"#;
        for bad in [
            encode("PutItem soon", None, put),
            encode("PutItem", None, put)
                .into_iter()
                .filter(|b| *b != b'\n')
                .collect(),
            // Compaction's own records, unreadable.
            encode(TOKEN, None, br#"{"Token": "t"}"#),
            encode(
                STREAM_RECORDS,
                None,
                br#"{"TableName": "gone", "Records": [], "Sequence": 1}"#,
            ),
        ] {
            // Rewrite the checksum over the altered payload: the record is complete, not torn.
            let mut record = bad;
            let sum = fnv1a(&record[12..]);
            let len = (record.len() - 12) as u32;
            record[..4].copy_from_slice(&len.to_le_bytes());
            record[4..12].copy_from_slice(&sum.to_le_bytes());
            let mut log = encode("CreateTable", Some(1.0), create);
            log.extend_from_slice(&record);
            log.extend_from_slice(&encode("PutItem", Some(2.0), put));
            fs::write(dir.join(LOG), &log).unwrap();
            let error = attach(&Engine::default(), &dir).expect_err("refused");
            assert_eq!(error.kind(), io::ErrorKind::InvalidData);
            assert!(
                error.to_string().contains("is not a logged request"),
                "{error}"
            );
            // Nothing was cut from the log.
            assert_eq!(fs::read(dir.join(LOG)).unwrap(), log);
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_token_time_survives_compaction_to_the_last_bit() {
        let dir = std::env::temp_dir().join(format!("pydynox-wal-at-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let engine = Engine::default();
        attach(&engine, &dir).unwrap();
        // serde_json's number reader reads this one back as 1795263383.157714.
        let at = 1_795_263_383.157_714_1_f64;
        engine.with_state(|s| {
            s.tokens.remember(
                "t",
                Remembered {
                    fingerprint: [7; 32],
                    at,
                    items: Vec::new(),
                },
            )
        });
        compact(&engine).unwrap();
        let restarted = Engine::default();
        attach(&restarted, &dir).unwrap();
        let kept: Vec<(String, f64, [u8; 32])> = restarted.with_state(|s| {
            s.tokens
                .iter()
                .map(|(t, r)| (t.to_owned(), r.at, r.fingerprint))
                .collect()
        });
        assert_eq!(kept, vec![("t".to_owned(), at, [7; 32])]);
        let _ = fs::remove_dir_all(&dir);
    }
}
