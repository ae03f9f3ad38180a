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

pub fn call(state: &mut State, operation: &str, body: &Json, now: f64) -> Result<Json> {
    let req = Request::new(body)?;
    match operation {
        "CreateTable" => tables::create_table(state, &req, now),
        "DescribeTable" => tables::describe_table(state, &req),
        "ListTables" => tables::list_tables(state, &req),
        "UpdateTable" => tables::update_table(state, &req, now),
        "DeleteTable" => tables::delete_table(state, &req),
        "UpdateTimeToLive" => tables::update_time_to_live(state, &req),
        "DescribeTimeToLive" => tables::describe_time_to_live(state, &req),
        "TagResource" => tables::tag_resource(state, &req),
        "UntagResource" => tables::untag_resource(state, &req),
        "ListTagsOfResource" => tables::list_tags(state, &req),
        "PutItem" => items::put_item(state, &req, now),
        "GetItem" => items::get_item(state, &req),
        "UpdateItem" => items::update_item(state, &req, now),
        "DeleteItem" => items::delete_item(state, &req, now),
        "Query" => reads::query(state, &req),
        "Scan" => reads::scan(state, &req),
        "BatchGetItem" => batch::batch_get_item(state, &req),
        "BatchWriteItem" => batch::batch_write_item(state, &req, now),
        "TransactWriteItems" => transact::transact_write_items(state, &req, now),
        "TransactGetItems" => transact::transact_get_items(state, &req),
        "ExecuteStatement" => partiql::execute_statement(state, &req, now),
        "BatchExecuteStatement" => partiql::batch_execute_statement(state, &req, now),
        "ExecuteTransaction" => partiql::execute_transaction(state, &req, now),
        other => Err(Error::new(
            "UnknownOperationException",
            format!("Unknown operation: {other}"),
        )),
    }
}
