//! Which single-row INSERTs `execute_many` may send as one multi-row statement: those
//! whose rows mean the same whether sent together or one by one.

use aludel::prelude::*;

#[derive(Table)]
struct Items {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    pos: i64,
    #[aludel(onupdate = 7)]
    version: i32,
}

fn batchable<S: Statement>(s: &S, d: aludel::Dialect) -> bool {
    s.compile_statement(&d).unwrap().batchable()
}

#[test]
fn rows_that_read_tables_are_sent_one_by_one() {
    let plain = insert(items::table).values((
        items::name.set(bindparam::<String>("n")),
        items::pos.set(bindparam::<i64>("p")),
    ));
    assert!(batchable(&plain, aludel::Dialect::postgres()));
    // Each row's subquery must see the rows inserted before it.
    let next_pos = select(func::coalesce(func::max(items::pos), 0i64) + 1)
        .scalar_subquery()
        .assume_not_null();
    let counted = insert(items::table).values((
        items::name.set(bindparam::<String>("n")),
        items::pos.set(next_pos),
    ));
    assert!(!batchable(&counted, aludel::Dialect::postgres()));
    assert!(!batchable(&counted, aludel::Dialect::sqlite()));
}

#[test]
fn upsert_updates_outside_the_row() {
    let row = insert(items::table).values((
        items::id.set(bindparam::<i64>("id")),
        items::name.set(bindparam::<String>("n")),
        items::pos.set(1i64),
    ));
    // ON CONFLICT DO UPDATE: never batched (two rows on one key are an error there).
    let pg = row
        .on_conflict(items::id)
        .do_update(items::name.set(excluded(items::name)));
    assert!(!batchable(&pg, aludel::Dialect::postgres()));
    // DO NOTHING: batched.
    assert!(batchable(
        &row.on_conflict(items::id).do_nothing(),
        aludel::Dialect::postgres()
    ));
    // ON DUPLICATE KEY UPDATE with a client `onupdate` column: computed per row only
    // when sent one by one.
    let my = row.on_duplicate_key_update(items::name.set(excluded(items::name)));
    let sql = my.compile_statement(&MariaDb).unwrap().sql().to_owned();
    assert!(sql.ends_with("name = VALUES(name), version = ?"), "{sql}");
    assert!(!batchable(&my, aludel::Dialect::mariadb()));
}

/// The read-back of `return_defaults()` without RETURNING finds an SQLite row by its
/// rowid (exact whether or not the key column is the rowid's alias), MySQL's by the key.
#[test]
fn return_defaults_read_back_key() {
    let s = insert(items::table)
        .values((items::name.set("a"), items::pos.set(1i64)))
        .return_defaults();
    let old_sqlite = aludel::Dialect::sqlite().with_version(3, 34, 0);
    let f = s
        .return_defaults_fetch(&old_sqlite, &Params::new())
        .unwrap()
        .unwrap();
    assert_eq!(
        f.compile(&old_sqlite, Some(9)).unwrap().sql(),
        "SELECT items.id FROM items WHERE (rowid) = ?"
    );
    let f = s
        .return_defaults_fetch(&MySql, &Params::new())
        .unwrap()
        .unwrap();
    assert_eq!(
        f.compile(&MySql, Some(9)).unwrap().sql(),
        "SELECT items.id FROM items WHERE items.id = ?"
    );
}

/// Rows a multi-row INSERT returns are put in input order by the auto-increment key,
/// and only when the server generates it (a client default would fill it in any order).
#[test]
fn the_insertion_order_key() {
    let s = insert(items::table)
        .values((items::name.set("a"), items::pos.set(1i64)))
        .returning((items::name, items::id));
    assert_eq!(
        s.compile_statement(&Postgres).unwrap().insert_order(),
        Some(1)
    );
    #[derive(Table)]
    struct Keyed {
        #[aludel(primary_key, autoincrement, default = 5i64)]
        id: i64,
        name: String,
    }
    let s = insert(keyed::table)
        .values(keyed::name.set("a"))
        .returning((keyed::id, keyed::name));
    assert_eq!(s.compile_statement(&Postgres).unwrap().insert_order(), None);
    // Nor when an upsert may update a row that keeps its older key.
    let up = insert(items::table)
        .values((items::name.set("a"), items::pos.set(1i64)))
        .on_conflict(items::id)
        .do_update(items::pos.set(excluded(items::pos)))
        .returning((items::id,));
    assert_eq!(
        up.compile_statement(&Postgres).unwrap().insert_order(),
        None
    );
}
