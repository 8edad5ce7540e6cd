//! An issue with a 1,200 px wide photo, opened as the mail's HTML in a phone
//! sized (375 px) and a desktop browser window: the photo is scaled to the
//! column and nothing is wider than the viewport. Screenshots are saved.

use std::path::Path;

use crate::browser;
use crate::common::Postbode;

/// Writes a `width`×`height` PNG (one grey colour) with Python's zlib.
fn png(path: &Path, width: u32, height: u32) {
    let script = format!(
        "import struct, zlib\n\
         w, h = {width}, {height}\n\
         raw = b''.join(b'\\x00' + b'\\x99\\xaa\\xbb' * w for _ in range(h))\n\
         def chunk(t, d):\n    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)\n\
         png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')\n\
         open({:?}, 'wb').write(png)\n",
        path.display().to_string()
    );
    let status = std::process::Command::new(crate::common::python())
        .args(["-c", &script])
        .status()
        .expect("python");
    assert!(status.success(), "png not written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wide_photo_fits_a_phone_and_a_desktop_window() {
    let Some(b) = browser::start().await else {
        return;
    };
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    let photo = pb.path("foto.png");
    png(&photo, 1200, 600);
    let issue = format!(
        "---\nsubject: Platformnieuws met foto\n---\nBeste lezer,\n\n## Terugblik\n![Zaal vol deelnemers](file://{})\n\nTekst onder de foto.\n",
        photo.display()
    );
    pb.write_issue("foto.md", &issue);
    let out = pb.path("out");
    pb.ok(&[
        "render",
        "newsletters/foto.md",
        "--out",
        &out.display().to_string(),
    ]);
    b.goto(&format!("file://{}", out.join("index.html").display()))
        .await;
    for (width, name, expected) in [
        (375, "issue-photo-phone", 0),
        (1280, "issue-photo-desktop", 552),
    ] {
        b.set_width(width, 900).await;
        b.wait_for_text("Tekst onder de foto.").await;
        let loaded = b
            .script("const i = document.querySelector('img[alt=\"Zaal vol deelnemers\"]'); return i.complete ? i.naturalWidth : -1")
            .await;
        assert_eq!(loaded.as_i64(), Some(1200), "the photo loaded");
        let viewport = b
            .script("return window.innerWidth")
            .await
            .as_i64()
            .unwrap_or(0);
        assert_eq!(viewport, i64::from(width), "viewport");
        let page = b
            .script("return document.documentElement.scrollWidth")
            .await
            .as_i64()
            .unwrap_or(0);
        assert!(
            page <= viewport,
            "{name}: the page is {page} px wide in a {viewport} px window"
        );
        let shown = b
            .script("return Math.round(document.querySelector('img[alt=\"Zaal vol deelnemers\"]').getBoundingClientRect().width)")
            .await
            .as_i64()
            .unwrap_or(0);
        assert!(shown <= viewport, "{name}: the photo is {shown} px wide");
        if expected > 0 {
            assert_eq!(shown, expected, "{name}: the photo fills the column");
        }
        b.screenshot(name).await;
    }
    b.quit().await;
}
