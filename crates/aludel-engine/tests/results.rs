//! Result accessors on every backend: first / one / one_or_none / scalar / scalars /
//! mappings, rows from `execute_many` with RETURNING in input order, decode errors naming
//! the column, and compile errors surfaced as `Error::Compile`.

mod common;

use aludel::prelude::*;
use aludel_core::Value;
use aludel_engine::{Error, FromValue};
use common::{backends, rt};

#[test]
fn accessors_agree_on_every_backend() {
    rt().block_on(async {
        for db in backends("results", 1).await {
            let who = db.name;
            let t = &db.table;
            let mut c = db
                .fresh_table(
                    "id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, note VARCHAR(20)",
                    &[],
                )
                .await;
            // Inserted out of order, so that input order and key order differ.
            let sets: Vec<Params> = [(3i64, "c"), (1, "a"), (2, "b")]
                .into_iter()
                .map(|(id, name)| Params::new().set("id", id).set("name", name))
                .collect();
            let ins = text(format!(
                "INSERT INTO {t} (id, name) VALUES (:id, :name) RETURNING id, name"
            ));
            let r = c.execute_many(&ins, &sets).await.unwrap();
            assert_eq!(r.rows_affected(), 3, "{who}");
            assert_eq!(r.columns(), ["id", "name"], "{who}");
            let back: Vec<(i64, String)> = r.all().unwrap();
            assert_eq!(
                back,
                [(3, "c".into()), (1, "a".into()), (2, "b".into())],
                "{who}: RETURNING rows not in input order"
            );

            let q = |cols: &str| text(format!("SELECT {cols} FROM {t}"));
            let ordered = text(format!("SELECT id, name FROM {t} ORDER BY id"));
            let first: Option<(i64, String)> =
                c.execute(&ordered).await.unwrap().first().unwrap();
            assert_eq!(first, Some((1, "a".into())), "{who}");
            let none: Option<i64> = c
                .execute(&text(format!("SELECT id FROM {t} WHERE id > 9")))
                .await
                .unwrap()
                .one_or_none()
                .unwrap();
            assert_eq!(none, None, "{who}");
            let many = c.execute(&q("id")).await.unwrap().one_or_none::<i64>();
            assert!(
                matches!(many, Err(Error::MultipleResultsFound)),
                "{who}: {many:?}"
            );
            let zero = c
                .execute(&text(format!("SELECT id FROM {t} WHERE id > 9")))
                .await
                .unwrap()
                .one::<i64>();
            assert!(matches!(zero, Err(Error::NoResultFound)), "{who}: {zero:?}");
            let ids: Vec<i64> = c.execute(&ordered).await.unwrap().scalars().unwrap();
            assert_eq!(ids, [1, 2, 3], "{who}");
            let top: Option<i64> = c
                .scalar(&text(format!("SELECT max(id) FROM {t}")))
                .await
                .unwrap();
            assert_eq!(top, Some(3), "{who}");

            let maps = c.execute(&q("id, note")).await.unwrap().mappings();
            assert_eq!(maps.len(), 3, "{who}");
            assert_eq!(maps[0].get("note"), Some(&Value::Null), "{who}");
            assert!(maps[0].get("id").is_some_and(|v| !v.is_null()), "{who}");
            let names: Vec<&str> = maps[0].iter().map(|(k, _)| k).collect();
            assert_eq!(names, ["id", "note"], "{who}");

            // A text value into an integer: a decode error naming the column.
            let e = c
                .execute(&text(format!("SELECT name AS label FROM {t} WHERE id = 1")))
                .await
                .unwrap()
                .one::<i64>()
                .unwrap_err();
            assert!(
                matches!(&e, Error::Decode { column, .. } if column == "label"),
                "{who}: {e}"
            );
            // A NULL into a non-Option: the same.
            let e = c
                .execute(&text(format!("SELECT note FROM {t} WHERE id = 1")))
                .await
                .unwrap()
                .one::<String>()
                .unwrap_err();
            assert!(
                matches!(&e, Error::Decode { column, message } if column == "note" && message.contains("NULL")),
                "{who}: {e}"
            );
            c.rollback().await.unwrap();
        }
    });
}

/// Something the connected database cannot express is an `Error::Compile` before any
/// SQL is sent, and the connection is untouched by it.
#[test]
fn unsupported_sql_is_a_compile_error() {
    #[derive(Table)]
    #[aludel(name = "eng_compile_users", ident = "users")]
    #[allow(dead_code)]
    struct Users {
        #[aludel(primary_key)]
        id: i64,
    }
    #[derive(Table)]
    #[aludel(name = "eng_compile_posts", ident = "posts")]
    #[allow(dead_code)]
    struct Posts {
        #[aludel(primary_key)]
        id: i64,
        user_id: i64,
    }
    rt().block_on(async {
        for db in backends("compile_err", 1).await {
            let who = db.name;
            let mut c = db.engine.connect().await.unwrap();
            // Something each lacks: MySQL / MariaDB a FULL JOIN, SQLite row locks,
            // PostgreSQL a lock on the nullable side of an outer join.
            let r = match who {
                "mysql" => {
                    c.execute(
                        &select((users::id.nullable(), posts::id.nullable()))
                            .full_join(posts::table, posts::user_id.eq(users::id)),
                    )
                    .await
                }
                "sqlite" => c.execute(&select(users::id).for_update()).await,
                _ => {
                    c.execute(
                        &select((users::id, posts::id.nullable()))
                            .left_join(posts::table, posts::user_id.eq(users::id))
                            .for_update(),
                    )
                    .await
                }
            };
            let e = r.unwrap_err();
            assert!(matches!(e, Error::Compile(_)), "{who}: {e}");
            assert!(
                e.to_string().contains("is not supported by"),
                "{who}: the error does not name the feature and the dialect: {e}"
            );
            // Nothing was sent: the connection goes on.
            assert_eq!(
                c.scalar::<i64, _>(&text("SELECT 1")).await.unwrap(),
                Some(1)
            );
            c.rollback().await.unwrap();
        }
    });
}

/// A `SELECT *` whose table changed between two executions reports the new columns
/// (names and values agree), on every backend. PostgreSQL refuses a prepared plan whose
/// result type changed once; the statement is prepared again for the next execution.
#[test]
fn select_star_follows_a_schema_change() {
    rt().block_on(async {
        for db in backends("results_star", 1).await {
            let who = db.name;
            let t = &db.table;
            let mut c = db.fresh_table("a INTEGER", &["1"]).await;
            let star = text(format!("SELECT * FROM {t}"));
            let r = c.execute(&star).await.unwrap();
            assert_eq!(r.columns(), ["a"], "{who}");
            c.commit().await.unwrap();
            c.execute(&text(format!(
                "ALTER TABLE {t} ADD COLUMN b INTEGER DEFAULT 5"
            )))
            .await
            .unwrap();
            c.commit().await.unwrap();
            let r = match c.execute(&star).await {
                Ok(r) => r,
                Err(e) => {
                    assert_eq!((who, e.code()), ("postgres", Some("0A000")), "{e}");
                    c.rollback().await.unwrap();
                    c.execute(&star).await.unwrap()
                }
            };
            assert_eq!(r.columns(), ["a", "b"], "{who}");
            let m = r.mappings();
            let b = m[0].get("b").cloned().map(<i64 as FromValue>::from_value);
            assert_eq!(b, Some(Ok(5)), "{who}");
            c.rollback().await.unwrap();
        }
    });
}
