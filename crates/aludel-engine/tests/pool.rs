//! The pool on every backend: a checkout that cannot be served in time is a
//! `PoolTimeout`, pre-ping replaces a connection the server dropped while it was idle,
//! a lost connection is replaced (a new server session), a connection dropped outside
//! any runtime is closed rather than pooled dirty.

mod common;

use std::time::{Duration, Instant};

use aludel_core::text;
use aludel_engine::{Connection, Engine, Error};
use common::{Db, backends, rt};

/// The server's id of the session behind `c`.
async fn session_id(db: &Db, c: &mut Connection) -> i64 {
    let sql = match db.name {
        "postgres" => "SELECT pg_backend_pid()::BIGINT",
        _ => "SELECT CONNECTION_ID()",
    };
    let id = c.scalar::<i64, _>(&text(sql)).await.unwrap().unwrap();
    c.rollback().await.unwrap();
    id
}

/// Ends the server session `id` from another connection.
async fn kill(db: &Db, id: i64) {
    let mut killer = db.engine.connect().await.unwrap();
    let sql = match db.name {
        "postgres" => format!("SELECT pg_terminate_backend({id})"),
        _ => format!("KILL {id}"),
    };
    killer.execute(&text(sql)).await.unwrap();
    killer.commit().await.unwrap();
    // The server needs a moment to end the session.
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[test]
fn a_checkout_that_cannot_be_served_is_a_pool_timeout() {
    rt().block_on(async {
        for db in backends("pool_timeout", 1).await {
            let engine = Engine::builder(&db.url)
                .max_size(1)
                .wait_timeout(Duration::from_millis(100))
                .build()
                .await
                .unwrap();
            let held = engine.connect().await.unwrap();
            let started = Instant::now();
            let e = engine.connect().await.unwrap_err();
            assert!(matches!(e, Error::PoolTimeout { .. }), "{}: {e}", db.name);
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{}: the checkout hung",
                db.name
            );
            drop(held);
            let mut again = engine.connect().await.unwrap();
            assert_eq!(
                again.scalar::<i64, _>(&text("SELECT 1")).await.unwrap(),
                Some(1)
            );
            again.rollback().await.unwrap();
        }
    });
}

#[test]
fn pre_ping_replaces_a_connection_lost_while_idle() {
    rt().block_on(async {
        for db in backends("pool_preping", 2).await {
            if db.name == "sqlite" {
                continue; // no server to drop the connection
            }
            let engine = Engine::builder(&db.url)
                .max_size(1)
                .pre_ping(true)
                .build()
                .await
                .unwrap();
            let mut c = engine.connect().await.unwrap();
            let before = session_id(&db, &mut c).await;
            drop(c);
            kill(&db, before).await;
            // The idle pooled connection is dead: pre-ping notices, the pool opens another.
            let mut c = engine.connect().await.unwrap();
            let after = session_id(&db, &mut c).await;
            assert_ne!(before, after, "{}", db.name);
        }
    });
}

#[test]
fn a_lost_connection_is_replaced_by_a_new_session() {
    rt().block_on(async {
        for db in backends("pool_replace", 2).await {
            if db.name == "sqlite" {
                continue;
            }
            let mut c = db.engine.connect().await.unwrap();
            let before = session_id(&db, &mut c).await;
            kill(&db, before).await;
            // Idle (no transaction open): either the loss is already known (PostgreSQL's
            // client sees the socket close) and the statement runs on a replacement, or
            // the statement's autobegin finds out (MySQL) and fails as a disconnect, with
            // nothing left open: the next statement gets the replacement.
            if let Err(e) = c.execute(&text("SELECT 1")).await {
                assert!(e.is_disconnect(), "{}: {e}", db.name);
                assert!(!c.in_transaction(), "{}", db.name);
            }
            c.rollback().await.unwrap();
            let after = session_id(&db, &mut c).await;
            assert_ne!(before, after, "{}: not a new session", db.name);
        }
    });
}

#[test]
fn a_connection_dropped_outside_a_runtime_is_not_pooled_dirty() {
    for name in ["sqlite", "postgres", "mysql"] {
        let runtime = rt();
        let Some(db) = runtime.block_on(async {
            let mut all = backends(&format!("pool_noruntime_{name}"), 1).await;
            all.retain(|d| d.name == name);
            all.pop()
        }) else {
            continue;
        };
        let t = db.table.clone();
        let conn = runtime.block_on(async {
            let mut c = db.fresh_table("x INTEGER", &[]).await;
            c.execute(&text(format!("INSERT INTO {t} (x) VALUES (1)")))
                .await
                .unwrap();
            assert!(c.in_transaction());
            c
        });
        // No runtime here: nothing can run a ROLLBACK now.
        drop(conn);
        runtime.block_on(async {
            let mut c = db.engine.connect().await.unwrap();
            assert!(!c.in_transaction(), "{name}");
            assert!(!c.server_in_transaction().await.unwrap(), "{name}");
            let n: i64 = c
                .scalar(&text(format!("SELECT count(*) FROM {t}")))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n, 0, "{name}: the dropped transaction's row is visible");
            c.rollback().await.unwrap();
        });
    }
}
