//! Applying an update (UpdateExpression, AttributeUpdates or PartiQL UPDATE) to an item.
//!
//! As in DynamoDB, every SET value is computed from the item as it was before the update, the
//! actions then run in order (SET, REMOVE, ADD, DELETE as written), and an error leaves the item
//! untouched.

use super::ast::{Path, PathElem, SetValue, Update, UpdateAction};
use super::parser::check_paths;
use crate::error::{Error, Result};
use crate::number::NumberError;
use crate::value::{Item, Value};

fn invalid_path() -> Error {
    Error::validation("The document path provided in the update expression is invalid for update")
}

fn wrong_type() -> Error {
    Error::validation("An operand in the update expression has an incorrect data type")
}

fn missing_attribute() -> Error {
    Error::validation(
        "The provided expression refers to an attribute that does not exist in the item",
    )
}

fn number_error(e: NumberError) -> Error {
    Error::validation(e.message())
}

impl Update {
    /// Builds an update from actions, refusing overlapping or conflicting paths. `kind` names the
    /// parameter in messages (`UpdateExpression`).
    pub fn new(actions: Vec<UpdateAction>, kind: &str) -> Result<Update> {
        let paths: Vec<&Path> = actions.iter().map(UpdateAction::path).collect();
        check_paths(&paths, kind)?;
        Ok(Update { actions })
    }

    /// Every path the update writes or removes (the caller refuses key attributes among them).
    pub fn paths(&self) -> Vec<&Path> {
        self.actions.iter().map(UpdateAction::path).collect()
    }

    /// The top-level attributes the update touches, without repeats (for UPDATED_OLD/UPDATED_NEW).
    pub fn top_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in self.paths() {
            if !out.contains(&p.top()) {
                out.push(p.top());
            }
        }
        out
    }

    /// Applies the update; on error the item is left as it was.
    pub fn apply(&self, item: &mut Item) -> Result<()> {
        let mut values = Vec::new();
        for action in &self.actions {
            if let UpdateAction::Set(_, v) = action {
                values.push(eval_set(v, item)?);
            }
        }
        let mut out = item.clone();
        let mut values = values.into_iter();
        let mut removals: Vec<&Path> = Vec::new();
        for action in &self.actions {
            match action {
                UpdateAction::Set(path, _) => match values.next().flatten() {
                    Some(v) => set_path(&mut out, path, v)?,
                    None => removals.push(path),
                },
                UpdateAction::Remove(path) => removals.push(path),
                UpdateAction::Add(path, value) => add(&mut out, path, value)?,
                UpdateAction::Delete(path, value) => delete(&mut out, path, value)?,
            }
        }
        // List elements go last-first so every index means the list as it was before the update.
        removals.sort_by(|a, b| b.cmp(a));
        for path in removals {
            remove_path(&mut out, path)?;
        }
        *item = out;
        Ok(())
    }
}

/// The value of a SET operand; `None` when a PartiQL `set_delete` empties the set.
pub(crate) fn eval_set(v: &SetValue, item: &Item) -> Result<Option<Value>> {
    Ok(Some(match v {
        SetValue::Path(p) => p.get(item).cloned().ok_or_else(missing_attribute)?,
        SetValue::Value(v) => v.clone(),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let (a, b) = (required(a, item)?, required(b, item)?);
            let (Value::N(a), Value::N(b)) = (a, b) else {
                return Err(wrong_type());
            };
            let r = if matches!(v, SetValue::Plus(..)) {
                a.add(&b)
            } else {
                a.sub(&b)
            };
            Value::N(r.map_err(number_error)?)
        }
        SetValue::IfNotExists(p, default) => match p.get(item) {
            Some(v) => v.clone(),
            None => required(default, item)?,
        },
        SetValue::ListAppend(a, b) => {
            let (Value::L(mut a), Value::L(b)) = (required(a, item)?, required(b, item)?) else {
                return Err(wrong_type());
            };
            a.extend(b);
            Value::L(a)
        }
        SetValue::SetAdd(a, b) => {
            let (a, b) = (required(a, item)?, required(b, item)?);
            set_union(&a, &b).ok_or_else(wrong_type)?
        }
        SetValue::SetDelete(a, b) => {
            let (a, b) = (required(a, item)?, required(b, item)?);
            return set_difference(&a, &b).ok_or_else(wrong_type);
        }
    }))
}

fn required(v: &SetValue, item: &Item) -> Result<Value> {
    eval_set(v, item)?.ok_or_else(wrong_type)
}

fn union<T: Clone + PartialEq>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = a.to_vec();
    for x in b {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

fn difference<T: Clone + PartialEq>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

/// The union of two sets of one type; `None` for any other pair.
pub(crate) fn set_union(a: &Value, b: &Value) -> Option<Value> {
    Some(match (a, b) {
        (Value::Ss(x), Value::Ss(y)) => Value::Ss(union(x, y)),
        (Value::Ns(x), Value::Ns(y)) => Value::Ns(union(x, y)),
        (Value::Bs(x), Value::Bs(y)) => Value::Bs(union(x, y)),
        _ => return None,
    })
}

/// `Some(None)` when the difference is empty (DynamoDB removes the attribute); `None` when the
/// values are not two sets of one type.
pub(crate) fn set_difference(a: &Value, b: &Value) -> Option<Option<Value>> {
    let v = match (a, b) {
        (Value::Ss(x), Value::Ss(y)) => Value::Ss(difference(x, y)),
        (Value::Ns(x), Value::Ns(y)) => Value::Ns(difference(x, y)),
        (Value::Bs(x), Value::Bs(y)) => Value::Bs(difference(x, y)),
        _ => return None,
    };
    let empty = match &v {
        Value::Ss(s) => s.is_empty(),
        Value::Ns(s) => s.is_empty(),
        Value::Bs(s) => s.is_empty(),
        _ => false,
    };
    Some(if empty { None } else { Some(v) })
}

/// The container that holds the last element of `path` (the item itself for a top-level path).
enum Parent<'a> {
    Item(&'a mut Item),
    Value(&'a mut Value),
}

/// Walks to the parent of `path`'s last element; `None` if some step is missing or of the wrong
/// type.
fn parent_mut<'a>(item: &'a mut Item, path: &Path) -> Option<Parent<'a>> {
    let (first, rest) = path.0.split_first()?;
    if rest.is_empty() {
        return Some(Parent::Item(item));
    }
    let PathElem::Name(first) = first else {
        return None;
    };
    let mut current = item.get_mut(first)?;
    for elem in &rest[..rest.len() - 1] {
        current = match (current, elem) {
            (Value::M(m), PathElem::Name(n)) => m.get_mut(n)?,
            (Value::L(l), PathElem::Index(i)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(Parent::Value(current))
}

fn last(path: &Path) -> &PathElem {
    &path.0[path.0.len() - 1]
}

fn set_path(item: &mut Item, path: &Path, value: Value) -> Result<()> {
    match (parent_mut(item, path).ok_or_else(invalid_path)?, last(path)) {
        (Parent::Item(item), PathElem::Name(n)) => {
            item.insert(n.clone(), value);
        }
        (Parent::Value(Value::M(m)), PathElem::Name(n)) => {
            m.insert(n.clone(), value);
        }
        (Parent::Value(Value::L(l)), PathElem::Index(i)) => {
            if *i < l.len() {
                l[*i] = value;
            } else {
                l.push(value);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

fn remove_path(item: &mut Item, path: &Path) -> Result<()> {
    match (parent_mut(item, path).ok_or_else(invalid_path)?, last(path)) {
        (Parent::Item(item), PathElem::Name(n)) => {
            item.remove(n);
        }
        (Parent::Value(Value::M(m)), PathElem::Name(n)) => {
            m.remove(n);
        }
        (Parent::Value(Value::L(l)), PathElem::Index(i)) => {
            if *i < l.len() {
                l.remove(*i);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

fn add(item: &mut Item, path: &Path, value: &Value) -> Result<()> {
    let new = match path.get(item) {
        None => match value {
            Value::N(_) | Value::Ss(_) | Value::Ns(_) | Value::Bs(_) => value.clone(),
            _ => return Err(wrong_type()),
        },
        Some(Value::N(a)) => match value {
            Value::N(b) => Value::N(a.add(b).map_err(number_error)?),
            _ => return Err(wrong_type()),
        },
        Some(existing) => set_union(existing, value).ok_or_else(wrong_type)?,
    };
    set_path(item, path, new)
}

fn delete(item: &mut Item, path: &Path, value: &Value) -> Result<()> {
    let Some(existing) = path.get(item) else {
        // Nothing to delete from; the path must still be a valid place in the item.
        return match parent_mut(item, path) {
            Some(_) => Ok(()),
            None => Err(invalid_path()),
        };
    };
    match set_difference(existing, value).ok_or_else(wrong_type)? {
        Some(v) => set_path(item, path, v),
        None => remove_path(item, path),
    }
}
