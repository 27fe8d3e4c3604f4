//! MariaDB / MySQL through mysql_async (binary protocol, server-side prepared statements).

use std::sync::OnceLock;

use aludel::Value;
use aludel::mysql::to_mysql;
use mysql_async::consts::ColumnType;
use mysql_async::prelude::*;
use mysql_async::{Conn, Opts, OptsBuilder, Params, Row};

use super::{Cell, Kind, Outcome, announce, backend_url, fixture_statements, is_stale, run_name};

fn frac(us: u32) -> String {
    if us == 0 {
        String::new()
    } else {
        format!(".{:06}", us).trim_end_matches('0').to_owned()
    }
}

fn cell(v: &mysql_async::Value, col: &mysql_async::Column) -> Cell {
    use mysql_async::Value as M;
    match v {
        M::NULL => Cell::Null,
        M::Int(i) => Cell::Int(*i),
        M::UInt(u) => Cell::Int(*u as i64),
        M::Float(f) => Cell::float(f64::from(*f)),
        M::Double(d) => Cell::float(*d),
        M::Bytes(b) => match col.column_type() {
            ColumnType::MYSQL_TYPE_NEWDECIMAL | ColumnType::MYSQL_TYPE_DECIMAL => {
                Cell::number(&String::from_utf8_lossy(b))
            }
            _ if col.character_set() == 63 && col.column_type() != ColumnType::MYSQL_TYPE_JSON => {
                Cell::bytes(b)
            }
            _ => Cell::Text(String::from_utf8_lossy(b).into_owned()),
        },
        M::Date(y, m, d, h, mi, s, us) => {
            if col.column_type() == ColumnType::MYSQL_TYPE_DATE {
                Cell::Text(format!("{y:04}-{m:02}-{d:02}"))
            } else {
                Cell::Text(format!(
                    "{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}{}",
                    frac(*us)
                ))
            }
        }
        M::Time(neg, days, h, m, s, us) => Cell::Text(format!(
            "{}{:02}:{m:02}:{s:02}{}",
            if *neg { "-" } else { "" },
            days * 24 + u32::from(*h),
            frac(*us)
        )),
    }
}

/// The MariaDB / MySQL server under test, with this process's database.
pub(crate) struct My {
    opts: Opts,
    /// "mariadb" or "mysql", from the server's version string.
    flavour: &'static str,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The MariaDB / MySQL backend, set up once per process (`None` when not configured).
pub(crate) fn my() -> Option<&'static My> {
    static MY: OnceLock<Option<My>> = OnceLock::new();
    MY.get_or_init(|| {
                let url = backend_url("ALUDEL_TEST_MYSQL_URL", "mariadb / mysql")?;
        let db = run_name().to_owned();
        let base = Opts::from_url(&url).unwrap_or_else(|e| panic!("bad ALUDEL_TEST_MYSQL_URL {url}: {e}"));
        // Rows affected = rows matched (not only changed), as on PostgreSQL and SQLite.
        let opts: Opts = OptsBuilder::from_opts(base.clone())
            .db_name(Some(db.clone()))
            .client_found_rows(true)
            .into();
                let flavour = runtime()
            .block_on(async {
                let mut conn = Conn::new(base).await.map_err(|e| format!("cannot connect to MariaDB / MySQL at {url}: {e}"))?;
                let version: Option<String> = conn.query_first("SELECT VERSION()").await.map_err(|e| e.to_string())?;
                let flavour = if version.unwrap_or_default().to_ascii_lowercase().contains("mariadb") {
                    "mariadb"
                } else {
                    "mysql"
                };
                let dbs: Vec<String> = conn.query("SHOW DATABASES LIKE 'aludel\\_dt\\_%'").await.map_err(|e| e.to_string())?;
                for name in dbs {
                    if is_stale(&name) {
                        let _ = conn.query_drop(format!("DROP DATABASE `{name}`")).await;
                    }
                }
                conn.query_drop(format!("CREATE DATABASE `{db}` CHARACTER SET utf8mb4"))
                    .await
                    .map_err(|e| e.to_string())?;
                conn.query_drop(format!("USE `{db}`")).await.map_err(|e| e.to_string())?;
                // The seed is written in standard SQL: double-quoted identifiers, literal backslashes.
                conn.query_drop("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES,NO_BACKSLASH_ESCAPES')")
                    .await
                    .map_err(|e| e.to_string())?;
                for stmt in fixture_statements("mysql.sql") {
                    conn.query_drop(&stmt).await.map_err(|e| format!("fixture failed: {e}\n{stmt}"))?;
                }
                                conn.disconnect().await.map_err(|e| e.to_string())?;
                Ok::<_, String>(flavour)
            })
            .unwrap_or_else(|e| panic!("MariaDB / MySQL setup failed: {e}"));
        announce(&format!("{flavour}: fixtures loaded into database {db}"));
        Some(My { opts, flavour })
    })
    .as_ref()
}

impl My {
    /// "mariadb" or "mysql".
    pub(crate) fn flavour(&self) -> &'static str {
        self.flavour
    }

    /// Runs `sql` in a rolled-back transaction; `no_backslash_escapes` adds that mode.
    pub(crate) fn run(
        &self,
        sql: &str,
        params: &[Value],
        kind: Kind,
        no_backslash_escapes: bool,
    ) -> Result<Outcome, String> {
        runtime().block_on(async {
            let mut conn = Conn::new(self.opts.clone())
                .await
                .map_err(|e| e.to_string())?;
            if no_backslash_escapes {
                conn.query_drop(
                    "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')",
                )
                .await
                .map_err(|e| e.to_string())?;
            }
            conn.query_drop("START TRANSACTION")
                .await
                .map_err(|e| e.to_string())?;
            let out = run_on(&mut conn, sql, params, kind).await?;
            conn.query_drop("ROLLBACK")
                .await
                .map_err(|e| e.to_string())?;
            let _ = conn.disconnect().await;
            Ok(out)
        })
    }

    /// Runs `steps` in order in a database of their own (`tag` names it), created
    /// empty and dropped afterwards: DDL commits on MySQL and MariaDB, so a transaction
    /// could not undo it. Each step's outcome or error.
    pub(crate) fn script(
        &self,
        tag: &str,
        steps: &[super::ScriptStep],
    ) -> Vec<Result<Outcome, String>> {
        runtime().block_on(async {
            let db = format!("{}_{tag}", run_name());
            let admin: Opts = OptsBuilder::from_opts(self.opts.clone())
                .db_name(None::<String>)
                .into();
            let mut conn = match Conn::new(admin).await {
                Ok(c) => c,
                Err(e) => return vec![Err(e.to_string())],
            };
            for sql in [
                format!("DROP DATABASE IF EXISTS `{db}`"),
                format!("CREATE DATABASE `{db}` CHARACTER SET utf8mb4"),
                format!("USE `{db}`"),
            ] {
                if let Err(e) = conn.query_drop(sql).await {
                    return vec![Err(e.to_string())];
                }
            }
            let mut out = Vec::new();
            for (sql, params, kind) in steps {
                out.push(run_on(&mut conn, sql, params, *kind).await);
            }
            let _ = conn.query_drop(format!("DROP DATABASE `{db}`")).await;
            let _ = conn.disconnect().await;
            out
        })
    }
}

async fn run_on(
    conn: &mut Conn,
    sql: &str,
    params: &[Value],
    kind: Kind,
) -> Result<Outcome, String> {
    let values: Vec<mysql_async::Value> = params.iter().map(to_mysql).collect::<Result<_, _>>()?;
    let p = if values.is_empty() {
        Params::Empty
    } else {
        Params::Positional(values)
    };
    Ok(match kind {
        Kind::Query => {
            let mut result = conn.exec_iter(sql, p).await.map_err(|e| e.to_string())?;
            let columns = result.columns().map(|c| c.to_vec()).unwrap_or_default();
            let rows: Vec<Row> = result.collect().await.map_err(|e| e.to_string())?;
            Outcome::Rows(
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| match (r.as_ref(i), columns.get(i)) {
                                (Some(v), Some(c)) => cell(v, c),
                                _ => Cell::Null,
                            })
                            .collect()
                    })
                    .collect(),
            )
        }
        Kind::Execute => {
            conn.exec_drop(sql, p).await.map_err(|e| e.to_string())?;
            Outcome::Affected(conn.affected_rows())
        }
    })
}
