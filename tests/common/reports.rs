//! The bounce and complaint samples of tests/fixtures/bounces as Postfix
//! would have made them for a message postbode really sent.

use crate::common::ROOT;

/// A fixture with its sample VERP addresses (when `verp` is given) and its
/// original Message-ID replaced by the real ones.
pub fn report(fixture: &str, verp: Option<&str>, message_id: &str) -> String {
    let text = std::fs::read_to_string(format!("{ROOT}/tests/fixtures/bounces/{fixture}"))
        .expect("fixture");
    let sample_id = text
        .split("\nMessage-ID: <")
        .last()
        .and_then(|rest| rest.split('>').next())
        .expect("the original's Message-ID")
        .to_string();
    let text = text.replace(&format!("<{sample_id}>"), message_id);
    match verp {
        Some(verp) => replace_sample_verp(&text, verp),
        None => text,
    }
}

fn replace_sample_verp(text: &str, verp: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("bounces+v1-") {
        let end = start + rest[start..].find("@kus-test.example").expect("domain");
        out.push_str(&rest[..start]);
        out.push_str(verp);
        rest = &rest[end + "@kus-test.example".len()..];
    }
    out.push_str(rest);
    out
}
