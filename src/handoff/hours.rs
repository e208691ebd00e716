//! Opening hours of the team, so a visitor out of hours is told so instead of waiting.

use serde::Deserialize;

/// The `[handoff.hours]` config table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    /// ISO weekdays the team works: 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    /// Opening time, "HH:MM", local.
    pub from: String,
    /// Closing time, "HH:MM", local.
    pub to: String,
    /// Local time's offset from UTC, in minutes (60 for Paris in winter).
    #[serde(default)]
    pub utc_offset_minutes: i32,
}

fn minutes(hhmm: &str) -> Option<i64> {
    let (h, m) = hhmm.split_once(':')?;
    Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
}

impl OpeningHours {
    /// Whether the team works at `now` (ms since the epoch).
    pub fn is_open(&self, now: i64) -> bool {
        let local_min = now.div_euclid(60_000) + i64::from(self.utc_offset_minutes);
        let day_index = local_min.div_euclid(1440);
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = ((day_index + 3).rem_euclid(7) + 1) as u8;
        let minute = local_min.rem_euclid(1440);
        let (Some(from), Some(to)) = (minutes(&self.from), minutes(&self.to)) else {
            return true;
        };
        self.days.contains(&weekday) && (from..to).contains(&minute)
    }

    /// "Mon–Fri 09:00–18:00 (UTC+1)"-style summary in the visitor's language.
    pub fn describe(&self, fr: bool) -> String {
        let names = if fr {
            ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]
        } else {
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        };
        let days: Vec<&str> = self
            .days
            .iter()
            .filter_map(|d| names.get(usize::from(*d).wrapping_sub(1)).copied())
            .collect();
        let offset = self.utc_offset_minutes;
        let tz = format!(
            "UTC{}{}",
            if offset < 0 { '-' } else { '+' },
            offset.abs() / 60
        );
        format!("{} {}–{} ({tz})", days.join(", "), self.from, self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_hours_follow_the_local_weekday_and_time() {
        let h = OpeningHours {
            days: vec![1, 2, 3, 4, 5],
            from: "09:00".into(),
            to: "18:00".into(),
            utc_offset_minutes: 60,
        };
        // 2026-11-30 is a Monday. 08:30 UTC = 09:30 in UTC+1: open.
        let monday_0830_utc = 1_796_027_400_000;
        assert!(h.is_open(monday_0830_utc));
        assert!(
            !h.is_open(monday_0830_utc - 3_600_000),
            "07:30 UTC = 08:30 local: closed"
        );
        assert!(
            !h.is_open(monday_0830_utc - 2 * 86_400_000),
            "Saturday: closed"
        );
        assert_eq!(
            h.describe(false),
            "Mon, Tue, Wed, Thu, Fri 09:00–18:00 (UTC+1)"
        );
    }
}
