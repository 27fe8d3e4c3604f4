//! Every statement and transaction-control command is a `tracing` event on target
//! `aludel::sql` (off unless a subscriber enables it, like SQLAlchemy's `echo`). In a
//! binary of its own: `tracing` caches per call site whether anyone listens, so other
//! tests' threads must not run those call sites first.

mod common;

use std::sync::{Arc, Mutex};

use aludel_core::text;
use common::{backends, rt};

/// A `tracing` subscriber that keeps the `aludel::sql` events it sees.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!("{}={} ", field.name(), value));
    }
}

impl tracing::Subscriber for Events {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        m.target() == "aludel::sql"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, e: &tracing::Event<'_>) {
        let mut f = Fields(String::new());
        e.record(&mut f);
        self.0.lock().unwrap().push(f.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn statements_and_transaction_control_are_traced() {
    let events = Events::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    rt().block_on(async {
        for db in backends("tracing", 1).await {
            events.0.lock().unwrap().clear();
            let mut c = db.engine.connect().await.unwrap();
            let mut tx = c.begin().await.unwrap();
            let stmt = text("SELECT :a + 1").bind("a", 1i64);
            tx.execute(&stmt).await.unwrap();
            tx.execute(&stmt).await.unwrap();
            let sp = tx.begin_nested().await.unwrap();
            sp.rollback().await.unwrap();
            tx.commit().await.unwrap();
            let seen = events.0.lock().unwrap().clone();
            let statements: Vec<&String> = seen
                .iter()
                .filter(|e| e.contains("message=statement"))
                .collect();
            assert_eq!(statements.len(), 2, "{}: {seen:?}", db.name);
            for e in &statements {
                assert!(e.contains("params=1"), "{}: {e}", db.name);
                assert!(e.contains("elapsed_us="), "{}: {e}", db.name);
                assert!(e.contains("sql=SELECT"), "{}: {e}", db.name);
            }
            assert!(
                statements[0].contains("cache_hit=false"),
                "{}: {seen:?}",
                db.name
            );
            assert!(
                statements[1].contains("cache_hit=true"),
                "{}: {seen:?}",
                db.name
            );
            for control in [
                "sql=BEGIN",
                "sql=SAVEPOINT",
                "sql=ROLLBACK TO SAVEPOINT",
                "sql=COMMIT",
            ] {
                assert!(
                    seen.iter()
                        .any(|e| e.contains("message=transaction") && e.contains(control)),
                    "{}: no {control} event in {seen:?}",
                    db.name
                );
            }
        }
    });
}

/// `execute_many` of a single-row INSERT sends one multi-row INSERT per batch (here
/// 2,500 rows in batches of 1,000: three statements), not one per row.
#[test]
fn execute_many_inserts_in_batches() {
    use aludel::prelude::*;
    #[derive(Table)]
    #[aludel(name = "eng_batches", ident = "batches")]
    struct Batches {
        #[aludel(primary_key)]
        id: i64,
        n: i64,
    }
    let events = Events::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    rt().block_on(async {
        for db in backends("tracing_batches", 1).await {
            let mut c = db.engine.connect().await.unwrap();
            c.execute(&text("DROP TABLE IF EXISTS eng_batches"))
                .await
                .unwrap();
            c.execute(&text(
                "CREATE TABLE eng_batches (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)",
            ))
            .await
            .unwrap();
            c.commit().await.unwrap();
            events.0.lock().unwrap().clear();
            let one = insert(batches::table).values((
                batches::id.set(bindparam::<i64>("id")),
                batches::n.set(bindparam::<i64>("n")),
            ));
            let sets: Vec<Params> = (0..2500i64)
                .map(|i| Params::new().set("id", i).set("n", i * 2))
                .collect();
            let r = c.execute_many(&one, &sets).await.unwrap();
            assert_eq!(r.rows_affected(), 2500, "{}", db.name);
            c.commit().await.unwrap();
            let seen = events.0.lock().unwrap().clone();
            let inserts: Vec<&String> = seen
                .iter()
                .filter(|e| e.contains("message=statement") && e.contains("sql=INSERT"))
                .collect();
            assert_eq!(inserts.len(), 3, "{}: {} INSERTs", db.name, inserts.len());
            assert!(inserts[0].contains("params=2000"), "{}", db.name);
            assert!(inserts[2].contains("params=1000"), "{}", db.name);
        }
    });
}
