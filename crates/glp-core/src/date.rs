//! Calendar dates without a date crate: RFC 3339 in UTC, to the second, the one form the
//! project writes (records' `collected_at`, reports, the simulator's timestamps).
//!
//! Reading HTTP dates (`Retry-After`) is `httpdate`'s job; it has no RFC 3339 writer, so the
//! civil-from-days step (Howard Hinnant's algorithm) is written once, here.

use std::time::{SystemTime, UNIX_EPOCH};

/// `time` as RFC 3339 in UTC, to the second (`2026-12-01T23:59:07Z`); a time before 1970
/// is written as the epoch.
pub fn rfc3339(time: SystemTime) -> String {
    rfc3339_from_unix(unix_secs(time))
}

/// `time` in whole seconds since the Unix epoch; a time before 1970 is the epoch (0).
pub fn unix_secs(time: SystemTime) -> i64 {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(secs).unwrap_or(i64::MAX / 2)
}

/// Seconds since the Unix epoch (negative before it) as RFC 3339 in UTC
/// (`2024-05-01T12:00:00Z`). Years past 9999 are written with more digits.
pub fn rfc3339_from_unix(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// An RFC 3339 date-time (`2026-12-01T00:00:00Z`, `2024-02-16T07:54:55.0Z`,
/// `2026-12-01T01:00:00+01:00`; `t` and `z` in any case) as seconds since the Unix epoch, in
/// UTC; a fraction of a second is dropped (the time is floored to its second). `None` for
/// anything else: no calendar check beyond the ranges of each field (February 31 is March 3),
/// years 0000 to 9999 only, at most 64 characters.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b.len() > 64 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().all(u8::is_ascii_digit).then(|| {
            digits
                .iter()
                .fold(0i64, |a, d| a * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b":") => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let o = h * 3_600 + m * 60;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm, the inverse of the writer above).
    let y = year - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

/// The longest duration [`parse_ago`] takes: ten years.
pub const MAX_AGO_SECS: u64 = 3_650 * 86_400;

/// A duration back from now as people type it (`90s`, `30m`, `24h`, `7d`, `2w`) in seconds;
/// `None` for anything else or more than [`MAX_AGO_SECS`].
pub fn parse_ago(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let unit_secs: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    let n: u64 = (digits.len() <= 9).then(|| digits.parse().ok()).flatten()?;
    n.checked_mul(unit_secs).filter(|s| *s <= MAX_AGO_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_writes_and_the_forms_of_the_specs() {
        for secs in [0, 951_782_400, 1_796_083_200, 1_796_169_547, 4_107_542_400] {
            assert_eq!(parse_rfc3339(&rfc3339_from_unix(secs)), Some(secs));
        }
        assert_eq!(parse_rfc3339("2024-02-16T07:54:55.0Z"), Some(1_708_070_095));
        assert_eq!(
            parse_rfc3339("2026-12-01T01:00:00+01:00"),
            Some(1_796_083_200)
        );
        assert_eq!(
            parse_rfc3339("2026-11-30t19:00:00-05:00"),
            Some(1_796_083_200)
        );
        for bad in [
            "",
            "yesterday",
            "2026-12-01",
            "2026-12-01T00:00:00",
            "2026-13-01T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T00:00:00.Z",
            "2026-12-01T00:00:00Zjunk",
            "2026-12-01T00:00:00+1:00",
            "+026-12-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
    use std::time::Duration;

    #[test]
    fn durations_back_from_now() {
        assert_eq!(parse_ago("90s"), Some(90));
        assert_eq!(parse_ago("24h"), Some(86_400));
        assert_eq!(parse_ago("2w"), Some(14 * 86_400));
        assert_eq!(parse_ago("3650d"), Some(MAX_AGO_SECS));
        for bad in [
            "",
            "h",
            "24",
            "24H",
            "1y",
            "-1h",
            "3651d",
            "9999999999s",
            "1.5h",
        ] {
            assert_eq!(parse_ago(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_across_leap_years_centuries_and_the_epoch() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_796_169_547);
        assert_eq!(rfc3339(t), "2026-12-01T23:59:07Z");
        assert_eq!(rfc3339_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_from_unix(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(-1), "1969-12-31T23:59:59Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_secs(5)),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(unix_secs(t), 1_796_169_547);
        assert_eq!(unix_secs(t + Duration::from_millis(999)), 1_796_169_547);
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), 0);
    }

    #[test]
    fn every_day_of_four_centuries_round_trips_through_httpdate() {
        // httpdate writes the same calendar in another form: the two must agree on each day.
        for day in (0..146_097_i64).step_by(7) {
            let secs = day * 86_400 + 3_723;
            let ours = rfc3339_from_unix(secs);
            let theirs = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs as u64));
            // "Thu, 01 Jan 1970 01:02:03 GMT"
            let parts: Vec<&str> = theirs.split(' ').collect();
            let month = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ]
            .iter()
            .position(|m| *m == parts[2])
            .map(|i| i + 1)
            .unwrap_or(0);
            let expected = format!("{}-{month:02}-{}T{}Z", parts[3], parts[1], parts[4]);
            assert_eq!(ours, expected, "day {day}");
        }
    }
}
