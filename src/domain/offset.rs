//! Reminder offsets such as `7d`, `1d`, `2h` or `30m`.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Offset {
    minutes: i64,
}

impl Offset {
    pub fn duration(self) -> chrono::Duration {
        chrono::Duration::minutes(self.minutes)
    }
}

/// Why an offset could not be read, with what was given; [`fmt::Display`]
/// says it in English (configuration errors), editors get their own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OffsetError {
    NotAnOffset(String),
    Weeks(String),
    NotPositive(String),
    TooFar(String),
}

impl fmt::Display for OffsetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (given, why) = match self {
            OffsetError::NotAnOffset(g) => (
                g,
                "write a number and d, h or m, like \"7d\", \"2h\" or \"30m\"",
            ),
            OffsetError::Weeks(g) => (
                g,
                "weeks are not a unit; write days, like \"7d\" or \"14d\"",
            ),
            OffsetError::NotPositive(g) => (
                g,
                "a reminder goes out before the start; use a number above 0, like \"1d\"",
            ),
            OffsetError::TooFar(g) => (g, "reminders go out at most a year ahead, like \"365d\""),
        };
        write!(f, "{given:?} is not an offset: {why}")
    }
}

impl FromStr for Offset {
    type Err = OffsetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let given = || s.chars().take(40).collect::<String>();
        // Split before the last character, not byte: "7é" must not panic.
        let (num, unit) = s.split_at(s.char_indices().last().map_or(0, |(i, _)| i));
        let n: Option<i64> = num.parse().ok();
        let per_unit = match unit {
            "d" => 24 * 60,
            "h" => 60,
            "m" => 1,
            "w" if n.is_some() => return Err(OffsetError::Weeks(given())),
            _ => return Err(OffsetError::NotAnOffset(given())),
        };
        let n = n.ok_or_else(|| OffsetError::NotAnOffset(given()))?;
        if n <= 0 {
            return Err(OffsetError::NotPositive(given()));
        }
        // A year ahead is the furthest a reminder makes sense, in any unit.
        let minutes = n.checked_mul(per_unit).filter(|m| *m <= 366 * 24 * 60);
        let Some(minutes) = minutes else {
            return Err(OffsetError::TooFar(given()));
        };
        Ok(Self { minutes })
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.minutes;
        if m % (24 * 60) == 0 {
            write!(f, "{}d", m / (24 * 60))
        } else if m % 60 == 0 {
            write!(f, "{}h", m / 60)
        } else {
            write!(f, "{m}m")
        }
    }
}

/// Offsets travel as their text (`"7d"`), also inside stored agenda items.
impl serde::Serialize for Offset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Offset {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_days_hours_minutes() {
        assert_eq!(
            "7d".parse::<Offset>().map(|o| o.duration().num_hours()),
            Ok(168)
        );
        assert_eq!(
            "2h".parse::<Offset>().map(|o| o.to_string()),
            Ok("2h".to_string())
        );
        assert_eq!(
            "90m".parse::<Offset>().map(|o| o.duration().num_minutes()),
            Ok(90)
        );
        for bad in [
            "", "d", "7", "7w", "-1d", "0h", "1.5h", "7 dagen", "7é", "367d", "9000h", "527041m",
        ] {
            assert!(bad.parse::<Offset>().is_err(), "{bad:?}");
        }
        let why = |s: &str| s.parse::<Offset>().unwrap_err().to_string();
        assert!(why("1w").contains("write days, like \"7d\""));
        assert!(why("0d").contains("above 0"));
        assert!(why("-1d").contains("above 0"));
        assert!(why("7 dagen").contains("a number and d, h or m"));
    }
}
