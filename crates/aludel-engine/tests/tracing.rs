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
