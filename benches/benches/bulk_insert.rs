//! Inserting 10,000 rows with their primary keys returned, on SQLite and PostgreSQL:
//! aludel's `execute_many` (multi-row INSERTs with RETURNING, in batches) against
//! aludel one row at a time and the fastest raw-driver approach written here
//! (SQLite: one prepared `INSERT ... RETURNING id` stepped per row in one transaction;
//! PostgreSQL: one `INSERT ... SELECT * FROM UNNEST($1, $2) RETURNING id`). Every run
//! empties the table first (not timed) and commits one transaction.
//!
//! Run: `cargo bench -p aludel-benches --bench bulk_insert` (PostgreSQL needs
//! `ALUDEL_TEST_POSTGRES_URL`; without it only SQLite runs).

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;

use aludel::prelude::*;
use aludel_benches::criterion_mean_ns;
use aludel_engine::{Connection, Engine};
use criterion::{BatchSize, Criterion};

const ROWS: usize = 10_000;

#[derive(Table)]
#[aludel(name = "aludel_bench_bulk", ident = "bulk")]
#[allow(dead_code)]
struct Bulk {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    n: i32,
}

fn names() -> Vec<String> {
    (0..ROWS).map(|i| format!("name {i}")).collect()
}

fn sets() -> Vec<Params> {
    (0..ROWS)
        .map(|i| {
            Params::new()
                .set("name", format!("name {i}"))
                .set("n", i as i64 as i32)
        })
        .collect()
}

fn one_row() -> aludel::Insert {
    insert(bulk::table)
        .values((
            bulk::name.set(bindparam::<String>("name")),
            bulk::n.set(bindparam::<i32>("n")),
        ))
        .return_defaults()
}

/// aludel: every row through `execute_many`, keys read back.
async fn aludel_many(c: &mut Connection, sets: &[Params]) -> usize {
    let r = c.execute_many(&one_row(), sets).await.unwrap();
    let n = r.returned_defaults_rows().len();
    c.commit().await.unwrap();
    n
}

/// aludel: one INSERT per row (each built afresh), keys read back.
async fn aludel_each(c: &mut Connection, names: &[String]) -> usize {
    let mut n = 0;
    for (i, name) in names.iter().enumerate() {
        let s = insert(bulk::table)
            .values((bulk::name.set(name.as_str()), bulk::n.set(i as i32)))
            .return_defaults();
        let r = c.execute(&s).await.unwrap();
        n += usize::from(r.inserted_primary_key().is_some());
    }
    c.commit().await.unwrap();
    n
}

/// Runs `sqls` and commits.
async fn run_sql(c: &mut Connection, sqls: &[&'static str]) {
    for sql in sqls {
        c.execute(&text(*sql)).await.unwrap();
    }
    c.commit().await.unwrap();
}

/// The raw PostgreSQL contender: one UNNEST INSERT of every row, keys returned.
async fn pg_unnest(
    cl: &mut tokio_postgres::Client,
    st: &tokio_postgres::Statement,
    names: &[String],
    ns: &[i32],
) -> usize {
    let tx = cl.transaction().await.unwrap();
    let rows = tx.query(st, &[&names, &ns]).await.unwrap();
    tx.commit().await.unwrap();
    rows.len()
}

/// aludel's two contenders, each on a table emptied by `empty` (not timed).
fn bench_aludel(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    conn: &RefCell<Connection>,
    empty: &dyn Fn(),
    sets: &[Params],
    names: &[String],
) {
    g.bench_function("aludel_execute_many", |b| {
        b.iter_batched(
            empty,
            |()| black_box(rt.block_on(aludel_many(&mut conn.borrow_mut(), sets))),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("aludel_row_at_a_time", |b| {
        b.iter_batched(
            empty,
            |()| black_box(rt.block_on(aludel_each(&mut conn.borrow_mut(), names))),
            BatchSize::PerIteration,
        )
    });
}

struct Group {
    name: &'static str,
    raw: &'static str,
}

fn report(groups: &[Group]) {
    println!(
        "\n{:<22} {:<22} {:>10} {:>8} {:>16}",
        "group", "contender", "mean (ms)", "/ raw", "/ row-at-a-time"
    );
    for g in groups {
        let mean = |id: &str| criterion_mean_ns(g.name, id);
        let (raw, each) = (mean(g.raw), mean("aludel_row_at_a_time"));
        for id in ["aludel_execute_many", "aludel_row_at_a_time", g.raw] {
            let Some(m) = mean(id) else { continue };
            let ratio = |b: Option<f64>| b.map_or("-".to_owned(), |b| format!("{:.2}x", m / b));
            println!(
                "{:<22} {:<22} {:>10.2} {:>8} {:>16}",
                g.name,
                id,
                m / 1e6,
                ratio(raw),
                ratio(each)
            );
        }
    }
    println!(
        "targets: aludel_execute_many <= 1.3x raw on both; >= 10x faster than row-at-a-time on PostgreSQL"
    );
}

fn main() {
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    let rt = Rc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    );
    let names = names();
    let sets = sets();
    let mut groups = Vec::new();

    // SQLite, in memory.
    {
        let engine = rt.block_on(Engine::open("sqlite::memory:")).unwrap();
        let conn = Rc::new(RefCell::new(rt.block_on(engine.connect()).unwrap()));
        rt.block_on(run_sql(
            &mut conn.borrow_mut(),
            &["CREATE TABLE aludel_bench_bulk (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL)"],
        ));
        let empty = || {
            rt.block_on(run_sql(
                &mut conn.borrow_mut(),
                &["DELETE FROM aludel_bench_bulk"],
            ))
        };
        let raw = rusqlite::Connection::open_in_memory().unwrap();
        raw.execute_batch("CREATE TABLE aludel_bench_bulk (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL)")
            .unwrap();
        let mut g = c.benchmark_group("sqlite_insert_10000");
        bench_aludel(&mut g, &rt, &conn, &empty, &sets, &names);
        g.bench_function("rusqlite_prepared", |b| {
            b.iter_batched(
                || raw.execute_batch("DELETE FROM aludel_bench_bulk").unwrap(),
                |()| {
                    let tx = raw.unchecked_transaction().unwrap();
                    let mut ids = Vec::with_capacity(ROWS);
                    {
                        let mut st = tx
                            .prepare_cached("INSERT INTO aludel_bench_bulk (name, n) VALUES (?1, ?2) RETURNING id")
                            .unwrap();
                        for (i, name) in names.iter().enumerate() {
                            ids.push(st.query_row((name, i as i32), |r| r.get::<_, i64>(0)).unwrap());
                        }
                    }
                    tx.commit().unwrap();
                    black_box(ids.len())
                },
                BatchSize::PerIteration,
            )
        });
        g.finish();
        groups.push(Group {
            name: "sqlite_insert_10000",
            raw: "rusqlite_prepared",
        });
    }

    // PostgreSQL.
    match std::env::var("ALUDEL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let engine = rt
                .block_on(Engine::builder(&url).max_size(1).build())
                .unwrap();
            let conn = Rc::new(RefCell::new(rt.block_on(engine.connect()).unwrap()));
            let ddl = [
                "DROP TABLE IF EXISTS aludel_bench_bulk",
                "CREATE TABLE aludel_bench_bulk (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL)",
            ];
            rt.block_on(run_sql(&mut conn.borrow_mut(), &ddl));
            let empty = || {
                rt.block_on(run_sql(
                    &mut conn.borrow_mut(),
                    &["TRUNCATE aludel_bench_bulk RESTART IDENTITY"],
                ))
            };
            let (client, pg_conn) = rt
                .block_on(tokio_postgres::connect(&url, tokio_postgres::NoTls))
                .unwrap();
            rt.spawn(pg_conn);
            let client = Rc::new(RefCell::new(client));
            let unnest = rt
                .block_on(client.borrow().prepare(
                    "INSERT INTO aludel_bench_bulk (name, n) SELECT * FROM UNNEST($1::TEXT[], $2::INT4[]) RETURNING id",
                ))
                .unwrap();
            let ns: Vec<i32> = (0..ROWS as i32).collect();
            let mut g = c.benchmark_group("postgres_insert_10000");
            bench_aludel(&mut g, &rt, &conn, &empty, &sets, &names);
            g.bench_function("tokio_postgres_unnest", |b| {
                b.iter_batched(
                    empty,
                    |()| {
                        black_box(rt.block_on(pg_unnest(
                            &mut client.borrow_mut(),
                            &unnest,
                            &names,
                            &ns,
                        )))
                    },
                    BatchSize::PerIteration,
                )
            });
            g.finish();
            groups.push(Group {
                name: "postgres_insert_10000",
                raw: "tokio_postgres_unnest",
            });
        }
        _ => println!("SKIP postgres: ALUDEL_TEST_POSTGRES_URL is not set"),
    }
    c.final_summary();
    report(&groups);
}
