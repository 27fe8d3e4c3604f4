//! Common table expressions: WITH (several, referring to each other), WITH RECURSIVE
//! (a number series, a walk down the manager tree), MATERIALIZED, CTEs inside
//! subqueries, and the errors.

use aludel::prelude::*;
use aludel_dialect_tests::check;
use aludel_dialect_tests::schema::*;

#[test]
fn plain() {
    let active = select((users::id, users::name))
        .where_(users::active)
        .cte("active_users");
    let (id, name) = active.columns();
    check(
        "cte_simple",
        &select(name.clone())
            .with_(&active)
            .where_(id.gt(1))
            .order_by(id.clone()),
    );
    let counts = select((posts::user_id, func::count_star().label("n")))
        .group_by(posts::user_id)
        .cte("post_counts");
    let (uid, n) = counts.columns();
    check(
        "cte_joined_to_a_table",
        &select((users::name, n.clone()))
            .with_(&counts)
            .select_from(&counts)
            .join(users::table, users::id.eq(uid.clone()))
            .order_by(users::id),
    );
    let big = select(uid.clone()).where_(n.gt(1)).cte("big_authors");
    check(
        "cte_referring_to_an_earlier_cte",
        &select(big.columns()).with_(&counts).with_(&big),
    );
    check(
        "cte_values_before_the_query",
        &select((name.clone(), literal(5i64).label("five")))
            .with_(&active)
            .where_(id.lt(4))
            .order_by(id.clone()),
    );
    let sq = select(name.clone())
        .with_(&active)
        .where_(id.le(3))
        .subquery("inner_q");
    check(
        "cte_inside_a_from_subquery",
        &select(sq.columns()).order_by(sq.columns()),
    );
    check(
        "cte_seen_by_a_scalar_subquery",
        &select((
            users::name,
            select(func::count_star())
                .select_from(&active)
                .where_(id.lt(users::id))
                .scalar_subquery()
                .label("active_before"),
        ))
        .with_(&active)
        .order_by(users::id),
    );
    check(
        "cte_materialized",
        &select(name.clone())
            .with_(&active.materialized())
            .order_by(id.clone()),
    );
    check(
        "cte_not_materialized",
        &select(name.clone())
            .with_(&active.not_materialized())
            .order_by(id.clone()),
    );
}

#[test]
fn recursive() {
    let n = select(literal(1i64).label("x")).cte("numbers");
    let x = n.columns();
    let n = n.union_all(&select(x.clone() + 1).where_(x.lt(10)));
    check(
        "cte_recursive_numbers",
        &select(n.columns()).with_(&n).order_by(n.columns()),
    );
    // The tree under alice (id 1), with each user's depth.
    let tree = select((users::id, users::name, literal(0i64).label("depth")))
        .where_(users::id.eq(1))
        .cte("tree");
    let (tid, _, depth) = tree.columns();
    let tree = tree.union_all(
        &select((users::id, users::name, depth.clone() + 1)).where_(users::manager_id.eq(tid)),
    );
    let (tid, tname, depth) = tree.columns();
    check(
        "cte_recursive_tree_walk",
        &select((tname, depth)).with_(&tree).order_by(tid),
    );
    // UNION stops at rows already found: a walk that would loop ends.
    let cyc = select(literal(1i64).label("v")).cte("cyc");
    let v = cyc.columns();
    let cyc = cyc.union(&select((v.clone() % 3) + 1));
    check(
        "cte_recursive_union_stops_at_cycles",
        &select(cyc.columns()).with_(&cyc).order_by(cyc.columns()),
    );
}

#[test]
fn in_insert_select() {
    // INSERT ... WITH ... SELECT: the form every dialect accepts.
    let drafts = select((posts::id, posts::status))
        .where_(posts::status.eq("draft"))
        .cte("drafts");
    let (id, status) = drafts.columns();
    check(
        "cte_in_insert_select",
        &insert(tags::table).from_select(
            (tags::post_id, tags::tag),
            &select((id, status)).with_(&drafts),
        ),
    );
}

#[test]
fn in_update_and_delete() {
    let quiet = select(posts::id).where_(posts::views.lt(6)).cte("quiet");
    check(
        "cte_in_update",
        &update(posts::table)
            .with_(&quiet)
            .set(posts::status.set("hidden"))
            .where_(posts::id.in_(&select(quiet.columns()))),
    );
    check(
        "cte_in_delete",
        &delete(comments::table)
            .with_(&quiet)
            .where_(comments::post_id.in_(&select(quiet.columns()))),
    );
    let totals = select((comments::post_id, func::count_star().label("n")))
        .group_by(comments::post_id)
        .cte("totals");
    let (pid, n) = totals.columns();
    check(
        "cte_in_update_from",
        &update(posts::table)
            .with_(&totals)
            .set(posts::views.set(posts::views + 1))
            .where_(posts::id.eq(pid).and(n.gt(1))),
    );
}

#[test]
fn errors() {
    let c = select(users::id).cte("c");
    check("cte_not_attached", &select(c.columns()));
    check(
        "cte_attached_twice",
        &select(c.columns()).with_(&c).with_(&c),
    );
}

#[test]
fn dialect_versions() {
    use aludel::dialect::Dialect;
    let c = select(literal(1i64).label("x")).cte("c");
    let s = select(c.columns()).with_(&c);
    for (d, ok) in [
        (Dialect::mysql().with_version(5, 7, 40), false),
        (Dialect::mysql().with_version(8, 0, 0), true),
        (Dialect::mariadb().with_version(10, 1, 0), false),
        (Dialect::mariadb().with_version(10, 2, 2), true),
        (Dialect::sqlite().with_version(3, 8, 2), false),
        (Dialect::sqlite().with_version(3, 8, 3), true),
    ] {
        assert_eq!(s.compile(&d).is_ok(), ok, "{d:?}");
    }
    let m = select(c.columns()).with_(&c.materialized());
    assert!(
        m.compile(&Dialect::postgres().with_version(11, 0, 0))
            .is_err()
    );
    assert!(
        m.compile(&Dialect::postgres().with_version(12, 0, 0))
            .is_ok()
    );
    assert!(
        m.compile(&Dialect::sqlite().with_version(3, 34, 0))
            .is_err()
    );
    // The key tells a CTE's shape apart from a derived table's.
    let sq = select(literal(1i64).label("x")).subquery("c");
    assert_ne!(s.cache_key(), select(sq.columns()).cache_key());
}

#[test]
fn more_ctes() {
    let a = select(literal(1i64).label("n")).cte("a");
    let an = a.columns();
    let a = a.union_all(&select(an.clone() + 1).where_(an.lt(3)));
    let b = select(literal(10i64).label("m")).cte("b");
    let bm = b.columns();
    let b = b.union_all(&select(bm.clone() + 10).where_(bm.lt(30)));
    check(
        "cte_two_recursive",
        &select((a.columns(), b.columns()))
            .with_(&a)
            .with_(&b)
            .order_by((a.columns(), b.columns())),
    );
    let v = aludel::stmt::values("v", ["id"], (2i64,))
        .row((4i64,))
        .subquery();
    let picked = select(users::name)
        .select_from(&v)
        .join(users::table, users::id.eq(v.columns().0))
        .cte("picked");
    check(
        "cte_over_values",
        &select(picked.columns())
            .with_(&picked)
            .order_by(picked.columns()),
    );
    let ranked = select((
        posts::user_id,
        posts::id,
        aludel::expr::window::row_number()
            .over(
                &aludel::expr::window::Window::new()
                    .partition_by(posts::user_id)
                    .order_by(posts::id.desc()),
            )
            .label("rn"),
    ))
    .cte("ranked");
    let (uid, pid, rn) = ranked.columns();
    check(
        "cte_with_window_filtered",
        &select((uid.clone(), pid))
            .with_(&ranked)
            .where_(rn.eq(1))
            .order_by(uid),
    );
}
