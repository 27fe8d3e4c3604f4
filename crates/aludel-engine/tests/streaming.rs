//! Streaming results on every backend: rows arrive as they are read, a stream dropped
//! early leaves the connection and its transaction usable, a stream that fails to start
//! leaves the transaction as it was, and the pooled connection's next user is clean.

mod common;

use aludel_core::text;
use aludel_engine::Error;
use common::{backends, rt};

const TEN_THOUSAND: &str = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000) SELECT x FROM n";

#[test]
fn streams_read_every_row_and_stop_early_safely() {
    rt().block_on(async {
        for db in backends("streaming", 1).await {
            let who = db.name;
            let mut c = db.engine.connect().await.unwrap();
            if who == "mysql" {
                // MariaDB stops recursive CTEs after 1000 iterations by default.
                c.execute(&text("SET SESSION max_recursive_iterations = 20000"))
                    .await
                    .unwrap();
            }
            let mut rows = c.stream(&text(TEN_THOUSAND)).await.unwrap();
            let (mut n, mut sum) = (0, 0i64);
            while let Some(x) = rows.next::<i64>().await.unwrap() {
                n += 1;
                sum += x;
            }
            assert_eq!((n, sum), (10_000, 50_005_000), "{who}");
            assert_eq!(rows.next::<i64>().await.unwrap(), None, "{who}");
            drop(rows);
            c.commit().await.unwrap();

            let mut tx = c.begin().await.unwrap();
            {
                let mut rows = tx.stream(&text(TEN_THOUSAND)).await.unwrap();
                for want in 1..=10i64 {
                    assert_eq!(rows.next::<i64>().await.unwrap(), Some(want), "{who}");
                }
            } // dropped with rows unread
            // The unread rows are discarded (MySQL reads them off the wire before the next
            // command); the transaction goes on.
            let after = tx.execute(&text("SELECT 1")).await;
            assert_eq!(after.unwrap().scalar::<i64>().unwrap(), Some(1), "{who}");
            assert!(tx.is_active(), "{who}");
            tx.commit().await.unwrap();
            // The connection works, and the next user is clean.
            assert_eq!(
                c.scalar::<i64, _>(&text("SELECT 2")).await.unwrap(),
                Some(2)
            );
            c.rollback().await.unwrap();
            drop(c);
            let mut next = db.engine.connect().await.unwrap();
            assert!(!next.server_in_transaction().await.unwrap(), "{who}");

            let e = next
                .stream(&text("SELECT * FROM no_such_table"))
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Database { .. }), "{who}: {e}");
        }
    });
}

/// A stream whose query fails leaves its transaction as it was: later statements run in
/// that same transaction (not in a fresh autocommit session), and rolling it back undoes
/// them.
#[test]
fn a_failed_stream_keeps_its_transaction() {
    rt().block_on(async {
        for db in backends("stream_fail", 1).await {
            let who = db.name;
            let t = &db.table;
            let mut c = db.fresh_table("x INTEGER", &[]).await;

            let mut tx = c.begin().await.unwrap();
            tx.execute(&text(format!("INSERT INTO {t} (x) VALUES (1)")))
                .await
                .unwrap();
            let e = tx
                .stream(&text("SELECT * FROM no_such_table"))
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Database { .. }), "{who}: {e}");
            if who != "postgres" {
                // PostgreSQL aborts a transaction at its first error; the others go on.
                tx.execute(&text(format!("INSERT INTO {t} (x) VALUES (2)")))
                    .await
                    .unwrap();
                let n: i64 = tx
                    .scalar(&text(format!("SELECT count(*) FROM {t}")))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(n, 2, "{who}: the statements ran outside the transaction");
            }
            tx.rollback().await.unwrap();
            let n: i64 = c
                .scalar(&text(format!("SELECT count(*) FROM {t}")))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n, 0, "{who}: a rolled-back row was committed");
            c.rollback().await.unwrap();
        }
    });
}
