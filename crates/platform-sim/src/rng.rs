//! Deterministic hashing: every generated value is a pure function of the seed and a few indices.

/// The SplitMix64 finaliser: a fast, well-mixing bijection on `u64`.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a sequence of numbers into one well-mixed `u64`.
pub(crate) fn hash(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x5EED_0F5E_ED00_0001, |acc, &p| mix64(acc ^ mix64(p)))
}

/// A small deterministic generator seeded from [`hash`].
pub(crate) fn rng(parts: &[u64]) -> fastrand::Rng {
    fastrand::Rng::with_seed(hash(parts))
}

const MASK40: u64 = (1 << 40) - 1;

/// A keyed bijection on 40-bit values: distinct inputs always give distinct outputs, so ids built
/// from `(tenant, index)` stay unique while looking random.
pub(crate) fn bij40(x: u64, key: u64) -> u64 {
    let mut x = (x ^ key) & MASK40;
    x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15) & MASK40;
    x ^= x >> 21;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK40;
    x ^= x >> 19;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB) & MASK40;
    x ^= x >> 23;
    x
}

/// Writes `value` in base 36 (upper case), left-padded with zeros to `width` digits.
pub(crate) fn base36(mut value: u64, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(value % 36) as usize];
        value /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Random lower-case hex for debug ids (not deterministic, not secret).
pub(crate) fn random_hex(len: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..len)
        .map(|_| HEX[fastrand::usize(..16)] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn bij40_is_injective_on_a_sample() {
        let mut seen = HashSet::new();
        for x in 0..200_000u64 {
            assert!(seen.insert(bij40(x, 12345)));
        }
    }

    #[test]
    fn base36_pads() {
        assert_eq!(base36(35, 3), "00Z");
        assert_eq!(base36((1 << 40) - 1, 8).len(), 8);
    }
}
