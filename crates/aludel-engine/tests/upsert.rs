//! Upserts executed on every backend: insert-or-update and do-nothing, the proposed row
//! (`excluded`), the update's condition, client `onupdate` values, and the returned row
//! where the dialect has RETURNING. Each family's form runs on its own databases:
//! `on_conflict` on PostgreSQL and SQLite, `on_duplicate_key_update` on MySQL / MariaDB.

mod common;

use aludel::prelude::*;
use aludel_engine::Connection;
use common::{Db, backends, rt};

#[derive(Table)]
#[aludel(name = "eng_counters", ident = "counters")]
struct Counters {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 40)]
    name: String,
    hits: i32,
    #[aludel(length = 20, onupdate = "touched", server_default = "'new'")]
    state: String,
}

async fn setup(db: &Db) -> Connection {
    let mut c = db.engine.connect().await.unwrap();
    c.execute(&text("DROP TABLE IF EXISTS eng_counters"))
        .await
        .unwrap();
    c.execute(&text(
        "CREATE TABLE eng_counters (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE, \
         hits INTEGER NOT NULL, state VARCHAR(20) NOT NULL DEFAULT 'new')",
    ))
    .await
    .unwrap();
    c.execute(&insert(counters::table).values((
        counters::id.set(1),
        counters::name.set("home"),
        counters::hits.set(10),
        counters::state.set("new"),
    )))
    .await
    .unwrap();
    c.commit().await.unwrap();
    c
}

fn rows() -> Select<(i64, String, i32, String)> {
    select((
        counters::id,
        counters::name,
        counters::hits,
        counters::state,
    ))
    .order_by(counters::id)
}

fn hit(id: i64, name: &str, hits: i32) -> aludel::Insert {
    insert(counters::table).values((
        counters::id.set(id),
        counters::name.set(name.to_owned()),
        counters::hits.set(hits),
    ))
}

/// `row` as the dialect's upsert that adds the proposed hits to the existing ones.
fn adding_hits(c: &Connection, row: aludel::Insert) -> aludel::Insert {
    let add = counters::hits.set(counters::hits + excluded(counters::hits));
    if on_conflict_family(c) {
        row.on_conflict(counters::id).do_update(add)
    } else {
        row.on_duplicate_key_update(add)
    }
}

/// The dialect's upsert of `hit(..)` that adds the proposed hits to the existing ones.
fn bump(c: &Connection, id: i64, name: &str, hits: i32) -> aludel::Insert {
    adding_hits(c, hit(id, name, hits))
}

/// The table's rows, by id.
async fn table_rows(c: &mut Connection) -> Vec<(i64, String, i32, String)> {
    c.execute(&rows()).await.unwrap().all().unwrap()
}

fn on_conflict_family(c: &Connection) -> bool {
    matches!(
        c.dialect().kind(),
        aludel::dialect::DialectKind::Postgres | aludel::dialect::DialectKind::Sqlite
    )
}

#[test]
fn insert_or_update_on_every_backend() {
    rt().block_on(async {
        for db in backends("upsert_update", 1).await {
            let who = db.name;
            let mut c = setup(&db).await;
            // A conflict updates the existing row: existing + proposed, client onupdate set.
            let s = bump(&c, 1, "home", 5);
            c.execute(&s).await.unwrap();
            // No conflict inserts.
            let s = bump(&c, 2, "about", 1);
            c.execute(&s).await.unwrap();
            let got = table_rows(&mut c).await;
            assert_eq!(
                got,
                [
                    (1, "home".to_owned(), 15, "touched".to_owned()),
                    (2, "about".to_owned(), 1, "new".to_owned()),
                ],
                "{who}"
            );
            c.commit().await.unwrap();
        }
    });
}

#[test]
fn do_nothing_and_conditions_on_postgres_and_sqlite() {
    rt().block_on(async {
        for db in backends("upsert_nothing", 1).await {
            let who = db.name;
            let mut c = setup(&db).await;
            if !on_conflict_family(&c) {
                // MySQL / MariaDB have no DO NOTHING; the compiler says so.
                let err = c
                    .execute(&hit(1, "home", 1).on_conflict(counters::id).do_nothing())
                    .await
                    .unwrap_err();
                assert!(err.to_string().contains("ON CONFLICT"), "{who}: {err}");
                c.rollback().await.unwrap();
                continue;
            }
            // A conflict on the primary key, then on the unique name: both skipped.
            let r = c
                .execute(&hit(1, "other", 1).on_conflict(counters::id).do_nothing())
                .await
                .unwrap();
            assert_eq!(r.rows_affected(), 0, "{who}");
            let r = c
                .execute(&hit(3, "home", 1).on_any_conflict().do_nothing())
                .await
                .unwrap();
            assert_eq!(r.rows_affected(), 0, "{who}");
            // A false condition leaves the conflicting row alone; a true one updates it.
            let guarded = |limit: i32| {
                hit(1, "home", 100)
                    .on_conflict(counters::id)
                    .do_update(counters::hits.set(excluded(counters::hits)))
                    .where_(counters::hits.lt(limit))
            };
            let r = c.execute(&guarded(5)).await.unwrap();
            assert_eq!(r.rows_affected(), 0, "{who}");
            let r = c.execute(&guarded(50)).await.unwrap();
            assert_eq!(r.rows_affected(), 1, "{who}");
            // The target may be another unique column; RETURNING gives the row as updated.
            let back: Vec<(i64, i32, String)> = c
                .execute(
                    &hit(9, "home", 1)
                        .on_conflict(counters::name)
                        .do_update(counters::hits.set(counters::hits + 1))
                        .returning((counters::id, counters::hits, counters::state)),
                )
                .await
                .unwrap()
                .all()
                .unwrap();
            assert_eq!(back, [(1, 101, "touched".to_owned())], "{who}");
            let got = table_rows(&mut c).await;
            assert_eq!(
                got,
                [(1, "home".to_owned(), 101, "touched".to_owned())],
                "{who}"
            );
            c.commit().await.unwrap();
        }
    });
}

#[test]
fn duplicate_key_update_returning_on_mariadb() {
    rt().block_on(async {
        for db in backends("upsert_returning", 1).await {
            let who = db.name;
            let mut c = setup(&db).await;
            let s = bump(&c, 1, "home", 2).returning((counters::id, counters::hits));
            let d = c.dialect();
            if !d.supports(aludel::dialect::Feature::InsertReturning) {
                // MySQL: no RETURNING; a compile error, not a silently dropped clause.
                assert!(c.execute(&s).await.is_err(), "{who}");
                c.rollback().await.unwrap();
                continue;
            }
            let back: Vec<(i64, i32)> = c.execute(&s).await.unwrap().all().unwrap();
            assert_eq!(back, [(1, 12)], "{who}");
            c.commit().await.unwrap();
        }
    });
}

/// `execute_many` of an upsert that updates: two sets conflicting on the same key are
/// applied one after the other (PostgreSQL refuses that inside one multi-row ON CONFLICT
/// DO UPDATE, so those are not batched), and the final row shows both.
#[test]
fn execute_many_upserts_with_repeated_keys() {
    rt().block_on(async {
        for db in backends("upsert_many", 1).await {
            let who = db.name;
            let mut c = setup(&db).await;
            let one = adding_hits(
                &c,
                insert(counters::table).values((
                    counters::id.set(bindparam::<i64>("id")),
                    counters::name.set(bindparam::<String>("name")),
                    counters::hits.set(bindparam::<i32>("hits")),
                )),
            );
            let st = one.compile_statement(&c.dialect()).unwrap();
            // Never one multi-row statement: ON CONFLICT DO UPDATE refuses two rows on
            // one key, and the client `onupdate` (state) is computed per row.
            assert!(!st.batchable(), "{who}");
            let sets: Vec<Params> = [
                (1, "home", 1),
                (5, "five", 2),
                (1, "home", 3),
                (5, "five", 4),
            ]
            .into_iter()
            .map(|(id, name, hits)| {
                Params::new()
                    .set("id", id as i64)
                    .set("name", name)
                    .set("hits", hits)
            })
            .collect();
            c.execute_many(&one, &sets).await.unwrap();
            let got = table_rows(&mut c).await;
            assert_eq!(
                got,
                [
                    (1, "home".to_owned(), 14, "touched".to_owned()),
                    (5, "five".to_owned(), 6, "touched".to_owned()),
                ],
                "{who}"
            );
            c.rollback().await.unwrap();
        }
    });
}
