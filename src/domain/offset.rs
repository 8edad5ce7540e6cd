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

impl FromStr for Offset {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || {
            format!(
                "{s:?} is not an offset: write a number and d, h or m, like \"7d\", \"2h\" or \"30m\""
            )
        };
        let (num, unit) = s.split_at(s.len().saturating_sub(1));
        let n: i64 = num.parse().map_err(|_| bad())?;
        if n <= 0 || n > 366 * 24 * 60 {
            return Err(bad());
        }
        let minutes = match unit {
            "d" => n * 24 * 60,
            "h" => n * 60,
            "m" => n,
            _ => return Err(bad()),
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
        for bad in ["", "d", "7", "7w", "-1d", "0h", "1.5h"] {
            assert!(bad.parse::<Offset>().is_err(), "{bad:?}");
        }
    }
}
