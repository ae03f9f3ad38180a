//! Query and Scan: single pages (the Python iterators page through them), COUNT, and parallel scans
//! whose segments run concurrently inside one logical operation.

use aws_sdk_dynamodb::types::{ReturnConsumedCapacity, Select};
use futures_util::future::join_all;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use super::item::about_table;
use super::{require_table, ExprArgs, Names};
use crate::capture::Capture;
use crate::client::{CoreClient, Shared};
use crate::codec::decode_page;
use crate::convert::wire::PageItems;
use crate::convert::{item_to_py, py_to_item, Item};
use crate::errors::{from_sdk, no_extra, request_id_of, OpError};
use crate::events::{OpSpec, OpStats, OperationMetrics, ParamValue};
use crate::model::schema::items_out;
use crate::model::schema::Decoder;
use crate::model::ModelSchema;

/// One page of a Query or Scan.
#[pyclass(module = "pydynox._core", frozen, get_all)]
pub struct Page {
    pub items: Py<PyList>,
    /// Where the next page starts; None on the last page.
    pub last_evaluated_key: Option<Py<PyAny>>,
    pub count: u64,
    pub scanned_count: u64,
    pub metrics: Py<OperationMetrics>,
}

#[derive(Clone, Debug, Default)]
struct ReadArgs {
    table: String,
    index_name: Option<String>,
    key_condition: Option<String>,
    filter: Option<String>,
    projection: Option<String>,
    names: Option<Names>,
    values: Option<Item>,
    limit: Option<i32>,
    forward: Option<bool>,
    consistent_read: bool,
    select: Option<Select>,
    segment: Option<i32>,
    total_segments: Option<i32>,
}

struct PageOut {
    items: PageItems,
    last_key: Option<Item>,
    count: i32,
    scanned: i32,
}

fn parse_select(select: Option<&str>) -> PyResult<Option<Select>> {
    match select {
        None => Ok(None),
        Some(s @ ("ALL_ATTRIBUTES" | "ALL_PROJECTED_ATTRIBUTES" | "SPECIFIC_ATTRIBUTES" | "COUNT")) => {
            Ok(Some(Select::from(s)))
        }
        Some(other) => Err(PyValueError::new_err(format!(
            "select must be ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES or COUNT, got {other:?}"
        ))),
    }
}

fn positive_limit(name: &str, limit: Option<i64>) -> PyResult<Option<i32>> {
    match limit {
        None => Ok(None),
        Some(n) if n >= 1 && n <= i32::MAX as i64 => Ok(Some(n as i32)),
        Some(n) => Err(PyValueError::new_err(format!(
            "{name} must be a positive whole number, got {n}"
        ))),
    }
}

fn describe(spec: &mut OpSpec, args: &ReadArgs) {
    spec.param("consistent_read", || {
        Some(ParamValue::Bool(args.consistent_read))
    });
    spec.param("limit", || args.limit.map(|l| ParamValue::Int(l as i64)));
    spec.param("projection", || {
        args.projection.clone().map(ParamValue::Str)
    });
    spec.param("select", || {
        args.select
            .as_ref()
            .map(|s| ParamValue::Str(s.as_str().to_owned()))
    });
    spec.param("scan_forward", || args.forward.map(ParamValue::Bool));
    spec.param("segment", || {
        args.segment.map(|s| ParamValue::Int(s as i64))
    });
    spec.param("total_segments", || {
        args.total_segments.map(|s| ParamValue::Int(s as i64))
    });
    spec.param("key_condition_expression", || {
        args.key_condition.clone().map(ParamValue::Str)
    });
    spec.param("filter_expression", || {
        args.filter.clone().map(ParamValue::Str)
    });
}

async fn fetch_page(
    shared: &Shared,
    args: &ReadArgs,
    start: Option<Item>,
    stats: &mut OpStats,
) -> Result<PageOut, OpError> {
    let client = shared.sdk().await?;
    let _permit = shared.permit().await;
    let capture = Capture::items();
    let page = if let Some(kc) = &args.key_condition {
        let request = client
            .query()
            .table_name(&args.table)
            .set_index_name(args.index_name.clone())
            .key_condition_expression(kc)
            .set_filter_expression(args.filter.clone())
            .set_projection_expression(args.projection.clone())
            .set_expression_attribute_names(args.names.clone())
            .set_expression_attribute_values(args.values.clone())
            .set_limit(args.limit)
            .set_scan_index_forward(args.forward)
            .consistent_read(args.consistent_read)
            .set_select(args.select.clone())
            .set_exclusive_start_key(start)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        let out = capture
            .send(|| request.send())
            .await
            .map_err(|e| about_table(from_sdk(e, no_extra), &args.table))?;
        stats.request_id = request_id_of(&out);
        stats.add_capacity(out.consumed_capacity(), false);
        PageOut {
            count: out.count,
            scanned: out.scanned_count,
            last_key: out.last_evaluated_key,
            items: page_items(&capture, out.items),
        }
    } else {
        let request = client
            .scan()
            .table_name(&args.table)
            .set_index_name(args.index_name.clone())
            .set_filter_expression(args.filter.clone())
            .set_projection_expression(args.projection.clone())
            .set_expression_attribute_names(args.names.clone())
            .set_expression_attribute_values(args.values.clone())
            .set_limit(args.limit)
            .consistent_read(args.consistent_read)
            .set_select(args.select.clone())
            .set_segment(args.segment)
            .set_total_segments(args.total_segments)
            .set_exclusive_start_key(start)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        let out = capture
            .send(|| request.send())
            .await
            .map_err(|e| about_table(from_sdk(e, no_extra), &args.table))?;
        stats.request_id = request_id_of(&out);
        stats.add_capacity(out.consumed_capacity(), false);
        PageOut {
            count: out.count,
            scanned: out.scanned_count,
            last_key: out.last_evaluated_key,
            items: page_items(&capture, out.items),
        }
    };
    stats.add_counts(page.count, page.scanned);
    Ok(page)
}

fn page_items(capture: &Capture, sdk_items: Option<Vec<Item>>) -> PageItems {
    match capture.take() {
        Some(wire) => PageItems::Wire(wire),
        None => PageItems::Sdk(sdk_items.unwrap_or_default()),
    }
}

/// Every page until the end, with the total count DynamoDB reported.
async fn fetch_all(
    shared: &Shared,
    args: &ReadArgs,
    stats: &mut OpStats,
) -> Result<(Vec<PageItems>, u64), OpError> {
    let mut items = Vec::new();
    let mut count: u64 = 0;
    let mut start = None;
    loop {
        let page = fetch_page(shared, args, start, stats).await?;
        count += page.count.max(0) as u64;
        items.push(page.items);
        match page.last_key {
            Some(k) => start = Some(k),
            None => return Ok((items, count)),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn read_args(
    table: String,
    index_name: Option<String>,
    key_condition: Option<String>,
    filter: Option<String>,
    projection: Option<String>,
    names: Option<&Bound<'_, PyAny>>,
    values: Option<&Bound<'_, PyAny>>,
    consistent_read: bool,
) -> PyResult<ReadArgs> {
    require_table(&table)?;
    let expr = ExprArgs::from_py(names, values)?;
    expr.refuse_sealed()?;
    let (names, values) = expr.finish();
    Ok(ReadArgs {
        table,
        index_name,
        key_condition,
        filter,
        projection,
        names,
        values,
        consistent_read,
        ..Default::default()
    })
}

fn page_to_py(
    py: Python<'_>,
    page: PageOut,
    metrics: OperationMetrics,
    model: Option<&Py<ModelSchema>>,
) -> PyResult<Py<PyAny>> {
    let last_evaluated_key = page
        .last_key
        .map(|k| item_to_py(py, &k).map(|d| d.into_any().unbind()))
        .transpose()?;
    let page = Page {
        items: items_out(py, [page.items], model)?.unbind(),
        last_evaluated_key,
        count: page.count.max(0) as u64,
        scanned_count: page.scanned.max(0) as u64,
        metrics: Py::new(py, metrics)?,
    };
    Ok(Py::new(py, page)?.into_any())
}

/// What decodes a page: the model's codecs, or (for plain-dict reads of a model) `decode`'s.
pub fn page_codecs(
    model: Option<&Py<ModelSchema>>,
    decode: Option<&Py<ModelSchema>>,
) -> Option<Decoder> {
    model.or(decode).and_then(|m| m.get().decoder())
}

/// One page, its compressed and encrypted attributes decoded.
async fn fetch_decoded(
    shared: &Shared,
    args: &ReadArgs,
    start: Option<Item>,
    decoder: Option<&Decoder>,
    stats: &mut OpStats,
) -> Result<PageOut, OpError> {
    let mut page = fetch_page(shared, args, start, stats).await?;
    if let Some(decoder) = decoder {
        decode_page(shared, &args.table, decoder, &mut page.items, stats).await?;
    }
    Ok(page)
}

fn start_key(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Item>> {
    match obj.filter(|o| !o.is_none()) {
        Some(o) => Ok(Some(py_to_item(o, "exclusive_start_key")?)),
        None => Ok(None),
    }
}

#[pymethods]
impl CoreClient {
    #[pyo3(signature = (
        is_async, table, key_condition_expression, filter_expression=None, projection_expression=None,
        expression_attribute_names=None, expression_attribute_values=None, limit=None,
        scan_index_forward=None, index_name=None, exclusive_start_key=None, consistent_read=false, select=None,
        model=None, decode=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn query_page<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        key_condition_expression: String,
        filter_expression: Option<String>,
        projection_expression: Option<String>,
        expression_attribute_names: Option<&Bound<'py, PyAny>>,
        expression_attribute_values: Option<&Bound<'py, PyAny>>,
        limit: Option<i64>,
        scan_index_forward: Option<bool>,
        index_name: Option<String>,
        exclusive_start_key: Option<&Bound<'py, PyAny>>,
        consistent_read: bool,
        select: Option<String>,
        model: Option<Py<ModelSchema>>,
        decode: Option<Py<ModelSchema>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let codecs = page_codecs(model.as_ref(), decode.as_ref());
        let mut args = read_args(
            table,
            index_name,
            Some(key_condition_expression),
            filter_expression,
            projection_expression,
            expression_attribute_names,
            expression_attribute_values,
            consistent_read,
        )?;
        args.limit = positive_limit("limit", limit)?;
        args.forward = scan_index_forward;
        args.select = parse_select(select.as_deref())?;
        let start = start_key(exclusive_start_key)?;
        let mut spec = OpSpec::new("Query", Some(&args.table)).index(args.index_name.as_deref());
        describe(&mut spec, &args);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result =
                    fetch_decoded(&shared, &args, start, codecs.as_ref(), &mut stats).await;
                (result, stats)
            },
            move |py, page, metrics| page_to_py(py, page, metrics, model.as_ref()),
        )
    }

    #[pyo3(signature = (
        is_async, table, filter_expression=None, projection_expression=None,
        expression_attribute_names=None, expression_attribute_values=None, limit=None, index_name=None,
        exclusive_start_key=None, consistent_read=false, segment=None, total_segments=None, select=None,
        model=None, decode=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn scan_page<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        filter_expression: Option<String>,
        projection_expression: Option<String>,
        expression_attribute_names: Option<&Bound<'py, PyAny>>,
        expression_attribute_values: Option<&Bound<'py, PyAny>>,
        limit: Option<i64>,
        index_name: Option<String>,
        exclusive_start_key: Option<&Bound<'py, PyAny>>,
        consistent_read: bool,
        segment: Option<i32>,
        total_segments: Option<i32>,
        select: Option<String>,
        model: Option<Py<ModelSchema>>,
        decode: Option<Py<ModelSchema>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let codecs = page_codecs(model.as_ref(), decode.as_ref());
        let mut args = read_args(
            table,
            index_name,
            None,
            filter_expression,
            projection_expression,
            expression_attribute_names,
            expression_attribute_values,
            consistent_read,
        )?;
        args.limit = positive_limit("limit", limit)?;
        args.select = parse_select(select.as_deref())?;
        match (segment, total_segments) {
            (None, None) => {}
            (Some(s), Some(t)) if (1..=1_000_000).contains(&t) && (0..t).contains(&s) => {
                args.segment = Some(s);
                args.total_segments = Some(t);
            }
            (s, t) => {
                return Err(PyValueError::new_err(format!(
                    "segment and total_segments go together, with 0 <= segment < total_segments \
                     <= 1000000; got segment={s:?}, total_segments={t:?}"
                )))
            }
        }
        let start = start_key(exclusive_start_key)?;
        let mut spec = OpSpec::new("Scan", Some(&args.table)).index(args.index_name.as_deref());
        describe(&mut spec, &args);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result =
                    fetch_decoded(&shared, &args, start, codecs.as_ref(), &mut stats).await;
                (result, stats)
            },
            move |py, page, metrics| page_to_py(py, page, metrics, model.as_ref()),
        )
    }

    /// COUNT over every page: a Query when a key condition is given, a Scan otherwise.
    #[pyo3(signature = (
        is_async, table, key_condition_expression=None, filter_expression=None,
        expression_attribute_names=None, expression_attribute_values=None, index_name=None,
        consistent_read=false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn count<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        key_condition_expression: Option<String>,
        filter_expression: Option<String>,
        expression_attribute_names: Option<&Bound<'py, PyAny>>,
        expression_attribute_values: Option<&Bound<'py, PyAny>>,
        index_name: Option<String>,
        consistent_read: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let operation = if key_condition_expression.is_some() {
            "Query"
        } else {
            "Scan"
        };
        let mut args = read_args(
            table,
            index_name,
            key_condition_expression,
            filter_expression,
            None,
            expression_attribute_names,
            expression_attribute_values,
            consistent_read,
        )?;
        args.select = Some(Select::Count);
        let mut spec = OpSpec::new(operation, Some(&args.table)).index(args.index_name.as_deref());
        describe(&mut spec, &args);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = fetch_all(&shared, &args, &mut stats)
                    .await
                    .map(|(_, count)| count);
                (result, stats)
            },
            |py, count, metrics| {
                let metrics = Bound::new(py, metrics)?;
                Ok(PyTuple::new(
                    py,
                    [count.into_pyobject(py)?.into_any(), metrics.into_any()],
                )?
                .into_any()
                .unbind())
            },
        )
    }

    /// All segments scanned concurrently; items come back segment by segment, in segment order.
    #[pyo3(signature = (
        is_async, table, total_segments, filter_expression=None, projection_expression=None,
        expression_attribute_names=None, expression_attribute_values=None, consistent_read=false,
        index_name=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn parallel_scan<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        total_segments: i32,
        filter_expression: Option<String>,
        projection_expression: Option<String>,
        expression_attribute_names: Option<&Bound<'py, PyAny>>,
        expression_attribute_values: Option<&Bound<'py, PyAny>>,
        consistent_read: bool,
        index_name: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !(1..=1_000_000).contains(&total_segments) {
            return Err(PyValueError::new_err(format!(
                "total_segments must be from 1 to 1000000, got {total_segments}"
            )));
        }
        let mut args = read_args(
            table,
            index_name,
            None,
            filter_expression,
            projection_expression,
            expression_attribute_names,
            expression_attribute_values,
            consistent_read,
        )?;
        args.total_segments = Some(total_segments);
        let mut spec = OpSpec::new("Scan", Some(&args.table)).index(args.index_name.as_deref());
        describe(&mut spec, &args);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let segments = (0..total_segments).map(|segment| {
                    let mut seg_args = args.clone();
                    seg_args.segment = Some(segment);
                    let shared = shared.clone();
                    async move {
                        let mut stats = OpStats::default();
                        let out = fetch_all(&shared, &seg_args, &mut stats).await;
                        (out, stats)
                    }
                });
                let mut stats = OpStats::default();
                let mut items = Vec::new();
                let mut failure = None;
                for (out, seg_stats) in join_all(segments).await {
                    stats.merge(seg_stats);
                    match out {
                        Ok((seg_items, _)) => items.extend(seg_items),
                        Err(e) => failure = failure.or(Some(e)),
                    }
                }
                (failure.map_or(Ok(items), Err), stats)
            },
            |py, items, metrics| {
                let list = items_out(py, items, None)?.into_any();
                let metrics = Bound::new(py, metrics)?.into_any();
                Ok(PyTuple::new(py, [list, metrics])?.into_any().unbind())
            },
        )
    }
}
