//! A loop of point selects by primary key, for profilers and instruction counts
//! (`cargo bench -p aludel-benches --bench profile_engine --no-run`, then
//! `valgrind --tool=callgrind --toggle-collect='profile_engine::run_*'
//! target/release/deps/profile_engine-<hash> <mode> 20000`).
//!
//! Modes: `raw` (rusqlite) and `blocking` (aludel) on SQLite in memory (`raw_scan` and
//! `blocking_scan`: the 1,000-row trivial query instead, and `stream_scan` the same
//! through `for_each`); `pg_raw`
//! (tokio-postgres, prepared once) and `pg_aludel` on `ALUDEL_TEST_POSTGRES_URL`;
//! `my_raw` (mysql_async) and `my_aludel` on `ALUDEL_TEST_MYSQL_URL`. The server modes
//! count the client's instructions only, which the scheduling noise of a shared
//! machine does not touch (unlike wall-clock time).

use std::hint::black_box;

use aludel::prelude::*;
use aludel_engine::{IsolationLevel, blocking};

#[derive(Table)]
#[aludel(name = "users")]
#[allow(dead_code)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    hair_color: Option<String>,
}

type Row = (i64, String, Option<String>);

const SETUP: [&str; 2] = [
    "CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000) \
     INSERT INTO users SELECT x, 'User ' || x, CASE WHEN x % 2 = 0 THEN 'black' END FROM n",
];

#[inline(never)]
fn run_raw(conn: &rusqlite::Connection, n: i64) -> usize {
    let mut total = 0;
    for i in 0..n {
        let mut st = conn
            .prepare_cached("SELECT id, name, hair_color FROM users WHERE id = ?1")
            .unwrap();
        let row: Row = st
            .query_row([i % 1000 + 1], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        total += black_box(row).1.len();
    }
    total
}

#[inline(never)]
fn run_raw_scan(conn: &rusqlite::Connection, n: i64) -> usize {
    let mut total = 0;
    for _ in 0..n {
        let mut st = conn
            .prepare_cached("SELECT id, name, hair_color FROM users WHERE id <= ?1")
            .unwrap();
        let rows: Vec<Row> = st
            .query_map([1000], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        total += black_box(rows).len();
    }
    total
}

#[inline(never)]
fn run_blocking_scan(conn: &mut blocking::Connection, n: i64) -> usize {
    let mut total = 0;
    for _ in 0..n {
        let stmt = select((users::id, users::name, users::hair_color)).where_(users::id.le(1000));
        let rows: Vec<Row> = conn.execute(&stmt).unwrap().all().unwrap();
        total += black_box(rows).len();
    }
    total
}

#[inline(never)]
fn run_stream_scan(conn: &mut blocking::Connection, n: i64) -> usize {
    let mut total = 0;
    for _ in 0..n {
        let stmt = select((users::id, users::name, users::hair_color)).where_(users::id.le(1000));
        let mut rows: Vec<Row> = Vec::new();
        conn.for_each(&stmt, |r: Row| {
            rows.push(r);
            Ok(())
        })
        .unwrap();
        total += black_box(rows).len();
    }
    total
}

#[inline(never)]
fn run_blocking(conn: &mut blocking::Connection, n: i64) -> usize {
    let mut total = 0;
    for i in 0..n {
        let stmt =
            select((users::id, users::name, users::hair_color)).where_(users::id.eq(i % 1000 + 1));
        let row: Row = conn.execute(&stmt).unwrap().one().unwrap();
        total += black_box(row).1.len();
    }
    total
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A server table of 1,000 users like the SQLite one.
const SERVER_SETUP: [&str; 3] = [
    "DROP TABLE IF EXISTS users",
    "CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)",
    "INSERT INTO users SELECT x, CONCAT('User ', x), CASE WHEN x % 2 = 0 THEN 'black' END FROM (SELECT a.n * 100 + b.n * 10 + c.n + 1 AS x FROM (SELECT 0 n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a, (SELECT 0 n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b, (SELECT 0 n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c) t",
];

/// An aludel engine on `url` (autocommit), with the server table set up.
async fn server_engine(url: &str) -> aludel_engine::Connection {
    let engine = aludel_engine::Engine::builder(url)
        .isolation_level(IsolationLevel::Autocommit)
        .max_size(1)
        .build()
        .await
        .unwrap();
    let mut conn = engine.connect().await.unwrap();
    for sql in SERVER_SETUP {
        conn.execute(&text(sql)).await.unwrap();
    }
    conn
}

#[inline(never)]
fn run_pg_raw(rt: &tokio::runtime::Runtime, client: &tokio_postgres::Client, n: i64) -> usize {
    let st = rt
        .block_on(client.prepare("SELECT id, name, hair_color FROM users WHERE id = $1"))
        .unwrap();
    let mut total = 0;
    for i in 0..n {
        let row = rt
            .block_on(client.query_one(&st, &[&(i % 1000 + 1)]))
            .unwrap();
        let row: Row = (row.get(0), row.get(1), row.get(2));
        total += black_box(row).1.len();
    }
    total
}

#[inline(never)]
fn run_my_raw(rt: &tokio::runtime::Runtime, conn: &mut mysql_async::Conn, n: i64) -> usize {
    use mysql_async::prelude::Queryable;
    let mut total = 0;
    for i in 0..n {
        let row: Option<Row> = rt
            .block_on(conn.exec_first(
                "SELECT id, name, hair_color FROM users WHERE id = ?",
                (i % 1000 + 1,),
            ))
            .unwrap();
        total += black_box(row.unwrap()).1.len();
    }
    total
}

#[inline(never)]
fn run_server_aludel(
    rt: &tokio::runtime::Runtime,
    conn: &mut aludel_engine::Connection,
    n: i64,
) -> usize {
    let mut total = 0;
    for i in 0..n {
        let stmt =
            select((users::id, users::name, users::hair_color)).where_(users::id.eq(i % 1000 + 1));
        let row: Row = rt.block_on(conn.execute(&stmt)).unwrap().one().unwrap();
        total += black_box(row).1.len();
    }
    total
}

fn url(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "blocking".into());
    let n: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let total = match mode.as_str() {
        "raw" | "raw_scan" => {
            let conn = rusqlite::Connection::open_in_memory().unwrap();
            for sql in SETUP {
                conn.execute_batch(sql).unwrap();
            }
            if mode == "raw" {
                run_raw(&conn, n)
            } else {
                run_raw_scan(&conn, n)
            }
        }
        "pg_raw" | "pg_aludel" | "my_raw" | "my_aludel" => {
            let rt = rt();
            let server = if mode.starts_with("pg") {
                url("ALUDEL_TEST_POSTGRES_URL")
            } else {
                url("ALUDEL_TEST_MYSQL_URL")
            };
            let mut conn = rt.block_on(server_engine(&server));
            match mode.as_str() {
                "pg_raw" => {
                    let client = rt.block_on(async {
                        let (client, c) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
                            .await
                            .unwrap();
                        tokio::spawn(async move {
                            let _ = c.await;
                        });
                        client
                    });
                    run_pg_raw(&rt, &client, n)
                }
                "my_raw" => {
                    let opts = mysql_async::Opts::from_url(&server).unwrap();
                    let mut my = rt.block_on(mysql_async::Conn::new(opts)).unwrap();
                    run_my_raw(&rt, &mut my, n)
                }
                _ => run_server_aludel(&rt, &mut conn, n),
            }
        }
        _ => {
            let mut conn = blocking::Connection::open("sqlite::memory:").unwrap();
            conn.set_isolation_level(IsolationLevel::Autocommit)
                .unwrap();
            for sql in SETUP {
                conn.execute(&text(sql)).unwrap();
            }
            if mode == "blocking_scan" {
                run_blocking_scan(&mut conn, n)
            } else if mode == "stream_scan" {
                run_stream_scan(&mut conn, n)
            } else {
                run_blocking(&mut conn, n)
            }
        }
    };
    println!("{mode}: {total}");
}
