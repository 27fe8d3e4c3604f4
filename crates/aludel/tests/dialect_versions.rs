//! The capability model: what each dialect renders, emulates or refuses, by server version.

use aludel::dialect::{DialectKind, Feature};
use aludel::prelude::*;
use aludel::{CompileError, Dialect};

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    age: Option<i32>,
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    created_at: aludel::value::Timestamp,
}

#[derive(Table)]
struct Posts {
    #[aludel(primary_key)]
    id: i64,
    user_id: i64,
}

fn sql<S: Statement>(s: &S, d: Dialect) -> Result<String, String> {
    s.compile(&d)
        .map(|c| c.sql().to_owned())
        .map_err(|e| e.to_string())
}

fn unsupported<S: Statement>(s: &S, d: Dialect, feature: &str) {
    match s.compile(&d) {
        Err(CompileError::Unsupported {
            feature: f,
            dialect,
        }) => {
            assert_eq!(f, feature);
            assert_eq!(dialect, d);
        }
        other => panic!("{d}: expected Unsupported({feature}), got {other:?}"),
    }
}

#[test]
fn sqlite_versions() {
    let old = Dialect::sqlite().with_version(3, 29, 0);
    let ins = insert(users::table).values(users::name.set("a"));
    unsupported(&ins.returning(users::id), old, "RETURNING on INSERT");
    let rd = ins.return_defaults().compile(&old).unwrap();
    assert_eq!(rd.sql(), "INSERT INTO users (name) VALUES (?)");
    assert_eq!(rd.returns_defaults(), ["id", "created_at"]);
    assert!(!rd.returning_rendered());
    // NULLS FIRST is emulated before 3.30, native after.
    let ordered = select(users::id).order_by(users::age.asc().nulls_first());
    assert_eq!(
        sql(&ordered, old).unwrap(),
        "SELECT users.id FROM users ORDER BY users.age IS NULL DESC, users.age"
    );
    assert_eq!(
        sql(&ordered, Dialect::sqlite()).unwrap(),
        "SELECT users.id FROM users ORDER BY users.age NULLS FIRST"
    );
    let upd = update(users::table)
        .set(users::name.set("x"))
        .where_(posts::user_id.eq(users::id));
    unsupported(
        &upd,
        Dialect::sqlite().with_version(3, 32, 0),
        "UPDATE ... FROM (multi-table UPDATE)",
    );
    assert!(sql(&upd, Dialect::sqlite().with_version(3, 33, 0)).is_ok());
    let right = select(users::id.nullable()).right_join(posts::table, posts::user_id.eq(users::id));
    unsupported(
        &right,
        Dialect::sqlite().with_version(3, 38, 5),
        "RIGHT OUTER JOIN",
    );
    assert!(sql(&right, Dialect::sqlite().with_version(3, 39, 0)).is_ok());
}

#[test]
fn mysql_versions() {
    let five = Dialect::mysql().with_version(5, 7, 44);
    let base = select(users::id).where_(users::id.eq(1));
    assert_eq!(
        sql(&base.for_share(), five).unwrap(),
        "SELECT users.id FROM users WHERE users.id = ? LOCK IN SHARE MODE"
    );
    assert_eq!(
        sql(&base.for_share(), Dialect::mysql()).unwrap(),
        "SELECT users.id FROM users WHERE users.id = ? FOR SHARE"
    );
    unsupported(&base.for_update().nowait(), five, "NOWAIT");
    unsupported(&base.for_update().skip_locked(), five, "SKIP LOCKED");
    unsupported(&base.for_update().of(users::table), five, "FOR UPDATE OF");
    assert!(
        sql(
            &base.for_update().of(users::table).nowait(),
            Dialect::mysql()
        )
        .is_ok()
    );
    for d in [five, Dialect::mysql()] {
        unsupported(
            &insert(users::table)
                .values(users::name.set("a"))
                .returning(users::id),
            d,
            "RETURNING on INSERT",
        );
        unsupported(
            &delete(users::table).returning(users::id),
            d,
            "RETURNING on DELETE",
        );
    }
}

#[test]
fn mariadb_versions() {
    let ins = insert(users::table).values(users::name.set("a"));
    let m104 = Dialect::mariadb().with_version(10, 4, 0);
    let m105 = Dialect::mariadb().with_version(10, 5, 0);
    unsupported(&ins.returning(users::id), m104, "RETURNING on INSERT");
    assert_eq!(
        sql(&ins.returning(users::id), m105).unwrap(),
        "INSERT INTO users (name) VALUES (?) RETURNING id"
    );
    assert!(
        !ins.return_defaults()
            .compile(&m104)
            .unwrap()
            .returning_rendered()
    );
    assert!(
        ins.return_defaults()
            .compile(&m105)
            .unwrap()
            .returning_rendered()
    );
    // DELETE ... RETURNING predates INSERT ... RETURNING; UPDATE ... RETURNING does not exist.
    assert!(sql(&delete(users::table).returning(users::id), m104).is_ok());
    unsupported(
        &update(users::table)
            .set(users::name.set("a"))
            .returning(users::id),
        Dialect::mariadb(),
        "RETURNING on UPDATE",
    );
    let lock = select(users::id).for_update();
    unsupported(
        &lock.nowait(),
        Dialect::mariadb().with_version(10, 2, 0),
        "NOWAIT",
    );
    assert!(sql(&lock.nowait(), Dialect::mariadb().with_version(10, 3, 0)).is_ok());
    unsupported(
        &lock.skip_locked(),
        Dialect::mariadb().with_version(10, 5, 0),
        "SKIP LOCKED",
    );
    assert!(
        sql(
            &lock.skip_locked(),
            Dialect::mariadb().with_version(10, 6, 0)
        )
        .is_ok()
    );
}

#[test]
fn postgres_supports_every_feature() {
    let features = [
        Feature::InsertReturning,
        Feature::UpdateReturning,
        Feature::DeleteReturning,
        Feature::MultiTableReturning,
        Feature::RightJoin,
        Feature::FullJoin,
        Feature::NullsOrdering,
        Feature::DistinctOn,
        Feature::ForUpdate,
        Feature::ForShare,
        Feature::LockNoWait,
        Feature::LockSkipLocked,
        Feature::LockOf,
        Feature::UpdateFrom,
        Feature::DeleteUsing,
        Feature::RowValues,
        Feature::LimitInInSubquery,
    ];
    for f in features {
        assert!(Dialect::postgres().supports(f), "{f}");
    }
    assert_eq!(Dialect::postgres().kind(), DialectKind::Postgres);
}

#[test]
fn upsert_versions() {
    let ins = insert(users::table).values((users::id.set(1), users::name.set("a")));
    let up = ins
        .on_conflict(users::id)
        .do_update(users::name.set(excluded(users::name)));
    let odku = ins.on_duplicate_key_update(users::name.set(excluded(users::name)));
    // ON CONFLICT: PostgreSQL 9.5, SQLite 3.24.
    for (d, ok) in [
        (Dialect::postgres().with_version(9, 4, 0), false),
        (Dialect::postgres().with_version(9, 5, 0), true),
        (Dialect::sqlite().with_version(3, 23, 0), false),
        (Dialect::sqlite().with_version(3, 24, 0), true),
    ] {
        assert_eq!(d.supports(Feature::OnConflict), ok, "{d}");
        if !ok {
            unsupported(
                &up,
                d,
                "INSERT ... ON CONFLICT (on MySQL and MariaDB use on_duplicate_key_update())",
            );
        } else {
            assert!(
                sql(&up, d)
                    .unwrap()
                    .ends_with("ON CONFLICT (id) DO UPDATE SET name = excluded.name")
            );
        }
    }
    // The proposed row: VALUES(col) before MySQL 8.0.19 and on MariaDB, a row alias after.
    let my18 = Dialect::mysql().with_version(8, 0, 18);
    let my19 = Dialect::mysql().with_version(8, 0, 19);
    assert_eq!(
        sql(&odku, my18).unwrap(),
        "INSERT INTO users (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)"
    );
    assert_eq!(
        sql(&odku, my19).unwrap(),
        "INSERT INTO users (id, name) VALUES (?, ?) AS new ON DUPLICATE KEY UPDATE name = new.name"
    );
    // A table named `new` gets another alias.
    #[derive(Table)]
    #[aludel(name = "new")]
    struct New {
        #[aludel(primary_key)]
        id: i64,
        n: i32,
    }
    let s = insert(new::table)
        .values((new::id.set(1), new::n.set(1)))
        .on_duplicate_key_update(new::n.set(new::n + excluded(new::n)));
    assert_eq!(
        sql(&s, my19).unwrap(),
        "INSERT INTO new (id, n) VALUES (?, ?) AS new_row ON DUPLICATE KEY UPDATE n = new.n + new_row.n"
    );
    // SQLite has no upsert clause after DEFAULT VALUES.
    let dv = insert(users::table)
        .default_values()
        .on_any_conflict()
        .do_nothing();
    unsupported(&dv, Dialect::sqlite(), "ON CONFLICT with DEFAULT VALUES");
    assert_eq!(
        sql(&dv, Dialect::postgres()).unwrap(),
        "INSERT INTO users DEFAULT VALUES ON CONFLICT DO NOTHING"
    );
    // Each family's form is refused by the other.
    unsupported(
        &odku,
        Dialect::sqlite(),
        "INSERT ... ON DUPLICATE KEY UPDATE (on PostgreSQL and SQLite use on_conflict())",
    );
    unsupported(
        &up,
        Dialect::mariadb(),
        "INSERT ... ON CONFLICT (on MySQL and MariaDB use on_duplicate_key_update())",
    );
}
