//! aludel quickstart: describe tables, build statements, run them with transactions.
//!
//! `cargo run --example quickstart` runs on SQLite in memory (no server needed);
//! `DATABASE_URL=postgres://... cargo run --example quickstart` (or `mysql://...`) runs
//! the same on that server, in tables named `quickstart_*` that it drops afterwards.

use aludel::prelude::*;
use aludel::stmt::ddl::create_table;
use aludel::value::Timestamp;
use aludel::{Dialect, Engine, Error, Statement, Transaction, TransactionKind};

#[derive(Table)]
#[aludel(name = "quickstart_users", ident = "users")]
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
#[aludel(name = "quickstart_posts", ident = "posts")]
struct Posts {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = users::id, on_delete = "cascade")]
    user_id: i64,
    #[aludel(length = 100)]
    title: String,
    #[aludel(default = "draft")]
    status: String,
}

/// Prints a statement's SQL for every dialect: what the compilers produce.
fn show(title: &str, stmt: &impl Statement) {
    println!("\n== {title}");
    for d in [
        Dialect::postgres(),
        Dialect::mysql(),
        Dialect::mariadb(),
        Dialect::sqlite(),
    ] {
        match stmt.compile(&d) {
            Ok(c) => println!("{:<18} {}", d.to_string(), c.sql()),
            Err(e) => println!("{:<18} error: {e}", d.to_string()),
        }
    }
}

fn add_post(id: i64, user: i64, title: &str) -> Insert<()> {
    insert(posts::table).values((
        posts::id.set(id),
        posts::user_id.set(user),
        posts::title.set(title),
    ))
}

async fn titles(tx: &mut Transaction<'_>) -> Result<Vec<String>, Error> {
    tx.execute(&select(posts::title).order_by(posts::id.asc()))
        .await?
        .scalars()
}

async fn run(url: &str) -> Result<(), Error> {
    let engine = Engine::open(url).await?;
    println!("connected to {}", engine.dialect());
    let mut conn = engine.connect().await?;

    // The schema from the table definitions: dropped if an earlier run left it, then
    // created in foreign-key order (users before posts).
    let schema = MetaData::new().table(posts::table).table(users::table);
    conn.drop_all(&schema).await?;
    conn.create_all(&schema).await?;

    // A root transaction: BEGIN ... COMMIT.
    let mut tx = conn.begin().await?;
    let r = tx
        .execute(&insert(users::table).values_many([
            (users::id.set(1), users::name.set("spongebob")),
            (users::id.set(2), users::name.set("sandy")),
        ]))
        .await?;
    println!("\ninserted {} users", r.rows_affected());
    let stmt = select((users::id, users::name))
        .where_(users::name.like("s%"))
        .order_by(users::id.asc());
    let rows: Vec<(i64, String)> = tx.execute(&stmt).await?.all()?;
    println!("typed rows: {rows:?}");
    tx.commit().await?;

    // A savepoint: rolling it back keeps the enclosing transaction usable.
    let mut tx = conn.begin().await?;
    tx.execute(&add_post(1, 1, "Hello")).await?;
    {
        let mut sp = tx.begin_nested().await?;
        sp.execute(&add_post(2, 1, "Oops")).await?;
        sp.rollback().await?;
    }
    println!("after a savepoint rollback: {:?}", titles(&mut tx).await?);
    tx.commit().await?;

    // A marker: begin() inside a transaction joins it; rolling the marker back rolls
    // the whole transaction back and leaves it inactive until it is rolled back too.
    let mut tx = conn.begin().await?;
    tx.execute(&add_post(3, 2, "Lost")).await?;
    {
        let mut marker = tx.begin().await?;
        assert_eq!(marker.kind(), TransactionKind::Marker);
        marker.execute(&add_post(4, 2, "Also lost")).await?;
        marker.rollback().await?;
    }
    match titles(&mut tx).await {
        Err(e @ Error::PendingRollback { .. }) => println!("after a marker rollback: {e}"),
        Err(e) => return Err(e),
        Ok(rows) => {
            return Err(Error::InvalidRequest {
                message: format!("a marker rollback left its transaction usable: {rows:?}"),
            });
        }
    }
    tx.rollback().await?;

    let committed: Vec<String> = conn.execute(&select(posts::title)).await?.scalars()?;
    println!("committed posts: {committed:?}");
    let n: i64 = conn.execute(&select(func::count(users::id))).await?.one()?;
    println!("users: {n}");
    conn.rollback().await?;

    conn.drop_all(&schema).await?;

    // The same statements, compiled for every dialect.
    show(
        "CREATE TABLE from #[derive(Table)]",
        &create_table(posts::table),
    );
    show("the typed select above", &stmt);
    show(
        "left join with an aggregate, NULLS LAST (emulated on MySQL)",
        &select((users::name, func::count(posts::id).label("posts")))
            .left_join(posts::table, posts::user_id.eq(users::id))
            .group_by((users::id, users::name))
            .order_by(users::name.asc().nulls_last()),
    );
    show(
        "insert with return_defaults()",
        &insert(posts::table)
            .values((posts::user_id.set(1), posts::title.set("Hello")))
            .return_defaults(),
    );
    show(
        "FULL OUTER JOIN (an error where the dialect has none)",
        &select((users::name.nullable(), posts::title.nullable()))
            .full_join(posts::table, posts::user_id.eq(users::id)),
    );
    Ok(())
}

fn main() {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if let Err(e) = rt.block_on(run(&url)) {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}
