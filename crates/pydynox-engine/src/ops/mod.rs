//! The DynamoDB API operations, one module per family, and their dispatch by operation name.

pub mod batch;
pub mod items;
pub mod partiql;
pub mod reads;
pub mod tables;
pub mod transact;

use serde_json::Value as Json;

use crate::engine::State;
use crate::error::{Error, Result};
use crate::request::Request;
use crate::wire;

/// What a successful request did: only writes belong in the write-ahead log (a replay of reads
/// would cost disk and fsyncs for nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    Write,
}

/// An operation's answer: a JSON tree, or text the operation wrote itself (`wire::Out`), which is
/// how answers carrying items are made.
pub enum Answer {
    Tree(Json),
    Text(Vec<u8>),
}

impl From<Json> for Answer {
    fn from(json: Json) -> Answer {
        Answer::Tree(json)
    }
}

impl From<Vec<u8>> for Answer {
    fn from(text: Vec<u8>) -> Answer {
        Answer::Text(text)
    }
}

impl Answer {
    fn bytes(self) -> Vec<u8> {
        match self {
            Answer::Tree(json) => wire::json_bytes(&json),
            Answer::Text(text) => text,
        }
    }
}

/// Runs one operation; the answer's text, and whether it changed anything.
pub fn call(
    state: &mut State,
    operation: &str,
    req: &Request,
    now: f64,
) -> Result<(Vec<u8>, Effect)> {
    let write = |answer: Result<Json>| answer.map(|a| (wire::json_bytes(&a), Effect::Write));
    let read = |answer: Result<Json>| answer.map(|a| (wire::json_bytes(&a), Effect::Read));
    let write_text = |answer: Result<Answer>| answer.map(|a| (a.bytes(), Effect::Write));
    let read_text = |answer: Result<Answer>| answer.map(|a| (a.bytes(), Effect::Read));
    let statements =
        |answer: Result<(Json, Effect)>| answer.map(|(a, e)| (wire::json_bytes(&a), e));
    match operation {
        "CreateTable" => write(tables::create_table(state, req, now)),
        "DescribeTable" => read(tables::describe_table(state, req)),
        "ListTables" => read(tables::list_tables(state, req)),
        "UpdateTable" => write(tables::update_table(state, req, now)),
        "DeleteTable" => write(tables::delete_table(state, req)),
        "UpdateTimeToLive" => write(tables::update_time_to_live(state, req)),
        "DescribeTimeToLive" => read(tables::describe_time_to_live(state, req)),
        "TagResource" => write(tables::tag_resource(state, req)),
        "UntagResource" => write(tables::untag_resource(state, req)),
        "ListTagsOfResource" => read(tables::list_tags(state, req)),
        "PutItem" => write_text(items::put_item(state, req, now)),
        "GetItem" => read_text(items::get_item(state, req)),
        "UpdateItem" => write_text(items::update_item(state, req, now)),
        "DeleteItem" => write_text(items::delete_item(state, req, now)),
        "Query" => read_text(reads::query(state, req)),
        "Scan" => read_text(reads::scan(state, req)),
        "BatchGetItem" => read_text(batch::batch_get_item(state, req)),
        "BatchWriteItem" => write(batch::batch_write_item(state, req, now)),
        "TransactWriteItems" => write(transact::transact_write_items(state, req, now)),
        "TransactGetItems" => read(transact::transact_get_items(state, req)),
        "ExecuteStatement" => statements(partiql::execute_statement(state, req, now)),
        "BatchExecuteStatement" => statements(partiql::batch_execute_statement(state, req, now)),
        "ExecuteTransaction" => statements(partiql::execute_transaction(state, req, now)),
        other => Err(Error::new(
            "UnknownOperationException",
            format!("Unknown operation: {other}"),
        )),
    }
}
