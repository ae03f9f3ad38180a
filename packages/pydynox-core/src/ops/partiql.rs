//! ExecuteStatement (PartiQL): parameters are plain Python values, results plain dicts.

use aws_sdk_dynamodb::operation::execute_statement::ExecuteStatementError;
use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::item::about_table;
use crate::client::CoreClient;
use crate::convert::{items_to_py, py_to_value};
use crate::errors::{from_sdk, request_id_of, Extra, OpError};
use crate::events::{OpSpec, OpStats, ParamValue};
use crate::runtime;

/// The table a statement names after FROM / INTO / UPDATE / DELETE FROM, for events and errors.
fn statement_table(statement: &str) -> Option<String> {
    let tokens: Vec<&str> = statement.split_whitespace().collect();
    let after = |word: &str| {
        tokens
            .iter()
            .position(|t| t.eq_ignore_ascii_case(word))
            .and_then(|i| tokens.get(i + 1))
    };
    let raw = after("FROM")
        .or_else(|| after("INTO"))
        .or_else(|| after("UPDATE"))?;
    let name = raw.trim_matches(|c| c == '"' || c == '\'' || c == ';');
    let name = name.split('.').next().unwrap_or(name).trim_matches('"');
    (!name.is_empty()).then(|| name.to_owned())
}

#[pymethods]
impl CoreClient {
    /// Returns `(items, next_token, metrics)`.
    #[pyo3(signature = (is_async, statement, parameters=None, consistent_read=false, next_token=None, limit=None))]
    #[allow(clippy::too_many_arguments)]
    fn execute_statement<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        statement: String,
        parameters: Option<&Bound<'py, PyAny>>,
        consistent_read: bool,
        next_token: Option<String>,
        limit: Option<i32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if statement.trim().is_empty() {
            return Err(PyValueError::new_err("statement must not be empty"));
        }
        if let Some(l) = limit {
            if l < 1 {
                return Err(PyValueError::new_err(format!(
                    "limit must be a positive whole number, got {l}"
                )));
            }
        }
        let params = match parameters.filter(|p| !p.is_none()) {
            Some(p) => {
                let iter = p
                    .try_iter()
                    .map_err(|_| PyTypeError::new_err("parameters must be a list"))?;
                let mut out = Vec::new();
                for (i, v) in iter.enumerate() {
                    out.push(py_to_value(&v?, &format!("parameters[{i}]"))?);
                }
                Some(out).filter(|v| !v.is_empty())
            }
            None => None,
        };
        let table = statement_table(&statement);
        let mut spec = OpSpec::new("ExecuteStatement", table.as_deref());
        spec.param("statement", || Some(ParamValue::Str(statement.clone())));
        spec.param("consistent_read", || {
            Some(ParamValue::Bool(consistent_read))
        });
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
                        .execute_statement()
                        .statement(&statement)
                        .set_parameters(params)
                        .consistent_read(consistent_read)
                        .set_next_token(next_token)
                        .set_limit(limit)
                        .return_consumed_capacity(ReturnConsumedCapacity::Total);
                    let out = runtime::pin_in_place(|| request.send())
                        .await
                        .map_err(|e| {
                            let err = from_sdk(e, |e| match e {
                                ExecuteStatementError::ConditionalCheckFailedException(c) => {
                                    Extra::Item(c.item().cloned())
                                }
                                _ => Extra::None,
                            });
                            match &table {
                                Some(t) => about_table(err, t),
                                None => err,
                            }
                        })?;
                    stats.request_id = request_id_of(&out);
                    stats.add_capacity(out.consumed_capacity(), false);
                    let items = out.items.unwrap_or_default();
                    stats.add_counts(items.len() as i32, items.len() as i32);
                    Ok::<_, OpError>((items, out.next_token))
                }
                .await;
                (result, stats)
            },
            |py, (items, token), metrics| {
                let items = items_to_py(py, &items)?.into_any();
                let token = token.into_pyobject(py)?.into_any();
                let metrics = Bound::new(py, metrics)?.into_any();
                Ok(PyTuple::new(py, [items, token, metrics])?
                    .into_any()
                    .unbind())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::statement_table;

    #[test]
    fn finds_tables() {
        assert_eq!(
            statement_table("SELECT * FROM \"users\" WHERE pk=?").as_deref(),
            Some("users")
        );
        assert_eq!(
            statement_table("INSERT INTO users VALUE {'pk': ?}").as_deref(),
            Some("users")
        );
        assert_eq!(
            statement_table("UPDATE \"orders\" SET a=1").as_deref(),
            Some("orders")
        );
        assert_eq!(
            statement_table("select * from \"t\".\"idx\"").as_deref(),
            Some("t")
        );
        assert_eq!(statement_table("nonsense").as_deref(), None);
    }
}
