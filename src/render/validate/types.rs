//! The attribute types of mjml 4.18.0 (mjml-core's `types/`) and the values
//! each accepts, matched as mjml's regular expressions match them, quirks
//! included (an integer is anything with a digit; `rgb(…)` may stand anywhere
//! in a colour): what mjml accepts passes here, what it refuses is refused.

use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrType {
    /// `unit(px,%){1,4}`: numbers with one of `units` ("" = none), between
    /// `min` and `max` values; `unitWithNegative` allows a minus sign.
    Unit {
        units: Vec<String>,
        auto: bool,
        negative: bool,
        min: usize,
        max: usize,
    },
    Color,
    Enum(Vec<String>),
    Boolean,
    Integer,
    String,
}

impl AttrType {
    /// Reads a type as the components declare it (`unit(px,%){1,4}`, `enum(left,right)` …).
    pub fn parse(decl: &str) -> Self {
        let inner = || {
            decl.split_once('(')
                .and_then(|(_, r)| r.split_once(')'))
                .map_or("", |(i, _)| i)
        };
        if decl.starts_with("boolean") {
            AttrType::Boolean
        } else if decl.starts_with("enum") {
            AttrType::Enum(inner().split(',').map(str::to_string).collect())
        } else if decl.starts_with("color") {
            AttrType::Color
        } else if decl.starts_with("unit") && decl.contains('(') {
            let all: Vec<String> = inner().split(',').map(str::to_string).collect();
            let counts = decl
                .split_once('{')
                .and_then(|(_, r)| r.split_once('}'))
                .map_or("1", |(c, _)| c);
            let mut n = counts.split(',').filter_map(|c| c.trim().parse().ok());
            let min = n.next().unwrap_or(1);
            let max = n.next().unwrap_or(min);
            AttrType::Unit {
                auto: all.iter().any(|u| u == "auto"),
                units: all.into_iter().filter(|u| u != "auto").collect(),
                negative: decl.starts_with("unitWithNegative"),
                min,
                max,
            }
        } else if decl.starts_with("integer") {
            AttrType::Integer
        } else {
            AttrType::String
        }
    }

    /// Whether mjml accepts `value`; `colors` are its colour names.
    pub fn accepts(&self, value: &str, colors: &[String]) -> bool {
        match self {
            AttrType::Unit {
                units,
                auto,
                negative,
                min,
                max,
            } => UnitMatch {
                v: value.as_bytes(),
                units,
                auto: *auto,
                negative: *negative,
                min: *min,
                max: *max,
                failed: HashSet::new(),
            }
            .from(0, 0),
            AttrType::Color => is_color(value, colors),
            AttrType::Enum(values) => values.iter().any(|v| v == value),
            AttrType::Boolean => value == "true" || value == "false",
            AttrType::Integer => value.bytes().any(|b| b.is_ascii_digit()),
            AttrType::String => true,
        }
    }
}

/// `^(((-|\d|,|\.){1,}(units)|0|auto)( )?){min,max}$`, by backtracking over
/// (position, values so far), each failure remembered.
struct UnitMatch<'a> {
    v: &'a [u8],
    units: &'a [String],
    auto: bool,
    negative: bool,
    min: usize,
    max: usize,
    failed: HashSet<(usize, usize)>,
}

impl UnitMatch<'_> {
    fn from(&mut self, at: usize, count: usize) -> bool {
        if at == self.v.len() {
            return count >= self.min && count <= self.max && count > 0;
        }
        if count == self.max || self.failed.contains(&(at, count)) {
            return false;
        }
        let ends = self.value_ends(at);
        for end in ends {
            if self.v.get(end) == Some(&b' ') && self.from(end + 1, count + 1) {
                return true;
            }
            if self.from(end, count + 1) {
                return true;
            }
        }
        self.failed.insert((at, count));
        false
    }

    /// Where one value starting at `at` may end.
    fn value_ends(&self, at: usize) -> Vec<usize> {
        let rest = &self.v[at..];
        let mut ends = Vec::new();
        let number = |b: &u8| {
            b.is_ascii_digit() || *b == b',' || *b == b'.' || (self.negative && *b == b'-')
        };
        let run = rest.iter().take_while(|b| number(b)).count();
        for len in (1..=run).rev() {
            for unit in self.units {
                if rest[len..].starts_with(unit.as_bytes()) {
                    ends.push(at + len + unit.len());
                }
            }
        }
        if rest.first() == Some(&b'0') {
            ends.push(at + 1);
        }
        if self.auto && rest.starts_with(b"auto") {
            ends.push(at + 4);
        }
        ends
    }
}

fn is_color(value: &str, colors: &[String]) -> bool {
    let lower = value.to_ascii_lowercase();
    let hex = value.strip_prefix('#').is_some_and(|h| {
        (h.len() == 3 || h.len() == 6) && h.bytes().all(|b| b.is_ascii_hexdigit())
    });
    hex || colors.iter().any(|c| c == value)
        || lower
            .match_indices("rgba(")
            .any(|(i, m)| rgb_args(&lower[i + m.len()..], true))
        || lower
            .match_indices("rgb(")
            .any(|(i, m)| rgb_args(&lower[i + m.len()..], false))
}

/// `\d{1,3},\s?\d{1,3},\s?\d{1,3}` then `)` or, with alpha, `,\s?\d(\.\d{1,3})?)`.
fn rgb_args(s: &str, alpha: bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize, lo: usize, hi: usize| {
        let n = b[*i..].iter().take_while(|c| c.is_ascii_digit()).count();
        *i += n;
        (lo..=hi).contains(&n)
    };
    let comma = |i: &mut usize| {
        if b.get(*i) != Some(&b',') {
            return false;
        }
        *i += 1;
        if b.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
            *i += 1;
        }
        true
    };
    if !(digits(&mut i, 1, 3) && comma(&mut i) && digits(&mut i, 1, 3) && comma(&mut i)) {
        return false;
    }
    if !digits(&mut i, 1, 3) {
        return false;
    }
    if alpha {
        if !(comma(&mut i) && digits(&mut i, 1, 1)) {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i, 1, 3) {
                return false;
            }
        }
    }
    b.get(i) == Some(&b')')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(decl: &str, value: &str) -> bool {
        AttrType::parse(decl).accepts(value, &["red".to_string()])
    }

    #[test]
    fn units_take_their_units_and_count() {
        assert!(ok("unit(px,%){1,4}", "10px 0 5% 2px"));
        assert!(ok("unit(px,%){1,4}", "0"));
        assert!(!ok("unit(px,%){1,4}", "1px 2px 3px 4px 5px"));
        assert!(!ok("unit(px)", "twelve"));
        assert!(!ok("unit(px)", "12em"));
        assert!(!ok("unit(px)", "-2px"));
        assert!(ok("unitWithNegative(px,em)", "-2px"));
        assert!(ok("unit(px,%,)", "1.5"));
        assert!(!ok("unit(px,%)", "1.5"));
        assert!(ok("unit(px,auto)", "auto"));
        assert!(!ok("unit(px,%){1,4}", ""));
    }

    #[test]
    fn colours_enums_and_the_rest() {
        assert!(ok("color", "#fff") && ok("color", "#A0b1C2") && ok("color", "red"));
        assert!(ok("color", "rgba(1, 2, 3, 0.5)") && ok("color", "rgb(1,2,3)"));
        assert!(!ok("color", "#ffff") && !ok("color", "Red") && !ok("color", "rgb(1,2)"));
        assert!(ok("enum(left,right)", "left") && !ok("enum(left,right)", "Left"));
        assert!(ok("boolean", "true") && !ok("boolean", "yes"));
        assert!(ok("integer", "2") && !ok("integer", "two"));
        assert!(ok("string", "anything"));
    }
}
