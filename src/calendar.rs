//! Deadline arithmetic in UTC: calendar days, and working days that skip
//! weekends and the policy's holidays (seed: "5 working days" for injection,
//! "1 working day" for Early Adopter acknowledgement).

use time::{Date, Duration, OffsetDateTime, Weekday};

/// `UMD_RELEASE_NOW` (RFC 3339, in UTC), the instant a command is replayed
/// at: its decisions are taken, and the embedded tracker stamps what it
/// writes, at that instant. `None` when unset; the message says what is wrong.
pub fn replayed_now() -> Result<Option<OffsetDateTime>, String> {
    let Some(v) = std::env::var_os("UMD_RELEASE_NOW") else {
        return Ok(None);
    };
    let v = v.to_string_lossy();
    OffsetDateTime::parse(&v, &time::format_description::well_known::Rfc3339)
        .map(|t| Some(t.to_offset(time::UtcOffset::UTC)))
        .map_err(|_| {
            format!("UMD_RELEASE_NOW is `{v}`, not an RFC 3339 time such as 2026-11-23T10:00:00Z; unset it to use the clock")
        })
}

/// Whether `d` is a working day: not Saturday, Sunday or a listed holiday.
pub fn is_working_day(d: Date, holidays: &[Date]) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(&d)
}

/// The instant `n` working days after `start`: the same time of day on the
/// n-th following working day. A start on a non-working day counts from the
/// next working day's start of day, as a ticket opened on Saturday is seen on Monday.
pub fn add_working_days(start: OffsetDateTime, n: u32, holidays: &[Date]) -> OffsetDateTime {
    let start = start.to_offset(time::UtcOffset::UTC);
    let mut at = start;
    if !is_working_day(at.date(), holidays) {
        let mut d = at.date();
        while !is_working_day(d, holidays) {
            d = d.next_day().unwrap_or(d);
        }
        at = d.midnight().assume_utc();
    }
    let mut left = n;
    while left > 0 {
        at += Duration::days(1);
        if is_working_day(at.date(), holidays) {
            left -= 1;
        }
    }
    at
}

/// An instant as people read it in comments: `2026-11-23 10:00 UTC`.
pub fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The instant `n` calendar days after `start`.
pub fn add_days(start: OffsetDateTime, n: u32) -> OffsetDateTime {
    start + Duration::days(i64::from(n))
}

/// Parses the policy's holiday list; validation already refused bad dates.
pub fn holidays(list: &[String]) -> Vec<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    list.iter()
        .filter_map(|h| Date::parse(h, &fmt).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn weekends_are_skipped() {
        // Friday 10:00 + 1 working day = Monday 10:00.
        assert_eq!(
            add_working_days(datetime!(2026-11-20 10:00 UTC), 1, &[]),
            datetime!(2026-11-23 10:00 UTC)
        );
        // Monday + 5 working days = next Monday.
        assert_eq!(
            add_working_days(datetime!(2026-11-23 09:00 UTC), 5, &[]),
            datetime!(2026-11-30 09:00 UTC)
        );
    }

    #[test]
    fn a_start_on_a_weekend_counts_from_monday() {
        assert_eq!(
            add_working_days(datetime!(2026-11-21 15:00 UTC), 1, &[]),
            datetime!(2026-11-24 00:00 UTC)
        );
    }

    #[test]
    fn holidays_across_the_year_end_are_skipped() {
        let h = holidays(&[
            "2026-12-25".into(),
            "2026-12-26".into(),
            "2027-01-01".into(),
        ]);
        // Thursday 24 Dec + 2 working days: Fri 25 and Mon 28? 25 is a holiday,
        // 26-27 the weekend: Mon 28, Tue 29.
        assert_eq!(
            add_working_days(datetime!(2026-12-24 12:00 UTC), 2, &h),
            datetime!(2026-12-29 12:00 UTC)
        );
        // Thursday 31 Dec + 1: Fri 1 Jan is a holiday, then the weekend: Mon 4 Jan.
        assert_eq!(
            add_working_days(datetime!(2026-12-31 12:00 UTC), 1, &h),
            datetime!(2027-01-04 12:00 UTC)
        );
    }

    #[test]
    fn month_ends_and_leap_years() {
        assert_eq!(
            add_days(datetime!(2028-01-31 00:00 UTC), 30),
            datetime!(2028-03-01 00:00 UTC)
        );
        assert_eq!(
            add_days(datetime!(2027-01-31 00:00 UTC), 30),
            datetime!(2027-03-02 00:00 UTC)
        );
        // Tuesday 29 Feb 2028 + 1 working day = Wednesday 1 March.
        assert_eq!(
            add_working_days(datetime!(2028-02-29 08:00 UTC), 1, &[]),
            datetime!(2028-03-01 08:00 UTC)
        );
        assert!(is_working_day(date!(2028 - 02 - 29), &[]));
    }

    #[test]
    fn other_offsets_are_read_in_utc() {
        // Friday 23:30 at +02:00 is Friday 21:30 UTC.
        let t = datetime!(2026-11-20 23:30 +02:00);
        assert_eq!(add_working_days(t, 1, &[]), datetime!(2026-11-23 21:30 UTC));
    }
}
