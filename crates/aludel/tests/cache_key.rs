//! Cache keys: statements that differ only in bound values share a key (and compile to
//! the same SQL); any structural difference gives another key.

use aludel::dialect::Dialect;
use aludel::prelude::*;
use aludel::schema::TableBuilder;
use aludel::{CacheKey, DataType, StatementCache};

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    fullname: Option<String>,
    age: Option<i32>,
}

#[derive(Table)]
struct Posts {
    #[aludel(primary_key)]
    id: i64,
    user_id: i64,
    title: String,
}

fn dialects() -> [Dialect; 4] {
    [
        Dialect::postgres(),
        Dialect::mysql(),
        Dialect::mariadb(),
        Dialect::sqlite(),
    ]
}

/// `a` and `b` must share a key and compile to the same SQL text on every dialect.
fn same<A: Statement, B: Statement>(what: &str, a: &A, b: &B) {
    assert_eq!(a.cache_key(), b.cache_key(), "{what}: keys differ");
    for d in dialects() {
        let (ca, cb) = (
            a.compile_statement(&d).unwrap(),
            b.compile_statement(&d).unwrap(),
        );
        assert_eq!(ca.sql(), cb.sql(), "{what}: {d}: same key, different SQL");
    }
}

fn differ<A: Statement, B: Statement>(what: &str, a: &A, b: &B) {
    assert_ne!(a.cache_key(), b.cache_key(), "{what}: keys collide");
}

#[test]
fn values_do_not_change_the_key() {
    same(
        "int values",
        &select(users::name).where_(users::id.eq(1)),
        &select(users::name).where_(users::id.eq(999)),
    );
    same(
        "string values",
        &select(users::id).where_(users::name.eq("a")),
        &select(users::id).where_(users::name.eq("a much longer string with 'quotes'")),
    );
    same(
        "IN list lengths",
        &select(users::id).where_(users::id.in_([1, 2])),
        &select(users::id).where_(users::id.in_([1, 2, 3, 4, 5])),
    );
    same(
        "empty IN list",
        &select(users::id).where_(users::id.in_(Vec::<i64>::new())),
        &select(users::id).where_(users::id.in_([7])),
    );
    same(
        "limit and offset values",
        &select(users::id).limit(1).offset(2),
        &select(users::id).limit(100).offset(0),
    );
    same(
        "insert values",
        &insert(users::table).values((users::name.set("a"), users::age.set(Some(1)))),
        &insert(users::table).values((users::name.set("b"), users::age.set(None::<i32>))),
    );
    same(
        "set_null and a value",
        &update(users::table).set(users::fullname.set_null()),
        &update(users::table).set(users::fullname.set(Some("x"))),
    );
    same(
        "multi-row values",
        &insert(posts::table)
            .values_many([1i64, 2].map(|u| (posts::user_id.set(u), posts::title.set("t")))),
        &insert(posts::table)
            .values_many([8i64, 9].map(|u| (posts::user_id.set(u), posts::title.set("z")))),
    );
    same(
        "text bound values",
        &text("SELECT :a").bind("a", 1i64),
        &text("SELECT :a").bind("a", 2i64),
    );
    same(
        "named parameters",
        &select(users::id).where_(users::id.eq(bindparam::<i64>("x"))),
        &select(users::id).where_(users::id.eq(bindparam::<i64>("x"))),
    );
    same(
        "subquery values",
        &select(users::id)
            .where_(users::id.in_(&select(posts::user_id).where_(posts::title.eq("a")))),
        &select(users::id)
            .where_(users::id.in_(&select(posts::user_id).where_(posts::title.eq("b")))),
    );
    let t = TableBuilder::new("events")
        .column("id", DataType::BigInt)
        .build()
        .unwrap();
    let id = t.column::<i64>("id").unwrap();
    same(
        "one runtime table",
        &select(id.clone()).where_(id.eq(1)),
        &select(id.clone()).where_(id.eq(2)),
    );
}

#[test]
fn structure_changes_the_key() {
    let base = select((users::id, users::name)).where_(users::id.eq(1));
    differ(
        "columns",
        &base,
        &select((users::id, users::fullname)).where_(users::id.eq(1)),
    );
    differ(
        "column order",
        &base,
        &select((users::name, users::id)).where_(users::id.eq(1)),
    );
    differ(
        "operator",
        &base,
        &select((users::id, users::name)).where_(users::id.ne(1)),
    );
    differ(
        "lt vs le",
        &select(users::id).where_(users::id.lt(1)),
        &select(users::id).where_(users::id.le(1)),
    );
    differ("table", &select(users::id), &select(posts::id));
    let (a1, a2) = (users::table.alias("a1"), users::table.alias("a2"));
    differ(
        "alias names",
        &select(a1.col(users::id)),
        &select(a2.col(users::id)),
    );
    differ(
        "alias vs table",
        &select(a1.col(users::id)),
        &select(users::id),
    );
    differ("limit present", &base, &base.limit(10));
    differ("offset present", &base.limit(1), &base.limit(1).offset(1));
    differ(
        "IN list vs scalar",
        &select(users::id).where_(users::id.in_([1])),
        &select(users::id).where_(users::id.eq(1)),
    );
    differ(
        "IN vs NOT IN",
        &select(users::id).where_(users::id.in_([1])),
        &select(users::id).where_(users::id.not_in([1])),
    );
    differ(
        "IN list vs IN subquery",
        &select(users::id).where_(users::id.in_([1])),
        &select(users::id).where_(users::id.in_(&select(posts::user_id))),
    );
    differ(
        "literal types",
        &select(literal(1i64)),
        &select(literal(1i32)),
    );
    differ(
        "literal vs string",
        &select(literal(1i64)),
        &select(literal("1")),
    );
    differ(
        "inline values",
        &select(inline(1i64)),
        &select(inline(2i64)),
    );
    differ(
        "inline vs bound",
        &select(inline(1i64)),
        &select(literal(1i64)),
    );
    differ(
        "labels",
        &select(users::id.label("a")),
        &select(users::id.label("b")),
    );
    differ(
        "asc vs desc",
        &base.order_by(users::id.asc()),
        &base.order_by(users::id.desc()),
    );
    differ(
        "nulls placement",
        &base.order_by(users::age.asc().nulls_first()),
        &base.order_by(users::age.asc().nulls_last()),
    );
    differ(
        "join kinds",
        &select(users::id).join(posts::table, posts::user_id.eq(users::id)),
        &select(users::id).left_join(posts::table, posts::user_id.eq(users::id)),
    );
    differ(
        "AND vs OR",
        &select(users::id).where_(users::id.eq(1).and(users::id.eq(2))),
        &select(users::id).where_(users::id.eq(1).or(users::id.eq(2))),
    );
    differ(
        "distinct",
        &select(users::id),
        &select(users::id).distinct(),
    );
    differ("lock strength", &base.for_update(), &base.for_share());
    differ("lock wait", &base.for_update(), &base.for_update().nowait());
    differ(
        "IS NULL vs = value",
        &select(users::id).where_(users::fullname.eq(None::<String>)),
        &select(users::id).where_(users::fullname.eq(Some("x"))),
    );
    differ(
        "cast targets",
        &select(users::id.cast::<String>()),
        &select(users::id.cast::<f64>()),
    );
    differ(
        "function names",
        &select(func::call::<i64, _>("abs", (users::id,))),
        &select(func::call::<i64, _>("sign", (users::id,))),
    );
    differ(
        "CASE with and without ELSE",
        &select(case(users::id.gt(1), 1i64).else_(0)),
        &select(case(users::id.gt(1), 1i64).end()),
    );
    differ(
        "row counts",
        &insert(posts::table)
            .values_many([1i64, 2].map(|u| (posts::user_id.set(u), posts::title.set("t")))),
        &insert(posts::table)
            .values_many([1i64, 2, 3].map(|u| (posts::user_id.set(u), posts::title.set("t")))),
    );
    differ(
        "assigned columns",
        &insert(users::table).values(users::name.set("a")),
        &insert(users::table).values(users::fullname.set(Some("a"))),
    );
    differ(
        "return_defaults",
        &insert(users::table).values(users::name.set("a")),
        &insert(users::table)
            .values(users::name.set("a"))
            .return_defaults(),
    );
    differ("text", &text("SELECT 1"), &text("SELECT 2"));
    differ(
        "bound vs unbound text parameter",
        &text("SELECT :a").bind("a", 1i64),
        &text("SELECT :a"),
    );
    differ(
        "subquery names",
        &select(select(users::id).subquery("a").columns()),
        &select(select(users::id).subquery("b").columns()),
    );
    differ(
        "statement kinds",
        &update(users::table).set(users::name.set("x")),
        &delete(users::table),
    );
    let build = || {
        TableBuilder::new("events")
            .column("id", DataType::BigInt)
            .build()
            .unwrap()
    };
    // The row type decides whether an outer join's column may be selected: one of these
    // compiles, the other is an error, so they must not share a cached statement.
    differ(
        "row type nullability over an outer join",
        &select((users::id, posts::title)).left_join(posts::table, posts::user_id.eq(users::id)),
        &select((users::id, posts::title.nullable()))
            .left_join(posts::table, posts::user_id.eq(users::id)),
    );
    let (t1, t2) = (build(), build());
    // Runtime tables are identified by instance: build one and reuse it.
    differ(
        "two runtime tables",
        &select(t1.column::<i64>("id").unwrap()),
        &select(t2.column::<i64>("id").unwrap()),
    );
}

#[test]
fn many_shapes_have_distinct_keys() {
    let shapes: Vec<CacheKey> = vec![
        select(users::id).cache_key(),
        select(users::name).cache_key(),
        select(users::table).cache_key(),
        select(users::id).where_(users::id.eq(1)).cache_key(),
        select(users::id).where_(users::id.gt(1)).cache_key(),
        select(users::id).where_(users::name.like("a")).cache_key(),
        select(users::id).where_(users::name.ilike("a")).cache_key(),
        select(users::id)
            .where_(users::name.not_like("a"))
            .cache_key(),
        select(users::id).where_(users::age.is_null()).cache_key(),
        select(users::id)
            .where_(users::age.is_not_null())
            .cache_key(),
        select(users::id)
            .where_(users::age.between(1, 2))
            .cache_key(),
        select(users::id)
            .where_(users::age.not_between(1, 2))
            .cache_key(),
        select(users::id).group_by(users::name).cache_key(),
        select(users::id).order_by(users::name).cache_key(),
        select(users::id).limit(1).cache_key(),
        select(users::id).offset(1).cache_key(),
        select(func::count_star())
            .select_from(users::table)
            .cache_key(),
        select(func::count(users::id)).cache_key(),
        select(func::count_distinct(users::id)).cache_key(),
        insert(users::table)
            .values(users::name.set("a"))
            .cache_key(),
        update(users::table).set(users::name.set("a")).cache_key(),
        delete(users::table).cache_key(),
        delete(users::table).where_(users::id.eq(1)).cache_key(),
        text("SELECT 1").cache_key(),
    ];
    for (i, a) in shapes.iter().enumerate() {
        for (j, b) in shapes.iter().enumerate().skip(i + 1) {
            assert_ne!(a, b, "shapes {i} and {j} collide");
        }
    }
}

#[test]
fn cache_serves_each_statement_its_own_values() {
    let cache = StatementCache::new(64);
    for d in dialects() {
        for id in [1i64, 2, 3] {
            let stmt =
                select(users::name).where_(users::id.eq(id).and(users::name.in_(["a", "b"])));
            let p = cache.prepare(&stmt, &d).unwrap();
            let bound = p.bind(&Params::new()).unwrap();
            assert_eq!(*bound.params()[0], Value::I64(id));
        }
    }
    // One compile per dialect, hits for the rest.
    assert_eq!(cache.misses(), 4);
    assert_eq!(cache.hits(), 8);
}

#[test]
fn cache_evicts_at_capacity() {
    let cache = StatementCache::new(8);
    for n in 0..100i64 {
        // An inline value is part of the shape: 100 distinct shapes.
        let stmt = select(users::id).where_(inline(n).eq(inline(n)));
        cache.prepare(&stmt, &Sqlite).unwrap();
    }
    assert!(cache.len() <= 8, "cache holds {}", cache.len());
    assert_eq!(cache.misses(), 100);
    // A shape used again and again survives the churn (CLOCK's second chance).
    let hot = select(users::name).where_(users::id.eq(1));
    for n in 0..50i64 {
        cache.prepare(&hot, &Sqlite).unwrap();
        cache
            .prepare(&select(users::id).where_(inline(n).eq(inline(n))), &Sqlite)
            .unwrap();
    }
    let before = cache.hits();
    assert!(cache.prepare(&hot, &Sqlite).unwrap().cache_hit());
    assert_eq!(cache.hits(), before + 1);
}

/// A value type whose literal is a list of another kind: inline lists must encode each
/// element's kind, or two lists rendering differently would share a key.
struct JsonList(&'static str);
impl aludel::IntoLiteral for JsonList {
    type SqlType = aludel::Dyn;
    fn into_value(self) -> Value {
        Value::List(vec![Value::Json(aludel::value::Json::from_text(self.0))])
    }
}
struct IntList(i64);
impl aludel::IntoLiteral for IntList {
    type SqlType = aludel::Dyn;
    fn into_value(self) -> Value {
        Value::List(vec![Value::I64(self.0)])
    }
}

#[test]
fn inline_lists_of_other_kinds_differ() {
    let a = select(inline(JsonList("1")).label("x"));
    let b = select(inline(IntList(1)).label("x"));
    differ("inline JSON list vs integer list", &a, &b);
    assert_ne!(
        a.compile(&Postgres).unwrap().sql(),
        b.compile(&Postgres).unwrap().sql()
    );
}

/// The cache's walk (key + values) and the SQL walk must agree on the canonical order of
/// values: the cache serves what a fresh compile gives.
fn cache_agrees<S: Statement>(what: &str, stmt: &S) {
    for d in dialects() {
        let cache = StatementCache::new(4);
        let Ok(fresh) = stmt.compile(&d) else {
            assert!(cache.prepare(stmt, &d).is_err(), "{what}: {d}");
            continue;
        };
        let p = cache
            .prepare(stmt, &d)
            .unwrap_or_else(|e| panic!("{what}: {d}: {e}"));
        let b = p.bind(&Params::new()).unwrap();
        assert_eq!(b.sql(), fresh.sql(), "{what}: {d}");
        let params: Vec<Value> = b.params().iter().map(|v| (**v).clone()).collect();
        assert_eq!(params, fresh.params(), "{what}: {d}");
    }
}

#[test]
fn the_same_subquery_twice_in_from_is_one_item() {
    let sq = select(literal(1i64).label("a")).subquery("s");
    let stmt = select(func::count_star()).select_from(&sq).select_from(&sq);
    cache_agrees("subquery given twice", &stmt);
    assert_eq!(
        stmt.compile(&Sqlite).unwrap().sql(),
        "SELECT count(*) FROM (SELECT ? AS a) AS s"
    );
}

#[test]
fn a_subquery_in_limit_keeps_the_value_order() {
    let q = select(literal(1i64).label("a")).subquery("q");
    // `x` refers to the outer `users` (correlated) before the subquery.
    let x = select(users::id + q.columns())
        .join(posts::table, posts::id.eq(5))
        .scalar_subquery();
    cache_agrees("subquery in LIMIT", &select(users::id).limit(x));
}

#[test]
fn several_rows_without_columns_are_an_error() {
    let stmt = insert(users::table).values_many(vec![Vec::<aludel::Assignment>::new(); 3]);
    let e = stmt.compile(&Sqlite).unwrap_err().to_string();
    assert!(e.contains("3 rows that set no columns"), "{e}");
    // One such row is DEFAULT VALUES.
    let one = insert(users::table).values_many(vec![Vec::<aludel::Assignment>::new(); 1]);
    assert_eq!(
        one.compile(&Sqlite).unwrap().sql(),
        "INSERT INTO users DEFAULT VALUES"
    );
}

#[test]
fn upserts_have_their_own_keys() {
    let base = || insert(users::table).values((users::id.set(1), users::name.set("a")));
    let nothing = base().on_conflict(users::id).do_nothing();
    let update = base()
        .on_conflict(users::id)
        .do_update(users::name.set(excluded(users::name)));
    // Same shape, other values (`same` compiles on every dialect; this is not MySQL's form).
    let other = insert(users::table)
        .values((users::id.set(2), users::name.set("b")))
        .on_conflict(users::id)
        .do_update(users::name.set(excluded(users::name)));
    assert_eq!(update.cache_key(), other.cache_key());
    differ("plain insert vs upsert", &base(), &nothing);
    differ("do nothing vs do update", &nothing, &update);
    differ(
        "conflict target",
        &nothing,
        &base().on_conflict((users::id, users::name)).do_nothing(),
    );
    differ(
        "any conflict vs a target",
        &nothing,
        &base().on_any_conflict().do_nothing(),
    );
    differ(
        "excluded vs a bound value",
        &update,
        &base()
            .on_conflict(users::id)
            .do_update(users::name.set("x")),
    );
    differ(
        "excluded vs the existing column",
        &update,
        &base()
            .on_conflict(users::id)
            .do_update(users::name.set(users::name)),
    );
    differ(
        "with and without a condition",
        &update,
        &update.where_(users::id.gt(0)),
    );
    differ(
        "ON CONFLICT vs ON DUPLICATE KEY",
        &update,
        &base().on_duplicate_key_update(users::name.set(excluded(users::name))),
    );
    // The condition's values follow the update's, in both walks.
    let cond = update.where_(users::name.ne("z"));
    let c = cond.compile(&Postgres).unwrap();
    assert_eq!(
        c.params(),
        [Value::I64(1), Value::from("a"), Value::from("z")]
    );
    let cache = StatementCache::new(4);
    let p = cache.prepare(&cond, &Postgres).unwrap();
    let b = p.bind(&Params::new()).unwrap();
    assert_eq!(b.sql(), c.sql());
    assert_eq!(b.params().len(), 3);
}

#[test]
fn return_defaults_of_is_part_of_the_key() {
    let base = insert(users::table).values(users::name.set("a"));
    differ(
        "all vs some",
        &base.return_defaults(),
        &base.return_defaults_of(users::age),
    );
    differ(
        "other columns",
        &base.return_defaults_of(users::age),
        &base.return_defaults_of(users::fullname),
    );
    same(
        "same columns, any order",
        &base.return_defaults_of((users::age, users::fullname)),
        &base.return_defaults_of((users::fullname, users::age)),
    );
}

#[test]
fn named_windows_are_part_of_the_key() {
    use aludel::expr::window::{self, Window};
    let w = || Window::new().partition_by(posts::user_id).named("w");
    let stmt = |w: &Window, attached: &Window| {
        select((posts::id, window::row_number().over(w))).window(attached)
    };
    // Two windows built alike, each used where it is attached: one shape, values apart.
    let (a, b) = (w(), w());
    same("same window shape", &stmt(&a, &a), &stmt(&b, &b));
    // Using one window and attaching another of the same name is an error, and must not
    // share a key with the valid statement.
    let wrong = stmt(&a, &b);
    assert!(wrong.compile(&Dialect::postgres()).is_err());
    differ("used window not the attached one", &stmt(&a, &a), &wrong);
    differ(
        "inline window vs named window",
        &select((
            posts::id,
            window::row_number().over(&Window::new().partition_by(posts::user_id)),
        )),
        &stmt(&a, &a),
    );
    differ("window name", &stmt(&a, &a), &{
        let v = Window::new().partition_by(posts::user_id).named("v");
        stmt(&v, &v)
    });
    let refined = a.order_by(posts::id);
    differ(
        "reference vs refinement",
        &stmt(&a, &a),
        &select((posts::id, window::row_number().over(&refined))).window(&a),
    );
    // The window clause's values come after HAVING's and before ORDER BY's.
    let v = Window::new().partition_by(posts::user_id + 7).named("v");
    let q = select((posts::id + 1, window::rank().over(&v)))
        .where_(posts::id.gt(2))
        .window(&v)
        .order_by(posts::id + 9);
    cache_agrees("window clause values", &q);
    for bad in [
        wrong,
        select((posts::id, window::row_number().over(&a)))
            .window(&a)
            .window(&a),
    ] {
        cache_agrees("named window errors", &bad);
    }
}

#[test]
fn compounds_in_subquery_expressions_have_their_own_keys() {
    let ids = || select(posts::user_id).union(&select(posts::id));
    let in_compound = select(users::id).where_(users::id.in_(&ids()));
    let in_select = select(users::id).where_(users::id.in_(&select(posts::user_id)));
    same(
        "IN compound",
        &in_compound,
        &select(users::id).where_(users::id.in_(&ids())),
    );
    differ("IN compound vs IN select", &in_compound, &in_select);
    differ(
        "UNION vs UNION ALL in IN",
        &in_compound,
        &select(users::id)
            .where_(users::id.in_(&select(posts::user_id).union_all(&select(posts::id)))),
    );
    differ(
        "EXISTS compound vs scalar compound",
        &select(ids().exists()),
        &select(ids().scalar_subquery()),
    );
    // Values in member order, then the enclosing query's.
    let q = select(users::id)
        .where_(
            users::id.in_(
                &select(posts::user_id)
                    .where_(posts::id.gt(1))
                    .union(&select(posts::id).where_(posts::id.lt(9)))
                    .limit(3),
            ),
        )
        .where_(users::id.ne(4))
        .order_by(users::id);
    cache_agrees("compound in IN", &q);
    // Correlation: the enclosing query's table is not added to the members' FROM.
    let correlated = select(posts::id)
        .where_(posts::user_id.eq(users::id))
        .union(&select(posts::user_id).where_(posts::id.eq(users::id)));
    let sql = select(users::id)
        .where_(correlated.exists())
        .compile(&Dialect::sqlite())
        .unwrap();
    assert_eq!(
        sql.sql(),
        "SELECT users.id FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id UNION SELECT posts.user_id FROM posts WHERE posts.id = users.id)"
    );
}

#[test]
fn lateral_items_move_after_what_they_read() {
    let sq = select((posts::user_id, posts::id))
        .where_(posts::id.gt(3))
        .subquery("sq");
    let (uid, _) = sq.columns();
    let lat = select(users::name)
        .where_(users::id.eq(uid))
        .where_(users::id.lt(7))
        .subquery("lat")
        .lateral();
    // Listed before the subquery it reads: written after it, values in that order.
    let q = select(func::count_star())
        .select_from(&lat)
        .select_from(&sq);
    cache_agrees("LATERAL moved after a subquery it reads", &q);
    let c = q.compile(&Dialect::postgres()).unwrap();
    assert_eq!(
        c.sql(),
        "SELECT count(*) FROM (SELECT posts.user_id, posts.id FROM posts WHERE posts.id > $1) AS sq, LATERAL (SELECT users.name FROM users WHERE users.id = sq.user_id AND users.id < $2) AS lat"
    );
    assert_eq!(c.params(), [Value::from(3i64), Value::from(7i64)]);
    differ(
        "LATERAL vs plain subquery",
        &q,
        &select(func::count_star())
            .select_from(select(users::name).where_(users::id.lt(7)).subquery("lat"))
            .select_from(&sq),
    );
}
