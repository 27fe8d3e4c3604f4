//! Shared test support: one engine per reachable backend, each test on its own table.

#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use aludel_core::text;
use aludel_engine::{Connection, Engine};

/// A backend under test.
pub struct Db {
    pub name: &'static str,
    pub engine: Engine,
    /// The engine's URL (to open another engine on the same database, with other
    /// settings).
    pub url: String,
    /// A table name unique to this test and process.
    pub table: String,
    file: Option<PathBuf>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            let _ = std::fs::remove_file(f);
            let _ = std::fs::remove_file(f.with_extension("db-journal"));
        }
    }
}

/// Polls `fut` up to `n` times, giving the driver time between polls; true when it
/// completed (the future is dropped otherwise: a cancellation).
pub async fn poll_n<F: std::future::Future>(fut: F, n: usize) -> bool {
    let mut fut = std::pin::pin!(fut);
    for _ in 0..n {
        let ready = std::future::poll_fn(|cx| {
            std::task::Poll::Ready(std::pin::Pin::as_mut(&mut fut).poll(cx).is_ready())
        })
        .await;
        if ready {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    false
}

/// A current-thread runtime, as most services' tests use.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// SQLite on a file of its own (so that several pooled connections share it), with a
/// pool of `pool` connections.
pub async fn sqlite(test: &str, pool: usize) -> Db {
    let file =
        std::env::temp_dir().join(format!("aludel_engine_{}_{}.db", test, std::process::id()));
    let _ = std::fs::remove_file(&file);
    let url = format!("sqlite://{}", file.display());
    let engine = Engine::builder(&url)
        .max_size(pool)
        .wait_timeout(std::time::Duration::from_secs(10))
        .build()
        .await
        .expect("an SQLite engine");
    Db {
        name: "sqlite",
        engine,
        url,
        table: format!("t_{test}"),
        file: Some(file),
    }
}

fn require_all() -> bool {
    std::env::var("ALUDEL_REQUIRE_ALL_BACKENDS").is_ok_and(|v| v == "1")
}

/// The URL in `var`, or `None` with a visible skip line (a failure when
/// `ALUDEL_REQUIRE_ALL_BACKENDS=1`).
pub fn backend_url(var: &str, name: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                !require_all(),
                "{var} is not set and ALUDEL_REQUIRE_ALL_BACKENDS=1: {name} tests cannot be skipped"
            );
            let _ = writeln!(
                std::io::stderr(),
                "SKIP {name}: {var} is not set; {name} engine tests are skipped"
            );
            None
        }
    }
}

/// A short tag for a test's name (schema / database names stay within 63 bytes).
fn tag(test: &str) -> u32 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    test.hash(&mut h);
    h.finish() as u32
}

/// Whether a schema / database of an earlier run is older than an hour.
fn is_stale(name: &str) -> bool {
    name.split('_')
        .nth(2)
        .and_then(|t| t.parse::<u64>().ok())
        .is_some_and(|t| unix_secs().saturating_sub(t) > 3600)
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// PostgreSQL, in a schema of this test (stale ones from earlier runs are dropped).
pub async fn postgres(test: &str, pool: usize) -> Option<Db> {
    let url = backend_url("ALUDEL_TEST_POSTGRES_URL", "postgres")?;
    // One schema per test (tests of a process run in parallel), named within
    // PostgreSQL's 63 bytes.
    let tag = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        test.hash(&mut h);
        h.finish() as u32
    };
    let schema = format!(
        "aludel_eng_{}_{}_{tag:08x}",
        unix_secs(),
        std::process::id()
    );
    {
        let admin = Engine::builder(&url)
            .max_size(1)
            .build()
            .await
            .expect("PostgreSQL");
        let mut c = admin.connect().await.unwrap();
        let stale: Vec<String> = c
            .execute(&text(
                "SELECT nspname::TEXT FROM pg_namespace WHERE nspname LIKE 'aludel_eng_%'",
            ))
            .await
            .unwrap()
            .scalars()
            .unwrap();
        c.commit().await.unwrap();
        for name in stale {
            if is_stale(&name) {
                // Tests of other processes may drop the same schema at the same time:
                // each drop commits or rolls back on its own, so a failed one leaves no
                // aborted transaction behind.
                let dropped = c
                    .execute(&text(format!("DROP SCHEMA IF EXISTS {name} CASCADE")))
                    .await;
                if dropped.is_ok() {
                    c.commit().await.unwrap();
                } else {
                    c.rollback().await.unwrap();
                }
            }
        }
        c.execute(&text(format!("CREATE SCHEMA IF NOT EXISTS {schema}")))
            .await
            .unwrap();
        c.commit().await.unwrap();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}options=-csearch_path%3D{schema}");
    let engine = Engine::builder(&url)
        .max_size(pool)
        .wait_timeout(std::time::Duration::from_secs(10))
        .build()
        .await
        .expect("a PostgreSQL engine");
    Some(Db {
        name: "postgres",
        engine,
        url,
        table: format!("t_{test}"),
        file: None,
    })
}

/// MariaDB / MySQL, in a database of this test (stale ones from earlier runs are
/// dropped).
pub async fn mysql(test: &str, pool: usize) -> Option<Db> {
    let url = backend_url("ALUDEL_TEST_MYSQL_URL", "mariadb / mysql")?;
    let name = format!(
        "aludel_eng_{}_{}_{:08x}",
        unix_secs(),
        std::process::id(),
        tag(test)
    );
    {
        let admin = Engine::builder(&url)
            .max_size(1)
            .build()
            .await
            .expect("MySQL");
        let mut c = admin.connect().await.unwrap();
        let stale: Vec<String> = c
            .execute(&text("SHOW DATABASES LIKE 'aludel\\_eng\\_%'"))
            .await
            .unwrap()
            .scalars()
            .unwrap();
        for db in stale {
            if is_stale(&db) {
                let _ = c
                    .execute(&text(format!("DROP DATABASE IF EXISTS `{db}`")))
                    .await;
            }
        }
        c.execute(&text(format!(
            "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4"
        )))
        .await
        .unwrap();
        c.commit().await.unwrap();
    }
    let base = url.split('?').next().unwrap_or(&url);
    let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
    let url = format!("{server}/{name}");
    let engine = Engine::builder(&url)
        .max_size(pool)
        .wait_timeout(std::time::Duration::from_secs(10))
        .build()
        .await
        .expect("a MySQL engine");
    Some(Db {
        name: "mysql",
        engine,
        url,
        table: format!("t_{test}"),
        file: None,
    })
}

impl Db {
    /// A connection, after this test's table was dropped and created afresh with
    /// `columns` (and `rows` inserted, `VALUES` lists), committed.
    pub async fn fresh_table(&self, columns: &str, rows: &[&str]) -> Connection {
        let t = &self.table;
        let mut c = self.engine.connect().await.unwrap();
        c.execute(&text(format!("DROP TABLE IF EXISTS {t}")))
            .await
            .unwrap();
        c.execute(&text(format!("CREATE TABLE {t} ({columns})")))
            .await
            .unwrap();
        for row in rows {
            c.execute(&text(format!("INSERT INTO {t} VALUES ({row})")))
                .await
                .unwrap();
        }
        c.commit().await.unwrap();
        c
    }
}

/// Every backend this run can reach.
pub async fn backends(test: &str, pool: usize) -> Vec<Db> {
    let mut out = vec![sqlite(test, pool).await];
    out.extend(postgres(test, pool).await);
    out.extend(mysql(test, pool).await);
    out
}
