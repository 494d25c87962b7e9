//! Calendar dates without a date crate: RFC 3339 in UTC, to the second, the one form the
//! project writes (records' `collected_at`, reports, the simulator's timestamps).
//!
//! Reading HTTP dates (`Retry-After`) is `httpdate`'s job; it has no RFC 3339 writer, so the
//! civil-from-days step (Howard Hinnant's algorithm) is written once, here.

use std::time::{SystemTime, UNIX_EPOCH};

/// `time` as RFC 3339 in UTC, to the second (`2026-12-01T23:59:07Z`); a time before 1970
/// is written as the epoch.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339_from_unix(i64::try_from(secs).unwrap_or(i64::MAX / 2))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
