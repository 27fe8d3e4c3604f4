//! Core statements executed through the engine on every backend: typed rows, IN lists
//! (one array parameter on PostgreSQL, expanded elsewhere), named parameters, NULLs,
//! affected-row counts, and the compiled-statement cache.

mod common;

use aludel::FromRow;
use aludel::prelude::*;
use aludel::value::Date;
use aludel_engine::Connection;
use common::{Db, backends, rt};

#[derive(Table)]
#[aludel(name = "eng_items", ident = "items")]
struct Items {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 50)]
    name: String,
    score: f64,
    active: bool,
    note: Option<String>,
    born: Option<Date>,
}

#[derive(FromRow, Debug, PartialEq)]
struct Item {
    id: i64,
    #[aludel(rename = "name")]
    label: String,
    note: Option<String>,
}

#[derive(FromRow, Debug)]
struct Strict {
    #[allow(dead_code)]
    note: String,
}

async fn setup(db: &Db) -> Connection {
    let mut c = db.engine.connect().await.unwrap();
    c.execute(&text("DROP TABLE IF EXISTS eng_items"))
        .await
        .unwrap();
    c.execute(&text(
        "CREATE TABLE eng_items (id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL, \
         score DOUBLE PRECISION NOT NULL, active BOOLEAN NOT NULL, note TEXT, born DATE)",
    ))
    .await
    .unwrap();
    c.commit().await.unwrap();
    c
}

#[test]
fn typed_statements_on_every_backend() {
    rt().block_on(async {
        for db in backends("statements", 2).await {
            let who = db.name;
            let mut c = setup(&db).await;
            let born = Date::new(1990, 5, 17).unwrap();
            let r = c
                .execute(&insert(items::table).values_many([
                    (
                        items::id.set(1),
                        items::name.set("ed"),
                        items::score.set(1.0),
                        items::active.set(true),
                        items::note.set(None::<String>),
                        items::born.set(Some(born)),
                    ),
                    (
                        items::id.set(2),
                        items::name.set("wendy"),
                        items::score.set(2.5),
                        items::active.set(false),
                        items::note.set(Some("it's \"quoted\"".to_owned())),
                        items::born.set(None::<Date>),
                    ),
                    (
                        items::id.set(3),
                        items::name.set("mary"),
                        items::score.set(3.5),
                        items::active.set(true),
                        items::note.set(None::<String>),
                        items::born.set(None::<Date>),
                    ),
                ]))
                .await
                .unwrap();
            assert_eq!(r.rows_affected(), 3, "{who}");

            let stmt = select((items::id, items::name))
                .where_(items::score.gt(1.5))
                .order_by(items::id.asc());
            let rows: Vec<(i64, String)> = c.execute(&stmt).await.unwrap().all().unwrap();
            assert_eq!(rows, [(2, "wendy".into()), (3, "mary".into())], "{who}");

            let names: Vec<String> = c
                .execute(
                    &select(items::name)
                        .where_(items::id.in_([1, 3]))
                        .order_by(items::id.asc()),
                )
                .await
                .unwrap()
                .scalars()
                .unwrap();
            assert_eq!(names, ["ed", "mary"], "{who}");
            let none: Vec<String> = c
                .execute(&select(items::name).where_(items::id.in_(Vec::<i64>::new())))
                .await
                .unwrap()
                .scalars()
                .unwrap();
            assert!(none.is_empty(), "{who}");

            let (active, b, note): (bool, Option<Date>, Option<String>) = c
                .execute(&select((items::active, items::born, items::note)).where_(items::id.eq(1)))
                .await
                .unwrap()
                .one()
                .unwrap();
            assert_eq!((active, b, note), (true, Some(born), None), "{who}");

            let quoted: Option<String> = c
                .execute(&select(items::note).where_(items::id.eq(2)))
                .await
                .unwrap()
                .scalar()
                .unwrap()
                .flatten();
            assert_eq!(quoted.as_deref(), Some("it's \"quoted\""), "{who}");

            let all: Vec<Item> = c
                .execute(&select((items::id, items::name, items::note)).order_by(items::id.asc()))
                .await
                .unwrap()
                .all()
                .unwrap();
            assert_eq!(
                all[1],
                Item {
                    id: 2,
                    label: "wendy".into(),
                    note: Some("it's \"quoted\"".into())
                },
                "{who}"
            );
            let e = c
                .execute(&select(items::note).where_(items::id.eq(1)))
                .await
                .unwrap()
                .one::<Strict>()
                .unwrap_err();
            assert_eq!(
                e.to_string(),
                "cannot decode column note: expected text, found NULL",
                "{who}"
            );

            let by_name = select(items::name).where_(items::id.eq(bindparam::<i64>("id")));
            let hits = db.engine.statement_cache().hits();
            for (id, want) in [(1i64, "ed"), (2, "wendy")] {
                let got: String = c
                    .execute_with(&by_name, &Params::new().set("id", id))
                    .await
                    .unwrap()
                    .one()
                    .unwrap();
                assert_eq!(got, want, "{who}");
            }
            assert!(
                db.engine.statement_cache().hits() > hits,
                "{who}: the second execution did not hit the statement cache"
            );

            if who == "postgres" {
                // A hot statement is prepared once per connection, not per execution.
                let prepared = text("SELECT count(*) FROM pg_prepared_statements");
                let before: i64 = c.execute(&prepared).await.unwrap().one().unwrap();
                for id in 1..=3i64 {
                    c.execute_with(&by_name, &Params::new().set("id", id))
                        .await
                        .unwrap();
                }
                let after: i64 = c.execute(&prepared).await.unwrap().one().unwrap();
                assert_eq!(before, after, "{who}: statements were prepared again");
            }

            let r = c
                .execute(
                    &update(items::table)
                        .set(items::note.set(Some("updated".to_owned())))
                        .where_(items::active.eq(true)),
                )
                .await
                .unwrap();
            assert_eq!(r.rows_affected(), 2, "{who}");
            let r = c
                .execute(&delete(items::table).where_(items::note.is_null()))
                .await
                .unwrap();
            assert_eq!(r.rows_affected(), 0, "{who}");
            let r = c
                .execute(&delete(items::table).where_(items::id.eq(3)))
                .await
                .unwrap();
            assert_eq!(r.rows_affected(), 1, "{who}");
            let n: i64 = c
                .execute(&select(func::count(items::id)))
                .await
                .unwrap()
                .one()
                .unwrap();
            assert_eq!(n, 2, "{who}");
            c.commit().await.unwrap();
        }
    });
}
