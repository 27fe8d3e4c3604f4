//! A loop over one statement's construct + compile, for profilers
//! (`cargo bench -p aludel-benches --bench profile_compile --no-run`, then
//! `valgrind --tool=callgrind target/release/deps/profile_compile-<hash> s2`).

use std::hint::black_box;

use aludel::prelude::*;

#[derive(Table)]
#[aludel(name = "users")]
#[allow(dead_code)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    email: String,
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

fn s2(name: &str, min_post: i64) -> Select<(i64, String, Option<String>)> {
    select((users::id, users::name, posts::title.nullable()))
        .left_join(posts::table, posts::user_id.eq(users::id))
        .where_(users::name.eq(name).and(posts::id.gt(min_post)))
        .order_by(users::id.desc())
        .limit(10)
}

fn s4(id: i64) -> aludel::Update {
    update(users::table)
        .set((users::name.set("n"), users::email.set("e")))
        .where_(users::id.eq(id))
}

mod sea {
    use sea_query::{Expr, ExprTrait, Order, PostgresQueryBuilder, Query, Values};

    aludel_benches::sea_iden!(Users { Table => "users", Id => "id", Name => "name" });
    aludel_benches::sea_iden!(Posts { Table => "posts", Id => "id", UserId => "user_id", Title => "title" });

    pub fn s2(name: &str, min_post: i64) -> (String, Values) {
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
            .build(PostgresQueryBuilder)
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

    pub fn s2(name: &str, min_post: i64) -> String {
        let q = users::table
            .left_join(posts::table.on(posts::user_id.eq(users::id)))
            .select((users::id, users::name, posts::title.nullable()))
            .filter(users::name.eq(name).and(posts::id.nullable().gt(min_post)))
            .order(users::id.desc())
            .limit(10);
        let mut qb = PgQueryBuilder::default();
        QueryFragment::<Pg>::to_sql(&q, &mut qb, &Pg).expect("to_sql");
        qb.finish()
    }
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "s2".into());
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let cache = aludel::StatementCache::new(64);
    for i in 0..n {
        match which.as_str() {
            "construct" => {
                black_box(s2(black_box("x"), i as i64));
            }
            "hot" => {
                let s = s2(black_box("x"), i as i64);
                let p = cache.prepare(&s, &Postgres).unwrap();
                black_box(p.bind(&Params::new()).unwrap().params().len());
            }
            "s4" => {
                black_box(s4(i as i64).compile(&Postgres).unwrap());
            }
            "sea" => {
                black_box(sea::s2(black_box("x"), i as i64));
            }
            "diesel" => {
                black_box(dsl::s2(black_box("x"), i as i64));
            }
            "miss" => {
                // The engine's miss path: a cache that never keeps anything.
                let none = aludel::StatementCache::new(0);
                let s = s2(black_box("x"), i as i64);
                let p = none.prepare(&s, &Postgres).unwrap();
                black_box(p.bind(&Params::new()).unwrap().params().len());
            }
            _ => {
                black_box(s2(black_box("x"), i as i64).compile(&Postgres).unwrap());
            }
        }
    }
}
