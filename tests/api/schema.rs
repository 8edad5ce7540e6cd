//! schemathesis (PyPI, installed by `.ci/run`) reads the running server's
//! own `/api/v1/openapi.json` and sends what the document allows, and some
//! of what it does not: every answer must be no server error and match the
//! status codes, content types and schemas the document declares.

use std::process::Command;

use crate::common::{Postbode, SmtpServer, TEST_ADMIN_TOKEN, python, soon};

/// The schemathesis command beside the tests' python.
fn schemathesis() -> String {
    let out = Command::new(python())
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .expect("python");
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    format!("{dir}/schemathesis")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_keeps_to_its_own_openapi_document() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(5);
    pb.add(
        "anouk@example.nl",
        "Anouk",
        &["ontwikkeltafels"],
        &["welzijn"],
    );
    pb.serve();
    pb.drop_issue(
        "2026-12-nieuws.md",
        &format!(
            "---\nsubject: December\nsend_at: {}\n---\nNieuws.\n",
            soon(2)
        ),
    );
    pb.wait_issue("2026-12-nieuws", "sent", 30);

    let doc: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/openapi.json", pb.base_url()))
        .bearer_auth(TEST_ADMIN_TOKEN)
        .send()
        .await
        .expect("document")
        .json()
        .await
        .expect("JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{doc}"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["paths"]["/api/v1/subscribers/{id}"]["patch"].is_object());

    let out = Command::new(schemathesis())
        .current_dir(pb.dir.path())
        .args([
            "run",
            &format!("{}/api/v1/openapi.json", pb.base_url()),
            "--url",
            &pb.base_url(),
            "--header",
            &format!("Authorization: Bearer {TEST_ADMIN_TOKEN}"),
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-examples",
            "25",
            "--seed",
            "20261203",
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--no-color",
        ])
        .output()
        .expect("schemathesis (see .ci/run)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{report}");
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}\nserver log:\n{}",
        pb.log()
    );
    // Every operation but the document itself is exercised.
    assert!(report.contains("Tested: 15"), "{report}");
    assert!(!report.contains("No checks were performed"), "{report}");
    pb.stop();
}
