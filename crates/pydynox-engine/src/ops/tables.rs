//! Table management: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, TTL and tags.

use serde_json::{json, Map, Value as Json};

use crate::engine::State;
use crate::error::{Error, Result};
use crate::request::{check_table_name, missing, Request};
use crate::table::{Index, KeySchema, ProjectionKind, ScalarType, StreamSpec, Table};

/// What a key schema belongs to: a table or a local index have one partition attribute and at
/// most one sort attribute; a global index up to four of each (multi-attribute keys).
#[derive(Clone, Copy)]
enum Keyed<'a> {
    Table,
    Local,
    /// The index's name and its 1-based place in `GlobalSecondaryIndexes` (for messages).
    Global(&'a str, usize),
}

/// Most attributes in each part of a global secondary index's key.
const MAX_GLOBAL_KEY_ATTRIBUTES: usize = 4;

fn parse_key_schema(
    json: Option<&Json>,
    definitions: &[(String, ScalarType)],
    keyed: Keyed,
) -> Result<KeySchema> {
    let Some(Json::Array(elements)) = json else {
        return Err(missing("KeySchema"));
    };
    let mut names = Vec::with_capacity(elements.len());
    for (i, element) in elements.iter().enumerate() {
        let name = element
            .get("AttributeName")
            .and_then(Json::as_str)
            .ok_or_else(|| missing("AttributeName"))?;
        let kind = element
            .get("KeyType")
            .and_then(Json::as_str)
            .unwrap_or("null");
        if !matches!(kind, "HASH" | "RANGE") {
            let at = match keyed {
                Keyed::Global(_, n) => format!("globalSecondaryIndexes.{n}.member.keySchema"),
                _ => "keySchema".to_owned(),
            };
            return Err(Error::validation(format!(
                "1 validation error detected: Value '{kind}' at '{at}.{}.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
                i + 1
            )));
        }
        names.push((name, kind == "HASH"));
    }
    if !matches!(keyed, Keyed::Global(..)) && elements.len() > 2 {
        let shown: Vec<String> = names
            .iter()
            .map(|(n, hash)| {
                let kind = if *hash { "HASH" } else { "RANGE" };
                format!("KeySchemaElement(attributeName={n}, keyType={kind})")
            })
            .collect();
        return Err(Error::validation(format!(
            "1 validation error detected: Value '[{}]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2",
            shown.join(", ")
        )));
    }
    let what = match keyed {
        Keyed::Global(name, _) => format!(" of index {name}"),
        _ => String::new(),
    };
    if names.first().is_none_or(|(_, hash)| !hash) {
        return Err(Error::validation(format!(
            "Invalid KeySchema{what}: The first KeySchemaElement is not a HASH key type"
        )));
    }
    for (i, (name, _)) in names.iter().enumerate() {
        if names[..i].iter().any(|(other, _)| other == name) {
            return Err(Error::validation(
                "Invalid KeySchema: Some index key attribute have no definition",
            ));
        }
    }
    let mut schema = KeySchema {
        partition: Vec::new(),
        sort: Vec::new(),
    };
    for (name, hash) in names {
        let ty = definitions.iter().find(|(n, _)| n == name).map(|(_, t)| *t).ok_or_else(|| {
            Error::validation(format!(
                "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{name}], AttributeDefinitions: [{}]",
                definitions.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        if hash && !schema.sort.is_empty() {
            return Err(Error::validation(format!(
                "Invalid KeySchema{what}: every HASH key attribute must come before the RANGE key attributes"
            )));
        }
        let part = if hash {
            &mut schema.partition
        } else {
            &mut schema.sort
        };
        part.push((name.to_owned(), ty));
    }
    let most = match keyed {
        Keyed::Global(..) => MAX_GLOBAL_KEY_ATTRIBUTES,
        _ => 1,
    };
    if schema.partition.len() > most || schema.sort.len() > most {
        return Err(Error::validation(if most == 1 {
            "Invalid KeySchema: Some index key attribute have no definition or the KeySchema has more than one HASH or RANGE key".to_owned()
        } else {
            format!(
                "Invalid KeySchema{what}: a global secondary index key has at most {most} HASH and {most} RANGE key attributes"
            )
        }));
    }
    Ok(schema)
}

fn parse_projection(json: Option<&Json>) -> Result<ProjectionKind> {
    let Some(p) = json else {
        return Err(missing("Projection"));
    };
    match p
        .get("ProjectionType")
        .and_then(Json::as_str)
        .unwrap_or("ALL")
    {
        "ALL" => Ok(ProjectionKind::All),
        "KEYS_ONLY" => Ok(ProjectionKind::KeysOnly),
        "INCLUDE" => {
            let names = p
                .get("NonKeyAttributes")
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            if names.is_empty() {
                return Err(Error::validation(
                    "One or more parameter values were invalid: NonKeyAttributes must not be empty when ProjectionType is INCLUDE",
                ));
            }
            Ok(ProjectionKind::Include(names))
        }
        other => Err(Error::validation(format!(
            "Unknown ProjectionType: {other}"
        ))),
    }
}

fn throughput(json: Option<&Json>) -> Option<(i64, i64)> {
    let t = json?;
    Some((
        t.get("ReadCapacityUnits")
            .and_then(Json::as_i64)
            .unwrap_or(0),
        t.get("WriteCapacityUnits")
            .and_then(Json::as_i64)
            .unwrap_or(0),
    ))
}

/// One index definition; `place` is its 1-based position in the request's list of global indexes
/// (None for a local index).
fn parse_index(
    json: &Json,
    definitions: &[(String, ScalarType)],
    place: Option<usize>,
    billing: &str,
) -> Result<Index> {
    let name = json
        .get("IndexName")
        .and_then(Json::as_str)
        .ok_or_else(|| missing("IndexName"))?;
    check_table_name(name, "indexName")?;
    let global = place.is_some();
    let keyed = place.map_or(Keyed::Local, |n| Keyed::Global(name, n));
    let schema = parse_key_schema(json.get("KeySchema"), definitions, keyed)?;
    let mut index = Index::new(
        name.to_owned(),
        global,
        schema,
        parse_projection(json.get("Projection"))?,
    );
    if global {
        index.provisioned = throughput(json.get("ProvisionedThroughput"));
        if billing == "PROVISIONED" && index.provisioned.is_none() {
            return Err(Error::validation(
                "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: ".to_owned() + name,
            ));
        }
    }
    Ok(index)
}

fn stream_spec(json: Option<&Json>, now: f64) -> Result<Option<StreamSpec>> {
    let Some(spec) = json else {
        return Ok(None);
    };
    if !spec
        .get("StreamEnabled")
        .and_then(Json::as_bool)
        .unwrap_or(false)
    {
        return Ok(None);
    }
    let view = spec.get("StreamViewType").and_then(Json::as_str).ok_or_else(|| {
        Error::validation("One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true")
    })?;
    if !matches!(
        view,
        "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES"
    ) {
        return Err(Error::validation(format!("Unknown StreamViewType: {view}")));
    }
    Ok(Some(StreamSpec {
        view_type: view.to_owned(),
        label: format_timestamp(now),
    }))
}

fn format_timestamp(now: f64) -> String {
    // The stream label only needs to be unique per table and stable; DynamoDB uses an ISO time.
    format!("{:.3}", now)
}

pub fn create_table(state: &mut State, req: &Request, now: f64) -> Result<Json> {
    let name = req.table_name()?;
    let mut definitions = Vec::new();
    for d in req
        .array("AttributeDefinitions")?
        .ok_or_else(|| missing("AttributeDefinitions"))?
    {
        let n = d
            .get("AttributeName")
            .and_then(Json::as_str)
            .ok_or_else(|| missing("AttributeName"))?;
        let t = d.get("AttributeType").and_then(Json::as_str).and_then(ScalarType::parse).ok_or_else(|| {
            Error::validation("1 validation error detected: Value at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]")
        })?;
        if definitions.iter().any(|(existing, _)| existing == n) {
            return Err(Error::validation(format!(
                "Cannot have two attributes with the same name. Attribute name: {n}"
            )));
        }
        definitions.push((n.to_owned(), t));
    }
    let schema = parse_key_schema(req.get("KeySchema"), &definitions, Keyed::Table)?;
    let billing = req
        .choice(
            "BillingMode",
            &["PROVISIONED", "PAY_PER_REQUEST"],
            "PROVISIONED",
        )?
        .to_owned();
    let provisioned = throughput(req.get("ProvisionedThroughput"));
    if billing == "PROVISIONED" && provisioned.is_none() {
        return Err(Error::validation(
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        ));
    }
    if billing == "PAY_PER_REQUEST" && provisioned.is_some() {
        return Err(Error::validation(
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        ));
    }
    let mut indexes = Vec::new();
    for (i, g) in req
        .array("GlobalSecondaryIndexes")?
        .into_iter()
        .flatten()
        .enumerate()
    {
        indexes.push(parse_index(g, &definitions, Some(i + 1), &billing)?);
    }
    for l in req.array("LocalSecondaryIndexes")?.into_iter().flatten() {
        let index = parse_index(l, &definitions, None, &billing)?;
        if index.schema.partition_key().0 != schema.partition_key().0
            || index.schema.sort.is_empty()
            || schema.sort.is_empty()
        {
            return Err(Error::validation(format!(
                "One or more parameter values were invalid: Table KeySchema does not have a range key, or the local secondary index {} does not have the same hash key as the table and a range key",
                index.name
            )));
        }
        indexes.push(index);
    }
    for (i, index) in indexes.iter().enumerate() {
        if indexes[..i].iter().any(|other| other.name == index.name) {
            return Err(Error::validation(format!(
                "One or more parameter values were invalid: Duplicate index name: {}",
                index.name
            )));
        }
    }
    let used: Vec<&str> = schema
        .names()
        .chain(indexes.iter().flat_map(|i| i.schema.names()))
        .collect();
    let unused: Vec<&str> = definitions
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| !used.contains(n))
        .collect();
    if !unused.is_empty() {
        return Err(Error::validation(
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    if state.tables.contains_key(name) {
        return Err(Error::in_use(format!("Table already exists: {name}")));
    }
    let arn = format!(
        "arn:aws:dynamodb:{}:{}:table/{name}",
        state.region, state.account
    );
    let mut table = Table::new(
        name.to_owned(),
        arn,
        now,
        schema,
        definitions,
        billing,
        provisioned,
        indexes,
    );
    table.stream = stream_spec(req.get("StreamSpecification"), now)?;
    table.deletion_protection = req.bool("DeletionProtectionEnabled")?;
    table.tags = parse_tags(req.get("Tags"))?;
    let description = describe(&table);
    state.tables.insert(name.to_owned(), table);
    Ok(json!({ "TableDescription": description }))
}

fn parse_tags(json: Option<&Json>) -> Result<Vec<(String, String)>> {
    let mut tags = Vec::new();
    for tag in json.and_then(Json::as_array).into_iter().flatten() {
        let key = tag
            .get("Key")
            .and_then(Json::as_str)
            .ok_or_else(|| missing("Key"))?;
        let value = tag
            .get("Value")
            .and_then(Json::as_str)
            .ok_or_else(|| missing("Value"))?;
        tags.push((key.to_owned(), value.to_owned()));
    }
    Ok(tags)
}

fn throughput_json(t: Option<(i64, i64)>) -> Json {
    let (r, w) = t.unwrap_or((0, 0));
    json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w, "NumberOfDecreasesToday": 0})
}

fn projection_json(p: &ProjectionKind) -> Json {
    match p {
        ProjectionKind::All => json!({"ProjectionType": "ALL"}),
        ProjectionKind::KeysOnly => json!({"ProjectionType": "KEYS_ONLY"}),
        ProjectionKind::Include(names) => {
            json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": names})
        }
    }
}

/// What defines an index: its name, key schema and projection.
fn index_definition(i: &Index) -> Json {
    json!({
        "IndexName": i.name,
        "KeySchema": i.schema.to_json(),
        "Projection": projection_json(&i.projection),
    })
}

/// `GlobalSecondaryIndexes` and `LocalSecondaryIndexes` members, each only when there are some.
fn add_indexes(out: &mut Map<String, Json>, table: &Table, shape: impl Fn(&Index) -> Json) {
    for (global, member) in [
        (true, "GlobalSecondaryIndexes"),
        (false, "LocalSecondaryIndexes"),
    ] {
        let indexes: Vec<Json> = table
            .indexes
            .iter()
            .filter(|i| i.global == global)
            .map(&shape)
            .collect();
        if !indexes.is_empty() {
            out.insert(member.into(), Json::Array(indexes));
        }
    }
}

pub fn describe(table: &Table) -> Json {
    let mut d = Map::new();
    d.insert("TableName".into(), json!(table.name));
    d.insert("TableArn".into(), json!(table.arn));
    d.insert(
        "TableId".into(),
        json!(format!("{:032x}", table.created.to_bits())),
    );
    d.insert("TableStatus".into(), json!("ACTIVE"));
    d.insert("CreationDateTime".into(), json!(table.created));
    d.insert(
        "AttributeDefinitions".into(),
        Json::Array(
            table
                .attribute_definitions
                .iter()
                .map(|(n, t)| json!({"AttributeName": n, "AttributeType": t.name()}))
                .collect(),
        ),
    );
    d.insert("KeySchema".into(), table.schema.to_json());
    d.insert("ItemCount".into(), json!(table.item_count()));
    d.insert("TableSizeBytes".into(), json!(table.size_bytes()));
    d.insert(
        "ProvisionedThroughput".into(),
        throughput_json(table.provisioned),
    );
    d.insert(
        "BillingModeSummary".into(),
        json!({"BillingMode": table.billing_mode, "LastUpdateToPayPerRequestDateTime": table.created}),
    );
    d.insert(
        "DeletionProtectionEnabled".into(),
        json!(table.deletion_protection),
    );
    let index_json = |i: &Index| {
        let mut o = index_definition(i);
        o["IndexSizeBytes"] = json!(0);
        o["ItemCount"] = json!(i.item_count());
        o["IndexArn"] = json!(format!("{}/index/{}", table.arn, i.name));
        if i.global {
            o["IndexStatus"] = json!("ACTIVE");
            o["ProvisionedThroughput"] = throughput_json(i.provisioned);
        }
        o
    };
    add_indexes(&mut d, table, index_json);
    if let Some(stream) = &table.stream {
        d.insert(
            "StreamSpecification".into(),
            json!({"StreamEnabled": true, "StreamViewType": stream.view_type}),
        );
        d.insert("LatestStreamLabel".into(), json!(stream.label));
        d.insert(
            "LatestStreamArn".into(),
            json!(format!("{}/stream/{}", table.arn, stream.label)),
        );
    }
    Json::Object(d)
}

pub fn describe_table(state: &State, req: &Request) -> Result<Json> {
    let table = state.table(req.table_name()?)?;
    Ok(json!({ "Table": describe(table) }))
}

pub fn delete_table(state: &mut State, req: &Request) -> Result<Json> {
    let name = req.table_name()?;
    let table = state.table(name)?;
    if table.deletion_protection {
        return Err(Error::validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        ));
    }
    let mut description = describe(table);
    description["TableStatus"] = json!("DELETING");
    state.tables.remove(name);
    Ok(json!({ "TableDescription": description }))
}

pub fn list_tables(state: &State, req: &Request) -> Result<Json> {
    let start = req.str("ExclusiveStartTableName")?;
    let limit = req.int("Limit")?.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return Err(Error::validation(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"
        )));
    }
    let names: Vec<&String> = state
        .tables
        .keys()
        .filter(|n| start.is_none_or(|s| n.as_str() > s))
        .take(limit as usize + 1)
        .collect();
    let more = names.len() > limit as usize;
    let page: Vec<&String> = names.into_iter().take(limit as usize).collect();
    let mut out = json!({ "TableNames": page });
    if more {
        out["LastEvaluatedTableName"] = json!(page.last());
    }
    Ok(out)
}

pub fn update_table(state: &mut State, req: &Request, now: f64) -> Result<Json> {
    let name = req.table_name()?;
    let table = state.table_mut(name)?;
    let mut definitions = table.attribute_definitions.clone();
    for d in req.array("AttributeDefinitions")?.into_iter().flatten() {
        let n = d
            .get("AttributeName")
            .and_then(Json::as_str)
            .ok_or_else(|| missing("AttributeName"))?;
        let t = d
            .get("AttributeType")
            .and_then(Json::as_str)
            .and_then(ScalarType::parse)
            .ok_or_else(|| missing("AttributeType"))?;
        if !definitions.iter().any(|(existing, _)| existing == n) {
            definitions.push((n.to_owned(), t));
        }
    }
    if let Some(mode) = req.str("BillingMode")? {
        req.choice(
            "BillingMode",
            &["PROVISIONED", "PAY_PER_REQUEST"],
            "PROVISIONED",
        )?;
        table.billing_mode = mode.to_owned();
    }
    if let Some(t) = throughput(req.get("ProvisionedThroughput")) {
        table.provisioned = Some(t);
    }
    let billing = table.billing_mode.clone();
    for update in req
        .array("GlobalSecondaryIndexUpdates")?
        .into_iter()
        .flatten()
    {
        if let Some(create) = update.get("Create") {
            let place = table.indexes.iter().filter(|i| i.global).count() + 1;
            let index = parse_index(create, &definitions, Some(place), &billing)?;
            if table.indexes.iter().any(|i| i.name == index.name) {
                return Err(Error::validation(format!(
                    "One or more parameter values were invalid: Index with name {} already exists",
                    index.name
                )));
            }
            table.add_index(index)?;
        } else if let Some(delete) = update.get("Delete") {
            let index = delete
                .get("IndexName")
                .and_then(Json::as_str)
                .ok_or_else(|| missing("IndexName"))?;
            if !table.remove_index(index) {
                return Err(Error::not_found(format!(
                    "Requested resource not found: Index: {index} not found"
                )));
            }
        } else if let Some(change) = update.get("Update") {
            let index = change
                .get("IndexName")
                .and_then(Json::as_str)
                .ok_or_else(|| missing("IndexName"))?;
            let found = table
                .indexes
                .iter_mut()
                .find(|i| i.global && i.name == index);
            let Some(found) = found else {
                return Err(Error::not_found(format!(
                    "Requested resource not found: Index: {index} not found"
                )));
            };
            found.provisioned =
                throughput(change.get("ProvisionedThroughput")).or(found.provisioned);
        }
    }
    let used: Vec<String> = table
        .schema
        .names()
        .chain(table.indexes.iter().flat_map(|i| i.schema.names()))
        .map(str::to_owned)
        .collect();
    definitions.retain(|(n, _)| used.contains(n));
    table.attribute_definitions = definitions;
    if let Some(spec) = req.get("StreamSpecification") {
        table.stream = stream_spec(Some(spec), now)?;
    }
    if req.get("DeletionProtectionEnabled").is_some() {
        table.deletion_protection = req.bool("DeletionProtectionEnabled")?;
    }
    Ok(json!({ "TableDescription": describe(table) }))
}

pub fn update_time_to_live(state: &mut State, req: &Request) -> Result<Json> {
    let table = state.table_mut(req.table_name()?)?;
    let spec = req
        .object("TimeToLiveSpecification")?
        .ok_or_else(|| missing("TimeToLiveSpecification"))?;
    let enabled = spec
        .get("Enabled")
        .and_then(Json::as_bool)
        .ok_or_else(|| missing("Enabled"))?;
    let attribute = spec
        .get("AttributeName")
        .and_then(Json::as_str)
        .ok_or_else(|| missing("AttributeName"))?;
    match (&table.ttl_attribute, enabled) {
        (Some(_), true) => return Err(Error::validation("TimeToLive is already enabled")),
        (None, false) => return Err(Error::validation("TimeToLive is already disabled")),
        _ => {}
    }
    table.ttl_attribute = enabled.then(|| attribute.to_owned());
    Ok(json!({ "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute} }))
}

pub fn describe_time_to_live(state: &State, req: &Request) -> Result<Json> {
    let table = state.table(req.table_name()?)?;
    Ok(match &table.ttl_attribute {
        Some(a) => {
            json!({"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": a}})
        }
        None => json!({"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}),
    })
}

fn table_by_arn<'a>(state: &'a mut State, req: &Request) -> Result<&'a mut Table> {
    let arn = req.required_str("ResourceArn")?;
    state
        .tables
        .values_mut()
        .find(|t| t.arn == arn)
        .ok_or_else(|| {
            Error::not_found(format!(
                "Requested resource not found: ResourceArn: {arn} not found"
            ))
        })
}

pub fn tag_resource(state: &mut State, req: &Request) -> Result<Json> {
    let tags = parse_tags(req.get("Tags"))?;
    let table = table_by_arn(state, req)?;
    for (k, v) in tags {
        table.tags.retain(|(existing, _)| existing != &k);
        table.tags.push((k, v));
    }
    Ok(json!({}))
}

pub fn untag_resource(state: &mut State, req: &Request) -> Result<Json> {
    let keys: Vec<String> = req
        .array("TagKeys")?
        .ok_or_else(|| missing("TagKeys"))?
        .iter()
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect();
    let table = table_by_arn(state, req)?;
    table.tags.retain(|(k, _)| !keys.contains(k));
    Ok(json!({}))
}

pub fn list_tags(state: &mut State, req: &Request) -> Result<Json> {
    let table = table_by_arn(state, req)?;
    let tags: Vec<Json> = table
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    Ok(json!({ "Tags": tags }))
}

/// A CreateTable request that recreates `table`'s definition (used to compact the log).
pub fn create_request(table: &Table) -> Json {
    let index_json = |i: &Index| {
        let mut o = index_definition(i);
        if i.global && table.billing_mode == "PROVISIONED" {
            let (r, w) = i.provisioned.unwrap_or((1, 1));
            o["ProvisionedThroughput"] = json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w});
        }
        o
    };
    let mut request = json!({
        "TableName": table.name,
        "KeySchema": table.schema.to_json(),
        "AttributeDefinitions": table.attribute_definitions.iter()
            .map(|(n, t)| json!({"AttributeName": n, "AttributeType": t.name()})).collect::<Vec<_>>(),
        "BillingMode": table.billing_mode,
        "DeletionProtectionEnabled": table.deletion_protection,
    });
    if let Some((r, w)) = table
        .provisioned
        .filter(|_| table.billing_mode == "PROVISIONED")
    {
        request["ProvisionedThroughput"] = json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w});
    }
    if let Json::Object(members) = &mut request {
        add_indexes(members, table, index_json);
    }
    if let Some(stream) = &table.stream {
        request["StreamSpecification"] =
            json!({"StreamEnabled": true, "StreamViewType": stream.view_type});
    }
    if !table.tags.is_empty() {
        request["Tags"] = Json::Array(
            table
                .tags
                .iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect(),
        );
    }
    request
}
