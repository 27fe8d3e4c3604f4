//! aludel quickstart: describe tables, build statements, see the SQL each dialect gets.
//!
//! Run with `cargo run --example quickstart`. No database is needed: this prints what
//! the compilers produce (the engine that executes statements comes next).

use aludel::prelude::*;
use aludel::value::Timestamp;
use aludel::{Dialect, Statement};

#[derive(Table)]
#[aludel(name = "users")]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 50)]
    name: String,
    fullname: Option<String>,
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    created_at: Timestamp,
}

#[derive(Table)]
#[aludel(name = "posts")]
struct Posts {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = users::id, on_delete = "cascade")]
    user_id: i64,
    title: String,
    #[aludel(default = "draft")]
    status: String,
}

fn show(title: &str, stmt: &impl Statement) {
    println!("\n== {title}");
    for d in [
        Dialect::postgres(),
        Dialect::mysql(),
        Dialect::mariadb(),
        Dialect::sqlite(),
    ] {
        match stmt.compile(&d) {
            Ok(c) => {
                let params: Vec<String> = c.params().iter().map(ToString::to_string).collect();
                println!("{:<18} {}", d.to_string(), c.sql());
                if !params.is_empty() {
                    println!("{:<18} params: [{}]", "", params.join(", "));
                }
            }
            Err(e) => println!("{:<18} error: {e}", d.to_string()),
        }
    }
}

fn main() {
    // A typed SELECT: rows are (i64, String).
    let stmt: Select<(i64, String)> = select((users::id, users::name))
        .where_(users::name.eq("spongebob").and(users::id.gt(5)))
        .order_by(users::id.desc())
        .limit(10);
    show("select with a condition, ordering and a limit", &stmt);

    // Statements are immutable values: derive variants from a base.
    let with_posts = select((users::name, func::count(posts::id).label("posts")))
        .left_join(posts::table, posts::user_id.eq(users::id))
        .group_by((users::id, users::name))
        .order_by(users::name.asc().nulls_last());
    show(
        "left join, aggregate, NULLS LAST (emulated on MySQL)",
        &with_posts,
    );

    // IN lists: one array parameter on PostgreSQL, expanded elsewhere.
    show(
        "IN list",
        &select(users::name).where_(users::id.in_([1, 2, 3]).and(users::fullname.is_not_null())),
    );

    // INSERT: the client-side default (status) is a parameter; return_defaults() asks
    // for the generated key and server default back (RETURNING where the dialect has it).
    show(
        "insert with return_defaults()",
        &insert(posts::table)
            .values((posts::user_id.set(1), posts::title.set("Hello")))
            .return_defaults(),
    );

    // UPDATE ... FROM, in each dialect's form.
    show(
        "update using another table",
        &update(posts::table)
            .set(posts::status.set("archived"))
            .where_(posts::user_id.eq(users::id).and(users::name.eq("bob"))),
    );

    // What a dialect cannot express is an error, never dropped SQL.
    show(
        "FULL OUTER JOIN",
        &select((users::name.nullable(), posts::title.nullable()))
            .full_join(posts::table, posts::user_id.eq(users::id)),
    );
    show(
        "FOR UPDATE of the nullable side of an outer join",
        &select((users::name, posts::title.nullable()))
            .left_join(posts::table, posts::user_id.eq(users::id))
            .for_update(),
    );

    // One compiled statement serves every statement of the same shape.
    let a = select(users::name).where_(users::id.eq(1));
    let b = select(users::name).where_(users::id.eq(2));
    println!(
        "\nsame shape, same cache key: {}",
        a.cache_key() == b.cache_key()
    );
}
