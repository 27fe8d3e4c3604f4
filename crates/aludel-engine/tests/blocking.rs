//! The blocking SQLite API: the same transaction semantics as the async one (they share
//! the state machine), error classification, and results.

use aludel_core::compile::Params;
use aludel_core::text;
use aludel_engine::blocking::Connection;
use aludel_engine::{Error, IntegrityKind, TransactionKind};

fn conn() -> Connection {
    let mut c = Connection::open("sqlite::memory:").unwrap();
    c.execute(&text(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, \
         score INTEGER CONSTRAINT score_positive CHECK (score > 0))",
    ))
    .unwrap();
    c.execute(&text(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
    ))
    .unwrap();
    c.execute(&text(
        "INSERT INTO parent (id, name, score) VALUES (1, 'a', 1)",
    ))
    .unwrap();
    c.commit().unwrap();
    c
}

fn count(c: &mut Connection) -> i64 {
    c.scalar(&text("SELECT count(*) FROM parent"))
        .unwrap()
        .unwrap()
}

#[test]
fn marker_savepoint_and_dropped_guards() {
    let mut c = conn();
    {
        let mut tx = c.begin().unwrap();
        assert_eq!(tx.kind(), TransactionKind::Root);
        tx.execute(&text(
            "INSERT INTO parent (id, name, score) VALUES (2, 'b', 1)",
        ))
        .unwrap();
        {
            let mut sp = tx.begin_nested().unwrap();
            sp.execute(&text(
                "INSERT INTO parent (id, name, score) VALUES (3, 'c', 1)",
            ))
            .unwrap();
        } // dropped: rolled back to the savepoint
        tx.begin().unwrap().rollback().unwrap();
        assert!(!tx.is_active());
        let e = tx.execute(&text("SELECT 1")).unwrap_err();
        assert!(matches!(e, Error::PendingRollback { .. }), "{e}");
        tx.rollback().unwrap();
    }
    assert!(c.is_autocommit());
    assert_eq!(count(&mut c), 1);
    c.rollback().unwrap();
    c.transaction(|tx| {
        tx.execute(&text(
            "INSERT INTO parent (id, name, score) VALUES (4, 'd', 1)",
        ))
    })
    .unwrap();
    assert_eq!(count(&mut c), 2);
}

fn integrity(c: &mut Connection, sql: &str) -> (IntegrityKind, Option<String>) {
    let r = c.execute(&text(sql.to_owned()));
    c.rollback().unwrap();
    match r {
        Err(Error::Integrity {
            kind, constraint, ..
        }) => (kind, constraint),
        other => panic!("{sql}: expected an integrity error, got {other:?}"),
    }
}

#[test]
fn integrity_errors_are_classified_with_their_constraint() {
    let mut c = conn();
    assert_eq!(
        integrity(
            &mut c,
            "INSERT INTO parent (id, name, score) VALUES (9, 'a', 1)"
        ),
        (IntegrityKind::Unique, Some("parent.name".into()))
    );
    assert_eq!(
        integrity(
            &mut c,
            "INSERT INTO parent (id, name, score) VALUES (1, 'z', 1)"
        ),
        (IntegrityKind::Unique, Some("parent.id".into()))
    );
    assert_eq!(
        integrity(
            &mut c,
            "INSERT INTO parent (id, name, score) VALUES (9, NULL, 1)"
        ),
        (IntegrityKind::NotNull, Some("parent.name".into()))
    );
    assert_eq!(
        integrity(
            &mut c,
            "INSERT INTO parent (id, name, score) VALUES (9, 'z', 0)"
        ),
        (IntegrityKind::Check, Some("score_positive".into()))
    );
    assert_eq!(
        integrity(&mut c, "INSERT INTO child (id, parent_id) VALUES (1, 42)"),
        (IntegrityKind::ForeignKey, None)
    );
    let e = c.execute(&text("SELEC 1")).unwrap_err();
    assert!(matches!(e, Error::Database { .. }), "{e}");
    assert_eq!(e.sql(), Some("SELEC 1"));
    assert!(e.code().is_some());
    assert!(std::error::Error::source(&e).is_some());
}

#[test]
fn results_decode_and_report_their_column() {
    let mut c = conn();
    let r = c
        .execute_with(
            &text("SELECT id, name, score, NULL AS missing FROM parent WHERE id = :id"),
            &Params::new().set("id", 1i64),
        )
        .unwrap();
    assert_eq!(r.columns(), ["id", "name", "score", "missing"]);
    let (id, name, score, missing): (i64, String, i32, Option<String>) = r.clone().one().unwrap();
    assert_eq!((id, name.as_str(), score, missing), (1, "a", 1, None));
    let e = r.one::<(i64, String, i32, String)>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot decode column missing: expected text, found NULL"
    );
    let e = c
        .execute(&text("SELECT name FROM parent"))
        .unwrap()
        .one::<i64>()
        .unwrap_err();
    assert!(e.to_string().contains("column name"), "{e}");
}

#[test]
fn file_databases_are_created_and_shared() {
    let path = std::env::temp_dir().join(format!("aludel_blocking_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite://{}", path.display());
    {
        let mut a = Connection::open(&url).unwrap();
        a.execute(&text("CREATE TABLE t (x INTEGER)")).unwrap();
        a.execute(&text("INSERT INTO t VALUES (1)")).unwrap();
        a.commit().unwrap();
    }
    let mut b = Connection::open(&url).unwrap();
    assert_eq!(
        b.scalar::<i64, _>(&text("SELECT count(*) FROM t")).unwrap(),
        Some(1)
    );
    drop(b);
    let _ = std::fs::remove_file(&path);
}
