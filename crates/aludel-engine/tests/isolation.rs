//! Isolation levels per connection on every backend (what the server then reports, a
//! clear error inside a transaction, AUTOCOMMIT), serialization failures provoked on
//! each database, and `transaction_with_retries` re-running a transaction that lost one.

mod common;

use aludel_core::text;
use aludel_engine::{Connection, Error, IsolationLevel};
use common::{Db, backends, rt};

async fn run(c: &mut Connection, sql: &str) -> Result<(), Error> {
    c.execute(&text(sql.to_owned())).await.map(drop)
}

async fn setup(db: &Db) {
    let mut c = db.engine.connect().await.unwrap();
    let t = &db.table;
    if db.name == "sqlite" {
        // Snapshot conflicts need WAL (the journal mode cannot change in a transaction).
        c.set_isolation_level(IsolationLevel::Autocommit)
            .await
            .unwrap();
        run(&mut c, "PRAGMA journal_mode = WAL").await.unwrap();
        c.set_isolation_level(IsolationLevel::Default)
            .await
            .unwrap();
    }
    run(&mut c, &format!("DROP TABLE IF EXISTS {t}"))
        .await
        .unwrap();
    run(
        &mut c,
        &format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"),
    )
    .await
    .unwrap();
    run(&mut c, &format!("INSERT INTO {t} (id, v) VALUES (1, 0)"))
        .await
        .unwrap();
    c.commit().await.unwrap();
}

/// The session's isolation level as the server reports it, normalised to
/// `READ COMMITTED` etc.
async fn server_level(db: &Db, c: &mut Connection) -> String {
    let sql = match db.name {
        "postgres" => "SELECT current_setting('transaction_isolation')",
        _ => "SELECT @@tx_isolation",
    };
    let v: String = c.scalar(&text(sql)).await.unwrap().unwrap();
    c.rollback().await.unwrap();
    v.to_uppercase().replace('-', " ")
}

#[test]
fn isolation_levels_are_set_per_connection() {
    rt().block_on(async {
        for db in backends("iso_levels", 2).await {
            setup(&db).await;
            let who = db.name;
            let mut c = db.engine.connect().await.unwrap();
            let levels = [
                IsolationLevel::ReadCommitted,
                IsolationLevel::RepeatableRead,
                IsolationLevel::Serializable,
            ];
            for level in levels {
                let r = c.set_isolation_level(level).await;
                if who == "sqlite" && level != IsolationLevel::Serializable {
                    let e = r.unwrap_err();
                    assert!(matches!(e, Error::InvalidRequest { .. }), "{e}");
                    assert!(e.to_string().contains("SQLite has no"), "{e}");
                    continue;
                }
                r.unwrap();
                if who != "sqlite" {
                    assert_eq!(server_level(&db, &mut c).await, level.to_string(), "{who}");
                }
            }
            // Not inside a transaction.
            let tx = c.begin().await.unwrap();
            drop(tx);
            c.execute(&text("SELECT 1")).await.unwrap();
            let e = c
                .set_isolation_level(IsolationLevel::ReadCommitted)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, Error::InvalidRequest { message } if message.contains("inside a transaction")),
                "{who}: {e}"
            );
            c.rollback().await.unwrap();

            // AUTOCOMMIT: a statement outside begin() commits on its own.
            c.set_isolation_level(IsolationLevel::Autocommit)
                .await
                .unwrap();
            run(&mut c, &format!("UPDATE {} SET v = 5 WHERE id = 1", db.table))
                .await
                .unwrap();
            assert!(!c.in_transaction(), "{who}");
            assert!(!c.server_in_transaction().await.unwrap(), "{who}");
            let mut other = db.engine.connect().await.unwrap();
            let v: i64 = other
                .scalar(&text(format!("SELECT v FROM {} WHERE id = 1", db.table)))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(v, 5, "{who}: the AUTOCOMMIT update was not committed");
            other.rollback().await.unwrap();
            // begin() still opens a real transaction in AUTOCOMMIT mode.
            let mut tx = c.begin().await.unwrap();
            tx.execute(&text(format!("UPDATE {} SET v = 6 WHERE id = 1", db.table)))
                .await
                .unwrap();
            tx.rollback().await.unwrap();
            let v: i64 = other
                .scalar(&text(format!("SELECT v FROM {} WHERE id = 1", db.table)))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(v, 5, "{who}: a rolled-back update is visible");
            other.rollback().await.unwrap();

            // Back to the engine's level when the connection returns to the pool.
            drop(c);
            drop(other);
            let mut c = db.engine.connect().await.unwrap();
            c.execute(&text("SELECT 1")).await.unwrap();
            assert!(c.in_transaction(), "{who}: AUTOCOMMIT leaked to the next user");
            c.rollback().await.unwrap();
        }
    });
}

/// Prepares `c` to report a concurrent update of a row it read as a serialization
/// failure: REPEATABLE READ on PostgreSQL, snapshot isolation on MariaDB (10.6.18+,
/// 10.11.8+), nothing on SQLite (WAL snapshots conflict by themselves).
async fn snapshot_isolation(db: &Db, c: &mut Connection) {
    match db.name {
        "postgres" => c
            .set_isolation_level(IsolationLevel::RepeatableRead)
            .await
            .unwrap(),
        "mysql" => {
            run(c, "SET SESSION innodb_snapshot_isolation = ON")
                .await
                .unwrap();
            c.commit().await.unwrap();
        }
        _ => {}
    }
}

#[test]
fn a_concurrent_update_is_a_serialization_failure() {
    rt().block_on(async {
        for db in backends("iso_serialize", 2).await {
            setup(&db).await;
            let t = &db.table;
            let mut a = db.engine.connect().await.unwrap();
            let mut b = db.engine.connect().await.unwrap();
            snapshot_isolation(&db, &mut a).await;
            let mut tx = a.begin().await.unwrap();
            tx.execute(&text(format!("SELECT v FROM {t} WHERE id = 1")))
                .await
                .unwrap();
            run(&mut b, &format!("UPDATE {t} SET v = v + 1 WHERE id = 1"))
                .await
                .unwrap();
            b.commit().await.unwrap();
            let e = tx
                .execute(&text(format!("UPDATE {t} SET v = v + 10 WHERE id = 1")))
                .await
                .unwrap_err();
            assert!(
                matches!(e, Error::SerializationFailure { .. }),
                "{}: {e}",
                db.name
            );
            assert!(e.is_retryable());
            assert!(e.code().is_some(), "{}: {e}", db.name);
            tx.rollback().await.unwrap();
        }
    });
}

#[test]
fn transaction_with_retries_reruns_a_transaction_that_lost_a_conflict() {
    rt().block_on(async {
        for db in backends("iso_retry", 2).await {
            setup(&db).await;
            let t = db.table.clone();
            let mut a = db.engine.connect().await.unwrap();
            let mut b = db.engine.connect().await.unwrap();
            snapshot_isolation(&db, &mut a).await;
            let mut runs = 0;
            let seen = a
                .transaction_with_retries(3, async |tx| {
                    runs += 1;
                    let v: i64 = tx
                        .scalar(&text(format!("SELECT v FROM {t} WHERE id = 1")))
                        .await?
                        .unwrap_or(-1);
                    if runs == 1 {
                        // Someone else changes the row under the first attempt.
                        run(&mut b, &format!("UPDATE {t} SET v = v + 1 WHERE id = 1")).await?;
                        b.commit().await?;
                    }
                    tx.execute(&text(format!("UPDATE {t} SET v = v + 10 WHERE id = 1")))
                        .await?;
                    Ok(v)
                })
                .await
                .unwrap();
            assert_eq!(runs, 2, "{}", db.name);
            assert_eq!(seen, 1, "{}: the retry read a stale value", db.name);
            let v: i64 = b
                .scalar(&text(format!("SELECT v FROM {t} WHERE id = 1")))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(v, 11, "{}", db.name);
            b.rollback().await.unwrap();

            // Attempts run out: the last serialization failure is returned.
            let mut runs = 0;
            let e = a
                .transaction_with_retries(2, async |tx| {
                    runs += 1;
                    tx.scalar::<i64, _>(&text(format!("SELECT v FROM {t} WHERE id = 1")))
                        .await?;
                    run(&mut b, &format!("UPDATE {t} SET v = v + 1 WHERE id = 1")).await?;
                    b.commit().await?;
                    tx.execute(&text(format!("UPDATE {t} SET v = v + 10 WHERE id = 1")))
                        .await?;
                    Ok(())
                })
                .await
                .unwrap_err();
            assert_eq!(runs, 2, "{}", db.name);
            assert!(
                matches!(e, Error::SerializationFailure { .. }),
                "{}: {e}",
                db.name
            );

            // Other errors are not retried.
            let mut runs = 0;
            let e = a
                .transaction_with_retries(5, async |tx| {
                    runs += 1;
                    tx.execute(&text("SELECT * FROM no_such_table"))
                        .await
                        .map(drop)
                })
                .await
                .unwrap_err();
            assert_eq!(runs, 1, "{}: {e}", db.name);
            assert!(!a.in_transaction());
        }
    });
}

#[test]
fn blocking_retries_on_sqlite_busy_snapshot() {
    let file =
        std::env::temp_dir().join(format!("aludel_blocking_retry_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let url = format!("sqlite://{}", file.display());
    let mut a = aludel_engine::blocking::Connection::open(&url).unwrap();
    let mut b = aludel_engine::blocking::Connection::open(&url).unwrap();
    a.set_isolation_level(IsolationLevel::Autocommit).unwrap();
    a.execute(&text("PRAGMA journal_mode = WAL")).unwrap();
    a.execute(&text(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)",
    ))
    .unwrap();
    a.execute(&text("INSERT INTO t VALUES (1, 0)")).unwrap();
    a.set_isolation_level(IsolationLevel::Default).unwrap();
    let mut runs = 0;
    a.transaction_with_retries(3, |tx| {
        runs += 1;
        tx.scalar::<i64, _>(&text("SELECT v FROM t"))?;
        if runs == 1 {
            b.execute(&text("UPDATE t SET v = v + 1"))?;
            b.commit()?;
        }
        tx.execute(&text("UPDATE t SET v = v + 10")).map(drop)
    })
    .unwrap();
    assert_eq!(runs, 2);
    assert_eq!(
        b.scalar::<i64, _>(&text("SELECT v FROM t")).unwrap(),
        Some(11)
    );
    drop((a, b));
    let _ = std::fs::remove_file(&file);
}
