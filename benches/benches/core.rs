//! Statement construction and compilation, PostgreSQL dialect: aludel against sea-query,
//! diesel and a `format!` baseline, in one run.
//!
//! Statements: S1 point select by primary key (3 columns); S2 medium select (LEFT JOIN,
//! 2 predicates, ORDER BY, LIMIT); S3 INSERT of 100 rows x 2 columns; S4 UPDATE with
//! 3 SET clauses and a WHERE; S5 IN list of 10 values.
//!
//! Per statement: aludel `construct`, `construct+compile` (`compile()`: SQL and
//! parameters from scratch, no cache involved), `construct+hot` (the cached path: cache
//! key, lookup, bind extraction), `construct+miss` (the cache's miss path: cache key,
//! lookup, compile, bind); sea-query `construct` and `construct+build`; diesel `to_sql` into the
//! PostgreSQL query builder (construction is free there); and `format!`. After criterion
//! runs, a table of ratios and allocations per operation is printed.
//!
//! Run: `cargo bench -p aludel-benches --bench core`

use std::hint::black_box;

use aludel::prelude::*;
use aludel::{Params as AParams, StatementCache, Value};
use aludel_benches::{Counting, allocs_per_op, criterion_mean_ns};
use criterion::Criterion;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Table)]
#[aludel(name = "users")]
#[allow(dead_code)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    email: String,
    age: i32,
}

#[derive(Table)]
#[aludel(name = "posts")]
#[allow(dead_code)]
struct Posts {
    #[aludel(primary_key)]
    id: i64,
    user_id: i64,
    title: String,
}

mod aludel_q {
    use super::*;

    pub fn s1(id: i64) -> Select<(i64, String, String)> {
        select((users::id, users::name, users::email)).where_(users::id.eq(id))
    }

    pub fn s2(name: &str, min_post: i64) -> Select<(i64, String, Option<String>)> {
        select((users::id, users::name, posts::title.nullable()))
            .left_join(posts::table, posts::user_id.eq(users::id))
            .where_(users::name.eq(name).and(posts::id.gt(min_post)))
            .order_by(users::id.desc())
            .limit(10)
    }

    pub fn s3(rows: &[(i64, &'static str)]) -> aludel::Insert {
        insert(posts::table).values_many(
            rows.iter()
                .map(|(u, t)| (posts::user_id.set(*u), posts::title.set(*t))),
        )
    }

    pub fn s4(id: i64) -> aludel::Update {
        update(users::table)
            .set((
                users::name.set("n"),
                users::email.set("e"),
                users::age.set(3),
            ))
            .where_(users::id.eq(id))
    }

    pub fn s5(ids: [i64; 10]) -> Select<i64> {
        select(users::id).where_(users::id.in_(ids))
    }
}

mod sea {
    use sea_query::{Expr, ExprTrait, Order, PostgresQueryBuilder, Query, Values};

    aludel_benches::sea_iden!(Users { Table => "users", Id => "id", Name => "name", Email => "email", Age => "age" });
    aludel_benches::sea_iden!(Posts { Table => "posts", Id => "id", UserId => "user_id", Title => "title" });

    pub fn s1(id: i64) -> sea_query::SelectStatement {
        Query::select()
            .columns([
                (Users::Table, Users::Id),
                (Users::Table, Users::Name),
                (Users::Table, Users::Email),
            ])
            .from(Users::Table)
            .and_where(Expr::col((Users::Table, Users::Id)).eq(id))
            .to_owned()
    }

    pub fn s2(name: &str, min_post: i64) -> sea_query::SelectStatement {
        Query::select()
            .columns([(Users::Table, Users::Id), (Users::Table, Users::Name)])
            .column((Posts::Table, Posts::Title))
            .from(Users::Table)
            .left_join(
                Posts::Table,
                Expr::col((Posts::Table, Posts::UserId)).equals((Users::Table, Users::Id)),
            )
            .and_where(Expr::col((Users::Table, Users::Name)).eq(name))
            .and_where(Expr::col((Posts::Table, Posts::Id)).gt(min_post))
            .order_by((Users::Table, Users::Id), Order::Desc)
            .limit(10)
            .to_owned()
    }

    pub fn s3(rows: &[(i64, &'static str)]) -> sea_query::InsertStatement {
        let mut q = Query::insert();
        q.into_table(Posts::Table)
            .columns([Posts::UserId, Posts::Title]);
        for (u, t) in rows {
            q.values_panic([(*u).into(), (*t).into()]);
        }
        q
    }

    pub fn s4(id: i64) -> sea_query::UpdateStatement {
        Query::update()
            .table(Users::Table)
            .values([
                (Users::Name, "n".into()),
                (Users::Email, "e".into()),
                (Users::Age, 3i32.into()),
            ])
            .and_where(Expr::col((Users::Table, Users::Id)).eq(id))
            .to_owned()
    }

    pub fn s5(ids: [i64; 10]) -> sea_query::SelectStatement {
        Query::select()
            .column((Users::Table, Users::Id))
            .from(Users::Table)
            .and_where(Expr::col((Users::Table, Users::Id)).is_in(ids))
            .to_owned()
    }

    pub fn build_select(q: &sea_query::SelectStatement) -> (String, Values) {
        q.build(PostgresQueryBuilder)
    }
    pub fn build_insert(q: &sea_query::InsertStatement) -> (String, Values) {
        q.build(PostgresQueryBuilder)
    }
    pub fn build_update(q: &sea_query::UpdateStatement) -> (String, Values) {
        q.build(PostgresQueryBuilder)
    }
}

mod dsl {
    use diesel::pg::{Pg, PgQueryBuilder};
    use diesel::prelude::*;
    use diesel::query_builder::{QueryBuilder, QueryFragment};

    diesel::table! {
        users (id) {
            id -> Int8,
            name -> Text,
            email -> Text,
            age -> Int4,
        }
    }
    diesel::table! {
        posts (id) {
            id -> Int8,
            user_id -> Int8,
            title -> Text,
        }
    }
    diesel::joinable!(posts -> users (user_id));
    diesel::allow_tables_to_appear_in_same_query!(users, posts);

    pub fn sql<Q: QueryFragment<Pg>>(q: &Q) -> String {
        let mut qb = PgQueryBuilder::default();
        q.to_sql(&mut qb, &Pg).expect("to_sql");
        qb.finish()
    }

    pub fn s1(id: i64) -> String {
        sql(&users::table
            .select((users::id, users::name, users::email))
            .filter(users::id.eq(id)))
    }

    pub fn s2(name: &str, min_post: i64) -> String {
        sql(&users::table
            .left_join(posts::table.on(posts::user_id.eq(users::id)))
            .select((users::id, users::name, posts::title.nullable()))
            .filter(users::name.eq(name).and(posts::id.nullable().gt(min_post)))
            .order(users::id.desc())
            .limit(10))
    }

    pub fn s3(rows: &[(i64, &'static str)]) -> String {
        let values: Vec<_> = rows
            .iter()
            .map(|(u, t)| (posts::user_id.eq(*u), posts::title.eq(*t)))
            .collect();
        sql(&diesel::insert_into(posts::table).values(&values))
    }

    pub fn s4(id: i64) -> String {
        sql(&diesel::update(users::table.filter(users::id.eq(id))).set((
            users::name.eq("n"),
            users::email.eq("e"),
            users::age.eq(3),
        )))
    }

    pub fn s5(ids: [i64; 10]) -> String {
        sql(&users::table.select(users::id).filter(users::id.eq_any(ids)))
    }
}

mod fmt_baseline {
    use aludel::Value;

    pub fn s1(id: i64) -> (String, Vec<Value>) {
        (
            format!(
                "SELECT users.id, users.name, users.email FROM users WHERE users.id = ${}",
                1
            ),
            vec![Value::I64(id)],
        )
    }

    pub fn s2(name: &str, min_post: i64) -> (String, Vec<Value>) {
        (
            format!(
                "SELECT users.id, users.name, posts.title FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id WHERE users.name = ${} AND posts.id > ${} ORDER BY users.id DESC LIMIT ${}",
                1, 2, 3
            ),
            vec![
                Value::Text(name.to_owned()),
                Value::I64(min_post),
                Value::I64(10),
            ],
        )
    }

    pub fn s3(rows: &[(i64, &'static str)]) -> (String, Vec<Value>) {
        let mut sql = String::from("INSERT INTO posts (user_id, title) VALUES ");
        let mut params = Vec::with_capacity(rows.len() * 2);
        for (i, (u, t)) in rows.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
            params.push(Value::I64(*u));
            params.push(Value::Text((*t).to_owned()));
        }
        (sql, params)
    }

    pub fn s4(id: i64) -> (String, Vec<Value>) {
        (
            format!(
                "UPDATE users SET name = ${}, email = ${}, age = ${} WHERE users.id = ${}",
                1, 2, 3, 4
            ),
            vec![
                Value::from("n"),
                Value::from("e"),
                Value::I32(3),
                Value::I64(id),
            ],
        )
    }

    pub fn s5(ids: [i64; 10]) -> (String, Vec<Value>) {
        (
            format!("SELECT users.id FROM users WHERE users.id = ANY(${})", 1),
            vec![Value::List(ids.iter().map(|i| Value::I64(*i)).collect())],
        )
    }
}

/// One benchmarked operation.
struct Op {
    group: &'static str,
    id: &'static str,
    f: Box<dyn Fn()>,
}

fn rows() -> Vec<(i64, &'static str)> {
    (0..100).map(|i| (i, "title")).collect()
}

fn ops(cache: &'static StatementCache) -> Vec<Op> {
    let named: &'static AParams = Box::leak(Box::new(AParams::new()));
    // The engine's path on a cache miss: key walk, lookup, compile (a cache that keeps
    // nothing misses every time).
    let no_cache: &'static StatementCache = Box::leak(Box::new(StatementCache::new(0)));
    let rows: &'static [(i64, &'static str)] = Box::leak(rows().into_boxed_slice());
    let ids = [1i64, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    let mut v: Vec<Op> = Vec::new();
    macro_rules! op {
        ($group:expr, $id:expr, $body:expr) => {
            v.push(Op {
                group: $group,
                id: $id,
                f: Box::new(move || {
                    black_box($body);
                }),
            });
        };
    }
    macro_rules! aludel_ops {
        ($group:expr, $build:expr) => {
            op!($group, "aludel_construct", $build);
            op!($group, "aludel_construct_compile", {
                let s = $build;
                s.compile(&Postgres).map(|c| c.params().len()).unwrap_or(0)
            });
            op!($group, "aludel_construct_hot", {
                let s = $build;
                let p = cache.prepare(&s, &Postgres).expect("prepare");
                p.bind(named).map(|b| b.params().len()).unwrap_or(0)
            });
            op!($group, "aludel_construct_miss", {
                let s = $build;
                let p = no_cache.prepare(&s, &Postgres).expect("prepare");
                p.bind(named).map(|b| b.params().len()).unwrap_or(0)
            });
        };
    }
    aludel_ops!("S1_point_select", aludel_q::s1(black_box(42)));
    op!(
        "S1_point_select",
        "sea_query_construct",
        sea::s1(black_box(42))
    );
    op!(
        "S1_point_select",
        "sea_query_construct_build",
        sea::build_select(&sea::s1(black_box(42)))
    );
    op!("S1_point_select", "diesel_to_sql", dsl::s1(black_box(42)));
    op!(
        "S1_point_select",
        "format_baseline",
        fmt_baseline::s1(black_box(42))
    );

    aludel_ops!(
        "S2_medium_select",
        aludel_q::s2(black_box("x"), black_box(10))
    );
    op!(
        "S2_medium_select",
        "sea_query_construct",
        sea::s2(black_box("x"), black_box(10))
    );
    op!(
        "S2_medium_select",
        "sea_query_construct_build",
        sea::build_select(&sea::s2(black_box("x"), black_box(10)))
    );
    op!(
        "S2_medium_select",
        "diesel_to_sql",
        dsl::s2(black_box("x"), black_box(10))
    );
    op!(
        "S2_medium_select",
        "format_baseline",
        fmt_baseline::s2(black_box("x"), black_box(10))
    );

    aludel_ops!("S3_insert_100x2", aludel_q::s3(black_box(rows)));
    op!(
        "S3_insert_100x2",
        "sea_query_construct",
        sea::s3(black_box(rows))
    );
    op!(
        "S3_insert_100x2",
        "sea_query_construct_build",
        sea::build_insert(&sea::s3(black_box(rows)))
    );
    op!("S3_insert_100x2", "diesel_to_sql", dsl::s3(black_box(rows)));
    op!(
        "S3_insert_100x2",
        "format_baseline",
        fmt_baseline::s3(black_box(rows))
    );

    aludel_ops!("S4_update", aludel_q::s4(black_box(7)));
    op!("S4_update", "sea_query_construct", sea::s4(black_box(7)));
    op!(
        "S4_update",
        "sea_query_construct_build",
        sea::build_update(&sea::s4(black_box(7)))
    );
    op!("S4_update", "diesel_to_sql", dsl::s4(black_box(7)));
    op!(
        "S4_update",
        "format_baseline",
        fmt_baseline::s4(black_box(7))
    );

    aludel_ops!("S5_in_list_10", aludel_q::s5(black_box(ids)));
    op!(
        "S5_in_list_10",
        "sea_query_construct",
        sea::s5(black_box(ids))
    );
    op!(
        "S5_in_list_10",
        "sea_query_construct_build",
        sea::build_select(&sea::s5(black_box(ids)))
    );
    op!("S5_in_list_10", "diesel_to_sql", dsl::s5(black_box(ids)));
    op!(
        "S5_in_list_10",
        "format_baseline",
        fmt_baseline::s5(black_box(ids))
    );
    v
}

/// Prints each aludel statement's SQL next to the peers', so the comparison is visibly
/// like for like.
fn print_sql() {
    let rows = rows();
    let show = |name: &str, a: String, s: String, d: String| {
        println!("{name}\n  aludel:    {a}\n  sea-query: {s}\n  diesel:    {d}");
    };
    let c = |s: &dyn Fn() -> aludel::Compiled| s().sql().to_owned();
    show(
        "S1",
        c(&|| aludel_q::s1(1).compile(&Postgres).unwrap()),
        sea::build_select(&sea::s1(1)).0,
        dsl::s1(1),
    );
    show(
        "S2",
        c(&|| aludel_q::s2("x", 1).compile(&Postgres).unwrap()),
        sea::build_select(&sea::s2("x", 1)).0,
        dsl::s2("x", 1),
    );
    let trim = |s: String| s.chars().take(90).collect::<String>() + "...";
    show(
        "S3",
        trim(
            aludel_q::s3(&rows)
                .compile(&Postgres)
                .unwrap()
                .sql()
                .to_owned(),
        ),
        trim(sea::build_insert(&sea::s3(&rows)).0),
        trim(dsl::s3(&rows)),
    );
    show(
        "S4",
        c(&|| aludel_q::s4(1).compile(&Postgres).unwrap()),
        sea::build_update(&sea::s4(1)).0,
        dsl::s4(1),
    );
    let ids = [1i64; 10];
    show(
        "S5",
        c(&|| aludel_q::s5(ids).compile(&Postgres).unwrap()),
        sea::build_select(&sea::s5(ids)).0,
        dsl::s5(ids),
    );
}

fn main() {
    let cache: &'static StatementCache = Box::leak(Box::new(StatementCache::new(1024)));
    let ops = ops(cache);
    let mut c = Criterion::default().configure_from_args();
    for op in &ops {
        c.benchmark_group(op.group)
            .bench_function(op.id, |b| b.iter(|| (op.f)()));
    }
    c.final_summary();

    print_sql();
    println!();
    println!(
        "criterion means; the ratios are medians over 41 interleaved rounds (robust to CPU steal)"
    );
    println!(
        "{:<18} {:<28} {:>10} {:>9} {:>11} {:>13} {:>13}",
        "statement", "contender", "mean (ns)", "allocs", "median (ns)", "/ sea build", "/ diesel"
    );
    let groups = [
        "S1_point_select",
        "S2_medium_select",
        "S3_insert_100x2",
        "S4_update",
        "S5_in_list_10",
    ];
    for g in groups {
        let group_ops: Vec<&Op> = ops.iter().filter(|o| o.group == g).collect();
        if group_ops
            .iter()
            .all(|op| criterion_mean_ns(g, op.id).is_none())
        {
            continue; // filtered out of this run
        }
        let fs: Vec<&dyn Fn()> = group_ops.iter().map(|op| &*op.f).collect();
        let rounds = aludel_benches::interleaved_ns(&fs, 41, 4);
        let index = |id: &str| group_ops.iter().position(|o| o.id == id);
        let (sea, diesel) = (index("sea_query_construct_build"), index("diesel_to_sql"));
        for (i, op) in group_ops.iter().enumerate() {
            let mean = criterion_mean_ns(g, op.id).map_or("-".to_owned(), |m| format!("{m:.1}"));
            let allocs = allocs_per_op(|| (op.f)());
            let ratio = |base: Option<usize>| {
                base.map_or("-".to_owned(), |b| {
                    let r: Vec<f64> = rounds[i]
                        .iter()
                        .zip(&rounds[b])
                        .map(|(x, y)| x / y)
                        .collect();
                    format!("{:.2}x", aludel_benches::median(r))
                })
            };
            println!(
                "{:<18} {:<28} {:>10} {:>9.1} {:>11.1} {:>13} {:>13}",
                g,
                op.id,
                mean,
                allocs,
                aludel_benches::median(rounds[i].clone()),
                ratio(sea),
                ratio(diesel)
            );
        }
    }
    // The AST's own allocations, to tell what the hot path adds on top of construction.
    let s1_ast = allocs_per_op(|| aludel_q::s1(black_box(42)));
    let s1_hot = allocs_per_op(|| {
        let s = aludel_q::s1(black_box(42));
        let p = cache.prepare(&s, &Postgres).expect("prepare");
        black_box(
            p.bind(&AParams::new())
                .map(|b| b.params().len())
                .unwrap_or(0),
        )
    });
    println!(
        "\nS1 allocations: construct {s1_ast:.1}, construct+hot {s1_hot:.1} (hot path adds {:.1})",
        s1_hot - s1_ast
    );
    let _ = Value::Null;
}
