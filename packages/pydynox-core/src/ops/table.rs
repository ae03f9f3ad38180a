//! Table management: CreateTable, DeleteTable, DescribeTable, existence and waiters, TTL, ListTables,
//! and a cheap reachability ping. Waiters poll on the runtime (never sleeping a Python thread).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    SseSpecification, SseType, StreamSpecification, StreamViewType, TableClass, TableDescription,
    TableStatus, TimeToLiveSpecification,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::item::about_table;
use super::require_table;
use crate::client::{CoreClient, Shared};
use crate::config::seconds;
use crate::errors::{from_sdk, no_extra, request_id_of, OpError};
use crate::events::{OpSpec, OpStats};

const DEFAULT_WAIT: Duration = Duration::from_secs(60);

fn invalid(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}

/// `("pk", "S")` → (name, type).
fn key_attr(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<(String, ScalarAttributeType)> {
    let (name, kind): (String, String) = obj.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a (name, type) tuple like ('pk', 'S'), got {obj}"
        ))
    })?;
    if name.is_empty() {
        return Err(invalid(format!(
            "{what}: the attribute name must not be empty"
        )));
    }
    let kind = match kind.as_str() {
        "S" => ScalarAttributeType::S,
        "N" => ScalarAttributeType::N,
        "B" => ScalarAttributeType::B,
        other => {
            return Err(invalid(format!(
                "{what}: key type must be 'S', 'N' or 'B', got {other:?}"
            )))
        }
    };
    Ok((name, kind))
}

fn key_element(name: &str, key_type: KeyType) -> PyResult<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(|e| invalid(e.to_string()))
}

/// Collects attribute definitions, refusing one attribute declared with two types.
#[derive(Default)]
struct Definitions(BTreeMap<String, ScalarAttributeType>);

impl Definitions {
    fn add(&mut self, (name, kind): &(String, ScalarAttributeType), what: &str) -> PyResult<()> {
        match self.0.get(name) {
            Some(existing) if existing != kind => Err(invalid(format!(
                "{what}: attribute {name:?} is declared as {} here and as {} elsewhere",
                kind.as_str(),
                existing.as_str()
            ))),
            _ => {
                self.0.insert(name.clone(), kind.clone());
                Ok(())
            }
        }
    }

    fn build(self) -> PyResult<Vec<AttributeDefinition>> {
        self.0
            .into_iter()
            .map(|(name, kind)| {
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(kind)
                    .build()
                    .map_err(|e| invalid(e.to_string()))
            })
            .collect()
    }
}

fn get<'py>(d: &Bound<'py, PyDict>, names: &[&str]) -> PyResult<Option<Bound<'py, PyAny>>> {
    for n in names {
        if let Some(v) = d.get_item(n)?.filter(|v| !v.is_none()) {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// One key attribute or a list of them (multi-attribute GSI keys).
fn key_attrs(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<(String, ScalarAttributeType)>> {
    if let Ok(list) = obj.cast::<PyList>() {
        if list.is_empty() || list.len() > 4 {
            return Err(invalid(format!("{what}: give 1 to 4 key attributes")));
        }
        return list.iter().map(|a| key_attr(&a, what)).collect();
    }
    Ok(vec![key_attr(obj, what)?])
}

fn projection(d: &Bound<'_, PyDict>, what: &str) -> PyResult<Projection> {
    let kind: String = match get(d, &["projection"])? {
        Some(p) => p
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("{what}: projection must be a str")))?,
        None => "ALL".to_owned(),
    };
    let non_key: Option<Vec<String>> = match get(d, &["non_key_attributes"])? {
        Some(v) => Some(v.extract().map_err(|_| {
            PyTypeError::new_err(format!("{what}: non_key_attributes must be a list of str"))
        })?),
        None => None,
    };
    let ptype = match kind.as_str() {
        "ALL" => ProjectionType::All,
        "KEYS_ONLY" => ProjectionType::KeysOnly,
        "INCLUDE" => ProjectionType::Include,
        other => {
            return Err(invalid(format!(
                "{what}: projection must be ALL, KEYS_ONLY or INCLUDE, got {other:?}"
            )))
        }
    };
    match (&ptype, &non_key) {
        (ProjectionType::Include, None) => {
            return Err(invalid(format!(
                "{what}: projection INCLUDE needs non_key_attributes"
            )))
        }
        (ProjectionType::All | ProjectionType::KeysOnly, Some(_)) => {
            return Err(invalid(format!(
                "{what}: non_key_attributes goes with projection INCLUDE only"
            )))
        }
        _ => {}
    }
    Ok(Projection::builder()
        .projection_type(ptype)
        .set_non_key_attributes(non_key)
        .build())
}

fn throughput(
    read: Option<i64>,
    write: Option<i64>,
    what: &str,
) -> PyResult<Option<ProvisionedThroughput>> {
    match (read, write) {
        (None, None) => Ok(None),
        (Some(r), Some(w)) if r >= 1 && w >= 1 => Ok(Some(
            ProvisionedThroughput::builder()
                .read_capacity_units(r)
                .write_capacity_units(w)
                .build()
                .map_err(|e| invalid(e.to_string()))?,
        )),
        _ => Err(invalid(format!(
            "{what}: read_capacity and write_capacity go together and must be at least 1"
        ))),
    }
}

fn int_field(d: &Bound<'_, PyDict>, name: &str, what: &str) -> PyResult<Option<i64>> {
    match get(d, &[name])? {
        Some(v) => Ok(Some(v.extract().map_err(|_| {
            PyTypeError::new_err(format!("{what}: {name} must be an int"))
        })?)),
        None => Ok(None),
    }
}

fn index_dicts<'py>(
    obj: Option<&Bound<'py, PyAny>>,
    what: &str,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    let list = obj
        .cast::<PyList>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a list of dicts")))?;
    list.iter()
        .enumerate()
        .map(|(i, d)| {
            d.cast_into::<PyDict>()
                .map_err(|_| PyTypeError::new_err(format!("{what}[{i}] must be a dict")))
        })
        .collect()
}

fn index_name(d: &Bound<'_, PyDict>, what: &str) -> PyResult<String> {
    let name: String = get(d, &["index_name", "name"])?
        .ok_or_else(|| invalid(format!("{what}: index_name is required")))?
        .extract()
        .map_err(|_| PyTypeError::new_err(format!("{what}: index_name must be a str")))?;
    if name.len() < 3 {
        return Err(invalid(format!(
            "{what}: index_name must be at least 3 characters"
        )));
    }
    Ok(name)
}

async fn describe(
    shared: &Shared,
    table: &str,
    stats: &mut OpStats,
) -> Result<TableDescription, OpError> {
    let client = shared.sdk().await?;
    let out = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|e| about_table(from_sdk(e, no_extra), table))?;
    stats.request_id = request_id_of(&out);
    out.table
        .ok_or_else(|| OpError::connection("DescribeTable answered without a table description"))
}

/// Polls until the table and all its indexes are ACTIVE.
async fn wait_active(
    shared: &Shared,
    table: &str,
    timeout: Duration,
    stats: &mut OpStats,
) -> Result<(), OpError> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(50);
    loop {
        let desc = describe(shared, table, stats).await?;
        let table_active = desc.table_status() == Some(&TableStatus::Active);
        let indexes_active = desc
            .global_secondary_indexes()
            .iter()
            .all(|g| g.index_status().is_none_or(|s| s.as_str() == "ACTIVE"));
        if table_active && indexes_active {
            return Ok(());
        }
        if Instant::now() + pause > deadline {
            return Err(wait_timeout(table, "ACTIVE", timeout));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

async fn wait_deleted(
    shared: &Shared,
    table: &str,
    timeout: Duration,
    stats: &mut OpStats,
) -> Result<(), OpError> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(50);
    loop {
        match describe(shared, table, stats).await {
            Err(e) if e.class == "ResourceNotFoundException" => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        if Instant::now() + pause > deadline {
            return Err(wait_timeout(table, "deleted", timeout));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

fn wait_timeout(table: &str, state: &str, timeout: Duration) -> OpError {
    let mut e = OpError::new(
        "WaiterTimeoutException",
        "WaiterTimeout",
        format!(
            "table {table:?} was not {state} after {:.1} s",
            timeout.as_secs_f64()
        ),
    );
    e.table = Some(table.to_owned());
    e
}

fn wait_for(timeout_seconds: Option<f64>) -> PyResult<Duration> {
    Ok(seconds("timeout_seconds", timeout_seconds)?.unwrap_or(DEFAULT_WAIT))
}

fn key_schema_py<'py>(
    py: Python<'py>,
    schema: &[KeySchemaElement],
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for k in schema {
        let d = PyDict::new(py);
        d.set_item("AttributeName", k.attribute_name())?;
        d.set_item("KeyType", k.key_type().as_str())?;
        list.append(d)?;
    }
    Ok(list)
}

fn projection_py<'py>(py: Python<'py>, p: Option<&Projection>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    if let Some(p) = p {
        d.set_item("ProjectionType", p.projection_type().map(|t| t.as_str()))?;
        if !p.non_key_attributes().is_empty() {
            d.set_item("NonKeyAttributes", p.non_key_attributes())?;
        }
    }
    Ok(d)
}

/// DescribeTable's description, with DynamoDB's own key names (as boto3 shows them).
fn description_py<'py>(py: Python<'py>, t: &TableDescription) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("TableName", t.table_name())?;
    d.set_item("TableArn", t.table_arn())?;
    d.set_item("TableStatus", t.table_status().map(|s| s.as_str()))?;
    d.set_item("KeySchema", key_schema_py(py, t.key_schema())?)?;
    let defs = PyList::empty(py);
    for a in t.attribute_definitions() {
        let ad = PyDict::new(py);
        ad.set_item("AttributeName", a.attribute_name())?;
        ad.set_item("AttributeType", a.attribute_type().as_str())?;
        defs.append(ad)?;
    }
    d.set_item("AttributeDefinitions", defs)?;
    d.set_item("ItemCount", t.item_count())?;
    d.set_item("TableSizeBytes", t.table_size_bytes())?;
    d.set_item(
        "CreationDateTime",
        t.creation_date_time().map(|c| c.as_secs_f64()),
    )?;
    let billing = t
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map(|b| b.as_str().to_owned())
        .unwrap_or_else(|| "PROVISIONED".to_owned());
    d.set_item("BillingMode", billing)?;
    if let Some(p) = t.provisioned_throughput() {
        let pt = PyDict::new(py);
        pt.set_item("ReadCapacityUnits", p.read_capacity_units())?;
        pt.set_item("WriteCapacityUnits", p.write_capacity_units())?;
        d.set_item("ProvisionedThroughput", pt)?;
    }
    let gsis = PyList::empty(py);
    for g in t.global_secondary_indexes() {
        let gd = PyDict::new(py);
        gd.set_item("IndexName", g.index_name())?;
        gd.set_item("KeySchema", key_schema_py(py, g.key_schema())?)?;
        gd.set_item("Projection", projection_py(py, g.projection())?)?;
        gd.set_item("IndexStatus", g.index_status().map(|s| s.as_str()))?;
        gsis.append(gd)?;
    }
    if !gsis.is_empty() {
        d.set_item("GlobalSecondaryIndexes", gsis)?;
    }
    let lsis = PyList::empty(py);
    for l in t.local_secondary_indexes() {
        let ld = PyDict::new(py);
        ld.set_item("IndexName", l.index_name())?;
        ld.set_item("KeySchema", key_schema_py(py, l.key_schema())?)?;
        ld.set_item("Projection", projection_py(py, l.projection())?)?;
        lsis.append(ld)?;
    }
    if !lsis.is_empty() {
        d.set_item("LocalSecondaryIndexes", lsis)?;
    }
    if let Some(s) = t.stream_specification() {
        let sd = PyDict::new(py);
        sd.set_item("StreamEnabled", s.stream_enabled())?;
        sd.set_item("StreamViewType", s.stream_view_type().map(|v| v.as_str()))?;
        d.set_item("StreamSpecification", sd)?;
    }
    d.set_item("LatestStreamArn", t.latest_stream_arn())?;
    Ok(d)
}

#[pymethods]
impl CoreClient {
    #[pyo3(signature = (
        is_async, table_name, partition_key, sort_key=None, billing_mode="PAY_PER_REQUEST".to_owned(),
        read_capacity=None, write_capacity=None, table_class=None, encryption=None, kms_key_id=None,
        global_secondary_indexes=None, local_secondary_indexes=None, stream_view_type=None, wait=false,
        timeout_seconds=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn create_table<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table_name: String,
        partition_key: &Bound<'py, PyAny>,
        sort_key: Option<&Bound<'py, PyAny>>,
        billing_mode: String,
        read_capacity: Option<i64>,
        write_capacity: Option<i64>,
        table_class: Option<String>,
        encryption: Option<String>,
        kms_key_id: Option<String>,
        global_secondary_indexes: Option<&Bound<'py, PyAny>>,
        local_secondary_indexes: Option<&Bound<'py, PyAny>>,
        stream_view_type: Option<String>,
        wait: bool,
        timeout_seconds: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table_name)?;
        let timeout = wait_for(timeout_seconds)?;
        let mut defs = Definitions::default();
        let pk = key_attr(partition_key, "partition_key")?;
        defs.add(&pk, "partition_key")?;
        let mut key_schema = vec![key_element(&pk.0, KeyType::Hash)?];
        let sk = match sort_key.filter(|s| !s.is_none()) {
            Some(s) => {
                let sk = key_attr(s, "sort_key")?;
                defs.add(&sk, "sort_key")?;
                key_schema.push(key_element(&sk.0, KeyType::Range)?);
                Some(sk)
            }
            None => None,
        };
        let billing = match billing_mode.as_str() {
            "PAY_PER_REQUEST" => BillingMode::PayPerRequest,
            "PROVISIONED" => BillingMode::Provisioned,
            other => {
                return Err(invalid(format!(
                    "billing_mode must be PAY_PER_REQUEST or PROVISIONED, got {other:?}"
                )))
            }
        };
        let provisioned = billing == BillingMode::Provisioned;
        let table_throughput = throughput(read_capacity, write_capacity, "create_table")?;
        if provisioned && table_throughput.is_none() {
            return Err(invalid(
                "billing_mode PROVISIONED needs read_capacity and write_capacity",
            ));
        }
        if !provisioned && table_throughput.is_some() {
            return Err(invalid(
                "read_capacity and write_capacity need billing_mode='PROVISIONED'",
            ));
        }
        let mut gsis = Vec::new();
        for (i, d) in index_dicts(global_secondary_indexes, "global_secondary_indexes")?
            .iter()
            .enumerate()
        {
            let what = format!("global_secondary_indexes[{i}]");
            let name = index_name(d, &what)?;
            let hash = get(
                d,
                &["partition_key", "hash_key", "partition_keys", "hash_keys"],
            )?
            .ok_or_else(|| invalid(format!("{what}: partition_key is required")))?;
            let mut schema = Vec::new();
            for a in key_attrs(&hash, &what)? {
                defs.add(&a, &what)?;
                schema.push(key_element(&a.0, KeyType::Hash)?);
            }
            if let Some(range) = get(d, &["sort_key", "range_key", "sort_keys", "range_keys"])? {
                for a in key_attrs(&range, &what)? {
                    defs.add(&a, &what)?;
                    schema.push(key_element(&a.0, KeyType::Range)?);
                }
            }
            let tp = throughput(
                int_field(d, "read_capacity", &what)?,
                int_field(d, "write_capacity", &what)?,
                &what,
            )?;
            let tp = match (provisioned, tp) {
                (true, None) => table_throughput.clone(),
                (false, Some(_)) => {
                    return Err(invalid(format!(
                        "{what}: capacities need billing_mode='PROVISIONED'"
                    )))
                }
                (_, tp) => tp,
            };
            gsis.push(
                GlobalSecondaryIndex::builder()
                    .index_name(name)
                    .set_key_schema(Some(schema))
                    .projection(projection(d, &what)?)
                    .set_provisioned_throughput(tp)
                    .build()
                    .map_err(|e| invalid(format!("{what}: {e}")))?,
            );
        }
        let mut lsis = Vec::new();
        for (i, d) in index_dicts(local_secondary_indexes, "local_secondary_indexes")?
            .iter()
            .enumerate()
        {
            let what = format!("local_secondary_indexes[{i}]");
            if sk.is_none() {
                return Err(invalid(format!(
                    "{what}: local secondary indexes need a table with a sort_key"
                )));
            }
            let name = index_name(d, &what)?;
            let range = get(d, &["sort_key", "range_key"])?
                .ok_or_else(|| invalid(format!("{what}: sort_key is required")))?;
            let range = key_attr(&range, &what)?;
            defs.add(&range, &what)?;
            lsis.push(
                LocalSecondaryIndex::builder()
                    .index_name(name)
                    .set_key_schema(Some(vec![
                        key_element(&pk.0, KeyType::Hash)?,
                        key_element(&range.0, KeyType::Range)?,
                    ]))
                    .projection(projection(d, &what)?)
                    .build()
                    .map_err(|e| invalid(format!("{what}: {e}")))?,
            );
        }
        let stream = match stream_view_type.as_deref() {
            None => None,
            Some(v @ ("NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY")) => Some(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(v))
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            ),
            Some(other) => {
                return Err(invalid(format!(
                    "stream_view_type must be NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY, got {other:?}"
                )))
            }
        };
        let table_class = match table_class.as_deref() {
            None => None,
            Some("STANDARD") => Some(TableClass::Standard),
            Some("STANDARD_INFREQUENT_ACCESS") => Some(TableClass::StandardInfrequentAccess),
            Some(other) => {
                return Err(invalid(format!(
                    "table_class must be STANDARD or STANDARD_INFREQUENT_ACCESS, got {other:?}"
                )))
            }
        };
        let sse = match (encryption.as_deref(), kms_key_id) {
            (None, None) | (Some("AWS_OWNED"), None) => None,
            (Some("AWS_MANAGED"), None) => Some(
                SseSpecification::builder()
                    .enabled(true)
                    .sse_type(SseType::Kms)
                    .build(),
            ),
            (Some("CUSTOMER_MANAGED"), Some(key)) | (None, Some(key)) => Some(
                SseSpecification::builder()
                    .enabled(true)
                    .sse_type(SseType::Kms)
                    .kms_master_key_id(key)
                    .build(),
            ),
            (Some("CUSTOMER_MANAGED"), None) => {
                return Err(invalid("encryption CUSTOMER_MANAGED needs kms_key_id"))
            }
            (Some(other), _) => {
                return Err(invalid(format!(
                    "encryption must be AWS_OWNED, AWS_MANAGED or CUSTOMER_MANAGED, got {other:?}"
                )))
            }
        };
        let attribute_definitions = defs.build()?;
        let spec = OpSpec::new("CreateTable", Some(&table_name));
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    let out = client
                        .create_table()
                        .table_name(&table_name)
                        .set_attribute_definitions(Some(attribute_definitions))
                        .set_key_schema(Some(key_schema))
                        .billing_mode(billing)
                        .set_provisioned_throughput(table_throughput)
                        .set_global_secondary_indexes((!gsis.is_empty()).then_some(gsis))
                        .set_local_secondary_indexes((!lsis.is_empty()).then_some(lsis))
                        .set_stream_specification(stream)
                        .set_table_class(table_class)
                        .set_sse_specification(sse)
                        .send()
                        .await
                        .map_err(|e| about_table(from_sdk(e, no_extra), &table_name))?;
                    stats.request_id = request_id_of(&out);
                    if wait {
                        wait_active(&shared, &table_name, timeout, &mut stats).await?;
                    }
                    Ok::<_, OpError>(())
                }
                .await;
                (result, stats)
            },
            |py, (), _m| Ok(py.None()),
        )
    }

    #[pyo3(signature = (is_async, table_name, wait=false, timeout_seconds=None))]
    fn delete_table<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table_name: String,
        wait: bool,
        timeout_seconds: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table_name)?;
        let timeout = wait_for(timeout_seconds)?;
        let spec = OpSpec::new("DeleteTable", Some(&table_name));
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    let out = client
                        .delete_table()
                        .table_name(&table_name)
                        .send()
                        .await
                        .map_err(|e| about_table(from_sdk(e, no_extra), &table_name))?;
                    stats.request_id = request_id_of(&out);
                    if wait {
                        wait_deleted(&shared, &table_name, timeout, &mut stats).await?;
                    }
                    Ok::<_, OpError>(())
                }
                .await;
                (result, stats)
            },
            |py, (), _m| Ok(py.None()),
        )
    }

    #[pyo3(signature = (is_async, table_name))]
    fn describe_table<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table_name: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table_name)?;
        let spec = OpSpec::new("DescribeTable", Some(&table_name));
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = describe(&shared, &table_name, &mut stats).await;
                (result, stats)
            },
            |py, desc, _m| Ok(description_py(py, &desc)?.into_any().unbind()),
        )
    }

    #[pyo3(signature = (is_async, table_name))]
    fn table_exists<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table_name: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table_name)?;
        let spec = OpSpec::new("DescribeTable", Some(&table_name));
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    match client.describe_table().table_name(&table_name).send().await {
                        Ok(out) => {
                            stats.request_id = request_id_of(&out);
                            Ok(true)
                        }
                        Err(e) => {
                            let not_found = matches!(
                                e.as_service_error(),
                                Some(DescribeTableError::ResourceNotFoundException(_))
                            );
                            if not_found {
                                Ok(false)
                            } else {
                                Err(about_table(from_sdk(e, no_extra), &table_name))
                            }
                        }
                    }
                }
                .await;
                (result, stats)
            },
            |py, exists, _m| {
                Ok(pyo3::types::PyBool::new(py, exists)
                    .to_owned()
                    .into_any()
                    .unbind())
            },
        )
    }

    #[pyo3(signature = (is_async, table_name, timeout_seconds=None))]
    fn wait_for_table_active<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table_name: String,
        timeout_seconds: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table_name)?;
        let timeout = wait_for(timeout_seconds)?;
        let spec = OpSpec::new("DescribeTable", Some(&table_name));
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = wait_active(&shared, &table_name, timeout, &mut stats).await;
                (result, stats)
            },
            |py, (), _m| Ok(py.None()),
        )
    }

    #[pyo3(signature = (is_async, table_name, attribute_name, enabled=true))]
    fn update_time_to_live<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table_name: String,
        attribute_name: String,
        enabled: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table_name)?;
        if attribute_name.is_empty() {
            return Err(invalid("attribute_name must not be empty"));
        }
        let ttl = TimeToLiveSpecification::builder()
            .enabled(enabled)
            .attribute_name(attribute_name)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        let spec = OpSpec::new("UpdateTimeToLive", Some(&table_name));
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    let out = client
                        .update_time_to_live()
                        .table_name(&table_name)
                        .time_to_live_specification(ttl)
                        .send()
                        .await
                        .map_err(|e| about_table(from_sdk(e, no_extra), &table_name))?;
                    stats.request_id = request_id_of(&out);
                    Ok::<_, OpError>(())
                }
                .await;
                (result, stats)
            },
            |py, (), _m| Ok(py.None()),
        )
    }

    #[pyo3(signature = (is_async,))]
    fn list_tables<'py>(&self, py: Python<'py>, is_async: bool) -> PyResult<Bound<'py, PyAny>> {
        let spec = OpSpec::new("ListTables", None);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    let mut names = Vec::new();
                    let mut start: Option<String> = None;
                    loop {
                        let out = client
                            .list_tables()
                            .set_exclusive_start_table_name(start.take())
                            .send()
                            .await
                            .map_err(|e| from_sdk(e, no_extra))?;
                        stats.request_id = request_id_of(&out);
                        names.extend(out.table_names.unwrap_or_default());
                        match out.last_evaluated_table_name {
                            Some(last) => start = Some(last),
                            None => return Ok::<_, OpError>(names),
                        }
                    }
                }
                .await;
                (result, stats)
            },
            |py, names, _m| Ok(PyList::new(py, names)?.into_any().unbind()),
        )
    }

    /// True when DynamoDB answered; False when it could not be reached. Credential and permission
    /// errors are raised: a boolean would hide a misconfiguration.
    #[pyo3(signature = (is_async,))]
    fn ping<'py>(&self, py: Python<'py>, is_async: bool) -> PyResult<Bound<'py, PyAny>> {
        let spec = OpSpec::new("ListTables", None);
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                let mut stats = OpStats::default();
                let result = async {
                    let client = shared.sdk().await?;
                    match client.list_tables().limit(1).send().await {
                        Ok(out) => {
                            stats.request_id = request_id_of(&out);
                            Ok(true)
                        }
                        Err(e) => {
                            let err = from_sdk(e, no_extra);
                            if err.class == "ConnectionException" {
                                Ok(false)
                            } else {
                                Err(err)
                            }
                        }
                    }
                }
                .await;
                (result, stats)
            },
            |py, up, _m| {
                Ok(pyo3::types::PyBool::new(py, up)
                    .to_owned()
                    .into_any()
                    .unbind())
            },
        )
    }
}
