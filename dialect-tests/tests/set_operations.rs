//! Set operations: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL], ORDER BY / LIMIT on the
//! compound, operands with their own LIMIT, nesting, and the per-dialect errors.

use aludel::prelude::*;
use aludel_dialect_tests::check;
use aludel_dialect_tests::schema::*;

fn authors() -> Select<i64> {
    select(posts::user_id)
}

fn commenters() -> Select<i64> {
    select(comments::user_id)
}

fn managers() -> Select<i64> {
    select(func::coalesce(users::manager_id, 0i64))
}

#[test]
fn union_intersect_except() {
    check(
        "union",
        &authors().union(&commenters()).order_by(posts::user_id),
    );
    check(
        "union_all",
        &authors().union_all(&commenters()).order_by(posts::user_id),
    );
    check(
        "intersect",
        &authors().intersect(&commenters()).order_by(posts::user_id),
    );
    check(
        "except",
        &authors().except(&commenters()).order_by(posts::user_id),
    );
    check(
        "intersect_all",
        &authors().intersect_all(&authors()).order_by(posts::user_id),
    );
    check(
        "except_all",
        &authors().except_all(&commenters()).order_by(posts::user_id),
    );
    check(
        "union_three",
        &authors()
            .union(&commenters())
            .union(&select(literal(99i64))),
    );
}

#[test]
fn ordering_and_limits() {
    let name = users::name.label("who");
    check(
        "union_order_by_label_desc_limit",
        &select((users::id, name.clone()))
            .where_(users::id.le(2))
            .union(&select((posts::id, posts::status)).where_(posts::id.ge(4)))
            .order_by(name.desc())
            .limit(3),
    );
    check(
        "union_order_by_column_offset",
        &select((users::id, users::name))
            .union_all(&select((posts::id, posts::status)))
            .order_by((users::id, users::name))
            .limit(4)
            .offset(2),
    );
    check(
        "union_operands_with_own_limit",
        &select(users::id)
            .order_by(users::id.desc())
            .limit(2)
            .union_all(&select(posts::id).order_by(posts::id).limit(1))
            .order_by(users::id),
    );
    check(
        "union_order_by_nulls_first",
        &select(users::age)
            .union(&select(posts::views.nullable()).where_(posts::views.gt(6)))
            .order_by(users::age.asc().nulls_first()),
    );
    check(
        "union_order_by_not_a_result_column",
        &authors().union(&commenters()).order_by(users::id),
    );
    check(
        "union_with_bound_values_everywhere",
        &select((users::id, (users::id + 1).label("x")))
            .where_(users::id.lt(3))
            .union(&select((posts::id, posts::id * 2)).where_(posts::views.gt(6)))
            .order_by(users::id)
            .limit(10),
    );
}

#[test]
fn nesting() {
    // (a UNION b) INTERSECT c: chained left to right.
    check(
        "union_then_intersect",
        &authors()
            .union(&commenters())
            .intersect(&managers())
            .order_by(posts::user_id),
    );
    // a UNION (b INTERSECT c): the compound operand is parenthesised.
    check(
        "union_of_intersect",
        &authors()
            .union(&commenters().intersect(&managers()))
            .order_by(posts::user_id),
    );
    // a INTERSECT b UNION c: no parentheses needed anywhere.
    check(
        "intersect_then_union",
        &authors()
            .intersect(&commenters())
            .union(&managers())
            .order_by(posts::user_id),
    );
    check(
        "except_of_union_with_limit",
        &authors()
            .except(
                &commenters()
                    .union(&managers())
                    .order_by(comments::user_id)
                    .limit(2),
            )
            .order_by(posts::user_id),
    );
}

#[test]
fn as_from_items_and_with_ctes() {
    let people = select((users::id, users::name))
        .where_(users::id.le(2))
        .union_all(&select((posts::id, posts::status)).where_(posts::views.gt(6)))
        .subquery("people");
    let (pid, pname) = people.columns();
    check(
        "compound_as_subquery",
        &select((pid.clone(), pname)).order_by((pid.clone(), people.columns().1)),
    );
    let renamed = people.column_aliases(["person_id", "label"]);
    let (rid, rlabel) = renamed.columns();
    check(
        "compound_subquery_column_aliases",
        &select((rlabel, rid.clone()))
            .where_(rid.gt(1))
            .order_by(rid),
    );
    check(
        "compound_subquery_aggregate",
        &select((func::count_star(), func::max(pid.clone()))).select_from(&people),
    );
    check(
        "compound_subquery_joined",
        &select((users::name, pid.clone()))
            .select_from(&people)
            .join(users::table, users::id.eq(pid.clone()))
            .order_by(users::id),
    );
    let active = select(users::id).where_(users::active).cte("active");
    let a = active.columns();
    check(
        "compound_with_cte",
        &select(a.clone())
            .where_(a.lt(3))
            .union(&select(a.clone()).where_(a.gt(4)))
            .with_(&active)
            .order_by(a.clone()),
    );
}

#[test]
fn values_lists() {
    use aludel::stmt::values;
    let wanted = values("wanted", ["id", "note"], (1i64, "first"))
        .row((4i64, "fourth"))
        .row((9i64, "missing"))
        .subquery();
    let (wid, note) = wanted.columns();
    check(
        "values_joined_to_a_table",
        &select((users::name, note.clone()))
            .select_from(&wanted)
            .join(users::table, users::id.eq(wid.clone()))
            .order_by(wid.clone()),
    );
    check(
        "values_left_join_keeps_unmatched",
        &select((wid.clone(), users::name.nullable()))
            .select_from(&wanted)
            .left_join(users::table, users::id.eq(wid.clone()))
            .order_by(wid.clone()),
    );
    let one = values("one", ["n"], (7i64,)).subquery();
    check("values_single_row", &select(one.columns()));
    let bad = values("bad", ["a", "b"], (1i64,)).subquery();
    check("values_wrong_width", &select(bad.columns()));
}

#[test]
fn dialect_versions() {
    use aludel::dialect::Dialect;
    let i = authors().intersect(&commenters());
    let all = authors().except_all(&commenters());
    for (d, intersect, all_ok) in [
        (Dialect::mysql().with_version(8, 0, 30), false, false),
        (Dialect::mysql().with_version(8, 0, 31), true, true),
        (Dialect::mariadb().with_version(10, 2, 0), false, false),
        (Dialect::mariadb().with_version(10, 3, 0), true, false),
        (Dialect::mariadb().with_version(10, 5, 0), true, true),
        (Dialect::sqlite(), true, false),
        (Dialect::postgres(), true, true),
    ] {
        assert_eq!(i.compile(&d).is_ok(), intersect, "INTERSECT on {d:?}");
        assert_eq!(all.compile(&d).is_ok(), all_ok, "EXCEPT ALL on {d:?}");
    }
    let e = i
        .compile(&Dialect::mysql().with_version(8, 0, 30))
        .unwrap_err();
    assert!(e.to_string().contains("INTERSECT / EXCEPT"), "{e}");
}

#[test]
fn cache_key_and_typed_rows() {
    let a = authors().union(&commenters());
    let b = authors().union_all(&commenters());
    assert_ne!(a.cache_key(), b.cache_key());
    let one = select(literal(1i64)).union(&select(literal(2i64)));
    let two = select(literal(3i64)).union(&select(literal(4i64)));
    assert_eq!(one.cache_key(), two.cache_key());
}

#[test]
fn more_compounds() {
    check(
        "intersect_of_two_unions",
        &authors()
            .union(&commenters())
            .intersect(&managers().union(&select(literal(6i64))))
            .order_by(posts::user_id),
    );
    let kind = literal("u").label("kind");
    check(
        "union_all_tagged_rows",
        &select((users::id, kind.clone()))
            .where_(users::id.le(2))
            .union_all(&select((posts::id, literal("p"))).where_(posts::id.ge(4)))
            .order_by((kind, users::id)),
    );
}

#[test]
fn compounds_as_subquery_expressions() {
    check(
        "compound_in_subquery",
        &select((users::id, users::name))
            .where_(users::id.in_(&authors().union(&commenters())))
            .order_by(users::id),
    );
    check(
        "compound_not_in_subquery",
        &select(users::id)
            .where_(users::id.not_in(&authors().intersect(&commenters())))
            .order_by(users::id),
    );
    // Each SELECT of the compound is correlated with the enclosing query.
    let active = select(posts::id)
        .where_(posts::user_id.eq(users::id))
        .union_all(&select(comments::id).where_(comments::user_id.eq(users::id)));
    check(
        "compound_exists_correlated",
        &select(users::id)
            .where_(active.exists())
            .order_by(users::id),
    );
    check(
        "compound_not_exists_correlated",
        &select(users::id)
            .where_(active.not_exists())
            .order_by(users::id),
    );
    // A SELECT with its own LIMIT inside a correlated compound (SQLite wraps it in a
    // derived table, which still sees the enclosing query).
    let first_post = select(posts::id)
        .where_(posts::user_id.eq(users::id))
        .order_by(posts::id)
        .limit(1)
        .union_all(&select(comments::id).where_(comments::user_id.eq(users::id)));
    check(
        "compound_exists_member_with_limit",
        &select(users::id)
            .where_(first_post.exists())
            .order_by(users::id),
    );
    // A correlated SELECT inside a nested compound: MariaDB makes the parenthesised
    // compound a derived table, which cannot see the enclosing query.
    let nested = select(posts::user_id)
        .where_(posts::user_id.eq(users::id))
        .union(&select(comments::user_id).where_(comments::user_id.eq(users::id)))
        .intersect(&select(posts::user_id).where_(posts::views.gt(5)));
    check(
        "compound_nested_correlated",
        &select(users::id)
            .where_(nested.exists())
            .order_by(users::id),
    );
    // A user's highest number among their posts' views and their comment ids.
    let v = cast::<i64, _>(posts::views).label("v");
    let highest = select(v.clone())
        .where_(posts::user_id.eq(users::id))
        .union(&select(comments::id.label("v")).where_(comments::user_id.eq(users::id)))
        .order_by(v.desc())
        .limit(1);
    check(
        "compound_scalar_subquery",
        &select((users::id, highest.scalar_subquery())).order_by(users::id),
    );
    // MySQL and MariaDB refuse a LIMIT anywhere in an IN subquery, a compound's too.
    check(
        "compound_in_subquery_with_limit",
        &select(users::id)
            .where_(
                users::id.in_(
                    &authors()
                        .union(&commenters())
                        .order_by(posts::user_id)
                        .limit(2),
                ),
            )
            .order_by(users::id),
    );
}
