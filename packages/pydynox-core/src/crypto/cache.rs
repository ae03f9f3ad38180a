//! The data-key cache of one client: KMS is asked for a data key once, not once per value.
//!
//! Keys are grouped by what KMS binds them to (the KMS endpoint, the key id and the encryption
//! context). In each group:
//!
//! * one key encrypts new values until it is `max_age` old, or has encrypted `max_messages` values or
//!   `max_bytes` bytes; the next value gets a new key from GenerateDataKey;
//! * keys unwrapped by Decrypt (and the group's own encryption keys) are kept to decrypt values, at
//!   most `max_keys` of them, least recently used out first, none older than `max_age`.
//!
//! A miss is filled once however many tasks want the same key at the same time (the others wait for
//! it). Data keys live only here and in the AES key schedules, which are wiped when dropped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aes_gcm::{Aes256Gcm, KeyInit};
use parking_lot::Mutex;
use zeroize::Zeroize;

/// Counters of the whole process, for tests, benchmarks and diagnostics.
pub static HITS: AtomicU64 = AtomicU64::new(0);
pub static MISSES: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupKey {
    /// The KMS region and endpoint the key belongs to (different accounts may use the same alias).
    pub target: (Option<String>, Option<String>),
    pub key_id: String,
    pub context: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub max_keys: usize,
    pub max_age: Duration,
    pub max_messages: u64,
    pub max_bytes: u64,
}

/// A data key: its AES-256-GCM cipher and the wrapped form KMS gave with it.
pub struct DataKey {
    pub cipher: Aes256Gcm,
    pub wrapped: Arc<[u8]>,
}

impl DataKey {
    /// Takes the plaintext key from KMS and wipes that copy.
    pub fn new(mut plaintext: Vec<u8>, wrapped: Vec<u8>) -> Result<Self, String> {
        let cipher = Aes256Gcm::new_from_slice(&plaintext);
        plaintext.zeroize();
        let cipher =
            cipher.map_err(|_| "KMS returned a data key that is not 256 bits".to_owned())?;
        Ok(DataKey {
            cipher,
            wrapped: wrapped.into(),
        })
    }
}

struct EncSlot {
    key: Arc<DataKey>,
    born: Instant,
    messages: u64,
    bytes: u64,
}

struct DecSlot {
    key: Arc<DataKey>,
    born: Instant,
    used: u64,
}

#[derive(Default)]
struct Group {
    enc: Option<EncSlot>,
    dec: HashMap<Arc<[u8]>, DecSlot>,
}

/// A key being fetched from KMS: the group's next encryption key (None) or one wrapped key.
type FillKey = (Arc<GroupKey>, Option<Arc<[u8]>>);

#[derive(Default)]
pub struct KeyCache {
    groups: Mutex<(u64, HashMap<Arc<GroupKey>, Group>)>,
    tick: AtomicU64,
    fills: Mutex<HashMap<FillKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyCache {
    /// The cache's state for this runtime generation: after a fork, the child starts empty.
    fn with_groups<R>(&self, f: impl FnOnce(&mut HashMap<Arc<GroupKey>, Group>) -> R) -> R {
        let generation = crate::runtime::generation();
        let mut guard = self.groups.lock();
        if guard.0 != generation {
            *guard = (generation, HashMap::new());
        }
        f(&mut guard.1)
    }

    /// The group's current encryption key, counted as used for one value of `len` bytes; None when
    /// there is none or it reached a bound (it is then retired from encryption).
    /// `record`: count the lookup as a hit or a miss (a second look after waiting for a fill is not
    /// a new request).
    pub fn for_encrypt(
        &self,
        group: &Arc<GroupKey>,
        policy: &Policy,
        len: usize,
        record: bool,
    ) -> Option<Arc<DataKey>> {
        let found = self.with_groups(|groups| {
            let g = groups.get_mut(group)?;
            let slot = g.enc.as_mut()?;
            let fits = slot.born.elapsed() < policy.max_age
                && slot.messages < policy.max_messages
                && slot.bytes.saturating_add(len as u64) <= policy.max_bytes;
            if !fits {
                g.enc = None;
                return None;
            }
            slot.messages += 1;
            slot.bytes += len as u64;
            Some(slot.key.clone())
        });
        if record {
            count(found.is_some());
        }
        found
    }

    /// Makes `key` the group's encryption key (already used for one value of `len` bytes); it also
    /// decrypts what it encrypted without asking KMS.
    pub fn store_for_encrypt(
        &self,
        group: &Arc<GroupKey>,
        policy: &Policy,
        key: Arc<DataKey>,
        len: usize,
    ) {
        let tick = self.tick.fetch_add(1, Ordering::Relaxed);
        self.with_groups(|groups| {
            let g = groups.entry(group.clone()).or_default();
            g.enc = Some(EncSlot {
                key: key.clone(),
                born: Instant::now(),
                messages: 1,
                bytes: len as u64,
            });
            insert_dec(g, policy, key, tick);
        });
    }

    pub fn for_decrypt(
        &self,
        group: &Arc<GroupKey>,
        policy: &Policy,
        wrapped: &[u8],
        record: bool,
    ) -> Option<Arc<DataKey>> {
        let tick = self.tick.fetch_add(1, Ordering::Relaxed);
        let found = self.with_groups(|groups| {
            let g = groups.get_mut(group)?;
            let slot = g.dec.get_mut(wrapped)?;
            if slot.born.elapsed() >= policy.max_age {
                g.dec.remove(wrapped);
                return None;
            }
            slot.used = tick;
            Some(slot.key.clone())
        });
        if record {
            count(found.is_some());
        }
        found
    }

    pub fn store_for_decrypt(&self, group: &Arc<GroupKey>, policy: &Policy, key: Arc<DataKey>) {
        let tick = self.tick.fetch_add(1, Ordering::Relaxed);
        self.with_groups(|groups| {
            let g = groups.entry(group.clone()).or_default();
            insert_dec(g, policy, key, tick);
        });
    }

    /// The lock that makes one task fill a missing key while the others wait for it.
    pub fn fill_lock(
        &self,
        group: &Arc<GroupKey>,
        wrapped: Option<&Arc<[u8]>>,
    ) -> Arc<tokio::sync::Mutex<()>> {
        self.fills
            .lock()
            .entry((group.clone(), wrapped.cloned()))
            .or_default()
            .clone()
    }

    /// Forgets the fill lock once nobody else holds it.
    pub fn release_fill(
        &self,
        group: &Arc<GroupKey>,
        wrapped: Option<&Arc<[u8]>>,
        lock: Arc<tokio::sync::Mutex<()>>,
    ) {
        let mut fills = self.fills.lock();
        // One reference is the map's, one is `lock`: nobody else is waiting.
        if Arc::strong_count(&lock) <= 2 {
            fills.remove(&(group.clone(), wrapped.cloned()));
        }
    }

    /// (keys held for encryption, keys held for decryption), for tests and diagnostics.
    pub fn sizes(&self) -> (usize, usize) {
        self.with_groups(|groups| {
            (
                groups.values().filter(|g| g.enc.is_some()).count(),
                groups.values().map(|g| g.dec.len()).sum(),
            )
        })
    }
}

fn count(hit: bool) {
    if hit {
        HITS.fetch_add(1, Ordering::Relaxed);
    } else {
        MISSES.fetch_add(1, Ordering::Relaxed);
    }
}

fn insert_dec(g: &mut Group, policy: &Policy, key: Arc<DataKey>, tick: u64) {
    if policy.max_keys == 0 {
        return;
    }
    g.dec.retain(|_, slot| slot.born.elapsed() < policy.max_age);
    while g.dec.len() >= policy.max_keys {
        let Some(oldest) = g
            .dec
            .iter()
            .min_by_key(|(_, slot)| slot.used)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        g.dec.remove(&oldest);
    }
    g.dec.insert(
        key.wrapped.clone(),
        DecSlot {
            key,
            born: Instant::now(),
            used: tick,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> Arc<DataKey> {
        Arc::new(DataKey::new(vec![n; 32], vec![n; 8]).unwrap())
    }

    fn group() -> Arc<GroupKey> {
        Arc::new(GroupKey {
            target: (None, None),
            key_id: "alias/k".into(),
            context: vec![],
        })
    }

    fn policy() -> Policy {
        Policy {
            max_keys: 2,
            max_age: Duration::from_secs(60),
            max_messages: 3,
            max_bytes: 100,
        }
    }

    #[test]
    fn an_encryption_key_retires_after_max_messages_or_bytes() {
        let cache = KeyCache::default();
        let (g, p) = (group(), policy());
        assert!(cache.for_encrypt(&g, &p, 10, true).is_none());
        cache.store_for_encrypt(&g, &p, key(1), 10);
        assert!(cache.for_encrypt(&g, &p, 10, true).is_some());
        assert!(cache.for_encrypt(&g, &p, 10, true).is_some());
        // Three messages used: the fourth needs a new key.
        assert!(cache.for_encrypt(&g, &p, 10, true).is_none());
        cache.store_for_encrypt(&g, &p, key(2), 95);
        // 95 + 10 bytes would pass max_bytes.
        assert!(cache.for_encrypt(&g, &p, 10, true).is_none());
        // Both keys still decrypt what they encrypted.
        assert!(cache.for_decrypt(&g, &p, &[1; 8], true).is_some());
        assert!(cache.for_decrypt(&g, &p, &[2; 8], true).is_some());
    }

    #[test]
    fn decryption_keys_are_bounded_by_count_and_age() {
        let cache = KeyCache::default();
        let (g, p) = (group(), policy());
        cache.store_for_decrypt(&g, &p, key(1));
        cache.store_for_decrypt(&g, &p, key(2));
        assert!(cache.for_decrypt(&g, &p, &[1; 8], true).is_some()); // 1 is now the most recent
        cache.store_for_decrypt(&g, &p, key(3));
        assert!(cache.for_decrypt(&g, &p, &[2; 8], true).is_none());
        assert!(cache.for_decrypt(&g, &p, &[1; 8], true).is_some());
        assert!(cache.for_decrypt(&g, &p, &[3; 8], true).is_some());
        assert_eq!(cache.sizes(), (0, 2));
        let expired = Policy {
            max_age: Duration::ZERO,
            ..p
        };
        assert!(cache.for_decrypt(&g, &expired, &[1; 8], true).is_none());
        assert!(cache.for_encrypt(&g, &expired, 1, true).is_none());
    }
}
