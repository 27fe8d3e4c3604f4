//! Error classification, provoked on each database: integrity (unique, foreign key, not
//! null, check), serialization failure, deadlock, timeout, disconnect; each error
//! carries the SQL, the code and the driver's error.

mod common;

use std::time::Duration;

use aludel_core::text;
use aludel_engine::{Connection, Error, IntegrityKind};
use common::{Db, backends, rt};

async fn run(c: &mut Connection, sql: &str) -> Result<(), Error> {
    c.execute(&text(sql.to_owned())).await.map(drop)
}

async fn setup(db: &Db) {
    let mut c = db.engine.connect().await.unwrap();
    let t = &db.table;
    for sql in [
        format!("DROP TABLE IF EXISTS {t}_child"),
        format!("DROP TABLE IF EXISTS {t}"),
        format!(
            "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, \
             score INTEGER, CONSTRAINT {t}_score_positive CHECK (score > 0), \
             CONSTRAINT {t}_name_unique UNIQUE (name))"
        ),
        format!(
            "CREATE TABLE {t}_child (id INTEGER PRIMARY KEY, parent_id INTEGER, \
             CONSTRAINT {t}_parent_fk FOREIGN KEY (parent_id) REFERENCES {t} (id))"
        ),
        format!("INSERT INTO {t} (id, name, score) VALUES (1, 'a', 1), (2, 'b', 1)"),
    ] {
        run(&mut c, &sql).await.unwrap();
    }
    c.commit().await.unwrap();
}

fn integrity(db: &Db, e: &Error) -> (IntegrityKind, Option<String>) {
    match e {
        Error::Integrity {
            kind, constraint, ..
        } => (*kind, constraint.clone()),
        other => panic!("{}: expected an integrity error, got {other}", db.name),
    }
}

#[test]
fn integrity_errors() {
    rt().block_on(async {
        for db in backends("err_integrity", 2).await {
            setup(&db).await;
            let t = &db.table;
            let mut c = db.engine.connect().await.unwrap();
            let cases = [
                (
                    format!("INSERT INTO {t} (id, name, score) VALUES (9, 'a', 1)"),
                    IntegrityKind::Unique,
                    [format!("{t}_name_unique"), format!("{t}.name")],
                ),
                (
                    format!("INSERT INTO {t} (id, name, score) VALUES (9, NULL, 1)"),
                    IntegrityKind::NotNull,
                    ["name".to_owned(), format!("{t}.name")],
                ),
                (
                    format!("INSERT INTO {t} (id, name, score) VALUES (9, 'z', 0)"),
                    IntegrityKind::Check,
                    [format!("{t}_score_positive"), format!("{t}_score_positive")],
                ),
                (
                    format!("INSERT INTO {t}_child (id, parent_id) VALUES (1, 42)"),
                    IntegrityKind::ForeignKey,
                    [format!("{t}_parent_fk"), String::new()],
                ),
            ];
            for (sql, kind, names) in cases {
                let e = run(&mut c, &sql).await.unwrap_err();
                let (got, constraint) = integrity(&db, &e);
                assert_eq!(got, kind, "{}: {sql}: {e}", db.name);
                // SQLite names no foreign key; the others name the constraint.
                let expected = if db.name == "sqlite" {
                    &names[1]
                } else {
                    &names[0]
                };
                assert_eq!(
                    constraint.as_deref().unwrap_or(""),
                    expected.as_str(),
                    "{}: {e}",
                    db.name
                );
                assert_eq!(e.sql(), Some(sql.as_str()));
                assert!(e.code().is_some(), "{}: no code in {e}", db.name);
                assert!(std::error::Error::source(&e).is_some());
                c.rollback().await.unwrap();
            }
        }
    });
}

#[test]
fn timeouts() {
    rt().block_on(async {
        for db in backends("err_timeout", 2).await {
            setup(&db).await;
            let t = &db.table;
            let mut a = db.engine.connect().await.unwrap();
            let mut b = db.engine.connect().await.unwrap();
            // `a` holds a write lock on the row / database.
            run(&mut a, &format!("UPDATE {t} SET score = 5 WHERE id = 1"))
                .await
                .unwrap();
            let setting = match db.name {
                "sqlite" => "PRAGMA busy_timeout = 50",
                "postgres" => "SET lock_timeout = '50ms'",
                _ => "SET SESSION innodb_lock_wait_timeout = 1",
            };
            run(&mut b, setting).await.unwrap();
            let e = run(&mut b, &format!("UPDATE {t} SET score = 6 WHERE id = 1"))
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Timeout { .. }), "{}: {e}", db.name);
            b.rollback().await.unwrap();
            a.rollback().await.unwrap();
        }
    });
}

#[test]
fn deadlock_and_serialization_failure() {
    rt().block_on(async {
        for db in backends("err_retry", 2).await {
            if db.name == "sqlite" {
                // SQLite reports a deadlock as SQLITE_BUSY, indistinguishable from a
                // lock timeout (classified Timeout); its serialization failure
                // (SQLITE_BUSY_SNAPSHOT, in WAL mode) is in tests/isolation.rs.
                continue;
            }
            setup(&db).await;
            let t = &db.table;
            let mut a = db.engine.connect().await.unwrap();
            let mut b = db.engine.connect().await.unwrap();
            run(&mut a, &format!("UPDATE {t} SET score = 5 WHERE id = 1"))
                .await
                .unwrap();
            run(&mut b, &format!("UPDATE {t} SET score = 5 WHERE id = 2"))
                .await
                .unwrap();
            // Each now waits for the other's row: the server picks a victim.
            let sa = format!("UPDATE {t} SET score = 6 WHERE id = 2");
            let sb = format!("UPDATE {t} SET score = 6 WHERE id = 1");
            let (ra, rb) = tokio::join!(run(&mut a, &sa), async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                run(&mut b, &sb).await
            });
            let victim = ra.err().or(rb.err()).expect("one of them is the victim");
            assert!(matches!(victim, Error::Deadlock { .. }), "{victim}");
            assert!(victim.is_retryable());
            a.rollback().await.unwrap();
            b.rollback().await.unwrap();
            if db.name == "mysql" {
                // InnoDB serializes SERIALIZABLE transactions with locks: conflicts are
                // lock waits and deadlocks. MariaDB's snapshot isolation reports a
                // serialization failure (error 1020): tests/isolation.rs.
                continue;
            }

            for c in [&mut a, &mut b] {
                c.set_isolation_level(aludel_engine::IsolationLevel::Serializable)
                    .await
                    .unwrap();
            }
            let read = format!("SELECT sum(score) FROM {t}");
            run(&mut a, &read).await.unwrap();
            run(&mut b, &read).await.unwrap();
            run(&mut a, &format!("UPDATE {t} SET score = 7 WHERE id = 1"))
                .await
                .unwrap();
            run(&mut b, &format!("UPDATE {t} SET score = 7 WHERE id = 2"))
                .await
                .unwrap();
            a.commit().await.unwrap();
            let e = b.commit().await.unwrap_err();
            assert!(
                matches!(e, Error::SerializationFailure { .. }),
                "{}: {e}",
                db.name
            );
            assert!(e.is_retryable());
        }
    });
}

#[test]
fn a_killed_backend_is_a_disconnect_and_nothing_commits() {
    rt().block_on(async {
        for db in backends("err_disconnect", 2).await {
            if db.name == "sqlite" {
                continue; // an embedded database has no server to lose
            }
            setup(&db).await;
            let t = &db.table;
            let mut c = db.engine.connect().await.unwrap();
            let mut tx = c.begin().await.unwrap();
            tx.execute(&text(format!(
                "INSERT INTO {t} (id, name, score) VALUES (3, 'c', 1)"
            )))
            .await
            .unwrap();
            let (pid_sql, kill) = match db.name {
                "postgres" => (
                    "SELECT pg_backend_pid()::BIGINT",
                    "SELECT pg_terminate_backend",
                ),
                _ => ("SELECT CONNECTION_ID()", "KILL"),
            };
            let pid: i64 = tx
                .execute(&text(pid_sql))
                .await
                .unwrap()
                .scalar()
                .unwrap()
                .unwrap();
            {
                let mut killer = db.engine.connect().await.unwrap();
                run(&mut killer, &format!("{kill}({pid})")).await.unwrap();
                killer.commit().await.unwrap();
            }
            let e = tx
                .execute(&text(format!(
                    "INSERT INTO {t} (id, name, score) VALUES (4, 'd', 1)"
                )))
                .await
                .unwrap_err();
            assert!(e.is_disconnect(), "{}: {e}", db.name);
            assert!(!tx.is_active());
            let again = tx.execute(&text("SELECT 1")).await.unwrap_err();
            assert!(matches!(again, Error::PendingRollback { .. }), "{again}");
            assert!(again.to_string().contains("lost"), "{again}");
            assert!(matches!(
                tx.commit().await,
                Err(Error::InvalidRequest { .. })
            ));
            // The connection reconnects through the pool once nothing is open on it.
            let n: i64 = c
                .scalar(&text(format!("SELECT count(*) FROM {t}")))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n, 2, "{}: the killed transaction committed", db.name);
            let now: i64 = c
                .execute(&text(pid_sql))
                .await
                .unwrap()
                .scalar()
                .unwrap()
                .unwrap();
            assert_ne!(
                now, pid,
                "{}: the lost connection was not replaced",
                db.name
            );
            c.rollback().await.unwrap();
        }
    });
}
