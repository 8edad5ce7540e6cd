//! Keyset paging shared by the lists: `limit` (default 100, at most 1,000)
//! and an opaque `cursor` that continues after the last row of the page
//! before. The cursor is the row id, encoded so clients do not build it.

use data_encoding::BASE64URL_NOPAD;

use super::error::ApiError;

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;

const PREFIX: &str = "after:";

/// Where a page starts and how long it is, checked.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: i64,
    pub limit: i64,
}

impl PageRequest {
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(format!(
                "limit must be between 1 and {MAX_LIMIT}"
            )));
        }
        let after = match cursor {
            None => 0,
            Some(c) => decode(c)
                .ok_or_else(|| ApiError::invalid("the cursor is not one this API gave out"))?,
        };
        Ok(Self {
            after,
            limit: i64::from(limit),
        })
    }
}

fn decode(cursor: &str) -> Option<i64> {
    let bytes = BASE64URL_NOPAD.decode(cursor.as_bytes()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(PREFIX)?.parse().ok().filter(|n| *n >= 0)
}

/// The cursor that continues after row `id`.
pub fn cursor(id: i64) -> String {
    BASE64URL_NOPAD.encode(format!("{PREFIX}{id}").as_bytes())
}

/// The `next_cursor` of a page: None on the last one.
pub fn next_cursor(next_after: Option<i64>) -> Option<String> {
    next_after.map(cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_made_up_one_is_refused() {
        let p = PageRequest::parse(None, Some(&cursor(42))).expect("ours");
        assert_eq!((p.after, p.limit), (42, 100));
        assert!(PageRequest::parse(None, Some("42")).is_err());
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(Some(1001), None).is_err());
    }
}
