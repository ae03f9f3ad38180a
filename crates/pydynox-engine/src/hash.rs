//! FNV-1a: a small, stable, non-cryptographic hash (parallel-scan segments, log record checksums,
//! duplicate keys in a batch).
//! Stable across processes and builds, unlike `std`'s randomised hasher.

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues a hash over more bytes (`fnv1a_extend(fnv1a(a), b) == fnv1a(a ++ b)`).
pub fn fnv1a_extend(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_extend(OFFSET, bytes)
}

/// FNV-1a as a `Hasher`: cheap for the short keys it hashes (finding duplicate keys in a batch),
/// where SipHash's setup dominates.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(OFFSET)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_extend(self.0, bytes);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
