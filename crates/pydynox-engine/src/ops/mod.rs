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

/// What a successful request did: only writes belong in the write-ahead log (a replay of reads
/// would cost disk and fsyncs for nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    Write,
}

/// Runs one operation; the answer, and whether it changed anything.
pub fn call(state: &mut State, operation: &str, body: &Json, now: f64) -> Result<(Json, Effect)> {
    let req = Request::new(body)?;
    let write = |answer: Result<Json>| answer.map(|a| (a, Effect::Write));
    let read = |answer: Result<Json>| answer.map(|a| (a, Effect::Read));
    match operation {
        "CreateTable" => write(tables::create_table(state, &req, now)),
        "DescribeTable" => read(tables::describe_table(state, &req)),
        "ListTables" => read(tables::list_tables(state, &req)),
        "UpdateTable" => write(tables::update_table(state, &req, now)),
        "DeleteTable" => write(tables::delete_table(state, &req)),
        "UpdateTimeToLive" => write(tables::update_time_to_live(state, &req)),
        "DescribeTimeToLive" => read(tables::describe_time_to_live(state, &req)),
        "TagResource" => write(tables::tag_resource(state, &req)),
        "UntagResource" => write(tables::untag_resource(state, &req)),
        "ListTagsOfResource" => read(tables::list_tags(state, &req)),
        "PutItem" => write(items::put_item(state, &req, now)),
        "GetItem" => read(items::get_item(state, &req)),
        "UpdateItem" => write(items::update_item(state, &req, now)),
        "DeleteItem" => write(items::delete_item(state, &req, now)),
        "Query" => read(reads::query(state, &req)),
        "Scan" => read(reads::scan(state, &req)),
        "BatchGetItem" => read(batch::batch_get_item(state, &req)),
        "BatchWriteItem" => write(batch::batch_write_item(state, &req, now)),
        "TransactWriteItems" => write(transact::transact_write_items(state, &req, now)),
        "TransactGetItems" => read(transact::transact_get_items(state, &req)),
        "ExecuteStatement" => partiql::execute_statement(state, &req, now),
        "BatchExecuteStatement" => partiql::batch_execute_statement(state, &req, now),
        "ExecuteTransaction" => partiql::execute_transaction(state, &req, now),
        other => Err(Error::new(
            "UnknownOperationException",
            format!("Unknown operation: {other}"),
        )),
    }
}
