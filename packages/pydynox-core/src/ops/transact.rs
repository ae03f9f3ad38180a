//! TransactWriteItems and TransactGetItems. Operations are plain dicts (the 1.x shape):
//! `{"type": "put" | "update" | "delete" | "condition_check", "table": ..., "item" | "key": ...,
//!   "update_expression"?, "condition_expression"?, "expression_attribute_names"?,
//!   "expression_attribute_values"?, "return_values_on_condition_check_failure"?}`.

use std::collections::BTreeSet;
use std::sync::Arc;

use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Get, Put, ReturnConsumedCapacity, TransactGetItem, TransactWriteItem,
    Update,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::{
    key_from_py, names_from_py, on_condition_failure, paths_from_py, projection_from_paths,
    require_table, values_from_py,
};
use crate::client::{CoreClient, Shared};
use crate::codec::{decode_items, encode_item, encode_sealed, ItemCodecs, SealedSlot};
use crate::convert::{item_to_py, Item};
use crate::errors::{from_sdk, request_id_of, Extra, OpError};
use crate::events::{OpSpec, OpStats, ParamValue};
use crate::model::schema::Decoder;
use crate::model::{item_to_write, ModelSchema};
use crate::runtime;

const MAX_TRANSACT_ITEMS: usize = 100;

const WRITE_FIELDS: &[&str] = &[
    "type",
    "table",
    "item",
    "key",
    "update_expression",
    "condition_expression",
    "expression_attribute_names",
    "expression_attribute_values",
    "return_values_on_condition_check_failure",
];

fn field<'py>(op: &Bound<'py, PyDict>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(op.get_item(name)?.filter(|v| !v.is_none()))
}

fn string_field(op: &Bound<'_, PyDict>, name: &str, label: &str) -> PyResult<Option<String>> {
    match field(op, name)? {
        Some(v) => Ok(Some(v.extract().map_err(|_| {
            PyTypeError::new_err(format!("{label}: {name} must be a str"))
        })?)),
        None => Ok(None),
    }
}

fn required<T>(value: Option<T>, label: &str, name: &str, kind: &str) -> PyResult<T> {
    value.ok_or_else(|| PyValueError::new_err(format!("{label}: a {kind} operation needs {name}")))
}

fn build_err(label: &str, e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{label}: {e}"))
}

/// What an operation still needs encoded once it runs: a model's put (its compressed and encrypted
/// attributes), or an update's sealed values.
enum Pending {
    Put {
        codecs: Arc<ItemCodecs>,
        passthrough: Vec<String>,
    },
    Update {
        key: Item,
        slots: Vec<SealedSlot>,
    },
}

fn write_item(
    op: &Bound<'_, PyAny>,
    index: usize,
) -> PyResult<(TransactWriteItem, String, Option<Pending>)> {
    let label = format!("operations[{index}]");
    let op = op
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err(format!("{label} must be a dict")))?;
    for key in op.keys() {
        let key: String = key.extract()?;
        if !WRITE_FIELDS.contains(&key.as_str()) {
            return Err(PyValueError::new_err(format!(
                "{label}: unknown field {key:?} (expected some of {WRITE_FIELDS:?})"
            )));
        }
    }
    let kind = required(
        string_field(op, "type", &label)?,
        &label,
        "'type'",
        "transaction",
    )?;
    let table = required(string_field(op, "table", &label)?, &label, "'table'", &kind)?;
    require_table(&table)?;
    let condition = string_field(op, "condition_expression", &label)?;
    let names =
        names_from_py(field(op, "expression_attribute_names")?.as_ref())?.filter(|n| !n.is_empty());
    let (values, sealed) = values_from_py(field(op, "expression_attribute_values")?.as_ref())?;
    let values = values.filter(|v| !v.is_empty());
    if sealed.is_some() && kind != "update" {
        return Err(PyTypeError::new_err(format!(
            "{label}: compressed and encrypted values can only be set by an update, never compared"
        )));
    }
    let mut pending = None;
    let on_failure = on_condition_failure(
        match field(op, "return_values_on_condition_check_failure")? {
            Some(v) => v.is_truthy()?,
            None => false,
        },
    );
    let key = |op: &Bound<'_, PyDict>| -> PyResult<_> {
        let k = required(field(op, "key")?, &label, "'key'", &kind)?;
        key_from_py(&k, &format!("{label}.key"))
    };
    let builder = TransactWriteItem::builder();
    let item = match kind.as_str() {
        "put" => {
            let item = required(field(op, "item")?, &label, "'item'", "put")?;
            let (item, encode) = item_to_write(&item, &format!("{label}.item"))?;
            if let Some((codecs, passthrough)) = encode {
                pending = Some(Pending::Put {
                    codecs,
                    passthrough,
                });
            }
            builder.put(
                Put::builder()
                    .table_name(&table)
                    .set_item(Some(item))
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(|e| build_err(&label, e))?,
            )
        }
        "delete" => builder.delete(
            Delete::builder()
                .table_name(&table)
                .set_key(Some(key(op)?))
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .set_return_values_on_condition_check_failure(on_failure)
                .build()
                .map_err(|e| build_err(&label, e))?,
        ),
        "update" => {
            let update = required(
                string_field(op, "update_expression", &label)?,
                &label,
                "'update_expression'",
                "update",
            )?;
            let item_key = key(op)?;
            if let Some(slots) = sealed {
                pending = Some(Pending::Update {
                    key: item_key.clone(),
                    slots,
                });
            }
            builder.update(
                Update::builder()
                    .table_name(&table)
                    .set_key(Some(item_key))
                    .update_expression(update)
                    .set_condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(|e| build_err(&label, e))?,
            )
        }
        "condition_check" => {
            let condition = required(
                condition,
                &label,
                "'condition_expression'",
                "condition_check",
            )?;
            builder.condition_check(
                ConditionCheck::builder()
                    .table_name(&table)
                    .set_key(Some(key(op)?))
                    .condition_expression(condition)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .set_return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(|e| build_err(&label, e))?,
            )
        }
        other => {
            return Err(PyValueError::new_err(format!(
            "{label}: type must be 'put', 'update', 'delete' or 'condition_check', got {other:?}"
        )))
        }
    };
    Ok((item.build(), table, pending))
}

/// Encodes what the operations still need encoded, in place, just before the request is sent.
async fn encode_pending(
    shared: &Shared,
    items: &mut [TransactWriteItem],
    pending: Vec<(usize, Pending)>,
    stats: &mut OpStats,
) -> Result<(), OpError> {
    for (i, job) in pending {
        match job {
            Pending::Put {
                codecs,
                passthrough,
            } => {
                if let Some(put) = items[i].put.as_mut() {
                    encode_item(
                        shared,
                        &put.table_name,
                        &codecs,
                        &mut put.item,
                        &passthrough,
                        stats,
                    )
                    .await?;
                }
            }
            Pending::Update { key, slots } => {
                if let Some(update) = items[i].update.as_mut() {
                    let values = update
                        .expression_attribute_values
                        .get_or_insert_with(Default::default);
                    encode_sealed(shared, &update.table_name, &key, values, slots, stats).await?;
                }
            }
        }
    }
    Ok(())
}

fn check_count(n: usize, what: &str) -> PyResult<()> {
    if n == 0 {
        return Err(PyValueError::new_err(format!(
            "{what} must hold at least one operation"
        )));
    }
    if n > MAX_TRANSACT_ITEMS {
        return Err(PyValueError::new_err(format!(
            "{what} holds {n} operations; a DynamoDB transaction takes at most {MAX_TRANSACT_ITEMS}"
        )));
    }
    Ok(())
}

fn spec_for(operation: &'static str, tables: BTreeSet<String>, count: usize) -> OpSpec {
    let single = (tables.len() == 1)
        .then(|| tables.iter().next().cloned())
        .flatten();
    let mut spec = OpSpec::new(operation, single.as_deref());
    spec.batch_size = Some(count);
    spec.param("table_names", || {
        Some(ParamValue::Strs(tables.into_iter().collect()))
    });
    spec
}

#[pymethods]
impl CoreClient {
    #[pyo3(signature = (is_async, operations, client_request_token=None))]
    fn transact_write<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        operations: &Bound<'py, PyAny>,
        client_request_token: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ops = operations
            .cast::<PyList>()
            .map_err(|_| PyTypeError::new_err("operations must be a list of dicts"))?;
        check_count(ops.len(), "operations")?;
        if let Some(token) = &client_request_token {
            if token.is_empty() || token.len() > 36 {
                return Err(PyValueError::new_err(format!(
                    "client_request_token must be 1 to 36 characters long, got {} characters",
                    token.len()
                )));
            }
        }
        let mut items = Vec::with_capacity(ops.len());
        let mut tables = BTreeSet::new();
        let mut pending = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let (item, table, job) = write_item(&op, i)?;
            items.push(item);
            tables.insert(table);
            if let Some(job) = job {
                pending.push((i, job));
            }
        }
        let spec = spec_for("TransactWriteItems", tables, items.len());
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let mut items = items;
                    encode_pending(&shared, &mut items, pending, &mut stats).await?;
                    let client = shared.sdk().await?;
                    let _permit = shared.permit().await;
                    let request = client
                        .transact_write_items()
                        .set_transact_items(Some(items))
                        .set_client_request_token(client_request_token)
                        .return_consumed_capacity(ReturnConsumedCapacity::Total);
                    let out = runtime::pin_in_place(|| request.send())
                        .await
                        .map_err(|e| {
                            from_sdk(e, |e| match e {
                                TransactWriteItemsError::TransactionCanceledException(t) => {
                                    Extra::Reasons(t.cancellation_reasons().to_vec())
                                }
                                _ => Extra::None,
                            })
                        })?;
                    stats.request_id = request_id_of(&out);
                    stats.add_capacities(out.consumed_capacity(), true);
                    Ok::<_, OpError>(())
                }
                .await;
                (result, stats)
            },
            |py, (), _metrics| Ok(py.None()),
        )
    }

    /// Each get: `{"table", "key", "projection"? (list of paths), "projection_expression"?,
    /// "expression_attribute_names"?, "decode"? (the model schema whose compressed and encrypted
    /// attributes the item holds)}`. Returns one dict or None per get, in order.
    #[pyo3(signature = (is_async, gets))]
    fn transact_get<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        gets: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let list = gets
            .cast::<PyList>()
            .map_err(|_| PyTypeError::new_err("gets must be a list of dicts"))?;
        check_count(list.len(), "gets")?;
        let mut items = Vec::with_capacity(list.len());
        let mut tables = BTreeSet::new();
        let mut decoders: Vec<Option<(String, Decoder)>> = Vec::with_capacity(list.len());
        for (i, get) in list.iter().enumerate() {
            let label = format!("gets[{i}]");
            let get = get
                .cast::<PyDict>()
                .map_err(|_| PyTypeError::new_err(format!("{label} must be a dict")))?;
            let codecs = match field(get, "decode")? {
                Some(schema) => schema
                    .cast::<ModelSchema>()
                    .map_err(|_| {
                        PyTypeError::new_err(format!("{label}: decode must be a model schema"))
                    })?
                    .get()
                    .decoder(),
                None => None,
            };
            let table = required(
                string_field(get, "table", &label)?,
                &label,
                "'table'",
                "get",
            )?;
            require_table(&table)?;
            let key = key_from_py(
                &required(field(get, "key")?, &label, "'key'", "get")?,
                &format!("{label}.key"),
            )?;
            let mut names = names_from_py(field(get, "expression_attribute_names")?.as_ref())?
                .unwrap_or_default();
            let mut projection = string_field(get, "projection_expression", &label)?;
            if let Some(paths) = paths_from_py(field(get, "projection")?.as_ref())? {
                if projection.is_some() {
                    return Err(PyValueError::new_err(format!(
                        "{label}: give projection or projection_expression, not both"
                    )));
                }
                projection = Some(projection_from_paths(&paths, &mut names)?);
            }
            let g = Get::builder()
                .table_name(&table)
                .set_key(Some(key))
                .set_projection_expression(projection)
                .set_expression_attribute_names((!names.is_empty()).then_some(names))
                .build()
                .map_err(|e| build_err(&label, e))?;
            items.push(TransactGetItem::builder().get(g).build());
            decoders.push(codecs.map(|c| (table.clone(), c)));
            tables.insert(table);
        }
        let spec = spec_for("TransactGetItems", tables, items.len());
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    let _permit = shared.permit().await;
                    let request = client
                        .transact_get_items()
                        .set_transact_items(Some(items))
                        .return_consumed_capacity(ReturnConsumedCapacity::Total);
                    let out = runtime::pin_in_place(|| request.send())
                        .await
                        .map_err(|e| {
                            from_sdk(e, |e| match e {
                                TransactGetItemsError::TransactionCanceledException(t) => {
                                    Extra::Reasons(t.cancellation_reasons().to_vec())
                                }
                                _ => Extra::None,
                            })
                        })?;
                    stats.request_id = request_id_of(&out);
                    stats.add_capacities(out.consumed_capacity(), false);
                    let mut responses: Vec<_> = out
                        .responses
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| r.item)
                        .collect();
                    let found = responses.iter().filter(|r| r.is_some()).count() as i32;
                    stats.add_counts(found, found);
                    for (response, decoder) in responses.iter_mut().zip(&decoders) {
                        if let (Some(item), Some((table, codecs))) = (response, decoder) {
                            decode_items(
                                &shared,
                                table,
                                codecs,
                                std::slice::from_mut(item),
                                &mut stats,
                            )
                            .await?;
                        }
                    }
                    Ok::<_, OpError>(responses)
                }
                .await;
                (result, stats)
            },
            |py, responses, _metrics| {
                let list = PyList::empty(py);
                for r in responses {
                    match r {
                        Some(item) => list.append(item_to_py(py, &item)?)?,
                        None => list.append(py.None())?,
                    }
                }
                Ok(list.into_any().unbind())
            },
        )
    }
}
