//! Reads a calendar with Python's `icalendar` package (an implementation we did
//! not write) and returns its fields as JSON, for the tests to compare.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const READ_ICS: &str = r#"
import json, sys
from datetime import date, datetime, timezone
import icalendar

with open(sys.argv[1], "rb") as f:
    cal = icalendar.Calendar.from_ical(f.read())
events = [c for c in cal.walk() if c.name == "VEVENT"]
assert len(events) == 1, len(events)
ev = events[0]

def when(key):
    if key not in ev:
        return None
    dt = ev.decoded(key)
    if not isinstance(dt, datetime):
        # A whole day: VALUE=DATE.
        assert isinstance(dt, date), (key, dt)
        return "date:" + dt.isoformat()
    assert dt.tzinfo is not None, (key, dt)
    return dt.astimezone(timezone.utc).isoformat()

def text(comp, key):
    return str(comp[key]) if key in comp else None

print(json.dumps({
    "METHOD": text(cal, "METHOD"),
    "PRODID": text(cal, "PRODID"),
    "VERSION": text(cal, "VERSION"),
    "UID": text(ev, "UID"),
    "SEQUENCE": int(ev["SEQUENCE"]) if "SEQUENCE" in ev else None,
    "DTSTAMP": when("DTSTAMP"),
    "DTSTART": when("DTSTART"),
    "DTEND": when("DTEND"),
    "SUMMARY": text(ev, "SUMMARY"),
    "LOCATION": text(ev, "LOCATION"),
    "URL": text(ev, "URL"),
    "STATUS": text(ev, "STATUS"),
    "DESCRIPTION": text(ev, "DESCRIPTION"),
    "ORGANIZER": text(ev, "ORGANIZER"),
    "ORGANIZER_CN": str(ev["ORGANIZER"].params.get("CN")) if "ORGANIZER" in ev else None,
}))
"#;

/// Writes `ics` to `dir/name` and has Python's `icalendar` read it: METHOD,
/// PRODID, VERSION, UID, SEQUENCE, DTSTAMP/DTSTART/DTEND (UTC ISO), SUMMARY,
/// LOCATION, URL, STATUS, DESCRIPTION, ORGANIZER and its CN.
pub fn read_with_python(dir: &Path, name: &str, ics: &str) -> Value {
    let path = dir.join(name);
    std::fs::write(&path, ics).expect("write ics");
    let python = std::env::var("POSTBODE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .arg("-c")
        .arg(READ_ICS)
        .arg(&path)
        .output()
        .expect("python3 with icalendar (pip install icalendar)");
    assert!(
        out.status.success(),
        "{name}: python icalendar failed:\n{}\n{ics}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json from python")
}
