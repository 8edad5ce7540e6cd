//! Logs, messages and stored replies never carry an address in full, a
//! password from a URL, or a control character that a terminal would obey.

use std::borrow::Cow;

/// SMTP replies often quote the recipient ("<a@b.nl>: mailbox unavailable");
/// every word with an `@` is masked.
pub fn redact_addresses(text: &str) -> String {
    text.split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `scheme://user:password@host` anywhere in `text` (a config line quoted
/// by a parse error, a database error) becomes `scheme://user:***@host`.
/// The user info runs to the last `@` before the URL ends (white space or a
/// quote), so a password with an unencoded `@` or `/` is hidden whole; a
/// path with an `@` in it may be masked too, which is the safe mistake.
pub fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(after.len());
        let url = &after[..end];
        match url.rfind('@') {
            Some(userinfo_end) => {
                let userinfo = &url[..userinfo_end];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&url[userinfo_end..]);
            }
            None => out.push_str(url),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `text` as it may be written to a terminal: control characters (but line
/// breaks and tabs), separators and bidi overrides are shown as `\u{…}`
/// instead of being obeyed, so stored or received text cannot move the
/// cursor, change colours, set the window title or reorder what is shown.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    let escaped = |c: char| c != '\n' && c != '\t' && super::text::is_forbidden(c);
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_hidden_wherever_they_are_quoted() {
        for (text, shown) in [
            (
                "18 | url = \"smtp://user:s3cret@127.0.0.1:25\"",
                "18 | url = \"smtp://user:***@127.0.0.1:25\"",
            ),
            (
                "cannot open postgres://u:p@ss/w0rd@db.example/x now",
                "cannot open postgres://u:***@db.example/x now",
            ),
            (
                "imaps://u:pw@h/INBOX imaps://v:pw2@h",
                "imaps://u:***@h/INBOX imaps://v:***@h",
            ),
            ("smtp://token@host:25", "smtp://token@host:25"),
            ("https://example.org/a/b", "https://example.org/a/b"),
            ("no url at all", "no url at all"),
            ("trailing ://", "trailing ://"),
        ] {
            assert_eq!(redact_url_passwords(text), shown, "{text}");
        }
        assert!(!redact_url_passwords("x smtp://a:geheim@h").contains("geheim"));
    }

    #[test]
    fn terminal_output_shows_control_characters_instead_of_obeying_them() {
        assert_eq!(for_terminal("gewoon\ttekst\n"), "gewoon\ttekst\n");
        assert_eq!(
            for_terminal("\u{1b}[31mrood\u{1b}]0;titel\u{7}"),
            "\\u{1b}[31mrood\\u{1b}]0;titel\\u{7}"
        );
        assert_eq!(for_terminal("a\u{202e}b\rc"), "a\\u{202e}b\\u{d}c");
        assert_eq!(for_terminal("\u{9b}2J"), "\\u{9b}2J", "C1 control CSI");
    }

    #[test]
    fn addresses_never_reach_the_log() {
        assert_eq!(
            redact_addresses("550 5.1.1 <anouk@example.nl>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
    }
}
