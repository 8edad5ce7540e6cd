//! `cargo bench --bench render`: what compiling and personalising an issue
//! costs. Prints (a) the compile of the July 2017 sample's full variant
//! (layout, mrml, text part), (b) the cost per recipient of filling the merge
//! tags and building the MIME message, as delivery does (the body spliced
//! from text encoded once per variant) and as lettre would (the whole body
//! encoded per recipient), and (c) when `POSTBODE_TEST_MJML` names
//! the npm `mjml` CLI, that CLI on the same MJML and mrml's time as a ratio
//! of it, both measured in this run.
//!
//! `-- --mjml-out FILE` also writes the MJML mrml compiles in (a) to FILE and
//! ends with a line `mrml median ms: X`: `bench/run` hands that file to npm
//! `mjml2html` in a warm Node process, so both compile the same text.

#[path = "../tests/render/layout_mjml.rs"]
mod layout_mjml;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use postbode::config::Config;
use postbode::domain::email::SubscriberEmail;
use postbode::domain::language::Language;
use postbode::domain::name::SubscriberName;
use postbode::mail::{Composer, Kind};
use postbode::newsletters::IssueName;
use postbode::newsletters::parse::{ParseContext, parse_issue};
use postbode::render::layout::Layouts;
use postbode::render::variant::PlatformInfo;
use postbode::render::{IssueRenderer, MergeValues};

/// As in the `postbode` binary: what is measured is what the daemon does.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const ISSUE: &str = "2017-07-platformnieuws";
const COMPILE_RUNS: usize = 50;
const RECIPIENTS: usize = 2_000;
const MJML_CLI_RUNS: usize = 5;

struct Row {
    what: String,
    runs: usize,
    median: String,
    spread: String,
}

fn main() {
    // `cargo test --all-targets` runs benches once as a smoke test without
    // `--bench`; the measurements are only worth their time under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("render benchmark: run it with `cargo bench --bench render`");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("postbode.toml")).expect("postbode.toml loads");
    let file = config.newsletters_dir().join(format!("{ISSUE}.md"));
    let raw = std::fs::read_to_string(&file).expect("sample issue");
    let ctx = ParseContext::from_config(&config);
    let name = IssueName::of(&file).expect("an issue name");
    let issue = Arc::new(parse_issue(&name, &raw, &ctx).expect("sample parses"));
    let platform = PlatformInfo::from_config(&config);
    let tz = config.timezone();
    let full = issue.full_key();
    // A renderer as the daemon makes one per issue: layouts read afresh.
    let renderer = || {
        IssueRenderer::new(
            issue.clone(),
            platform.clone(),
            tz,
            Arc::new(Layouts::new(&config.templates_dir())),
        )
    };
    let mut rows = Vec::new();

    // (a) One compile of the full variant, from a fresh renderer each time.
    let compile = measure(COMPILE_RUNS, || {
        let r = renderer();
        black_box(r.variant(&full).expect("compiles"));
    });
    rows.push(row("compile issue: layout + mrml + text", &compile, ms));
    let r = renderer();
    let mjml = layout_mjml::layout_mjml(&config, &r, &full, Language::Nl);
    let args: Vec<String> = std::env::args().collect();
    let mjml_out = args
        .iter()
        .position(|a| a == "--mjml-out")
        .map(|i| PathBuf::from(args.get(i + 1).expect("--mjml-out FILE")));
    if let Some(path) = &mjml_out {
        std::fs::write(path, &mjml).expect("write the MJML for the peer");
    }
    let mrml = measure(COMPILE_RUNS, || {
        black_box(postbode::render::compile::compile(&mjml).expect("compiles"));
    });
    rows.push(row("  of which mrml on the layout's MJML", &mrml, ms));

    // (b) Per recipient: merge values in, a complete MIME message out.
    let variant = r.variant(&full).expect("compiles");
    let composer = Composer::new(&config).expect("composer");
    let recipient = |i: usize| MergeValues {
        name: format!("Lezer {i}"),
        preferences_url: format!("{}/preferences/TOKEN{i}", config.base_url()),
        unsubscribe_url: format!("{}/unsubscribe/TOKEN{i}", config.base_url()),
        archive_url: format!("{}/archive/{ISSUE}", config.base_url()),
    };
    let mut i = 0;
    let personalise = measure(RECIPIENTS, || {
        i += 1;
        black_box(variant.personalise(&recipient(i)));
    });
    rows.push(row("personalise, per recipient", &personalise, us));
    let to = |i: usize| SubscriberEmail::parse(&format!("lezer{i}@example.org")).expect("address");
    let kind = |values: &MergeValues| Kind::Bulk {
        unsubscribe_url: values.unsubscribe_url.clone(),
        auto_submitted: false,
    };
    // What delivery does: the body spliced from the variant's text, encoded
    // once (made by the warm-up runs), and the recipient's values.
    let mut i = 0;
    let message = measure(RECIPIENTS, || {
        i += 1;
        let values = recipient(i);
        let name = SubscriberName::parse(&values.name).expect("name");
        let encoded = variant.encoded();
        black_box(
            composer
                .compose_encoded(
                    &to(i),
                    &name,
                    &variant.subject(&values),
                    encoded.boundary(),
                    encoded.body(&values),
                    &kind(&values),
                )
                .expect("composes"),
        );
    });
    rows.push(row(
        "personalise + compose MIME, per recipient",
        &message,
        us,
    ));
    // The same message with the whole body encoded per recipient by lettre,
    // as the other mail is built: what the splicing saves.
    let mut i = 0;
    let lettre = measure(RECIPIENTS, || {
        i += 1;
        let values = recipient(i);
        let (html, text) = variant.personalise(&values);
        let name = SubscriberName::parse(&values.name).expect("name");
        black_box(
            composer
                .compose(
                    &to(i),
                    &name,
                    &variant.subject(&values),
                    text,
                    html,
                    &kind(&values),
                )
                .expect("composes"),
        );
    });
    rows.push(row(
        "  the same, body encoded per recipient (lettre)",
        &lettre,
        us,
    ));

    // (c) The reference compiler on the same MJML, if it is installed.
    let peer = std::env::var_os("POSTBODE_TEST_MJML").map(PathBuf::from);
    let mut ratio = None;
    if let Some(bin) = &peer {
        let dir = std::env::temp_dir().join(format!("postbode-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let input = dir.join(format!("{ISSUE}.mjml"));
        std::fs::write(&input, &mjml).expect("write MJML");
        let cli = measure(MJML_CLI_RUNS, || {
            let out = Command::new(bin)
                .arg(&input)
                .arg("-s")
                .output()
                .expect("npm mjml runs");
            assert!(out.status.success(), "npm mjml failed: {out:?}");
            black_box(out.stdout);
        });
        std::fs::remove_dir_all(&dir).ok();
        let version = Command::new(bin)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        // `mjml --version` prints "mjml-core: 4.18.0" and "mjml-cli: 4.18.0".
        let core = version
            .lines()
            .find_map(|l| l.strip_prefix("mjml-core: "))
            .unwrap_or("?")
            .trim()
            .to_string();
        rows.push(row(
            &format!("npm mjml {core} CLI on the same MJML, incl. node start"),
            &cli,
            ms,
        ));
        ratio = Some(median(&mrml).as_secs_f64() / median(&cli).as_secs_f64());
    }

    let html = variant.personalise(&recipient(0)).0;
    println!();
    println!(
        "postbode render benchmark: {ISSUE}, full variant ({} sections, MJML {} KB, HTML {} KB)",
        full.len(),
        mjml.len() / 1024,
        html.len() / 1024
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "machine: {cores} cores, load average {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    match &peer {
        Some(bin) => println!(
            "command: POSTBODE_TEST_MJML={} cargo bench --bench render",
            bin.display()
        ),
        None => println!("command: cargo bench --bench render"),
    }
    println!();
    println!(
        "{:<58} {:>5} {:>11} {:>21}",
        "measurement", "runs", "median", "min … max"
    );
    for r in &rows {
        println!(
            "{:<58} {:>5} {:>11} {:>21}",
            r.what, r.runs, r.median, r.spread
        );
    }
    match ratio {
        Some(x) => println!(
            "\nratio mrml / npm mjml CLI (same MJML, same run): {x:.4} (the CLI takes {:.0}× as long)",
            1.0 / x
        ),
        None => println!(
            "\nnpm mjml not measured: set POSTBODE_TEST_MJML=/path/to/node_modules/.bin/mjml (npm install mjml@4.18.0)"
        ),
    }
    if mjml_out.is_some() {
        println!("mrml median ms: {:.4}", median(&mrml).as_secs_f64() * 1e3);
    }
}

/// Runs `f` `runs` times after a few warm-up runs; returns each run's time.
fn measure(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    for _ in 0..runs.min(3) {
        f();
    }
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn row(what: &str, times: &[Duration], unit: fn(Duration) -> String) -> Row {
    let min = times.iter().min().copied().unwrap_or_default();
    let max = times.iter().max().copied().unwrap_or_default();
    Row {
        what: what.to_string(),
        runs: times.len(),
        median: unit(median(times)),
        spread: format!("{} … {}", unit(min), unit(max)),
    }
}
