//! Attributes whose stored form is not their value: compressed and encrypted attributes.
//!
//! A model instance's snapshot holds the *logical* item (what the attributes hold); the item
//! DynamoDB stores holds the *stored* form (an envelope in a Binary). The translation happens inside
//! the operation, on the runtime and without the GIL: writes encode just before sending (a put's
//! item, an update's sealed values), reads decode a whole page just after receiving it, so
//! encryption's KMS calls are async and batched across the page. Dirty tracking compares logical
//! values, so an unchanged encrypted attribute is never re-sent.

pub mod avbin;
pub mod compress;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::client::Shared;
use crate::convert::wire::{PageItems, ReadError};
use crate::convert::Item;
use crate::errors::{Extra, OpError};
use crate::events::OpStats;
use crate::model::schema::Decoder;
use compress::CompressSpec;

pub enum FieldCodec {
    Compress(CompressSpec),
    #[cfg(feature = "kms")]
    Encrypt(Arc<crate::crypto::EncryptSpec>),
}

pub struct CodecField {
    pub db_name: String,
    /// `User.ssn`, for messages.
    pub label: String,
    pub codec: FieldCodec,
}

impl CodecField {
    /// An encrypted attribute that is never decrypted by this model (`WriteOnly`).
    pub fn write_only(&self) -> bool {
        match &self.codec {
            #[cfg(feature = "kms")]
            FieldCodec::Encrypt(spec) => spec.mode == crate::crypto::Mode::WriteOnly,
            _ => false,
        }
    }

    pub fn encrypted(&self) -> bool {
        match &self.codec {
            #[cfg(feature = "kms")]
            FieldCodec::Encrypt(_) => true,
            _ => false,
        }
    }
}

/// The codec attributes of one model, and what binds an encrypted value to its item.
pub struct ItemCodecs {
    pub fields: Vec<CodecField>,
    /// The table's key attributes, sorted: part of every encrypted value's authenticated data.
    pub key_names: Vec<String>,
    pub max_size: usize,
    by_name: HashMap<String, usize>,
}

/// What a model's item still needs encoded when it is written: the model's codecs, and the encrypted
/// attributes that already hold their stored form (ciphertexts loaded as `EncryptedValue`).
pub type Encode = (Arc<ItemCodecs>, Vec<String>);

fn codec_error(class: &'static str, code: &str, message: String) -> OpError {
    OpError::new(class, code, message)
}

fn compression_error(label: &str, message: String) -> OpError {
    codec_error(
        "CompressionException",
        "InvalidCompressedValue",
        format!("{label}: {message}"),
    )
}

impl ItemCodecs {
    /// `specs`: `(db_name, label, spec)` where `spec` is `("compress", algorithm, level, min_size,
    /// threshold)` or `("encrypt", key_id, context, mode, region, endpoint_url, cache)`.
    pub fn from_py(
        specs: Vec<(String, String, Bound<'_, PyTuple>)>,
        mut key_names: Vec<String>,
        max_size: usize,
    ) -> PyResult<Self> {
        let mut fields = Vec::with_capacity(specs.len());
        let mut by_name = HashMap::new();
        for (db_name, label, spec) in specs {
            let kind: String = spec.get_item(0)?.extract()?;
            let codec = match kind.as_str() {
                "compress" => {
                    let (_, algorithm, level, min_size, threshold): (
                        String,
                        String,
                        Option<i32>,
                        usize,
                        f64,
                    ) = spec.extract()?;
                    FieldCodec::Compress(
                        CompressSpec::new(&algorithm, level, min_size, threshold)
                            .map_err(|e| PyValueError::new_err(format!("{label}: {e}")))?,
                    )
                }
                "encrypt" => encrypt_codec(&label, &spec)?,
                other => {
                    return Err(PyValueError::new_err(format!(
                        "{label}: unknown codec {other:?}"
                    )))
                }
            };
            by_name.insert(db_name.clone(), fields.len());
            fields.push(CodecField {
                db_name,
                label,
                codec,
            });
        }
        key_names.sort();
        Ok(ItemCodecs {
            fields,
            key_names,
            max_size,
            by_name,
        })
    }

    pub fn index(&self, db_name: &str) -> Option<usize> {
        self.by_name.get(db_name).copied()
    }

    fn has_encrypted(&self) -> bool {
        self.fields.iter().any(CodecField::encrypted)
    }

    /// The item's key in `avbin` form, for the authenticated data of encrypted values.
    fn binding_key(&self, item: &Item, label: &str) -> Result<Vec<(String, Vec<u8>)>, OpError> {
        self.key_names
            .iter()
            .map(|name| {
                let value = item.get(name).ok_or_else(|| {
                    codec_error(
                        "EncryptionException",
                        "MissingKey",
                        format!(
                            "{label}: the item has no key attribute {name:?}, which binds the encrypted value to its item"
                        ),
                    )
                })?;
                let bytes = avbin::encode(value)
                    .map_err(|m| codec_error("EncryptionException", "InvalidKey", m))?;
                Ok((name.clone(), bytes))
            })
            .collect()
    }
}

#[cfg(feature = "kms")]
fn encrypt_codec(label: &str, spec: &Bound<'_, PyTuple>) -> PyResult<FieldCodec> {
    use crate::crypto::{cache::Policy, EncryptSpec, Mode};
    use std::time::Duration;
    #[allow(clippy::type_complexity)]
    let (_, key_id, context, mode, region, endpoint_url, cache): (
        String,
        String,
        std::collections::BTreeMap<String, String>,
        String,
        Option<String>,
        Option<String>,
        Option<(usize, f64, u64, u64)>,
    ) = spec.extract()?;
    if key_id.trim().is_empty() {
        return Err(PyValueError::new_err(format!(
            "{label}: key_id must name a KMS key (id, ARN or alias)"
        )));
    }
    let mode = Mode::parse(&mode).map_err(|e| PyValueError::new_err(format!("{label}: {e}")))?;
    let target = crate::aws::ServiceTarget::new(region, endpoint_url)?;
    let policy = match cache {
        Some((max_keys, max_age, max_messages, max_bytes)) => {
            if !(max_age.is_finite() && max_age > 0.0) {
                return Err(PyValueError::new_err(format!(
                    "{label}: the key cache's max_age must be a positive number of seconds"
                )));
            }
            Policy {
                max_keys,
                max_age: Duration::from_secs_f64(max_age),
                max_messages,
                max_bytes,
            }
        }
        None => Policy {
            max_keys: 0,
            max_age: Duration::ZERO,
            max_messages: 0,
            max_bytes: 0,
        },
    };
    Ok(FieldCodec::Encrypt(Arc::new(EncryptSpec::new(
        key_id, context, mode, target, policy,
    ))))
}

#[cfg(not(feature = "kms"))]
fn encrypt_codec(label: &str, _spec: &Bound<'_, PyTuple>) -> PyResult<FieldCodec> {
    Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
        "{label}: this build of pydynox has no KMS support (built without the 'kms' feature)"
    )))
}

// ---------------------------------------------------------------------------------------------------
// Python objects

/// Checks a `CompressedAttribute`'s settings when the attribute is declared.
#[pyfunction]
pub fn check_compression(
    algorithm: &str,
    level: Option<i32>,
    min_size: usize,
    threshold: f64,
) -> PyResult<()> {
    CompressSpec::new(algorithm, level, min_size, threshold)
        .map(|_| ())
        .map_err(PyValueError::new_err)
}

/// A value of a compressed or encrypted attribute on its way into an update: encoded (and, for an
/// encrypted attribute, bound to the item's key) inside the operation, just before it is sent.
#[pyclass(module = "pydynox._core", frozen)]
pub struct Sealed {
    pub codecs: Arc<ItemCodecs>,
    pub field: usize,
    pub value: AttributeValue,
    /// The value is a stored ciphertext as loaded (`EncryptedValue`): sent as it is.
    pub stored: bool,
}

#[pymethods]
impl Sealed {
    fn __repr__(&self) -> String {
        format!(
            "<{} value, encoded when sent>",
            self.codecs.fields[self.field].label
        )
    }
}

/// The value of an encrypted attribute this model may not decrypt (`mode=WriteOnly`, or an item
/// from a stream record): the stored ciphertext, kept as it is. Saving the instance leaves it
/// untouched; assigning a plain value replaces it.
#[pyclass(module = "pydynox._core", frozen)]
pub struct EncryptedValue {
    pub stored: Vec<u8>,
}

#[pymethods]
impl EncryptedValue {
    #[new]
    fn new(ciphertext: Vec<u8>) -> Self {
        EncryptedValue { stored: ciphertext }
    }

    /// The stored envelope (version, wrapped data key, nonce, ciphertext and tag).
    #[getter]
    fn ciphertext<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.stored)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<EncryptedValue>()
            .is_ok_and(|o| o.get().stored == self.stored)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.stored.hash(&mut h);
        h.finish()
    }

    fn __repr__(&self) -> String {
        format!(
            "EncryptedValue(<{} bytes, not decrypted>)",
            self.stored.len()
        )
    }
}

// ---------------------------------------------------------------------------------------------------
// Encoding (writes)

/// One sealed value of an update's `expression_attribute_values`, taken out of Python.
pub struct SealedSlot {
    pub placeholder: String,
    pub codecs: Arc<ItemCodecs>,
    pub field: usize,
    pub value: AttributeValue,
    pub stored: bool,
}

impl SealedSlot {
    pub fn from_py(placeholder: &str, sealed: &Sealed) -> Self {
        SealedSlot {
            placeholder: placeholder.to_owned(),
            codecs: sealed.codecs.clone(),
            field: sealed.field,
            value: sealed.value.clone(),
            stored: sealed.stored,
        }
    }
}

#[allow(unused_variables)]
async fn encode_value(
    shared: &Shared,
    table: &str,
    key: Option<&[(String, Vec<u8>)]>,
    field: &CodecField,
    value: &AttributeValue,
    kms_calls: &mut u32,
) -> Result<AttributeValue, OpError> {
    let plain = avbin::encode(value).map_err(|m| {
        codec_error(
            "ValidationException",
            "InvalidValue",
            format!("{}: {m}", field.label),
        )
    })?;
    let stored = match &field.codec {
        FieldCodec::Compress(spec) => spec
            .compress(&plain)
            .map_err(|m| compression_error(&field.label, m))?,
        #[cfg(feature = "kms")]
        FieldCodec::Encrypt(spec) => {
            if spec.mode == crate::crypto::Mode::ReadOnly {
                return Err(codec_error(
                    "EncryptionException",
                    "ReadOnly",
                    format!(
                        "{}: the attribute is ReadOnly (it decrypts but never encrypts), so a new value cannot be stored",
                        field.label
                    ),
                ));
            }
            let key = key.unwrap_or(&[]);
            let data_key =
                crate::crypto::key_for_encrypt(shared, spec, plain.len(), kms_calls).await?;
            let binding = crate::crypto::envelope::Binding {
                table,
                attribute: &field.db_name,
                key,
                context: &spec.context,
            };
            crate::crypto::envelope::seal(&data_key.cipher, &data_key.wrapped, &binding, &plain)
                .map_err(|m| {
                    codec_error(
                        "EncryptionException",
                        "EncryptFailed",
                        format!("{}: {m}", field.label),
                    )
                })?
        }
    };
    Ok(AttributeValue::B(Blob::new(stored)))
}

/// Encodes the codec attributes of an item about to be put. `stored`: attributes that already hold
/// their stored form (ciphertexts loaded as `EncryptedValue`).
pub async fn encode_item(
    shared: &Shared,
    table: &str,
    codecs: &ItemCodecs,
    item: &mut Item,
    stored: &[String],
    stats: &mut OpStats,
) -> Result<(), OpError> {
    let key = if codecs.has_encrypted() {
        let label = codecs.fields.first().map_or("", |f| f.label.as_str());
        Some(codecs.binding_key(item, label)?)
    } else {
        None
    };
    for field in &codecs.fields {
        if stored.contains(&field.db_name) {
            continue;
        }
        // A stored NULL (loaded as None, kept by a save) stays NULL: there is no value to encode.
        let Some(value) = item.get(&field.db_name).filter(|v| !is_null(v)) else {
            continue;
        };
        let encoded = encode_value(
            shared,
            table,
            key.as_deref(),
            field,
            value,
            &mut stats.kms_calls,
        )
        .await?;
        item.insert(field.db_name.clone(), encoded);
    }
    check_size(codecs, item)
}

/// Encodes the sealed values of an update, bound to the item's `key`.
pub async fn encode_sealed(
    shared: &Shared,
    table: &str,
    key: &Item,
    values: &mut Item,
    slots: Vec<SealedSlot>,
    stats: &mut OpStats,
) -> Result<(), OpError> {
    for slot in slots {
        let field = &slot.codecs.fields[slot.field];
        let encoded = if slot.stored {
            slot.value
        } else {
            let binding = if field.encrypted() {
                Some(slot.codecs.binding_key(key, &field.label)?)
            } else {
                None
            };
            encode_value(
                shared,
                table,
                binding.as_deref(),
                field,
                &slot.value,
                &mut stats.kms_calls,
            )
            .await?
        };
        values.insert(slot.placeholder, encoded);
    }
    Ok(())
}

fn check_size(codecs: &ItemCodecs, item: &Item) -> Result<(), OpError> {
    let size = crate::model::size::item_size(item);
    if size <= codecs.max_size {
        return Ok(());
    }
    let key: Item = codecs
        .key_names
        .iter()
        .filter_map(|k| item.get(k).map(|v| (k.clone(), v.clone())))
        .collect();
    let mut err = OpError::new(
        "ItemTooLargeException",
        "ItemTooLargeException",
        format!(
            "the item is {size} bytes once its attributes are compressed and encrypted; the limit is {} bytes",
            codecs.max_size
        ),
    );
    err.extra = Extra::TooLarge {
        size,
        max_size: codecs.max_size,
        key,
    };
    Err(err)
}

// ---------------------------------------------------------------------------------------------------
// Decoding (reads)

/// A stored NULL loads as None whatever the attribute (as for every other attribute): it was never
/// encoded, so it is not decoded either.
fn is_null(av: &AttributeValue) -> bool {
    matches!(av, AttributeValue::Null(_))
}

fn stored_bytes<'a>(field: &CodecField, av: &'a AttributeValue) -> Result<&'a [u8], OpError> {
    match av {
        AttributeValue::B(b) => Ok(b.as_ref()),
        other => {
            let class = if field.encrypted() {
                "EncryptionException"
            } else {
                "CompressionException"
            };
            Err(codec_error(
                class,
                "NotEncoded",
                format!(
                    "{}: the stored value is of DynamoDB type {}, not the binary form this attribute writes",
                    field.label,
                    crate::convert::wire::Tag::of_av(other).letter()
                ),
            ))
        }
    }
}

fn decompressed(field: &CodecField, spec_bytes: &[u8]) -> Result<AttributeValue, OpError> {
    let plain = compress::decompress(spec_bytes).map_err(|m| compression_error(&field.label, m))?;
    avbin::decode(&plain).map_err(|m| compression_error(&field.label, m))
}

/// Decodes the compressed attributes of a stored item without any I/O (stream images). Encrypted
/// attributes are left as they are stored.
// Without the `kms` feature compression is the only codec, so the pattern cannot fail.
#[allow(irrefutable_let_patterns)]
pub fn decode_item_offline(codecs: &ItemCodecs, item: &mut Item) -> Result<(), OpError> {
    for field in &codecs.fields {
        if let FieldCodec::Compress(_) = field.codec {
            if let Some(av) = item.get(&field.db_name).filter(|v| !is_null(v)) {
                let decoded = decompressed(field, stored_bytes(field, av)?)?;
                item.insert(field.db_name.clone(), decoded);
            }
        }
    }
    Ok(())
}

/// Picks the codecs of each item of a page: a query of a model whose subclasses (by discriminator)
/// declare their own compressed or encrypted attributes decodes each item by its own class.
pub trait CodecsOf {
    fn codecs_of(&self, item: &Item) -> Option<Arc<ItemCodecs>>;
}

impl CodecsOf for Arc<ItemCodecs> {
    fn codecs_of(&self, _item: &Item) -> Option<Arc<ItemCodecs>> {
        Some(self.clone())
    }
}

/// Decodes a page of stored items in place: compressed attributes locally; encrypted ones after
/// unwrapping each distinct data key once (see `crypto::keys_for_decrypt`). `WriteOnly` attributes
/// stay encrypted.
pub async fn decode_items(
    shared: &Shared,
    table: &str,
    decoder: &(dyn CodecsOf + Send + Sync),
    items: &mut [Item],
    stats: &mut OpStats,
) -> Result<(), OpError> {
    let per_item: Vec<Option<Arc<ItemCodecs>>> =
        items.iter().map(|item| decoder.codecs_of(item)).collect();
    #[cfg(feature = "kms")]
    let mut wanted: HashMap<crate::crypto::UnwrapKey, Arc<crate::crypto::EncryptSpec>> =
        HashMap::new();
    #[allow(unused_mut)]
    let mut any_encrypted = false;
    for (item, codecs) in items.iter_mut().zip(&per_item) {
        let Some(codecs) = codecs else { continue };
        for field in &codecs.fields {
            let Some(av) = item.get(&field.db_name).filter(|v| !is_null(v)) else {
                continue;
            };
            match &field.codec {
                FieldCodec::Compress(_) => {
                    let decoded = decompressed(field, stored_bytes(field, av)?)?;
                    item.insert(field.db_name.clone(), decoded);
                }
                #[cfg(feature = "kms")]
                FieldCodec::Encrypt(spec) => {
                    let bytes = stored_bytes(field, av)?;
                    if spec.mode == crate::crypto::Mode::WriteOnly {
                        continue;
                    }
                    let envelope = crate::crypto::envelope::parse(bytes)
                        .map_err(|m| tampered(&field.label, &m))?;
                    any_encrypted = true;
                    let wrapped: Arc<[u8]> = envelope.wrapped.into();
                    wanted
                        .entry((spec.group.clone(), wrapped))
                        .or_insert_with(|| spec.clone());
                }
            }
        }
    }
    if !any_encrypted {
        return Ok(());
    }
    #[cfg(feature = "kms")]
    {
        let wanted: Vec<_> = wanted
            .into_iter()
            .map(|((_, wrapped), spec)| (spec, wrapped))
            .collect();
        let keys = crate::crypto::keys_for_decrypt(shared, wanted, &mut stats.kms_calls).await?;
        for (item, codecs) in items.iter_mut().zip(&per_item) {
            let Some(codecs) = codecs else { continue };
            let mut binding_key = None;
            for field in &codecs.fields {
                let FieldCodec::Encrypt(spec) = &field.codec else {
                    continue;
                };
                if spec.mode == crate::crypto::Mode::WriteOnly {
                    continue;
                }
                let Some(AttributeValue::B(stored)) = item.get(&field.db_name) else {
                    continue;
                };
                let envelope = crate::crypto::envelope::parse(stored.as_ref())
                    .map_err(|m| tampered(&field.label, &m))?;
                let data_key = keys
                    .get(&(spec.group.clone(), Arc::from(envelope.wrapped)))
                    .ok_or_else(|| tampered(&field.label, "its data key was not unwrapped"))?;
                if binding_key.is_none() {
                    binding_key = Some(codecs.binding_key(item, &field.label)?);
                }
                let binding = crate::crypto::envelope::Binding {
                    table,
                    attribute: &field.db_name,
                    key: binding_key.as_deref().unwrap_or(&[]),
                    context: &spec.context,
                };
                let plain = crate::crypto::envelope::open(&data_key.cipher, &envelope, &binding)
                    .ok_or_else(|| {
                        tampered(
                            &field.label,
                            "it does not authenticate (it was altered, or copied from another item, attribute or table)",
                        )
                    })?;
                let value = avbin::decode(&plain).map_err(|m| tampered(&field.label, &m))?;
                item.insert(field.db_name.clone(), value);
            }
        }
    }
    #[cfg(not(feature = "kms"))]
    let _ = (shared, table, stats);
    Ok(())
}

/// Decodes a page of a query or scan in place. A page read from the response bytes keeps them:
/// only each item's compressed and encrypted attributes (with the key attributes that authenticate
/// them and the discriminator that picks its class) are read out of the bytes and decoded, and the
/// decoded values then stand in for the stored ones when the page is loaded. The KMS calls are
/// those of `decode_items`: one per distinct data key of the page.
pub async fn decode_page(
    shared: &Shared,
    table: &str,
    decoder: &Decoder,
    page: &mut PageItems,
    stats: &mut OpStats,
) -> Result<(), OpError> {
    let wire = match page {
        PageItems::Sdk(items) => return decode_items(shared, table, decoder, items, stats).await,
        PageItems::Wire(wire) => wire,
    };
    let discriminator = decoder.discriminator();
    let mut coded = Vec::new();
    let mut any = false;
    wire.each_item(|item| {
        let class = discriminator.and_then(|d| item.peek_string(d));
        let mut picked = Item::new();
        if let Some(codecs) = decoder.codecs_for(class.as_deref()) {
            item.attributes(|name, value| {
                let name = name.as_ref();
                if codecs.index(name).is_some()
                    || codecs.key_names.iter().any(|k| k == name)
                    || discriminator == Some(name)
                {
                    picked.insert(name.to_owned(), value.av()?);
                }
                Ok(())
            })?;
            any |= codecs
                .fields
                .iter()
                .any(|f| picked.contains_key(&f.db_name));
        }
        coded.push(picked);
        Ok(())
    })
    .map_err(|e| {
        let message = match e {
            ReadError::Wire(w) => w.to_string(),
            ReadError::Py(_) => "an item of the response could not be read".to_owned(),
        };
        OpError::new("PydynoxException", "MalformedResponse", message)
    })?;
    if !any {
        return Ok(());
    }
    decode_items(shared, table, decoder, &mut coded, stats).await?;
    for item in &mut coded {
        match decoder.codecs_of(item) {
            Some(codecs) => item.retain(|name, _| codecs.index(name).is_some()),
            None => item.clear(),
        }
    }
    wire.set_decoded(coded);
    Ok(())
}

#[cfg(feature = "kms")]
fn tampered(label: &str, why: &str) -> OpError {
    codec_error(
        "EncryptionException",
        "InvalidCiphertext",
        format!("{label}: the stored ciphertext cannot be decrypted: {why}"),
    )
}

// ---------------------------------------------------------------------------------------------------
// Python entry points

/// `expression_attribute_values` with sealed values set aside: their placeholders hold NULL until
/// the operation encodes them.
pub fn split_sealed(dict: &Bound<'_, PyDict>) -> PyResult<Option<Vec<SealedSlot>>> {
    let mut slots = Vec::new();
    for (k, v) in dict.iter() {
        if let Ok(sealed) = v.cast::<Sealed>() {
            let placeholder: String = k.extract().map_err(|_| {
                PyTypeError::new_err("expression_attribute_values keys must be str")
            })?;
            slots.push(SealedSlot::from_py(&placeholder, sealed.get()));
        }
    }
    Ok((!slots.is_empty()).then_some(slots))
}
