//! Executing statements: aludel's engine against the raw drivers and diesel, in one run,
//! on the schema and scenario names of Diesel's benchmark suite (users; trivial query =
//! load N users, insert N users) plus a point select by primary key.
//!
//! Contenders, per backend:
//! - SQLite (in memory, 10,000 users): raw rusqlite (`prepare_cached`), aludel blocking,
//!   aludel async (current-thread runtime, connection on its own thread), diesel.
//! - PostgreSQL (`ALUDEL_TEST_POSTGRES_URL`, skipped when unset): raw tokio-postgres
//!   (prepared statements, same current-thread runtime), aludel async, diesel (libpq).
//!
//! Every contender runs in autocommit mode (aludel with `IsolationLevel::Autocommit`),
//! and insert runs empty the table before every batch (not timed), so every contender
//! sees the same table. Ratios are of criterion's means, against the raw driver and
//! against diesel.
//!
//! Run: `cargo bench -p aludel-benches --bench engine` (add `-- --warm-up-time 1
//! --measurement-time 3` for a quicker run).

// One connection per contender, borrowed for one operation at a time on a
// current-thread runtime: a RefCell borrow across an await cannot conflict here.
#![allow(clippy::await_holding_refcell_ref)]

use std::cell::{Cell, RefCell};
use std::hint::black_box;

use aludel::prelude::*;
use aludel_benches::criterion_mean_ns;
use aludel_engine::{Engine, IsolationLevel, blocking};
use criterion::{BatchSize, Criterion};

#[derive(Table)]
#[aludel(name = "aludel_bench_users", ident = "users")]
#[allow(dead_code)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    hair_color: Option<String>,
}

#[derive(Table)]
#[aludel(name = "aludel_bench_insert_users", ident = "insert_users")]
#[allow(dead_code)]
struct InsertUsers {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    hair_color: Option<String>,
}

mod dsl {
    diesel::table! {
        aludel_bench_users (id) {
            id -> Int8,
            name -> Text,
            hair_color -> Nullable<Text>,
        }
    }
    diesel::table! {
        aludel_bench_insert_users (id) {
            id -> Int8,
            name -> Text,
            hair_color -> Nullable<Text>,
        }
    }
}

type UserRow = (i64, String, Option<String>);

const USERS: i64 = 10_000;
const SCANS: [i64; 3] = [1, 100, 10_000];
const INSERTS: [usize; 2] = [1, 100];

fn schema(serial: &str) -> Vec<String> {
    vec![
        "DROP TABLE IF EXISTS aludel_bench_users".into(),
        "DROP TABLE IF EXISTS aludel_bench_insert_users".into(),
        "CREATE TABLE aludel_bench_users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)".into(),
        format!("CREATE TABLE aludel_bench_insert_users (id {serial} PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT)"),
    ]
}

fn seed() -> Vec<String> {
    (0..USERS / 500)
        .map(|b| {
            let rows: Vec<String> = (b * 500 + 1..=b * 500 + 500)
                .map(|i| {
                    let hair = if i % 2 == 0 { "'black'" } else { "NULL" };
                    format!("({i}, 'User {i}', {hair})")
                })
                .collect();
            format!(
                "INSERT INTO aludel_bench_users (id, name, hair_color) VALUES {}",
                rows.join(", ")
            )
        })
        .collect()
}

fn new_users(n: usize) -> Vec<(String, Option<String>)> {
    (0..n)
        .map(|i| {
            (
                format!("User {i}"),
                (i % 2 == 0).then(|| "black".to_owned()),
            )
        })
        .collect()
}

fn aludel_point(id: i64) -> Select<UserRow> {
    select((users::id, users::name, users::hair_color)).where_(users::id.eq(id))
}

fn aludel_scan(n: i64) -> Select<UserRow> {
    select((users::id, users::name, users::hair_color)).where_(users::id.le(n))
}

fn aludel_insert(rows: &[(String, Option<String>)]) -> Insert {
    insert(insert_users::table).values_many(rows.iter().map(|(n, h)| {
        (
            insert_users::name.set(n.as_str()),
            insert_users::hair_color.set(h.clone()),
        )
    }))
}

/// Cycles through the user ids, so point selects do not hit one row only.
fn next_id(c: &Cell<i64>) -> i64 {
    let id = c.get() % USERS + 1;
    c.set(id);
    id
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn sqlite(c: &mut Criterion) {
    use diesel::prelude::*;
    use dsl::aludel_bench_insert_users as di;
    use dsl::aludel_bench_users as du;

    let setup = |exec: &mut dyn FnMut(&str)| {
        for sql in schema("INTEGER").iter().chain(seed().iter()) {
            exec(sql);
        }
    };
    let raw = rusqlite::Connection::open_in_memory().unwrap();
    setup(&mut |sql| raw.execute_batch(sql).unwrap());
    let mut blk = blocking::Connection::open("sqlite::memory:").unwrap();
    blk.set_isolation_level(IsolationLevel::Autocommit).unwrap();
    setup(&mut |sql| {
        blk.execute(&text(sql.to_owned())).unwrap();
    });
    let mut die = diesel::SqliteConnection::establish(":memory:").unwrap();
    setup(&mut |sql| {
        diesel::sql_query(sql).execute(&mut die).unwrap();
    });
    let rt = rt();
    let engine = rt.block_on(async {
        Engine::builder("sqlite::memory:")
            .isolation_level(IsolationLevel::Autocommit)
            .build()
            .await
            .unwrap()
    });
    let mut asy = rt.block_on(engine.connect()).unwrap();
    rt.block_on(async {
        for sql in schema("INTEGER").iter().chain(seed().iter()) {
            asy.execute(&text(sql.clone())).await.unwrap();
        }
    });

    let (raw, blk, die, asy) = (
        RefCell::new(raw),
        RefCell::new(blk),
        RefCell::new(die),
        RefCell::new(asy),
    );
    let id = Cell::new(0);
    let mut g = c.benchmark_group("sqlite_point_select");
    g.bench_function("rusqlite", |b| {
        b.iter(|| {
            let raw = raw.borrow();
            let mut st = raw
                .prepare_cached("SELECT id, name, hair_color FROM aludel_bench_users WHERE id = ?1")
                .unwrap();
            let row: UserRow = st
                .query_row([next_id(&id)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap();
            black_box(row)
        })
    });
    g.bench_function("aludel_blocking", |b| {
        b.iter(|| {
            let row: UserRow = blk
                .borrow_mut()
                .execute(&aludel_point(next_id(&id)))
                .unwrap()
                .one()
                .unwrap();
            black_box(row)
        })
    });
    g.bench_function("aludel_async", |b| {
        b.iter(|| {
            let row: UserRow = rt.block_on(async {
                asy.borrow_mut()
                    .execute(&aludel_point(next_id(&id)))
                    .await
                    .unwrap()
                    .one()
                    .unwrap()
            });
            black_box(row)
        })
    });
    g.bench_function("diesel", |b| {
        b.iter(|| {
            let row: UserRow = du::table
                .find(next_id(&id))
                .first(&mut *die.borrow_mut())
                .unwrap();
            black_box(row)
        })
    });
    g.finish();

    for n in SCANS {
        let mut g = c.benchmark_group(format!("sqlite_trivial_query_{n}"));
        g.bench_function("rusqlite", |b| {
            b.iter(|| {
                let raw = raw.borrow();
                let mut st = raw
                    .prepare_cached(
                        "SELECT id, name, hair_color FROM aludel_bench_users WHERE id <= ?1",
                    )
                    .unwrap();
                let rows: Vec<UserRow> = st
                    .query_map([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                black_box(rows)
            })
        });
        g.bench_function("aludel_blocking", |b| {
            b.iter(|| {
                let rows: Vec<UserRow> = blk
                    .borrow_mut()
                    .execute(&aludel_scan(n))
                    .unwrap()
                    .all()
                    .unwrap();
                black_box(rows)
            })
        });
        g.bench_function("aludel_async", |b| {
            b.iter(|| {
                let rows: Vec<UserRow> = rt.block_on(async {
                    asy.borrow_mut()
                        .execute(&aludel_scan(n))
                        .await
                        .unwrap()
                        .all()
                        .unwrap()
                });
                black_box(rows)
            })
        });
        g.bench_function("diesel", |b| {
            b.iter(|| {
                let rows: Vec<UserRow> = du::table
                    .filter(du::id.le(n))
                    .load(&mut *die.borrow_mut())
                    .unwrap();
                black_box(rows)
            })
        });
        g.finish();
    }

    for n in INSERTS {
        let rows = new_users(n);
        let mut g = c.benchmark_group(format!("sqlite_insert_{n}"));
        let raw_sql = format!(
            "INSERT INTO aludel_bench_insert_users (name, hair_color) VALUES {}",
            vec!["(?, ?)"; n].join(", ")
        );
        g.bench_function("rusqlite", |b| {
            b.iter_batched(
                || {
                    raw.borrow()
                        .execute_batch("DELETE FROM aludel_bench_insert_users")
                        .unwrap()
                },
                |()| {
                    let raw = raw.borrow();
                    let mut st = raw.prepare_cached(&raw_sql).unwrap();
                    let params: Vec<&dyn rusqlite::ToSql> = rows
                        .iter()
                        .flat_map(|(n, h)| [n as &dyn rusqlite::ToSql, h as &dyn rusqlite::ToSql])
                        .collect();
                    black_box(st.execute(params.as_slice()).unwrap())
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function("aludel_blocking", |b| {
            b.iter_batched(
                || {
                    blk.borrow_mut()
                        .execute(&text("DELETE FROM aludel_bench_insert_users"))
                        .unwrap();
                },
                |()| black_box(blk.borrow_mut().execute(&aludel_insert(&rows)).unwrap()),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("aludel_async", |b| {
            b.iter_batched(
                || {
                    rt.block_on(
                        asy.borrow_mut()
                            .execute(&text("DELETE FROM aludel_bench_insert_users")),
                    )
                    .unwrap();
                },
                |()| {
                    black_box(
                        rt.block_on(asy.borrow_mut().execute(&aludel_insert(&rows)))
                            .unwrap(),
                    )
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function("diesel", |b| {
            b.iter_batched(
                || {
                    diesel::delete(di::table)
                        .execute(&mut *die.borrow_mut())
                        .unwrap();
                },
                |()| {
                    let values: Vec<_> = rows
                        .iter()
                        .map(|(n, h)| (di::name.eq(n), di::hair_color.eq(h)))
                        .collect();
                    black_box(
                        diesel::insert_into(di::table)
                            .values(&values)
                            .execute(&mut *die.borrow_mut())
                            .unwrap(),
                    )
                },
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }
}

fn postgres(c: &mut Criterion, url: &str) {
    use diesel::prelude::*;
    use dsl::aludel_bench_insert_users as di;
    use dsl::aludel_bench_users as du;

    let rt = rt();
    let engine = rt.block_on(async {
        Engine::builder(url)
            .isolation_level(IsolationLevel::Autocommit)
            .max_size(1)
            .build()
            .await
            .unwrap()
    });
    let mut asy = rt.block_on(engine.connect()).unwrap();
    rt.block_on(async {
        for sql in schema("BIGSERIAL").iter().chain(seed().iter()) {
            asy.execute(&text(sql.clone())).await.unwrap();
        }
        asy.execute(&text("ANALYZE aludel_bench_users"))
            .await
            .unwrap();
    });
    let raw = rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
    });
    let point = rt
        .block_on(raw.prepare("SELECT id, name, hair_color FROM aludel_bench_users WHERE id = $1"))
        .unwrap();
    let scan = rt
        .block_on(raw.prepare("SELECT id, name, hair_color FROM aludel_bench_users WHERE id <= $1"))
        .unwrap();
    let mut die = diesel::PgConnection::establish(url).unwrap();
    let die_ref = &mut die;
    let (die, asy) = (RefCell::new(die_ref), RefCell::new(asy));
    let id = Cell::new(0);

    let mut g = c.benchmark_group("postgres_point_select");
    g.bench_function("tokio_postgres", |b| {
        b.iter(|| {
            let row = rt
                .block_on(raw.query_one(&point, &[&next_id(&id)]))
                .unwrap();
            let row: UserRow = (row.get(0), row.get(1), row.get(2));
            black_box(row)
        })
    });
    g.bench_function("aludel_async", |b| {
        b.iter(|| {
            let row: UserRow = rt.block_on(async {
                asy.borrow_mut()
                    .execute(&aludel_point(next_id(&id)))
                    .await
                    .unwrap()
                    .one()
                    .unwrap()
            });
            black_box(row)
        })
    });
    g.bench_function("diesel", |b| {
        b.iter(|| {
            let row: UserRow = du::table
                .find(next_id(&id))
                .first(&mut **die.borrow_mut())
                .unwrap();
            black_box(row)
        })
    });
    g.finish();

    for n in SCANS {
        let mut g = c.benchmark_group(format!("postgres_trivial_query_{n}"));
        g.bench_function("tokio_postgres", |b| {
            b.iter(|| {
                let rows: Vec<UserRow> = rt
                    .block_on(raw.query(&scan, &[&n]))
                    .unwrap()
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect();
                black_box(rows)
            })
        });
        g.bench_function("aludel_async", |b| {
            b.iter(|| {
                let rows: Vec<UserRow> = rt.block_on(async {
                    asy.borrow_mut()
                        .execute(&aludel_scan(n))
                        .await
                        .unwrap()
                        .all()
                        .unwrap()
                });
                black_box(rows)
            })
        });
        g.bench_function("diesel", |b| {
            b.iter(|| {
                let rows: Vec<UserRow> = du::table
                    .filter(du::id.le(n))
                    .load(&mut **die.borrow_mut())
                    .unwrap();
                black_box(rows)
            })
        });
        g.finish();
    }

    for n in INSERTS {
        let rows = new_users(n);
        let raw_sql = format!(
            "INSERT INTO aludel_bench_insert_users (name, hair_color) VALUES {}",
            (0..n)
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let ins = rt.block_on(raw.prepare(&raw_sql)).unwrap();
        let truncate = "TRUNCATE aludel_bench_insert_users";
        let mut g = c.benchmark_group(format!("postgres_insert_{n}"));
        g.bench_function("tokio_postgres", |b| {
            b.iter_batched(
                || rt.block_on(raw.batch_execute(truncate)).unwrap(),
                |()| {
                    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = rows
                        .iter()
                        .flat_map(|(n, h)| {
                            [
                                n as &(dyn tokio_postgres::types::ToSql + Sync),
                                h as &(dyn tokio_postgres::types::ToSql + Sync),
                            ]
                        })
                        .collect();
                    black_box(rt.block_on(raw.execute(&ins, &params)).unwrap())
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function("aludel_async", |b| {
            b.iter_batched(
                || {
                    rt.block_on(asy.borrow_mut().execute(&text(truncate)))
                        .unwrap();
                },
                |()| {
                    black_box(
                        rt.block_on(asy.borrow_mut().execute(&aludel_insert(&rows)))
                            .unwrap(),
                    )
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function("diesel", |b| {
            b.iter_batched(
                || {
                    diesel::sql_query(truncate)
                        .execute(&mut **die.borrow_mut())
                        .unwrap();
                },
                |()| {
                    let values: Vec<_> = rows
                        .iter()
                        .map(|(n, h)| (di::name.eq(n), di::hair_color.eq(h)))
                        .collect();
                    black_box(
                        diesel::insert_into(di::table)
                            .values(&values)
                            .execute(&mut **die.borrow_mut())
                            .unwrap(),
                    )
                },
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }
    rt.block_on(async {
        let mut c = asy.borrow_mut();
        for sql in &schema("BIGSERIAL")[..2] {
            c.execute(&text(sql.clone())).await.unwrap();
        }
    });
}

fn report() {
    println!("\nratios of criterion means (lower is faster); targets from issue 3");
    println!(
        "{:<28} {:<16} {:>12} {:>10} {:>10}",
        "scenario", "contender", "mean", "/ raw", "/ diesel"
    );
    let mut groups: Vec<(String, &str)> = vec![("sqlite_point_select".into(), "rusqlite")];
    groups.extend(
        SCANS
            .iter()
            .map(|n| (format!("sqlite_trivial_query_{n}"), "rusqlite")),
    );
    groups.extend(
        INSERTS
            .iter()
            .map(|n| (format!("sqlite_insert_{n}"), "rusqlite")),
    );
    groups.push(("postgres_point_select".into(), "tokio_postgres"));
    groups.extend(
        SCANS
            .iter()
            .map(|n| (format!("postgres_trivial_query_{n}"), "tokio_postgres")),
    );
    groups.extend(
        INSERTS
            .iter()
            .map(|n| (format!("postgres_insert_{n}"), "tokio_postgres")),
    );
    for (g, raw) in groups {
        let Some(base) = criterion_mean_ns(&g, raw) else {
            continue;
        };
        let diesel = criterion_mean_ns(&g, "diesel");
        for id in [raw, "aludel_blocking", "aludel_async", "diesel"] {
            let Some(m) = criterion_mean_ns(&g, id) else {
                continue;
            };
            let pretty = if m >= 1e6 {
                format!("{:.2} ms", m / 1e6)
            } else {
                format!("{:.2} us", m / 1e3)
            };
            println!(
                "{:<28} {:<16} {:>12} {:>9.2}x {:>9}",
                g,
                id,
                pretty,
                m / base,
                diesel.map_or("-".into(), |d| format!("{:.2}x", m / d))
            );
        }
    }
    println!(
        "\ntargets: SQLite blocking point select <= 1.2x rusqlite, 10k scan <= 1.1x; async SQLite point select <= 10x rusqlite;\n\
         PostgreSQL point select <= 1.05x tokio-postgres, 10k scan <= 1.10x, insert 100 no slower than diesel"
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    sqlite(&mut c);
    match std::env::var("ALUDEL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => postgres(&mut c, &url),
        _ => println!("SKIP postgres: ALUDEL_TEST_POSTGRES_URL is not set"),
    }
    c.final_summary();
    report();
}
