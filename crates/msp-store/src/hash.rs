//! The hashes of stored texts.

/// The payloads' lookup key since schema version 3 (a match is confirmed on the text itself,
/// so a collision costs a comparison, never a wrong row): 64 bits, eight bytes a step
/// (FNV-1a, one byte a step, cost a snapshot a tenth of its writer's time).
pub(crate) fn content_hash(bytes: &[u8]) -> i64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut h = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = step(h, u64::from_le_bytes(w));
    }
    let rest = words.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    h = step(h, u64::from_le_bytes(w));
    // Mix the last steps into every bit (MurmurHash3's finaliser).
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h as i64
}

/// FNV-1a, 64 bits: the payloads' lookup key of schema versions 1 and 2, and still the digest
/// in the key of an item without an id field (so such keys stay what they were).
pub(crate) fn fnv1a(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}
