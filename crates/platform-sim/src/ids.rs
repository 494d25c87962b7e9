//! Workspace ids: UUIDs written with or without hyphens.

/// Formats an id as a lower-case hyphenated UUID (`8-4-4-4-12`).
pub(crate) fn hyphenated(id: u128) -> String {
    let h = format!("{id:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Formats an id as 32 lower-case hex digits, no hyphens.
pub(crate) fn compact(id: u128) -> String {
    format!("{id:032x}")
}

/// Parses 32 hex digits (any case, no hyphens).
pub(crate) fn parse_compact(s: &str) -> Option<u128> {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(s, 16).ok()
}

/// Parses a UUID written either as 32 hex digits or in the hyphenated `8-4-4-4-12` form, any case.
pub(crate) fn parse_any(s: &str) -> Option<u128> {
    if s.contains('-') {
        let groups: Vec<&str> = s.split('-').collect();
        let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        if lens != [8, 4, 4, 4, 12] {
            return None;
        }
        parse_compact(&groups.concat())
    } else {
        parse_compact(s)
    }
}

/// Sets the version-4 / RFC 4122 variant bits so a random number looks like a real UUID.
pub(crate) fn as_uuid_v4(raw: u128) -> u128 {
    (raw & !(0xF000u128 << 64) & !(0xC000u128 << 48)) | (0x4000u128 << 64) | (0x8000u128 << 48)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let id = as_uuid_v4(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let h = hyphenated(id);
        assert_eq!(h.len(), 36);
        assert_eq!(&h[14..15], "4");
        assert_eq!(parse_any(&h), Some(id));
        assert_eq!(parse_any(&h.to_uppercase()), Some(id));
        assert_eq!(parse_any(&compact(id)), Some(id));
        assert_eq!(parse_compact(&h), None);
        assert_eq!(parse_any("0123-4567"), None);
    }
}
