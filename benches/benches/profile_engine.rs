//! A loop of SQLite point selects by primary key, for profilers
//! (`cargo bench -p aludel-benches --bench profile_engine --no-run`, then
//! `valgrind --tool=callgrind --toggle-collect='profile_engine::run_*'
//! target/release/deps/profile_engine-<hash> {raw|blocking} 20000`).

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

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "blocking".into());
    let n: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let total = match mode.as_str() {
        "raw" => {
            let conn = rusqlite::Connection::open_in_memory().unwrap();
            for sql in SETUP {
                conn.execute_batch(sql).unwrap();
            }
            run_raw(&conn, n)
        }
        _ => {
            let mut conn = blocking::Connection::open("sqlite::memory:").unwrap();
            conn.set_isolation_level(IsolationLevel::Autocommit)
                .unwrap();
            for sql in SETUP {
                conn.execute(&text(sql)).unwrap();
            }
            run_blocking(&mut conn, n)
        }
    };
    println!("{mode}: {total}");
}
