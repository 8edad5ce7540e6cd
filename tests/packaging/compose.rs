//! The example `docker-compose.yml`: the README shows it as it is, its
//! services are the ones the guide promises (postbode, PostgreSQL, a relay),
//! postbode waits for a healthy database, and every setting it passes to
//! postbode is one postbode accepts. No Docker engine runs here, so the file
//! is read the way compose reads it (YAML) and the settings are given to the
//! real binary.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn compose_text() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("docker-compose.yml")).expect("docker-compose.yml")
}

fn compose() -> serde_json::Value {
    serde_norway::from_str(&compose_text()).expect("docker-compose.yml is YAML")
}

/// postbode's environment in the compose file, with `${VAR:?…}` filled in
/// as compose would from `.env`.
fn postbode_environment(password: &str) -> BTreeMap<String, String> {
    let env = &compose()["services"]["postbode"]["environment"];
    let map = env.as_object().expect("environment is a mapping");
    map.iter()
        .map(|(k, v)| {
            let v = v.as_str().expect("environment values are strings");
            let filled = match (v.find("${POSTGRES_PASSWORD"), v.find('}')) {
                (Some(a), Some(b)) if b > a => format!("{}{}{}", &v[..a], password, &v[b + 1..]),
                _ => v.to_string(),
            };
            (k.clone(), filled)
        })
        .collect()
}

/// `postbode check` on a sample issue, with the example configuration and
/// the given environment on top (what the container does).
fn check_with(env: &BTreeMap<String, String>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_postbode"));
    cmd.current_dir(ROOT)
        .args(["check", "newsletters/2017-07-platformnieuws.md"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("POSTBODE_") && k != "POSTBODE_TEST_PYTHON" && k != "POSTBODE_TEST_MJML" {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env).output().expect("postbode check")
}

#[test]
fn the_readme_shows_the_compose_file_as_it_is() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README");
    let block = format!("```yaml\n{}```", compose_text());
    assert!(
        readme.contains(&block),
        "README.md shows docker-compose.yml verbatim in a ```yaml block"
    );
}

#[test]
fn the_compose_file_runs_postbode_with_postgres_and_a_relay() {
    let c = compose();
    let services = c["services"].as_object().expect("services");
    for name in ["postbode", "db", "relay"] {
        assert!(services.contains_key(name), "service {name}");
    }
    // Images are pinned: a new major PostgreSQL must not arrive unasked.
    for name in ["db", "relay"] {
        let image = services[name]["image"].as_str().expect("image");
        let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
        assert!(
            !tag.is_empty() && tag != "latest",
            "{name} pins its image: {image}"
        );
    }
    assert_eq!(
        c["services"]["postbode"]["depends_on"]["db"]["condition"], "service_healthy",
        "postbode starts once the database answers"
    );
    let health = c["services"]["db"]["healthcheck"]["test"].to_string();
    assert!(health.contains("pg_isready"), "{health}");
    let env = postbode_environment("s3cret");
    assert!(env["POSTBODE_DATABASE__URL"].starts_with("postgres://postbode:s3cret@db:5432/"));
    assert!(env["POSTBODE_SMTP__URL"].starts_with("smtp://relay:"));
    // The key is not in the file: it comes from the env file kept beside it.
    assert_eq!(c["services"]["postbode"]["env_file"], "postbode.env");
    assert!(
        env.keys().all(|k| !k.starts_with("POSTBODE_SECRETS__")),
        "no key in the compose file: {env:?}"
    );
    // Published on the host's loopback only, behind the TLS proxy.
    let ports = c["services"]["postbode"]["ports"].to_string();
    assert!(ports.contains("127.0.0.1:8080:8080"), "{ports}");
}

#[test]
fn postbode_accepts_every_setting_the_compose_file_gives_it() {
    let env = postbode_environment("s3cret");
    let out = check_with(&env);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // And it would say so if one were misspelt.
    let mut wrong = env.clone();
    let n = wrong
        .remove("POSTBODE_SMTP__CONNECTIONS")
        .expect("connections are set");
    wrong.insert("POSTBODE_SMTP__CONECTIONS".into(), n);
    let out = check_with(&wrong);
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "a misspelt setting is refused: {said}"
    );
    assert!(said.contains("conections"), "the message names it: {said}");
}
