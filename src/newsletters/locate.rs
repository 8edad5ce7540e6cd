//! Finds where a front-matter key or value stands, so that errors found after
//! YAML parsing (an unknown slug, a bad date) still point at a line and column.

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
        let pattern = format!("{key}:");
        let mut key_hit = None;
        for (i, line) in self.lines.iter().enumerate().skip(from) {
            let Some(k) = key_position(line, &pattern) else {
                continue;
            };
            if let Some(v) = value {
                if let Some(p) = find_value(&line[k..], v) {
                    return self.at(i, k + p);
                }
                // A list continued on the following lines (`- slug`).
                for (j, next) in self.lines.iter().enumerate().skip(i + 1) {
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
        key_hit.unwrap_or_else(|| self.at(from, 0))
    }

    /// Indices of the lines that start the items of the `agenda:` list.
    pub fn agenda_items(&self) -> Vec<usize> {
        let Some(start) = self.lines.iter().position(|l| l.starts_with("agenda:")) else {
            return Vec::new();
        };
        let mut items = Vec::new();
        let mut indent = None;
        for (i, line) in self.lines.iter().enumerate().skip(start + 1) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let ind = line.len() - trimmed.len();
            if ind == 0 && !trimmed.starts_with('-') {
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
        items
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
        assert_eq!(l.agenda_items(), vec![4, 6]);
        assert_eq!(l.find(6, "title", Some("B")), (8, 12));
    }
}
