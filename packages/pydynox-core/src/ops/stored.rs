//! Items read outside the operations that decode them (batch gets, PartiQL): their compressed and
//! encrypted attributes decoded on the runtime, with the same page-wide batching of KMS calls.

use pyo3::prelude::*;

use crate::client::CoreClient;
use crate::codec::decode_items;
use crate::convert::{items_to_py, py_to_item};
use crate::events::OpStats;
use crate::model::ModelSchema;

#[pymethods]
impl CoreClient {
    /// `items` (plain dicts as stored in `table`) with `model`'s compressed and encrypted attributes
    /// decoded, as plain dicts.
    #[pyo3(signature = (is_async, table, items, model))]
    fn decode_stored<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        items: &Bound<'py, PyAny>,
        model: Py<ModelSchema>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let decoder = model.get().decoder();
        let mut stored = Vec::new();
        for (i, item) in items.try_iter()?.enumerate() {
            stored.push(py_to_item(&item?, &format!("items[{i}]"))?);
        }
        self.run_plain(
            py,
            is_async,
            "decode_stored",
            move |shared| async move {
                let mut items = stored;
                if let Some(decoder) = decoder {
                    let mut stats = OpStats::default();
                    decode_items(&shared, &table, &decoder, &mut items, &mut stats).await?;
                }
                Ok(items)
            },
            |py, items| Ok(items_to_py(py, &items)?.into_any().unbind()),
        )
    }
}
