//! The archive serves an issue cleaned of what could run, while the mail
//! went out as the editor wrote it.

use sqlx::Row;

use crate::{SLUG, anouk_gets_the_issue, get};

/// What the issue's raw HTML tries, in the forms the cleaned page could
/// still show it.
const HOSTILE: &[&str] = &["<script", "alert(", "javascript:", "onerror", "data:"];

#[tokio::test(flavor = "multi_thread")]
async fn the_archive_runs_nothing_from_the_issue_and_keeps_its_text() {
    let (_smtp, pb, mail) = anouk_gets_the_issue();
    // The mail is the editor's content, sent as written.
    let sent = mail.html();
    for raw in [
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "onerror",
    ] {
        assert!(sent.contains(raw), "the mail carries {raw}:\n{sent}");
    }

    let url = format!("{}/archive/{SLUG}", pb.base_url());
    let first = get(&url).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let page = first.body.to_lowercase();
    for h in HOSTILE {
        assert!(!page.contains(h), "{h} is on the archive page:\n{page}");
    }
    assert!(
        first
            .body
            .contains("Het rapport over de wijkteams is verschenen."),
        "{}",
        first.body
    );
    assert!(
        first.body.contains("href=\"https://example.nl/rapport\""),
        "{}",
        first.body
    );
    assert!(
        first
            .body
            .contains("<title>Platformnieuws december</title>"),
        "{}",
        first.body
    );
    // The layout stays: tables, inline styles, the responsive CSS.
    assert!(first.body.contains("<table"), "{}", first.body);
    assert!(first.body.contains("style=\""), "{}", first.body);
    assert!(first.body.contains("@media"), "{}", first.body);

    // Cleaned once, when stored: the database holds the page as served.
    let db = pb.sqlite().await;
    let stored: String = sqlx::query("SELECT archive_html FROM issues WHERE slug = $1")
        .bind(SLUG)
        .fetch_one(&db)
        .await
        .expect("the issue")
        .get(0);
    db.close().await;
    assert_eq!(stored, first.body);
    let again = get(&url).await;
    assert_eq!(again.body, first.body);
}

/// A page stored by an earlier version, uncleaned, is compiled and cleaned
/// anew after the upgrade.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_stored_before_the_upgrade_is_cleaned_anew() {
    let (_smtp, mut pb, mail) = anouk_gets_the_issue();
    let url = format!("{}/archive/{SLUG}", pb.base_url());
    let cleaned = get(&url).await.body;
    pb.stop();
    // The database as the earlier version left it: the mail's HTML stored
    // as the page, and the upgrade not yet applied.
    let db = pb.sqlite().await;
    sqlx::query("UPDATE issues SET archive_html = $1 WHERE slug = $2")
        .bind(mail.html())
        .bind(SLUG)
        .execute(&db)
        .await
        .expect("store the old page");
    let undone = sqlx::query("DELETE FROM _sqlx_migrations WHERE description = 'archive cleaned'")
        .execute(&db)
        .await
        .expect("forget the upgrade");
    assert_eq!(undone.rows_affected(), 1);
    db.close().await;
    pb.serve();
    let page = get(&url).await.body;
    assert!(!page.contains("<script"), "{page}");
    assert_eq!(page, cleaned);
}
