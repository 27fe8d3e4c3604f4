//! PostgreSQL's own behaviours the engine must not paper over: a COMMIT of a transaction
//! an error aborted is reported (the server rolls it back), a parameter that cannot be
//! encoded is an ordinary error (not a lost connection), NaN reaches a NUMERIC as NaN
//! (an infinity is refused), and a prepared statement whose result type changed is
//! prepared again.

mod common;

use aludel_core::compile::Params;
use aludel_core::text;
use aludel_engine::Error;
use common::{postgres, rt};

#[test]
fn committing_an_aborted_transaction_is_an_error_and_commits_nothing() {
    rt().block_on(async {
        let Some(db) = postgres("pg_aborted_commit", 1).await else {
            return;
        };
        let t = &db.table;
        let mut c = db.fresh_table("x INTEGER", &[]).await;

        let mut tx = c.begin().await.unwrap();
        tx.execute(&text(format!("INSERT INTO {t} VALUES (1)")))
            .await
            .unwrap();
        assert!(tx.execute(&text("SELECT 1 / 0")).await.is_err());
        let e = tx.commit().await.unwrap_err();
        assert_eq!(e.code(), Some("25P02"), "{e}");
        assert!(e.to_string().contains("rolled back, not committed"), "{e}");

        // An error inside a savepoint that was rolled back does not abort the transaction.
        let mut tx = c.begin().await.unwrap();
        tx.execute(&text(format!("INSERT INTO {t} VALUES (2)")))
            .await
            .unwrap();
        let mut sp = tx.begin_nested().await.unwrap();
        assert!(sp.execute(&text("SELECT 1 / 0")).await.is_err());
        sp.rollback().await.unwrap();
        tx.commit().await.unwrap();

        let rows: Vec<i64> = c
            .execute(&text(format!("SELECT x::BIGINT FROM {t} ORDER BY x")))
            .await
            .unwrap()
            .scalars()
            .unwrap();
        assert_eq!(rows, [2]);
        c.rollback().await.unwrap();
    });
}

#[test]
fn a_parameter_that_cannot_be_encoded_is_not_a_disconnect() {
    rt().block_on(async {
        let Some(db) = postgres("pg_encode", 1).await else {
            return;
        };
        let mut c = db.engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        for (sql, params) in [
            // Text where the server wants an integer.
            (
                "SELECT CAST(:x AS INTEGER) + 1",
                Params::new().set("x", "abc"),
            ),
            // An i64 that does not fit INTEGER.
            (
                "SELECT CAST(:x AS INTEGER) + 1",
                Params::new().set("x", i64::MAX),
            ),
            // An infinity for a NUMERIC.
            (
                "SELECT CAST(:x AS NUMERIC)",
                Params::new().set("x", f64::INFINITY),
            ),
        ] {
            let e = tx.execute_with(&text(sql), &params).await.unwrap_err();
            assert!(!e.is_disconnect(), "{sql}: {e}");
            assert!(matches!(e, Error::Database { .. }), "{sql}: {e}");
            // Encoding fails before anything is sent: the transaction goes on.
            assert!(tx.is_active());
            assert_eq!(
                tx.scalar::<i64, _>(&text("SELECT 7::BIGINT"))
                    .await
                    .unwrap(),
                Some(7)
            );
        }
        let nan: f64 = tx
            .execute_with(
                &text("SELECT CAST(:x AS NUMERIC)"),
                &Params::new().set("x", f64::NAN),
            )
            .await
            .unwrap()
            .scalar()
            .unwrap()
            .unwrap();
        assert!(nan.is_nan(), "{nan}");
        tx.commit().await.unwrap();
    });
}

#[test]
fn a_prepared_statement_whose_result_type_changed_is_prepared_again() {
    rt().block_on(async {
        let Some(db) = postgres("pg_replan", 1).await else {
            return;
        };
        let t = &db.table;
        let mut c = db.fresh_table("x INTEGER", &["1"]).await;
        let select = text(format!("SELECT * FROM {t}"));
        assert_eq!(c.execute(&select).await.unwrap().len(), 1);
        c.commit().await.unwrap();
        c.execute(&text(format!("ALTER TABLE {t} ALTER COLUMN x TYPE TEXT")))
            .await
            .unwrap();
        c.commit().await.unwrap();
        // The server refuses the old plan once; the next execution prepares it afresh.
        if let Err(e) = c.execute(&select).await {
            assert_eq!(e.code(), Some("0A000"), "{e}");
            c.rollback().await.unwrap();
        }
        let v: String = c.execute(&select).await.unwrap().one().unwrap();
        assert_eq!(v, "1");
        c.rollback().await.unwrap();
    });
}

/// A savepoint whose RELEASE fails (PostgreSQL: an error inside it aborted the
/// transaction) leaves its transaction inactive; rolling that back really rolls back,
/// so the pooled connection's next user is not inside the aborted transaction.
#[test]
fn a_failed_release_still_rolls_back_before_the_connection_is_reused() {
    rt().block_on(async {
        let Some(db) = postgres("pg_failed_release", 1).await else {
            return;
        };
        let mut c = db.engine.connect().await.unwrap();
        let mut tx = c.begin().await.unwrap();
        let mut sp = tx.begin_nested().await.unwrap();
        assert!(sp.execute(&text("SELECT 1 / 0")).await.is_err());
        let e = sp.commit().await.unwrap_err();
        assert_eq!(e.code(), Some("25P02"), "{e}");
        assert!(!tx.is_active());
        assert!(matches!(
            tx.execute(&text("SELECT 1")).await,
            Err(Error::PendingRollback { .. })
        ));
        tx.rollback().await.unwrap();
        assert!(!c.server_in_transaction().await.unwrap());
        drop(c);
        let mut next = db.engine.connect().await.unwrap();
        assert!(!next.server_in_transaction().await.unwrap());
        assert_eq!(
            next.scalar::<i64, _>(&text("SELECT 2::BIGINT"))
                .await
                .unwrap(),
            Some(2)
        );
        next.rollback().await.unwrap();
    });
}
