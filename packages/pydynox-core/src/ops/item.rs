//! Single-item operations: PutItem, GetItem, DeleteItem, UpdateItem.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::query::page_codecs;
use super::{
    key_from_py, on_condition_failure, paths_from_py, projection_from_paths, require_table,
    return_value, ExprArgs,
};
use crate::capture::Capture;
use crate::client::{CoreClient, Shared};
use crate::codec::{decode_items, decode_page, encode_item, encode_sealed};
use crate::convert::wire::PageItems;
use crate::convert::{py_to_value, Item};
use crate::errors::{from_sdk, no_extra, request_id_of, Extra, OpError};
use crate::events::{OpSpec, OpStats, OperationMetrics, ParamValue};
use crate::model::schema::Decoder;
use crate::model::schema::{item_out, items_out};
use crate::model::{item_to_write, ModelSchema};
use crate::runtime;

/// Adds the table to errors that are about it, so "not found" says which table.
pub fn about_table(mut err: OpError, table: &str) -> OpError {
    if err.class == "ResourceNotFoundException" && !err.message.contains(table) {
        err.message = format!("{} (table {table:?})", err.message);
    }
    err.table = Some(table.to_owned());
    err
}

/// put/delete/update return the call's metrics, or the item asked for with `return_values`.
fn metrics_or_item(
    py: Python<'_>,
    wants_item: bool,
    attributes: Option<Item>,
    metrics: OperationMetrics,
    model: Option<&Py<ModelSchema>>,
) -> PyResult<Py<PyAny>> {
    if wants_item {
        Ok(match attributes {
            Some(item) => item_out(py, item, model)?.unbind(),
            None => py.None(),
        })
    } else {
        Ok(Bound::new(py, metrics)?.into_any().unbind())
    }
}

/// A returned item with its compressed and encrypted attributes decoded.
async fn decoded(
    shared: &Shared,
    table: &str,
    decoder: Option<&Decoder>,
    item: Option<Item>,
    stats: &mut OpStats,
) -> Result<Option<Item>, OpError> {
    match (decoder, item) {
        (Some(decoder), Some(item)) => {
            let mut items = [item];
            decode_items(shared, table, decoder, &mut items, stats).await?;
            let [item] = items;
            Ok(Some(item))
        }
        (_, item) => Ok(item),
    }
}

fn expression_param(spec: &mut OpSpec, name: &'static str, expr: &Option<String>) {
    spec.param(name, || expr.clone().map(ParamValue::Str));
}

#[pymethods]
impl CoreClient {
    #[pyo3(signature = (
        is_async, table, item, condition_expression=None, expression_attribute_names=None,
        expression_attribute_values=None, return_values_on_condition_check_failure=false, return_values=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn put_item<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        item: &Bound<'py, PyAny>,
        condition_expression: Option<String>,
        expression_attribute_names: Option<&Bound<'py, PyAny>>,
        expression_attribute_values: Option<&Bound<'py, PyAny>>,
        return_values_on_condition_check_failure: bool,
        return_values: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table)?;
        let (item, encode) = item_to_write(item, "item")?;
        if item.is_empty() {
            return Err(PyValueError::new_err(
                "item must hold at least the key attributes",
            ));
        }
        let expr = ExprArgs::from_py(expression_attribute_names, expression_attribute_values)?;
        expr.refuse_sealed()?;
        let rv = return_value(return_values.as_deref(), &["ALL_OLD"])?;
        let wants_item = rv.is_some();
        let mut spec = OpSpec::new("PutItem", Some(&table));
        expression_param(&mut spec, "condition_expression", &condition_expression);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let mut item = item;
                    if let Some((codecs, passthrough)) = &encode {
                        encode_item(&shared, &table, codecs, &mut item, passthrough, &mut stats)
                            .await?;
                    }
                    let client = shared.sdk().await?;
                    let _permit = shared.permit().await;
                    let (names, values) = expr.finish();
                    let request = client
                        .put_item()
                        .table_name(&table)
                        .set_item(Some(item))
                        .set_condition_expression(condition_expression)
                        .set_expression_attribute_names(names)
                        .set_expression_attribute_values(values)
                        .set_return_values(rv)
                        .set_return_values_on_condition_check_failure(on_condition_failure(
                            return_values_on_condition_check_failure,
                        ))
                        .return_consumed_capacity(ReturnConsumedCapacity::Total);
                    let out = runtime::pin_in_place(|| request.send())
                        .await
                        .map_err(|e| {
                            about_table(
                                from_sdk(e, |e| match e {
                                    PutItemError::ConditionalCheckFailedException(c) => {
                                        Extra::Item(c.item().cloned())
                                    }
                                    _ => Extra::None,
                                }),
                                &table,
                            )
                        })?;
                    stats.request_id = request_id_of(&out);
                    stats.add_capacity(out.consumed_capacity(), true);
                    Ok(out.attributes)
                }
                .await;
                (result, stats)
            },
            move |py, attrs, metrics| metrics_or_item(py, wants_item, attrs, metrics, None),
        )
    }

    #[pyo3(signature = (
        is_async, table, key, consistent_read=false, projection=None, expression_attribute_names=None,
        model=None, decode=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn get_item<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        key: &Bound<'py, PyAny>,
        consistent_read: bool,
        projection: Option<&Bound<'py, PyAny>>,
        expression_attribute_names: Option<&Bound<'py, PyAny>>,
        model: Option<Py<ModelSchema>>,
        decode: Option<Py<ModelSchema>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table)?;
        let key = key_from_py(key, "key")?;
        let codecs = page_codecs(model.as_ref(), decode.as_ref());
        let mut expr = ExprArgs::from_py(expression_attribute_names, None)?;
        let projection = match paths_from_py(projection)? {
            Some(paths) => Some(projection_from_paths(&paths, expr.names_mut())?),
            None => None,
        };
        let mut spec = OpSpec::new("GetItem", Some(&table));
        spec.param("consistent_read", || {
            Some(ParamValue::Bool(consistent_read))
        });
        expression_param(&mut spec, "projection", &projection);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    let _permit = shared.permit().await;
                    let (names, _) = expr.finish();
                    // The item is read from the response bytes, as a query page's are.
                    let capture = Capture::item();
                    let request = client
                        .get_item()
                        .table_name(&table)
                        .set_key(Some(key))
                        .consistent_read(consistent_read)
                        .set_projection_expression(projection)
                        .set_expression_attribute_names(names)
                        .return_consumed_capacity(ReturnConsumedCapacity::Total);
                    let out = capture
                        .send(|| request.send())
                        .await
                        .map_err(|e| about_table(from_sdk(e, no_extra), &table))?;
                    stats.request_id = request_id_of(&out);
                    stats.add_capacity(out.consumed_capacity(), false);
                    let mut item = match capture.take() {
                        Some(wire) => Some(PageItems::Wire(wire)),
                        None => out.item.map(|item| PageItems::Sdk(vec![item])),
                    };
                    let found = i32::from(item.is_some());
                    stats.add_counts(found, found);
                    if let (Some(decoder), Some(page)) = (codecs.as_ref(), item.as_mut()) {
                        decode_page(&shared, &table, decoder, page, &mut stats).await?;
                    }
                    Ok(item)
                }
                .await;
                (result, stats)
            },
            move |py, item, _metrics| {
                Ok(match item {
                    Some(page) => items_out(py, [page], model.as_ref())?.get_item(0)?.unbind(),
                    None => py.None(),
                })
            },
        )
    }

    #[pyo3(signature = (
        is_async, table, key, condition_expression=None, expression_attribute_names=None,
        expression_attribute_values=None, return_values_on_condition_check_failure=false, return_values=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn delete_item<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        key: &Bound<'py, PyAny>,
        condition_expression: Option<String>,
        expression_attribute_names: Option<&Bound<'py, PyAny>>,
        expression_attribute_values: Option<&Bound<'py, PyAny>>,
        return_values_on_condition_check_failure: bool,
        return_values: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table)?;
        let key = key_from_py(key, "key")?;
        let expr = ExprArgs::from_py(expression_attribute_names, expression_attribute_values)?;
        expr.refuse_sealed()?;
        let rv = return_value(return_values.as_deref(), &["ALL_OLD"])?;
        let wants_item = rv.is_some();
        let mut spec = OpSpec::new("DeleteItem", Some(&table));
        expression_param(&mut spec, "condition_expression", &condition_expression);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    let _permit = shared.permit().await;
                    let (names, values) = expr.finish();
                    let request = client
                        .delete_item()
                        .table_name(&table)
                        .set_key(Some(key))
                        .set_condition_expression(condition_expression)
                        .set_expression_attribute_names(names)
                        .set_expression_attribute_values(values)
                        .set_return_values(rv)
                        .set_return_values_on_condition_check_failure(on_condition_failure(
                            return_values_on_condition_check_failure,
                        ))
                        .return_consumed_capacity(ReturnConsumedCapacity::Total);
                    let out = runtime::pin_in_place(|| request.send())
                        .await
                        .map_err(|e| {
                            about_table(
                                from_sdk(e, |e| match e {
                                    DeleteItemError::ConditionalCheckFailedException(c) => {
                                        Extra::Item(c.item().cloned())
                                    }
                                    _ => Extra::None,
                                }),
                                &table,
                            )
                        })?;
                    stats.request_id = request_id_of(&out);
                    stats.add_capacity(out.consumed_capacity(), true);
                    Ok(out.attributes)
                }
                .await;
                (result, stats)
            },
            move |py, attrs, metrics| metrics_or_item(py, wants_item, attrs, metrics, None),
        )
    }

    #[pyo3(signature = (
        is_async, table, key, updates=None, update_expression=None, condition_expression=None,
        expression_attribute_names=None, expression_attribute_values=None,
        return_values_on_condition_check_failure=false, return_values=None, model=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn update_item<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        key: &Bound<'py, PyAny>,
        updates: Option<&Bound<'py, PyAny>>,
        update_expression: Option<String>,
        condition_expression: Option<String>,
        expression_attribute_names: Option<&Bound<'py, PyAny>>,
        expression_attribute_values: Option<&Bound<'py, PyAny>>,
        return_values_on_condition_check_failure: bool,
        return_values: Option<String>,
        model: Option<Py<ModelSchema>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table)?;
        let key = key_from_py(key, "key")?;
        let mut expr = ExprArgs::from_py(expression_attribute_names, expression_attribute_values)?;
        let update_expression = match (updates.filter(|u| !u.is_none()), update_expression) {
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err(
                    "pass either updates or update_expression, not both",
                ))
            }
            (Some(u), None) => Some(updates_to_expression(u, &mut expr)?),
            (None, Some(e)) => Some(e),
            (None, None) => None,
        };
        let rv = return_value(
            return_values.as_deref(),
            &["ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
        )?;
        let wants_item = rv.is_some();
        let codecs = page_codecs(model.as_ref(), None).filter(|_| wants_item);
        let sealed = expr.sealed.take();
        let mut spec = OpSpec::new("UpdateItem", Some(&table));
        expression_param(&mut spec, "update_expression", &update_expression);
        expression_param(&mut spec, "condition_expression", &condition_expression);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let (names, mut values) = expr.finish();
                    if let Some(slots) = sealed {
                        let values = values.get_or_insert_with(Default::default);
                        encode_sealed(&shared, &table, &key, values, slots, &mut stats).await?;
                    }
                    let client = shared.sdk().await?;
                    let _permit = shared.permit().await;
                    let request = client
                        .update_item()
                        .table_name(&table)
                        .set_key(Some(key))
                        .set_update_expression(update_expression)
                        .set_condition_expression(condition_expression)
                        .set_expression_attribute_names(names)
                        .set_expression_attribute_values(values)
                        .set_return_values(rv)
                        .set_return_values_on_condition_check_failure(on_condition_failure(
                            return_values_on_condition_check_failure,
                        ))
                        .return_consumed_capacity(ReturnConsumedCapacity::Total);
                    let out = runtime::pin_in_place(|| request.send())
                        .await
                        .map_err(|e| {
                            about_table(
                                from_sdk(e, |e| match e {
                                    UpdateItemError::ConditionalCheckFailedException(c) => {
                                        Extra::Item(c.item().cloned())
                                    }
                                    _ => Extra::None,
                                }),
                                &table,
                            )
                        })?;
                    stats.request_id = request_id_of(&out);
                    stats.add_capacity(out.consumed_capacity(), true);
                    decoded(&shared, &table, codecs.as_ref(), out.attributes, &mut stats).await
                }
                .await;
                (result, stats)
            },
            move |py, attrs, metrics| {
                metrics_or_item(py, wants_item, attrs, metrics, model.as_ref())
            },
        )
    }
}

/// `updates={"name": "Ana", "nick": None}` → `SET #up0 = :up0 REMOVE #up1`. None removes the attribute
/// (DynamoDB has no "unset" value; storing NULL would leave a stale attribute behind).
fn updates_to_expression(updates: &Bound<'_, PyAny>, expr: &mut ExprArgs) -> PyResult<String> {
    let dict = updates.cast::<PyDict>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("updates must be a dict of attribute name → value")
    })?;
    if dict.is_empty() {
        return Err(PyValueError::new_err(
            "updates must set or remove at least one attribute",
        ));
    }
    let mut sets = Vec::new();
    let mut removes = Vec::new();
    for (i, (name, value)) in dict.iter().enumerate() {
        let name: String = name.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err("updates keys must be attribute names (str)")
        })?;
        let placeholder = format!("#up{i}");
        expr.names_mut().insert(placeholder.clone(), name.clone());
        if value.is_none() {
            removes.push(placeholder);
        } else {
            let value_ph = format!(":up{i}");
            let av = py_to_value(&value, &format!("updates attribute '{name}'"))?;
            expr.values_mut().insert(value_ph.clone(), av);
            sets.push(format!("{placeholder} = {value_ph}"));
        }
    }
    let mut out = String::new();
    if !sets.is_empty() {
        out.push_str("SET ");
        out.push_str(&sets.join(", "));
    }
    if !removes.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str("REMOVE ");
        out.push_str(&removes.join(", "));
    }
    Ok(out)
}
