//! Typed access to a request's JSON members, with DynamoDB's errors for missing or mistyped ones.

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::value::{item_from_json, Item};

pub struct Request<'a> {
    pub body: &'a Map<String, Json>,
}

impl<'a> Request<'a> {
    pub fn new(body: &'a Json) -> Result<Request<'a>> {
        match body {
            Json::Object(body) => Ok(Request { body }),
            _ => Err(Error::serialization(
                "The request body must be a JSON object",
            )),
        }
    }

    pub fn get(&self, name: &str) -> Option<&'a Json> {
        self.body.get(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Result<Option<&'a str>> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::serialization(format!("{name} must be a string"))),
        }
    }

    pub fn required_str(&self, name: &str) -> Result<&'a str> {
        self.str(name)?.ok_or_else(|| missing(name))
    }

    pub fn table_name(&self) -> Result<&'a str> {
        let name = self.required_str("TableName")?;
        check_table_name(name, "tableName")?;
        Ok(name)
    }

    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.get(name) {
            None => Ok(false),
            Some(Json::Bool(b)) => Ok(*b),
            Some(_) => Err(Error::serialization(format!("{name} must be a boolean"))),
        }
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| Error::serialization(format!("{name} must be an integer"))),
        }
    }

    pub fn item(&self, name: &str) -> Result<Option<Item>> {
        self.get(name).map(item_from_json).transpose()
    }

    pub fn required_item(&self, name: &str) -> Result<Item> {
        self.item(name)?.ok_or_else(|| missing(name))
    }

    pub fn array(&self, name: &str) -> Result<Option<&'a Vec<Json>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Array(a)) => Ok(Some(a)),
            Some(_) => Err(Error::serialization(format!("{name} must be a list"))),
        }
    }

    pub fn object(&self, name: &str) -> Result<Option<&'a Map<String, Json>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Object(o)) => Ok(Some(o)),
            Some(_) => Err(Error::serialization(format!("{name} must be a map"))),
        }
    }

    /// An enum-valued member checked against its allowed values, with DynamoDB's message.
    pub fn choice(
        &self,
        name: &str,
        allowed: &[&'static str],
        default: &'static str,
    ) -> Result<&'a str> {
        match self.str(name)? {
            None => Ok(default),
            Some(v) if allowed.contains(&v) => Ok(v),
            Some(v) => Err(Error::validation(format!(
                "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                lower_first(name),
                allowed.join(", ")
            ))),
        }
    }
}

pub fn missing(name: &str) -> Error {
    Error::validation(format!(
        "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
        lower_first(name)
    ))
}

/// `TableName` → `tableName`, as DynamoDB names members in validation messages.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Table and index names: 3 to 255 characters of `[a-zA-Z0-9_.-]`.
pub fn check_table_name(name: &str, member: &str) -> Result<()> {
    if name.len() < 3 || name.len() > 255 {
        return Err(Error::validation(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 3 and less than or equal to 255"
        )));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(Error::validation(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        )));
    }
    Ok(())
}
