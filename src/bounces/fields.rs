//! The fields of a `message/delivery-status` or `message/feedback-report` part:
//! groups of header-style fields separated by blank lines (RFC 3464 §2.1: the
//! per-message group, then one group per recipient). Each group is read by
//! mail-parser's header parser, so folding and odd spacing are its concern.

use mail_parser::MessageParser;

/// One group's fields, values unfolded to one line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of field `name` (case-insensitive), if not blank.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }
}

/// The groups of `body`, in order; groups without a readable field are left out.
pub fn field_groups(body: &[u8]) -> Vec<Fields> {
    let text = String::from_utf8_lossy(body);
    let mut groups: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
        } else {
            current.push_str(line);
            current.push_str("\r\n");
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
        .into_iter()
        .filter_map(|g| {
            let block = format!("{g}\r\n");
            let parsed = MessageParser::new().parse_headers(block.as_bytes())?;
            let fields: Vec<_> = parsed
                .headers_raw()
                .map(|(n, v)| (n.to_string(), one_line(v)))
                .collect();
            (!fields.is_empty()).then_some(Fields(fields))
        })
        .collect()
}

/// `rfc822; someone@example.org` or `<someone@example.org>` → the bare address.
pub fn address_of(value: &str) -> String {
    let v = value.split_once(';').map_or(value, |(_, a)| a).trim();
    let v = match (v.find('<'), v.rfind('>')) {
        (Some(start), Some(end)) if start < end => &v[start + 1..end],
        _ => v,
    };
    v.trim().to_string()
}

fn one_line(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_split_on_blank_lines_and_folding_is_undone() {
        let body =
            b"Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\n\
Action: failed\r\nDiagnostic-Code: smtp;\r\n 550 5.1.1 no\r\n    such user\r\n\r\n\r\n";
        let g = field_groups(body);
        assert_eq!(g.len(), 2);
        assert_eq!(
            g[0].get("reporting-mta").as_deref(),
            Some("dns; mx.example")
        );
        assert_eq!(g[1].get("Action").as_deref(), Some("failed"));
        assert_eq!(
            g[1].get("Diagnostic-Code").as_deref(),
            Some("smtp; 550 5.1.1 no such user")
        );
        assert_eq!(g[1].get("Status"), None);
    }

    #[test]
    fn addresses_lose_their_type_and_brackets() {
        assert_eq!(address_of("rfc822; a@b.example"), "a@b.example");
        assert_eq!(address_of("rfc822;a@b.example"), "a@b.example");
        assert_eq!(address_of("<bounces+x@b.example>"), "bounces+x@b.example");
        assert_eq!(address_of("Name <x@b.example>"), "x@b.example");
        assert_eq!(address_of("<>"), "");
    }
}
