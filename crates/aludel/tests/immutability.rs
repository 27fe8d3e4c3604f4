//! Statements are values: deriving new statements leaves the base unchanged, and the
//! derived statements share the base's nodes.

use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    age: Option<i32>,
}

#[derive(Table)]
struct Posts {
    #[aludel(primary_key)]
    id: i64,
    user_id: i64,
}

fn sql<S: Statement>(s: &S) -> String {
    s.compile(&Sqlite).unwrap().sql().to_owned()
}

#[test]
fn select_builders_leave_the_base_alone() {
    let base = select((users::id, users::name)).where_(users::age.gt(18));
    let before = sql(&base);
    let a = base.where_(users::name.eq("a"));
    let b = base.where_(users::name.eq("b")).order_by(users::id.desc());
    let c = base.limit(3).offset(1).distinct().for_update();
    let d = base.join(posts::table, posts::user_id.eq(users::id));
    let e = base.group_by(users::id).having(func::count_star().gt(1));
    assert_eq!(sql(&base), before);
    assert_eq!(
        before,
        "SELECT users.id, users.name FROM users WHERE users.age > ?"
    );
    assert_eq!(
        sql(&a),
        "SELECT users.id, users.name FROM users WHERE users.age > ? AND users.name = ?"
    );
    assert_eq!(
        sql(&b),
        "SELECT users.id, users.name FROM users WHERE users.age > ? AND users.name = ? ORDER BY users.id DESC"
    );
    assert!(
        c.compile(&Postgres)
            .unwrap()
            .sql()
            .ends_with("LIMIT $2 OFFSET $3 FOR UPDATE")
    );
    assert!(sql(&d).contains("JOIN posts ON posts.user_id = users.id"));
    assert!(sql(&e).ends_with("GROUP BY users.id HAVING count(*) > ?"));
    // Each derived statement carries only its own condition's values.
    assert_eq!(a.bind_values()[1], &Value::from("a"));
    assert_eq!(b.bind_values()[1], &Value::from("b"));
}

#[test]
fn derived_statements_share_the_base_nodes() {
    let base = select(users::id).where_(users::name.eq("shared"));
    let derived = base.limit(1);
    // The bound value of the WHERE clause is the same object in both statements.
    let (v1, v2) = (base.bind_values()[0], derived.bind_values()[0]);
    assert!(std::ptr::eq(v1, v2));
    let cloned = base.clone();
    assert!(std::ptr::eq(base.bind_values()[0], cloned.bind_values()[0]));
}

#[test]
fn dml_builders_leave_the_base_alone() {
    let ins = insert(users::table).values(users::name.set("x"));
    let ins2 = ins.values(users::age.set(Some(3)));
    let ins3 = ins.returning(users::id);
    assert_eq!(sql(&ins), "INSERT INTO users (name) VALUES (?)");
    assert_eq!(sql(&ins2), "INSERT INTO users (name, age) VALUES (?, ?)");
    assert_eq!(
        sql(&ins3),
        "INSERT INTO users (name) VALUES (?) RETURNING id"
    );

    let upd = update(users::table).set(users::name.set("y"));
    let upd2 = upd.where_(users::id.eq(1));
    let upd3 = upd.set(users::age.set_null());
    assert_eq!(sql(&upd), "UPDATE users SET name = ?");
    assert_eq!(sql(&upd2), "UPDATE users SET name = ? WHERE users.id = ?");
    assert_eq!(sql(&upd3), "UPDATE users SET name = ?, age = ?");

    let del = delete(users::table);
    let del2 = del.where_(users::id.eq(2));
    assert_eq!(sql(&del), "DELETE FROM users");
    assert_eq!(sql(&del2), "DELETE FROM users WHERE users.id = ?");
}

#[test]
fn expressions_are_reusable() {
    let adult = users::age.ge(18);
    let named = users::name.ne("");
    let both = adult.and(&named);
    let either = adult.or(&named);
    assert_eq!(
        sql(&select(users::id).where_(both)),
        "SELECT users.id FROM users WHERE users.age >= ? AND users.name <> ?"
    );
    assert_eq!(
        sql(&select(users::id).where_(either)),
        "SELECT users.id FROM users WHERE users.age >= ? OR users.name <> ?"
    );
    assert_eq!(
        sql(&select(users::id).where_(adult)),
        "SELECT users.id FROM users WHERE users.age >= ?"
    );
}

#[test]
fn statements_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Select<(i64, String)>>();
    assert_send_sync::<aludel::Insert>();
    assert_send_sync::<aludel::Update>();
    assert_send_sync::<aludel::Delete>();
    assert_send_sync::<Expr<bool>>();
    assert_send_sync::<aludel::CompiledStatement>();
    assert_send_sync::<aludel::StatementCache>();
}
