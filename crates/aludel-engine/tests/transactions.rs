//! SQLAlchemy's transaction scenarios (test/engine/test_transaction.py: TransactionTest,
//! the 1.4 marker cases, savepoint one to seven, ResetAgentTest, AutoRollbackTest),
//! ported to aludel's guards and run on every reachable backend.
//!
//! Where aludel differs on purpose (DESIGN.md, Transactions): a guard dropped without
//! commit / rollback counts as a rollback (SQLAlchemy's `close()` of a marker does not
//! roll back, and its savepoints left open are committed with the root); a connection
//! cannot be committed while a guard borrows it, so the ported scenarios close inner
//! handles explicitly where SQLAlchemy leaves them open.

mod common;

use aludel_core::compile::Params;
use aludel_core::text;
use aludel_engine::{Connection, Error, IntegrityKind, ResultSet, Transaction, TransactionKind};
use common::{Db, backends, rt};

trait Exec {
    async fn run(&mut self, sql: String, p: Params) -> Result<ResultSet, Error>;
}

impl Exec for Connection {
    async fn run(&mut self, sql: String, p: Params) -> Result<ResultSet, Error> {
        self.execute_with(&text(sql), &p).await
    }
}

impl Exec for Transaction<'_> {
    async fn run(&mut self, sql: String, p: Params) -> Result<ResultSet, Error> {
        self.execute_with(&text(sql), &p).await
    }
}

async fn ins(x: &mut impl Exec, db: &Db, id: i64) -> Result<ResultSet, Error> {
    x.run(
        format!(
            "INSERT INTO {} (user_id, user_name) VALUES (:id, :name)",
            db.table
        ),
        Params::new().set("id", id).set("name", format!("user{id}")),
    )
    .await
}

async fn ids(x: &mut impl Exec, db: &Db) -> Result<Vec<i64>, Error> {
    x.run(
        format!("SELECT user_id FROM {} ORDER BY user_id", db.table),
        Params::new(),
    )
    .await?
    .scalars()
}

/// The committed rows, seen from another checkout.
async fn committed(db: &Db) -> Vec<i64> {
    let mut c = db.engine.connect().await.unwrap();
    let r = ids(&mut c, db).await.unwrap();
    c.rollback().await.unwrap();
    r
}

async fn setup(db: &Db) {
    let mut c = db.engine.connect().await.unwrap();
    c.run(format!("DROP TABLE IF EXISTS {}", db.table), Params::new())
        .await
        .unwrap();
    c.run(
        format!(
            "CREATE TABLE {} (user_id INTEGER PRIMARY KEY, user_name VARCHAR(20))",
            db.table
        ),
        Params::new(),
    )
    .await
    .unwrap();
    c.commit().await.unwrap();
}

/// Runs `scenario` on every backend, on a fresh table.
macro_rules! scenario {
    ($name:ident, $pool:expr, |$db:ident| $body:block) => {
        #[test]
        fn $name() {
            rt().block_on(async {
                for $db in backends(stringify!($name), $pool).await {
                    let $db = &$db;
                    setup($db).await;
                    $body
                }
            });
        }
    };
}

scenario!(commits, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 2).await.unwrap();
    ins(&mut tx, db, 3).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    assert_eq!(ids(&mut tx, db).await.unwrap().len(), 3, "{}", db.name);
    tx.commit().await.unwrap();
    drop(c);
    assert_eq!(committed(db).await, [1, 2, 3], "{}", db.name);
});

scenario!(rollback, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    for id in 1..=3 {
        ins(&mut tx, db, id).await.unwrap();
    }
    tx.rollback().await.unwrap();
    assert!(ids(&mut c, db).await.unwrap().is_empty(), "{}", db.name);
});

scenario!(raise_rolls_back_after_an_integrity_error, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    ins(&mut tx, db, 2).await.unwrap();
    let e = ins(&mut tx, db, 1).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Integrity {
                kind: IntegrityKind::Unique,
                ..
            }
        ),
        "{}: {e}",
        db.name
    );
    assert!(e.sql().unwrap().starts_with("INSERT INTO"), "{e}");
    tx.rollback().await.unwrap();
    assert!(ids(&mut c, db).await.unwrap().is_empty(), "{}", db.name);
});

scenario!(nested_rollback, 2, |db| {
    // A marker rolled back after an error: the root is inactive, and rolling it back
    // is what the caller then does (without a "transaction is inactive" error).
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    for id in 1..=3 {
        ins(&mut tx, db, id).await.unwrap();
    }
    {
        let mut m = tx.begin().await.unwrap();
        assert_eq!(m.kind(), TransactionKind::Marker);
        ins(&mut m, db, 4).await.unwrap();
        ins(&mut m, db, 5).await.unwrap();
        m.rollback().await.unwrap();
    }
    assert!(!tx.is_active());
    let e = ins(&mut tx, db, 6).await.unwrap_err();
    assert!(
        matches!(e, Error::PendingRollback { .. }),
        "{}: {e}",
        db.name
    );
    assert!(e.to_string().contains("roll back fully"), "{e}");
    tx.rollback().await.unwrap();
    assert!(ids(&mut c, db).await.unwrap().is_empty(), "{}", db.name);
    assert!(committed(db).await.is_empty());
});

scenario!(inactive_due_to_subtransaction_no_commit, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    tx.begin().await.unwrap().rollback().await.unwrap();
    let e = tx.commit().await.unwrap_err();
    assert!(
        matches!(e, Error::InvalidRequest { .. }),
        "{}: {e}",
        db.name
    );
    assert!(e.to_string().contains("inactive"), "{e}");
    // The failed commit dropped the handle: the connection is usable again.
    assert!(ids(&mut c, db).await.unwrap().is_empty());
    assert!(committed(db).await.is_empty());
});

scenario!(
    inactive_due_to_subtransaction_on_nested_no_commit,
    2,
    |db| {
        let mut c = db.engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        ins(&mut tx, db, 1).await.unwrap();
        {
            let mut sp = tx.begin_nested().await.unwrap();
            ins(&mut sp, db, 2).await.unwrap();
            sp.begin().await.unwrap().rollback().await.unwrap();
            assert!(!sp.is_active());
            let e = sp.commit().await.unwrap_err();
            assert!(
                matches!(e, Error::InvalidRequest { .. }),
                "{}: {e}",
                db.name
            );
        }
        // Only the savepoint was doomed: the root commits what preceded it.
        assert!(tx.is_active());
        tx.commit().await.unwrap();
        assert_eq!(committed(db).await, [1], "{}", db.name);
    }
);

scenario!(nesting_marker_commit_then_root_rollback, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    for id in 1..=3 {
        ins(&mut tx, db, id).await.unwrap();
    }
    let mut m = tx.begin().await.unwrap();
    ins(&mut m, db, 4).await.unwrap();
    ins(&mut m, db, 5).await.unwrap();
    m.commit().await.unwrap();
    tx.rollback().await.unwrap();
    assert!(ids(&mut c, db).await.unwrap().is_empty(), "{}", db.name);
});

scenario!(close_marker_committed_root_commits, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    for id in 1..=3 {
        ins(&mut tx, db, id).await.unwrap();
    }
    let mut m = tx.begin().await.unwrap();
    ins(&mut m, db, 4).await.unwrap();
    ins(&mut m, db, 5).await.unwrap();
    m.commit().await.unwrap();
    assert!(tx.is_active());
    tx.commit().await.unwrap();
    assert!(!c.in_transaction());
    assert_eq!(committed(db).await, [1, 2, 3, 4, 5], "{}", db.name);
});

scenario!(dropped_marker_dooms_the_root, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    {
        let mut m = tx.begin().await.unwrap();
        ins(&mut m, db, 2).await.unwrap();
    } // dropped: counts as a rollback
    assert!(matches!(
        ins(&mut tx, db, 3).await,
        Err(Error::PendingRollback { .. })
    ));
    assert!(!tx.is_active());
    tx.rollback().await.unwrap();
    assert!(committed(db).await.is_empty(), "{}", db.name);
});

scenario!(close2_dropped_root_rolls_back, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    {
        let mut tx = c.begin().await.unwrap();
        for id in 1..=3 {
            ins(&mut tx, db, id).await.unwrap();
        }
        let mut m = tx.begin().await.unwrap();
        ins(&mut m, db, 4).await.unwrap();
        m.commit().await.unwrap();
    }
    assert!(ids(&mut c, db).await.unwrap().is_empty(), "{}", db.name);
    c.rollback().await.unwrap();
    assert!(committed(db).await.is_empty());
});

scenario!(nested_subtransaction_rollback, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    let mut sp = tx.begin_nested().await.unwrap();
    ins(&mut sp, db, 2).await.unwrap();
    sp.rollback().await.unwrap();
    ins(&mut tx, db, 3).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids(&mut c, db).await.unwrap(), [1, 3], "{}", db.name);
});

scenario!(nested_subtransaction_commit, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    let mut sp = tx.begin_nested().await.unwrap();
    ins(&mut sp, db, 2).await.unwrap();
    sp.commit().await.unwrap();
    ins(&mut tx, db, 3).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids(&mut c, db).await.unwrap(), [1, 2, 3], "{}", db.name);
});

scenario!(rollback_to_subtransaction, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    {
        let mut sp = tx.begin_nested().await.unwrap();
        ins(&mut sp, db, 2).await.unwrap();
        {
            let mut m = sp.begin().await.unwrap();
            ins(&mut m, db, 3).await.unwrap();
            m.rollback().await.unwrap();
        }
        let e = ins(&mut sp, db, 9).await.unwrap_err();
        assert!(
            e.to_string().contains("inactive savepoint"),
            "{}: {e}",
            db.name
        );
        sp.rollback().await.unwrap();
    }
    ins(&mut tx, db, 4).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids(&mut c, db).await.unwrap(), [1, 4], "{}", db.name);
});

scenario!(savepoint_one_rollback, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    let mut sp = tx.begin_nested().await.unwrap();
    ins(&mut sp, db, 2).await.unwrap();
    assert_eq!(ids(&mut sp, db).await.unwrap().len(), 2);
    sp.rollback().await.unwrap();
    assert_eq!(ids(&mut tx, db).await.unwrap().len(), 1);
    tx.commit().await.unwrap();
    assert_eq!(committed(db).await, [1], "{}", db.name);
});

scenario!(savepoint_two_release, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    let mut sp = tx.begin_nested().await.unwrap();
    ins(&mut sp, db, 2).await.unwrap();
    sp.commit().await.unwrap();
    assert_eq!(ids(&mut tx, db).await.unwrap().len(), 2);
    tx.commit().await.unwrap();
    assert_eq!(committed(db).await, [1, 2], "{}", db.name);
});

scenario!(savepoint_three_root_rollback_with_savepoint_open, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    {
        let mut tx = c.begin().await.unwrap();
        ins(&mut tx, db, 1).await.unwrap();
        let mut sp = tx.begin_nested().await.unwrap();
        ins(&mut sp, db, 2).await.unwrap();
        drop(sp);
        tx.rollback().await.unwrap();
    }
    assert!(!c.in_transaction());
    assert!(committed(db).await.is_empty(), "{}", db.name);
});

scenario!(savepoint_four_inner_rollback, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    {
        let mut sp1 = tx.begin_nested().await.unwrap();
        ins(&mut sp1, db, 2).await.unwrap();
        {
            let mut sp2 = sp1.begin_nested().await.unwrap();
            ins(&mut sp2, db, 3).await.unwrap();
            sp2.rollback().await.unwrap();
        }
        assert!(sp1.is_active());
        // SQLAlchemy commits an open savepoint with its root; aludel needs it closed.
        sp1.commit().await.unwrap();
    }
    assert!(tx.is_active());
    tx.commit().await.unwrap();
    assert_eq!(committed(db).await, [1, 2], "{}", db.name);
});

scenario!(savepoint_five_inner_release, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    {
        let mut sp1 = tx.begin_nested().await.unwrap();
        ins(&mut sp1, db, 2).await.unwrap();
        let mut sp2 = sp1.begin_nested().await.unwrap();
        ins(&mut sp2, db, 3).await.unwrap();
        sp2.commit().await.unwrap();
        sp1.commit().await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(committed(db).await, [1, 2, 3], "{}", db.name);
});

scenario!(savepoint_six_release_inner_rollback_outer, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    {
        let mut sp1 = tx.begin_nested().await.unwrap();
        ins(&mut sp1, db, 2).await.unwrap();
        let mut sp2 = sp1.begin_nested().await.unwrap();
        ins(&mut sp2, db, 3).await.unwrap();
        sp2.commit().await.unwrap();
        sp1.rollback().await.unwrap();
    }
    assert!(tx.is_active());
    tx.commit().await.unwrap();
    assert_eq!(committed(db).await, [1], "{}", db.name);
});

scenario!(savepoint_seven_root_dropped_with_savepoints_open, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    {
        let mut tx = c.begin().await.unwrap();
        ins(&mut tx, db, 1).await.unwrap();
        let mut sp1 = tx.begin_nested().await.unwrap();
        ins(&mut sp1, db, 2).await.unwrap();
        let mut sp2 = sp1.begin_nested().await.unwrap();
        ins(&mut sp2, db, 3).await.unwrap();
        // Everything is dropped at once, innermost first.
    }
    assert!(ids(&mut c, db).await.unwrap().is_empty());
    c.rollback().await.unwrap();
    assert!(!c.in_transaction());
    assert!(committed(db).await.is_empty(), "{}", db.name);
});

scenario!(marker_inside_savepoint_then_root_commit, 2, |db| {
    // test_mixed_two_phase_transaction without two-phase: root, marker, savepoint,
    // marker; the savepoint rolled back keeps the marker's and root's rows.
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    {
        let mut m = tx.begin().await.unwrap();
        ins(&mut m, db, 2).await.unwrap();
        {
            let mut sp = m.begin_nested().await.unwrap();
            ins(&mut sp, db, 3).await.unwrap();
            let mut m2 = sp.begin().await.unwrap();
            ins(&mut m2, db, 4).await.unwrap();
            m2.commit().await.unwrap();
            sp.rollback().await.unwrap();
        }
        ins(&mut m, db, 5).await.unwrap();
        m.commit().await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(committed(db).await, [1, 2, 5], "{}", db.name);
});

scenario!(commit_as_you_go, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    ins(&mut c, db, 1).await.unwrap();
    assert!(c.in_transaction());
    c.commit().await.unwrap();
    assert!(!c.in_transaction());
    // begin() inside an autobegun transaction is a marker.
    ins(&mut c, db, 2).await.unwrap();
    {
        let m = c.begin().await.unwrap();
        assert_eq!(m.kind(), TransactionKind::Marker);
        m.commit().await.unwrap();
    }
    c.commit().await.unwrap();
    assert_eq!(committed(db).await, [1, 2], "{}", db.name);
});

scenario!(no_autocommit_without_commit, 2, |db| {
    {
        let mut c = db.engine.connect().await.unwrap();
        ins(&mut c, db, 1).await.unwrap();
    } // returned to the pool: rolled back
    assert!(committed(db).await.is_empty(), "{}", db.name);
});

scenario!(begin_nested_when_idle_autobegins, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    {
        let mut sp = c.begin_nested().await.unwrap();
        assert_eq!(sp.kind(), TransactionKind::Savepoint);
        ins(&mut sp, db, 1).await.unwrap();
        sp.commit().await.unwrap();
    }
    // The savepoint was released; the autobegun root is still open.
    assert!(c.in_transaction());
    c.commit().await.unwrap();
    assert_eq!(committed(db).await, [1], "{}", db.name);
});

scenario!(closure_form_commits_on_ok_and_rolls_back_on_err, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let n = c
        .transaction(async |tx| {
            ins(tx, db, 1).await?;
            ins(tx, db, 2).await?;
            Ok(2)
        })
        .await
        .unwrap();
    assert_eq!(n, 2);
    let r: Result<(), Error> = c
        .transaction(async |tx| {
            ins(tx, db, 3).await?;
            ins(tx, db, 1).await?; // duplicate key
            Ok(())
        })
        .await;
    assert!(matches!(r, Err(Error::Integrity { .. })));
    assert!(!c.in_transaction());
    assert_eq!(committed(db).await, [1, 2], "{}", db.name);
});

// ResetAgentTest: whatever is open when the connection goes back to the pool is rolled
// back, and the next user of the connection is not inside a transaction.

async fn next_user_is_clean(db: &Db) {
    let mut c = db.engine.connect().await.unwrap();
    assert!(!c.in_transaction(), "{}", db.name);
    assert!(!c.server_in_transaction().await.unwrap(), "{}", db.name);
    assert!(ids(&mut c, db).await.unwrap().is_empty(), "{}", db.name);
    c.rollback().await.unwrap();
}

scenario!(reset_begin_close, 1, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    std::mem::forget(tx); // not even dropped: the connection still resets
    drop(c);
    next_user_is_clean(db).await;
});

scenario!(reset_begin_nested_close, 1, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut sp = c.begin_nested().await.unwrap();
    ins(&mut sp, db, 1).await.unwrap();
    drop(sp);
    drop(c);
    next_user_is_clean(db).await;
});

scenario!(reset_begin_begin_nested_close, 1, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    let mut sp = tx.begin_nested().await.unwrap();
    ins(&mut sp, db, 1).await.unwrap();
    drop(sp);
    drop(tx);
    drop(c);
    next_user_is_clean(db).await;
});

scenario!(reset_begin_begin_rollback_rollback, 1, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    ins(&mut tx, db, 1).await.unwrap();
    tx.begin().await.unwrap().rollback().await.unwrap();
    tx.rollback().await.unwrap();
    assert!(!c.in_transaction());
    drop(c);
    next_user_is_clean(db).await;
});

scenario!(auto_rollback_releases_locks_on_return, 2, |db| {
    // AutoRollbackTest.test_rollback_deadlock: a connection that read inside a
    // transaction goes back to the pool; another drops the table without waiting.
    let mut c1 = db.engine.connect().await.unwrap();
    ids(&mut c1, db).await.unwrap();
    assert!(c1.in_transaction());
    drop(c1);
    let mut c2 = db.engine.connect().await.unwrap();
    c2.run(format!("DROP TABLE {}", db.table), Params::new())
        .await
        .unwrap();
    c2.commit().await.unwrap();
});

scenario!(begin_on_an_inactive_transaction_is_refused, 2, |db| {
    let mut c = db.engine.connect().await.unwrap();
    let mut tx = c.begin().await.unwrap();
    tx.begin().await.unwrap().rollback().await.unwrap();
    assert!(matches!(
        tx.begin().await,
        Err(Error::PendingRollback { .. })
    ));
    assert!(matches!(
        tx.begin_nested().await,
        Err(Error::PendingRollback { .. })
    ));
    tx.rollback().await.unwrap();
    c.begin().await.unwrap().commit().await.unwrap();
});
