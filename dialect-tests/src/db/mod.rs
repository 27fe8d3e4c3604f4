//! Real-database execution for the snapshot cases.
//!
//! SQLite always runs (in memory, fixtures loaded per case). PostgreSQL and MariaDB run
//! when `ALUDEL_TEST_POSTGRES_URL` / `ALUDEL_TEST_MYSQL_URL` are set; each test process
//! creates its own schema / database, loads `fixtures/`, and runs every case inside a
//! transaction that is rolled back, so cases do not see each other and runs can overlap.

pub(crate) mod mysql;
pub(crate) mod pg;
pub(crate) mod sqlite;

use std::fmt;
use std::io::Write;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// One result cell, normalised so that the three databases can be compared.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// NULL.
    Null,
    /// An integer (booleans are 0 / 1).
    Int(i64),
    /// A non-integral number, rounded to 6 decimals.
    Num(String),
    /// Text (dates and times in ISO form).
    Text(String),
    /// Bytes, hex.
    Bytes(String),
}

impl Cell {
    /// A number from its decimal text: integral values become `Int`.
    pub fn number(text: &str) -> Cell {
        match text.parse::<f64>() {
            Ok(x) if x.fract() == 0.0 && x.abs() < 1e15 => Cell::Int(x as i64),
            Ok(x) => {
                let s = format!("{x:.6}");
                Cell::Num(s.trim_end_matches('0').trim_end_matches('.').to_owned())
            }
            Err(_) => Cell::Text(text.to_owned()),
        }
    }

    /// A float.
    pub fn float(x: f64) -> Cell {
        Cell::number(&format!("{x}"))
    }

    /// Bytes.
    pub fn bytes(b: &[u8]) -> Cell {
        Cell::Bytes(b.iter().map(|x| format!("{x:02x}")).collect())
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Null => f.write_str("NULL"),
            Cell::Int(i) => write!(f, "{i}"),
            Cell::Num(s) => f.write_str(s),
            Cell::Text(s) => write!(f, "{s:?}"),
            Cell::Bytes(s) => write!(f, "x'{s}'"),
        }
    }
}

/// What running a statement gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Result rows.
    Rows(Vec<Vec<Cell>>),
    /// Rows affected (no result set).
    Affected(u64),
    /// The server rejected the statement (a script step expected to fail).
    Rejected,
}

/// One statement of a script ([`crate::ddl::DdlCase`]): SQL, parameters, what it returns.
pub type ScriptStep = (String, Vec<aludel::Value>, Kind);

impl Outcome {
    /// Replaces every cell by `?`: only the number of rows and columns remain.
    pub fn shape(self) -> Outcome {
        match self {
            Outcome::Rows(rows) => Outcome::Rows(
                rows.into_iter()
                    .map(|r| r.into_iter().map(|_| Cell::Text("?".into())).collect())
                    .collect(),
            ),
            other => other,
        }
    }

    /// Sorts the rows (for results whose order SQL leaves open).
    pub fn sorted(mut self) -> Outcome {
        if let Outcome::Rows(rows) = &mut self {
            rows.sort_by_key(|r| r.iter().map(Cell::to_string).collect::<Vec<_>>());
        }
        self
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Affected(n) => write!(f, "affected: {n}"),
            Outcome::Rejected => write!(f, "rejected"),
            Outcome::Rows(rows) => {
                writeln!(f, "rows: {}", rows.len())?;
                for r in rows {
                    let cells: Vec<String> = r.iter().map(Cell::to_string).collect();
                    writeln!(f, "  ({})", cells.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// Whether the statement returns rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SELECT or RETURNING.
    Query,
    /// Anything else.
    Execute,
}

/// Writes straight to the process's stderr (not captured by the test harness), so that
/// skipped backends are visible in every run.
pub(crate) fn announce(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn require_all() -> bool {
    std::env::var("ALUDEL_REQUIRE_ALL_BACKENDS").is_ok_and(|v| v == "1")
}

/// The URL of a backend from `var`, or `None` with a visible skip line (a failure when
/// `ALUDEL_REQUIRE_ALL_BACKENDS=1`).
pub(crate) fn backend_url(var: &str, name: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if require_all() {
                panic!(
                    "{var} is not set and ALUDEL_REQUIRE_ALL_BACKENDS=1: {name} tests cannot be skipped"
                );
            }
            static ONCE: OnceLock<()> = OnceLock::new();
            let _ = ONCE.get_or_init(|| ());
            announce(&format!(
                "SKIP {name}: {var} is not set; {name} execution is skipped"
            ));
            None
        }
    }
}

/// A name unique to this test process: `aludel_dt_<unix seconds>_<pid>`.
pub(crate) fn run_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        format!("aludel_dt_{secs}_{}", std::process::id())
    })
}

/// Whether a run name (schema / database) is stale: older than an hour.
pub(crate) fn is_stale(name: &str) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    name.strip_prefix("aludel_dt_")
        .and_then(|rest| rest.split('_').next())
        .and_then(|ts| ts.parse::<u64>().ok())
        .is_some_and(|ts| now.saturating_sub(ts) > 3600)
}

/// The fixture statements for `dialect` (schema then seed), split into single statements.
pub(crate) fn fixture_statements(schema_file: &str) -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures");
    let read = |f: &str| {
        std::fs::read_to_string(format!("{dir}/{f}"))
            .unwrap_or_else(|e| panic!("cannot read fixtures/{f}: {e}"))
    };
    let mut out = Vec::new();
    for text in [read(schema_file), read("seed.sql")] {
        let mut current = String::new();
        let mut in_trigger = false;
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with("--") || t.is_empty() {
                continue;
            }
            if t.starts_with("CREATE TRIGGER") {
                in_trigger = true;
            }
            current.push_str(line);
            current.push('\n');
            let ends = if in_trigger {
                t == "END;"
            } else {
                t.ends_with(';')
            };
            if ends {
                in_trigger = false;
                out.push(current.trim().trim_end_matches(';').to_owned());
                current.clear();
            }
        }
    }
    out
}
