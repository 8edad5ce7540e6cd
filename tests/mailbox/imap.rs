//! A real IMAP server for the tests: Dovecot (Debian's `dovecot-imapd`, see
//! .ci/run) on 127.0.0.1 with its own configuration, mail folders and TLS
//! certificate (from a CA made here with the openssl command) in a temporary
//! folder; stopped when dropped. Python's imaplib puts messages in and counts
//! them (tests/support/imap_client.py).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::common::{ROOT, free_port, python};

pub const USER: &str = "bounces";
/// A `+` and a `/`: the URL must carry them unchanged (`/` as `%2F`).
pub const PASSWORD: &str = "geheim+wacht/woord";
pub const PASSWORD_IN_URL: &str = "geheim+wacht%2Fwoord";

pub struct Dovecot {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Dovecot {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        // Dovecot's own users (mail, dovenull) must reach their folders in here.
        run("chmod", &["755", &d.display().to_string()]);
        make_certificates(d);
        let (uid, gid) = (id("-u"), id("-g"));
        std::fs::create_dir_all(d.join("home")).expect("home");
        run(
            "chown",
            &[
                &format!("{uid}:{gid}"),
                &d.join("home").display().to_string(),
            ],
        );
        std::fs::write(d.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).expect("passwd");
        let port = free_port();
        let conf = config(d, port, &uid, &gid);
        std::fs::write(d.join("dovecot.conf"), conf).expect("dovecot.conf");
        let binary = ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("dovecot");
        let child = Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(d.join("dovecot.conf"))
            .stdout(std::fs::File::create(d.join("stdout.log")).expect("log"))
            .stderr(std::fs::File::create(d.join("stderr.log")).expect("log"))
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start dovecot (apt-get install dovecot-imapd, see .ci/run): {e}")
            });
        let server = Self { dir, port, child };
        let end = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < end,
                "dovecot did not start: {}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `[bounces]` for postbode, reading INBOX with the right password.
    pub fn bounces_section(&self, poll_secs: u64) -> String {
        format!(
            "\n[bounces]\nimap_url = \"{}\"\nca_file = \"{}\"\npoll_secs = {poll_secs}\n",
            self.url(PASSWORD_IN_URL),
            self.ca_file().display()
        )
    }

    pub fn url(&self, password: &str) -> String {
        format!("imaps://{USER}:{password}@127.0.0.1:{}/INBOX", self.port)
    }

    /// APPENDs `message` to `folder` over IMAP.
    pub fn append(&self, folder: &str, message: &[u8]) {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), message).expect("message");
        self.client(&["append", folder, &file.path().display().to_string()]);
    }

    /// Every folder with its number of messages.
    pub fn counts(&self) -> serde_json::Value {
        serde_json::from_str(&self.client(&["counts"])).expect("counts json")
    }

    fn client(&self, args: &[&str]) -> String {
        let out = Command::new(python())
            .arg(Path::new(ROOT).join("tests/support/imap_client.py"))
            .args([
                &self.port.to_string(),
                &self.ca_file().display().to_string(),
                USER,
                PASSWORD,
            ])
            .args(args)
            .output()
            .expect("python3 imap_client.py");
        assert!(
            out.status.success(),
            "imap_client.py {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn log(&self) -> String {
        ["dovecot.log", "stderr.log"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default())
            .collect()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Mail is stored as the unprivileged `mail` user: Dovecot will not run
/// mail processes as root.
fn id(flag: &str) -> String {
    let out = Command::new("id")
        .args([flag, "mail"])
        .output()
        .expect("id");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn config(d: &Path, port: u16, uid: &str, gid: &str) -> String {
    let d = d.display();
    format!(
        r#"protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = postbode-test-{port}
log_path = {d}/dovecot.log
ssl = required
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = {uid}
first_valid_gid = {gid}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"#
    )
}

/// A private CA (`ca.pem`, what postbode's `bounces.ca_file` trusts) and a
/// server certificate for 127.0.0.1 signed by it.
fn make_certificates(d: &Path) {
    std::fs::write(
        d.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=postbode test CA",
        "-days",
        "2",
    ]);
    openssl(d, &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "key.pem",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(d, &csr);
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status().expect(program);
    assert!(status.success(), "{program} {args:?}");
}
