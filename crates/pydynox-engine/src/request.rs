//! Typed access to a request's members, with DynamoDB's errors for missing or mistyped ones.
//!
//! A request is read from its bytes once (`wire::read_request`): attribute maps (`Item`, `Key`,
//! a batch's items) are parsed straight into engine values as they are read; the other members
//! become JSON trees the first time they are asked for. Nested objects (a batch's write
//! requests, a transaction's members) are requests of their own.

use std::cell::OnceCell;

use serde_json::{Map, Value as Json};

use crate::canonical;
use crate::error::{Error, Result};
use crate::value::Item;
use crate::wire::{self, Lazy};

/// A JSON value of a request: as read from the request bytes, or a tree (requests built from
/// parsed JSON, such as PartiQL's and the write-ahead log's).
#[derive(Clone, Copy, Debug)]
pub enum Node<'a> {
    Read(&'a Lazy<'a>),
    Tree(&'a Json),
}

impl<'a> Node<'a> {
    fn is_null(&self) -> bool {
        match self {
            Node::Read(lazy) => lazy.is_null(),
            Node::Tree(json) => json.is_null(),
        }
    }

    /// An attribute map.
    pub fn item(&self) -> Result<Item> {
        match self {
            Node::Read(lazy) => lazy.take_item(),
            Node::Tree(json) => wire::item_from_json(json),
        }
    }

    /// The member `name` of an object (the last one, should a name repeat), unless absent or
    /// null; None when this is not an object.
    fn get(&self, name: &str) -> Option<Option<Node<'a>>> {
        let found = match self {
            Node::Read(Lazy::Object(members)) => members
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, node)| Node::Read(node)),
            Node::Tree(Json::Object(map)) => map.get(name).map(Node::Tree),
            _ => return None,
        };
        Some(found.filter(|n| !n.is_null()))
    }

    /// The member `name` of this object, as `Request::node` finds it, without making a request of
    /// the object (batch writes look up two members per write).
    pub fn member(&self, name: &str) -> Result<Option<Node<'a>>> {
        self.get(name)
            .ok_or_else(|| Error::serialization("The request body must be a JSON object"))
    }

    /// The attribute map `name` of this object, which is the member `what` of its parent, with
    /// the errors `Request::sub(what)?.required_item(name)` gives.
    pub fn required_item(&self, what: &str, name: &str) -> Result<Item> {
        self.get(name)
            .ok_or_else(|| Error::serialization(format!("{what} must be a map")))?
            .ok_or_else(|| missing(name))?
            .item()
    }

    /// The elements of a list, or None when this is not a list.
    pub fn elements(&self) -> Option<Vec<Node<'a>>> {
        match self {
            Node::Read(Lazy::Array(values)) => Some(values.iter().map(Node::Read).collect()),
            Node::Tree(Json::Array(values)) => Some(values.iter().map(Node::Tree).collect()),
            _ => None,
        }
    }
}

/// The members of an object: names and values, in request order.
pub type Entries<'a> = Vec<(&'a str, Node<'a>)>;

struct Member<'a> {
    name: &'a str,
    node: Node<'a>,
    /// The member as a JSON tree, made the first time it is asked for.
    tree: OnceCell<Json>,
}

pub struct Request<'a> {
    members: Vec<Member<'a>>,
}

impl<'a> Request<'a> {
    /// A request over a parsed JSON object.
    pub fn new(body: &'a Json) -> Result<Request<'a>> {
        Request::of(Node::Tree(body))
    }

    /// A request over a JSON object.
    pub fn of(node: Node<'a>) -> Result<Request<'a>> {
        let members = match node {
            Node::Read(Lazy::Object(members)) => members
                .iter()
                .map(|(name, node)| Member {
                    name: name.as_ref(),
                    node: Node::Read(node),
                    tree: OnceCell::new(),
                })
                .collect(),
            Node::Tree(Json::Object(map)) => map
                .iter()
                .map(|(name, json)| Member {
                    name: name.as_str(),
                    node: Node::Tree(json),
                    tree: OnceCell::new(),
                })
                .collect(),
            _ => {
                return Err(Error::serialization(
                    "The request body must be a JSON object",
                ))
            }
        };
        Ok(Request { members })
    }

    /// The member called `name` (the last one, should a name repeat), unless absent or null.
    fn member(&self, name: &str) -> Option<&Member<'a>> {
        self.members
            .iter()
            .rev()
            .find(|m| m.name == name)
            .filter(|m| !m.node.is_null())
    }

    /// The member `name` as it came.
    pub fn node(&self, name: &str) -> Option<Node<'a>> {
        self.member(name).map(|m| m.node)
    }

    /// Member names in request order.
    pub fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.members.iter().map(|m| m.name)
    }

    /// The member `name` as a JSON tree.
    pub fn get(&self, name: &str) -> Option<&Json> {
        let member = self.member(name)?;
        match member.node {
            Node::Tree(json) | Node::Read(Lazy::Scalar(json)) => Some(json),
            Node::Read(lazy) => Some(member.tree.get_or_init(|| lazy.to_json())),
        }
    }

    /// The members of an object member, as a request of their own.
    pub fn sub(&self, name: &str) -> Result<Option<Request<'a>>> {
        self.node(name)
            .map(|node| {
                Request::of(node).map_err(|_| Error::serialization(format!("{name} must be a map")))
            })
            .transpose()
    }

    /// The elements of a list member.
    pub fn list(&self, name: &str) -> Result<Option<Vec<Node<'a>>>> {
        let Some(node) = self.node(name) else {
            return Ok(None);
        };
        node.elements()
            .map(Some)
            .ok_or_else(|| Error::serialization(format!("{name} must be a list")))
    }

    /// The members of an object member: names and values, in request order.
    pub fn entries(&self, name: &str) -> Result<Option<Entries<'a>>> {
        Ok(self
            .sub(name)?
            .map(|r| r.members.into_iter().map(|m| (m.name, m.node)).collect()))
    }

    /// The request's content without the member `skip`, in a canonical form (see `canonical`):
    /// equal for two requests exactly when they ask for the same thing, whatever order their
    /// maps and sets were written in.
    pub fn canonical_without(&self, skip: &str) -> Vec<u8> {
        let kept = || self.members.iter().filter(|m| m.name != skip);
        let mut out = Vec::new();
        let read: Option<Vec<(&str, &Lazy<'a>)>> = kept()
            .map(|m| match m.node {
                Node::Read(lazy) => Some((m.name, lazy)),
                Node::Tree(_) => None,
            })
            .collect();
        match read {
            Some(members) => canonical::object(&mut out, members.into_iter()),
            None => {
                let tree: Map<String, Json> = kept()
                    .map(|m| {
                        let json = match m.node {
                            Node::Read(lazy) => lazy.to_json(),
                            Node::Tree(json) => json.clone(),
                        };
                        (m.name.to_owned(), json)
                    })
                    .collect();
                canonical::tree(&mut out, &Json::Object(tree));
            }
        }
        out
    }

    pub fn str(&self, name: &str) -> Result<Option<&str>> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::serialization(format!("{name} must be a string"))),
        }
    }

    pub fn required_str(&self, name: &str) -> Result<&str> {
        self.str(name)?.ok_or_else(|| missing(name))
    }

    pub fn table_name(&self) -> Result<&str> {
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

    /// An attribute map member, parsed straight from the request text.
    pub fn item(&self, name: &str) -> Result<Option<Item>> {
        self.node(name).map(|n| n.item()).transpose()
    }

    pub fn required_item(&self, name: &str) -> Result<Item> {
        self.item(name)?.ok_or_else(|| missing(name))
    }

    pub fn array(&self, name: &str) -> Result<Option<&Vec<Json>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Array(a)) => Ok(Some(a)),
            Some(_) => Err(Error::serialization(format!("{name} must be a list"))),
        }
    }

    pub fn object(&self, name: &str) -> Result<Option<&Map<String, Json>>> {
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
    ) -> Result<&'static str> {
        match self.str(name)? {
            None => Ok(default),
            Some(v) => allowed.iter().find(|a| **a == v).copied().ok_or_else(|| {
                Error::validation(format!(
                    "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                    lower_first(name),
                    allowed.join(", ")
                ))
            }),
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
