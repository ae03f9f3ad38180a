//! pydynox's Rust core: the DynamoDB client on aws-sdk-dynamodb, the one tokio runtime, value
//! conversion and operation events. The Python package (`python/pydynox`) is the public face.

// OpError carries what a failure has to report (items not written, cancellation reasons); it only
// exists on the failure path, so its size does not matter for the calls that succeed.
#![allow(clippy::result_large_err)]

mod aws;
mod capture;
mod client;
mod codec;
mod config;
mod convert;
#[cfg(feature = "kms")]
mod crypto;
mod errors;
mod events;
mod local;
mod loop_inbox;
mod model;
mod ops;
mod rate_limit;
mod runtime;
#[cfg(feature = "s3")]
mod s3;
mod streams;

use pyo3::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::CoreClient>()?;
    m.add_class::<events::OperationEvent>()?;
    m.add_class::<events::OperationMetrics>()?;
    m.add_class::<ops::query::Page>()?;
    m.add_class::<model::ModelSchema>()?;
    m.add_class::<model::Snapshot>()?;
    m.add_class::<codec::Sealed>()?;
    m.add_class::<codec::EncryptedValue>()?;
    m.add_class::<rate_limit::FixedRate>()?;
    m.add_class::<rate_limit::AdaptiveRate>()?;
    m.add_class::<local::handle::LocalEngine>()?;
    m.add_class::<local::server::LocalServer>()?;
    m.add_function(wrap_pyfunction!(model::autogen::generate_value, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::configure_runtime, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::runtime_info, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::_after_fork_in_child, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::_shutdown, m)?)?;
    m.add_function(wrap_pyfunction!(events::_set_listening, m)?)?;
    m.add_function(wrap_pyfunction!(streams::decode_stream_image, m)?)?;
    m.add_function(wrap_pyfunction!(aws::aws_stats, m)?)?;
    m.add_function(wrap_pyfunction!(codec::check_compression, m)?)?;
    m.add("HAS_KMS", cfg!(feature = "kms"))?;
    m.add("HAS_S3", cfg!(feature = "s3"))?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
