//! Where a form post comes from. A browser says it in `Sec-Fetch-Site` (every
//! current browser) or, failing that, in `Origin`; a post that another web
//! site made a visitor's browser send is refused, so no page elsewhere can
//! sign people up in their name. Clients that send neither (scripts, very
//! old browsers) are let through: the form token still has to be genuine.

use axum::http::HeaderMap;

/// True when the browser says the post was made by another site's page.
pub fn is_cross_site(headers: &HeaderMap, base_url: &str) -> bool {
    // A header that is there but not readable text says nothing we can
    // trust: it counts as the other site's (""), not as no header at all.
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or(""));
    if let Some(site) = header("sec-fetch-site") {
        // `same-site`: a page of the platform's own domain (its main web
        // site) may carry the form; `none`: typed or bookmarked.
        return !matches!(
            site.trim().to_ascii_lowercase().as_str(),
            "same-origin" | "same-site" | "none"
        );
    }
    match header("origin") {
        None => false,
        Some(origin) => origin_of(origin).is_none_or(|o| Some(o) != origin_of(base_url)),
    }
}

/// `scheme://host[:port]` of a URL, lower-cased; None for `null` and for
/// anything that is not an absolute http(s) URL.
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    Some(parsed.origin().ascii_serialization().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    const BASE: &str = "https://nieuws.kus.example.nl";

    #[test]
    fn fetch_metadata_decides_when_present() {
        for ok in ["same-origin", "same-site", "none", "Same-Origin"] {
            assert!(!is_cross_site(&headers(&[("sec-fetch-site", ok)]), BASE));
        }
        let evil = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://nieuws.kus.example.nl"),
        ]);
        assert!(is_cross_site(&evil, BASE));
    }

    #[test]
    fn origin_must_be_the_base_urls() {
        assert!(!is_cross_site(&headers(&[("origin", BASE)]), BASE));
        assert!(!is_cross_site(
            &headers(&[("origin", "https://NIEUWS.kus.example.nl:443")]),
            BASE
        ));
        for evil in [
            "https://evil.example",
            "http://nieuws.kus.example.nl",
            "https://nieuws.kus.example.nl.evil.example",
            "null",
            "",
        ] {
            assert!(is_cross_site(&headers(&[("origin", evil)]), BASE), "{evil}");
        }
        assert!(!is_cross_site(&HeaderMap::new(), BASE));
    }

    #[test]
    fn a_header_that_is_not_text_counts_as_another_site() {
        for name in ["sec-fetch-site", "origin"] {
            let mut h = HeaderMap::new();
            let value = axum::http::HeaderValue::from_bytes(b"same-origin\xff").expect("obs-text");
            h.insert(name, value);
            assert!(is_cross_site(&h, BASE), "{name}");
        }
    }
}
