//! Finds where a front-matter key or value stands, so that errors found after
//! YAML parsing (an unknown slug, a bad date) still point at a line and column.

use std::ops::Range;

pub struct Locator<'a> {
    lines: Vec<&'a str>,
    /// File line number of `lines[0]`.
    first_line: usize,
}

impl<'a> Locator<'a> {
    pub fn new(front_matter: &'a str, first_line: usize) -> Self {
        Self {
            lines: front_matter.lines().collect(),
            first_line,
        }
    }

    /// (line, col) of `value` on the first line at or after `from` (an index into
    /// the front matter) that holds `key:`; falls back to the key, then to `from`.
    pub fn find(&self, from: usize, key: &str, value: Option<&str>) -> (usize, usize) {
        self.find_in(from..self.lines.len(), key, value)
    }

    /// Like [`Locator::find`], looking only at the lines `within` (indices into
    /// the front matter), so a key missing from one agenda item is never
    /// found in the next one. Falls back to the first character of `within`.
    pub fn find_in(&self, within: Range<usize>, key: &str, value: Option<&str>) -> (usize, usize) {
        let pattern = format!("{key}:");
        let from = within.start;
        let end = within.end.min(self.lines.len());
        let mut key_hit = None;
        for (i, line) in self.lines.iter().enumerate().take(end).skip(from) {
            let Some(k) = key_position(line, &pattern) else {
                continue;
            };
            if let Some(v) = value {
                if let Some(p) = find_value(&line[k..], v) {
                    return self.at(i, k + p);
                }
                // A list continued on the following lines (`- slug`).
                for (j, next) in self.lines.iter().enumerate().take(end).skip(i + 1) {
                    if key_position(next, "").is_some() && !next.trim_start().starts_with('-') {
                        break;
                    }
                    if let Some(p) = find_value(next, v) {
                        return self.at(j, p);
                    }
                }
            }
            key_hit.get_or_insert(self.at(i, k));
            if value.is_none() {
                break;
            }
        }
        key_hit.unwrap_or_else(|| self.first_char(from))
    }

    /// (line, col) of the value after `key:` on its first line within `within`
    /// (the key itself when the value continues on the next lines), or None
    /// when no line there holds the key.
    pub fn value_in(&self, within: Range<usize>, key: &str) -> Option<(usize, usize)> {
        let pattern = format!("{key}:");
        let end = within.end.min(self.lines.len());
        self.lines
            .iter()
            .enumerate()
            .take(end)
            .skip(within.start)
            .find_map(|(i, line)| {
                let k = key_position(line, &pattern)?;
                let rest = &line[k + pattern.len()..];
                let value = rest.trim_start();
                let byte = if value.is_empty() || value.starts_with('#') {
                    k
                } else {
                    k + pattern.len() + rest.len() - value.len()
                };
                Some(self.at(i, byte))
            })
    }

    /// (line, col) of the first non-blank character of line `idx`: the `-`
    /// of an agenda item.
    pub fn first_char(&self, idx: usize) -> (usize, usize) {
        let line = self.lines.get(idx).copied().unwrap_or("");
        self.at(idx, line.len() - line.trim_start().len())
    }

    /// Every line of the front matter, for a list that [`Locator::agenda_item_lines`]
    /// cannot split (a flow-style `agenda: [{…}]`).
    pub fn all(&self) -> Range<usize> {
        0..self.lines.len()
    }

    /// The lines of each item of the `agenda:` list: from its `- ` line up to
    /// the next item or the end of the list.
    pub fn agenda_item_lines(&self) -> Vec<Range<usize>> {
        let Some(start) = self.lines.iter().position(|l| l.starts_with("agenda:")) else {
            return Vec::new();
        };
        let mut items: Vec<usize> = Vec::new();
        let mut indent = None;
        let mut list_end = self.lines.len();
        for (i, line) in self.lines.iter().enumerate().skip(start + 1) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let ind = line.len() - trimmed.len();
            if ind == 0 && !trimmed.starts_with('-') {
                list_end = i;
                break;
            }
            if trimmed.starts_with("- ") || trimmed == "-" {
                match indent {
                    None => {
                        indent = Some(ind);
                        items.push(i);
                    }
                    Some(x) if x == ind => items.push(i),
                    _ => {}
                }
            }
        }
        let ends = items.iter().skip(1).copied().chain([list_end]);
        items.iter().zip(ends).map(|(&s, e)| s..e).collect()
    }

    fn at(&self, idx: usize, byte: usize) -> (usize, usize) {
        let line = self.lines.get(idx).copied().unwrap_or("");
        let col = line
            .get(..byte.min(line.len()))
            .map_or(0, |s| s.chars().count())
            + 1;
        (self.first_line + idx, col)
    }
}

/// Byte position of `value` standing on its own (not inside a longer slug such
/// as `arbeid` in `arbeid-en-inclusie`); else of its first occurrence.
fn find_value(hay: &str, value: &str) -> Option<usize> {
    let part_of_slug = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    hay.match_indices(value)
        .map(|(p, _)| p)
        .find(|&p| {
            !hay[..p].chars().next_back().is_some_and(part_of_slug)
                && !hay[p + value.len()..]
                    .chars()
                    .next()
                    .is_some_and(part_of_slug)
        })
        .or_else(|| hay.find(value))
}

/// Byte position of `pattern` when the line is `[- ]key: …`.
fn key_position(line: &str, pattern: &str) -> Option<usize> {
    let trimmed = line.trim_start().trim_start_matches("- ").trim_start();
    if pattern.is_empty() {
        let (k, _) = trimmed.split_once(':')?;
        return (!k.is_empty() && !k.contains(' ')).then_some(line.len() - trimmed.len());
    }
    trimmed
        .starts_with(pattern)
        .then(|| line.len() - trimmed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_keys_and_agenda_items() {
        let fm = "subject: x\naudience:\n  workshops: [jeugd, zorg]\nagenda:\n  - title: A\n    start: 2026-01-01 10:00\n  - title: B\n";
        let l = Locator::new(fm, 2);
        assert_eq!(l.find(0, "workshops", Some("zorg")), (4, 22));
        assert_eq!(l.find(0, "subject", None), (2, 1));
        assert_eq!(l.agenda_item_lines(), vec![4..6, 6..7]);
        assert_eq!(l.find(6, "title", Some("B")), (8, 12));
    }

    #[test]
    fn a_key_missing_from_an_item_is_not_found_in_the_next() {
        let fm = "agenda:\n  - title: A\n  - title: B\n    start: 2026-01-01 10:00\nsubject: x\n";
        let l = Locator::new(fm, 2);
        let items = l.agenda_item_lines();
        assert_eq!(items, vec![1..2, 2..4]);
        // Not at B's start: at A's `-`.
        assert_eq!(l.find_in(items[0].clone(), "start", None), (3, 3));
        assert_eq!(l.value_in(items[0].clone(), "start"), None);
        assert_eq!(l.value_in(items[1].clone(), "start"), Some((5, 12)));
    }
}
