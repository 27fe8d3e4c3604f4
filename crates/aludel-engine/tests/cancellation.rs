//! Cancellation safety: every transaction operation is driven as a future that is
//! dropped after N polls, for every N until it completes; afterwards the next user of
//! the pooled connection must not be inside a transaction (asked of the database) and
//! nothing from the cancelled transaction may be committed.

mod common;

use aludel_core::compile::Params;
use aludel_core::text;
use aludel_engine::{Connection, Error};
use common::{Db, backends, poll_n, rt};

async fn setup(db: &Db) {
    db.fresh_table("x INTEGER", &[]).await;
}

async fn insert(db: &Db, c: &mut Connection) -> Result<(), Error> {
    c.execute_with(
        &text(format!("INSERT INTO {} (x) VALUES (:x)", db.table)),
        &Params::new().set("x", 1i64),
    )
    .await
    .map(drop)
}

/// The pooled connection's next user: not in a transaction, by aludel's state and by
/// the database's; and nothing uncommitted leaked.
async fn check_next_user(db: &Db, op: &str, n: usize) -> i64 {
    let mut c = db.engine.connect().await.unwrap();
    let ctx = format!("{}: {op} cancelled after {n} polls", db.name);
    assert!(
        !c.in_transaction(),
        "{ctx}: aludel thinks a transaction is open"
    );
    assert!(
        !c.server_in_transaction().await.unwrap(),
        "{ctx}: the database session is inside a transaction"
    );
    let count: i64 = c
        .scalar(&text(format!("SELECT count(*) FROM {}", db.table)))
        .await
        .unwrap()
        .unwrap();
    c.rollback().await.unwrap();
    count
}

/// The operations of the matrix. Each runs on a checked-out connection; the part under
/// test is cancelled, the setup before it is not.
#[derive(Clone, Copy, Debug)]
enum Op {
    Begin,
    BeginNested,
    BeginNestedInside,
    ExecuteInside,
    Commit,
    Rollback,
    RootRollback,
    MarkerRollback,
    SavepointCommit,
    SavepointRollback,
}

const OPS: [Op; 10] = [
    Op::Begin,
    Op::BeginNested,
    Op::BeginNestedInside,
    Op::ExecuteInside,
    Op::Commit,
    Op::Rollback,
    Op::RootRollback,
    Op::MarkerRollback,
    Op::SavepointCommit,
    Op::SavepointRollback,
];

/// Runs `op` cancelled after `n` polls; returns whether it completed.
async fn run(db: &Db, op: Op, n: usize) -> bool {
    let mut c = db.engine.connect().await.unwrap();
    let done = match op {
        Op::Begin => poll_n(c.begin(), n).await,
        Op::BeginNested => poll_n(c.begin_nested(), n).await,
        Op::BeginNestedInside => {
            let mut tx = c.begin().await.unwrap();
            poll_n(tx.begin_nested(), n).await
        }
        Op::ExecuteInside => {
            let mut tx = c.begin().await.unwrap();
            let table = db.table.clone();
            poll_n(
                async move {
                    tx.execute(&text(format!("INSERT INTO {table} (x) VALUES (1)")))
                        .await
                        .unwrap();
                },
                n,
            )
            .await
        }
        Op::Commit => {
            let mut tx = c.begin().await.unwrap();
            tx.execute(&text(format!("INSERT INTO {} (x) VALUES (1)", db.table)))
                .await
                .unwrap();
            poll_n(tx.commit(), n).await
        }
        Op::Rollback => {
            insert(db, &mut c).await.unwrap();
            poll_n(c.rollback(), n).await
        }
        Op::RootRollback => {
            let mut tx = c.begin().await.unwrap();
            tx.execute(&text(format!("INSERT INTO {} (x) VALUES (1)", db.table)))
                .await
                .unwrap();
            poll_n(tx.rollback(), n).await
        }
        Op::MarkerRollback => {
            // The marker's rollback sends the ROLLBACK of the whole transaction.
            let mut tx = c.begin().await.unwrap();
            tx.execute(&text(format!("INSERT INTO {} (x) VALUES (1)", db.table)))
                .await
                .unwrap();
            let marker = tx.begin().await.unwrap();
            poll_n(marker.rollback(), n).await
        }
        Op::SavepointCommit => {
            let mut tx = c.begin().await.unwrap();
            let sp = tx.begin_nested().await.unwrap();
            poll_n(sp.commit(), n).await
        }
        Op::SavepointRollback => {
            let mut tx = c.begin().await.unwrap();
            let mut sp = tx.begin_nested().await.unwrap();
            sp.execute(&text(format!("INSERT INTO {} (x) VALUES (1)", db.table)))
                .await
                .unwrap();
            poll_n(sp.rollback(), n).await
        }
    };
    drop(c);
    done
}

#[test]
fn every_operation_cancelled_at_every_poll_leaves_the_pool_clean() {
    rt().block_on(async {
        for db in backends("cancel_matrix", 1).await {
            setup(&db).await;
            let mut cases = 0;
            for op in OPS {
                let mut n = 0;
                loop {
                    let done = run(&db, op, n).await;
                    let count = check_next_user(&db, &format!("{op:?}"), n).await;
                    // Only a COMMIT that completed (or may have: cancelled in flight)
                    // can have committed the row.
                    if !matches!(op, Op::Commit) {
                        assert_eq!(count, 0, "{}: {op:?} after {n} polls leaked a row", db.name);
                    } else if count > 0 {
                        db.engine
                            .connect()
                            .await
                            .unwrap()
                            .transaction(async |tx| {
                                tx.execute(&text(format!("DELETE FROM {}", db.table))).await
                            })
                            .await
                            .unwrap();
                    }
                    cases += 1;
                    if done {
                        break;
                    }
                    n += 1;
                    assert!(n < 1000, "{op:?} never completed");
                }
            }
            assert!(cases > OPS.len(), "{}: only {cases} cases ran", db.name);
            eprintln!("{}: {cases} cancellation points checked", db.name);
        }
    });
}

#[test]
fn a_cancelled_statement_dooms_its_transaction_until_rolled_back() {
    rt().block_on(async {
        for db in backends("cancel_doom", 1).await {
            setup(&db).await;
            let mut c = db.engine.connect().await.unwrap();
            let mut tx = c.begin().await.unwrap();
            // A statement slow enough to be cancelled after it was sent, before its
            // result arrived.
            let slow = text(match db.name {
                "sqlite" => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c",
                "postgres" => "SELECT pg_sleep(0.3)",
                _ => "SELECT SLEEP(0.3)",
            });
            assert!(!poll_n(tx.execute(&slow), 2).await);
            let sql = text(format!("INSERT INTO {} (x) VALUES (1)", db.table));
            let e = tx.execute(&sql).await.unwrap_err();
            assert!(
                matches!(e, Error::PendingRollback { .. }),
                "{}: {e}",
                db.name
            );
            assert!(e.to_string().contains("cancelled"), "{e}");
            tx.rollback().await.unwrap();
            insert(&db, &mut c).await.unwrap();
            c.commit().await.unwrap();
            drop(c);
            assert_eq!(check_next_user(&db, "execute", 1).await, 1);
        }
    });
}
