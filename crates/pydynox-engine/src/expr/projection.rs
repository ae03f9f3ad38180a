//! Projections (ProjectionExpression, AttributesToGet, PartiQL select lists): the parts of an item a
//! read returns. Nested paths keep the enclosing maps with only the selected keys; list indexes
//! keep the selected elements, in index order, as a shorter list — as DynamoDB answers.

use std::collections::BTreeMap;

use super::ast::{Path, PathElem};
use super::parser::check_paths;
use crate::error::Result;
use crate::value::{Item, Value};

#[derive(Debug, Clone, Default, PartialEq)]
struct Node {
    /// The whole value at this node is selected.
    whole: bool,
    names: BTreeMap<String, Node>,
    indexes: BTreeMap<usize, Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    paths: Vec<Path>,
    root: Node,
}

impl Projection {
    /// A projection of `paths`; overlapping paths are refused with `kind` in the message
    /// (`ProjectionExpression`).
    pub fn new(paths: Vec<Path>, kind: &str) -> Result<Projection> {
        let refs: Vec<&Path> = paths.iter().collect();
        check_paths(&refs, kind)?;
        Ok(Projection::unchecked(paths))
    }

    /// A projection that merges overlapping paths instead of refusing them (the wider path wins).
    pub fn unchecked(paths: Vec<Path>) -> Projection {
        let mut root = Node::default();
        for p in &paths {
            let mut node = &mut root;
            for elem in &p.0 {
                if node.whole {
                    break;
                }
                node = match elem {
                    PathElem::Name(n) => node.names.entry(n.clone()).or_default(),
                    PathElem::Index(i) => node.indexes.entry(*i).or_default(),
                };
            }
            node.whole = true;
        }
        Projection { paths, root }
    }

    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// The top-level attributes the projection reads, without repeats, in the order written.
    pub fn top_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.paths {
            if !out.contains(&p.top()) {
                out.push(p.top());
            }
        }
        out
    }

    pub fn apply(&self, item: &Item) -> Item {
        let mut out = Item::new();
        for (name, node) in &self.root.names {
            if let Some(v) = item.get(name).and_then(|v| project(v, node)) {
                out.insert(name.clone(), v);
            }
        }
        out
    }
}

fn project(value: &Value, node: &Node) -> Option<Value> {
    if node.whole {
        return Some(value.clone());
    }
    match value {
        Value::M(m) if !node.names.is_empty() => {
            let out: Item = node
                .names
                .iter()
                .filter_map(|(k, child)| Some((k.clone(), project(m.get(k)?, child)?)))
                .collect();
            (!out.is_empty()).then_some(Value::M(out))
        }
        Value::L(l) if !node.indexes.is_empty() => {
            let out: Vec<Value> = node
                .indexes
                .iter()
                .filter_map(|(i, child)| project(l.get(*i)?, child))
                .collect();
            (!out.is_empty()).then_some(Value::L(out))
        }
        _ => None,
    }
}
