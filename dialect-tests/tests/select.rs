//! SELECT: columns, FROM derivation, joins, aliases, grouping, ordering, limits, locks,
//! subqueries.

use aludel::prelude::*;
use aludel_dialect_tests::schema::*;
use aludel_dialect_tests::{Case, check};

#[test]
fn columns_and_from() {
    check(
        "select_columns",
        &select((users::id, users::name)).order_by(users::id),
    );
    check(
        "select_single_column",
        &select(users::name).where_(users::id.eq(2)),
    );
    check(
        "select_table_rows",
        &select(users::table).where_(users::id.le(2)),
    );
    check("select_distinct", &select(posts::status).distinct());
    check(
        "select_distinct_on",
        &select((posts::user_id, posts::title))
            .distinct_on(posts::user_id)
            .order_by((posts::user_id, posts::id)),
    );
    check(
        "select_from_explicit",
        &select(func::count_star()).select_from(posts::table),
    );
    check(
        "select_from_where_tables",
        &select((users::name, posts::title))
            .where_(posts::user_id.eq(users::id))
            .order_by(posts::id),
    );
    check("select_without_from", &select(literal(1i64).label("one")));
    check(
        "select_where_without_from",
        &select(literal(1i64).label("x")).where_(literal(1i64).eq(1)),
    );
    check(
        "select_two_where_calls",
        &select(users::id)
            .where_(users::active)
            .where_(users::age.gt(20)),
    );
}

#[test]
fn joins() {
    check(
        "join_inner",
        &select((users::name, posts::title))
            .join(posts::table, posts::user_id.eq(users::id))
            .order_by(posts::id),
    );
    check(
        "join_left_anti",
        &select(users::name)
            .left_join(posts::table, posts::user_id.eq(users::id))
            .where_(posts::id.nullable().is_null()),
    );
    check(
        "join_right",
        &select((users::name.nullable(), posts::title))
            .right_join(posts::table, posts::user_id.eq(users::id))
            .order_by(posts::id),
    );
    check(
        "join_full",
        &select((users::name.nullable(), posts::title.nullable()))
            .full_join(posts::table, posts::user_id.eq(users::id))
            .order_by((posts::id.asc().nulls_last(), users::id)),
    );
    check(
        // The row type says String, but LEFT JOIN can give NULL: an error, not a
        // decode failure at run time.
        "join_left_not_null_row_type",
        &select((users::name, posts::title)).left_join(posts::table, posts::user_id.eq(users::id)),
    );
    check(
        "join_chain",
        &select((users::name, posts::title, comments::body))
            .join(posts::table, posts::user_id.eq(users::id))
            .join(comments::table, comments::post_id.eq(posts::id))
            .order_by(comments::id),
    );
    check(
        "join_composite_on",
        &select((posts::title, tags::tag))
            .join(
                tags::table,
                tags::post_id.eq(posts::id).and(tags::tag.ne("intro")),
            )
            .order_by((posts::id, tags::tag)),
    );
    let manager = users::alias("manager");
    check(
        "self_join_typed_alias",
        &select((users::name, manager.name.clone()))
            .join(manager.table(), manager.id.eq(users::manager_id))
            .order_by(users::id),
    );
    check(
        "self_join_left",
        &select((users::name, manager.name.nullable()))
            .left_join(manager.table(), manager.id.eq(users::manager_id))
            .order_by(users::id),
    );
    let u2 = users::table.alias("u2");
    check(
        "alias_columns",
        &select(u2.col(users::name)).where_(u2.col(users::id).eq(3)),
    );
    check("alias_rows", &select(&u2).where_(u2.col(users::id).eq(1)));
    check(
        "join_explicit_from_then_join",
        &select((posts::title, users::name))
            .select_from(posts::table)
            .join(users::table, users::id.eq(posts::user_id))
            .order_by(posts::id),
    );
    // The left side of the joins is the FROM item the ON clause names (users), not the
    // first one (posts).
    check(
        "join_left_side_from_on_clause",
        &select((posts::title, users::name, comments::body))
            .join(comments::table, comments::user_id.eq(users::id))
            .where_(comments::post_id.eq(posts::id))
            .order_by(comments::id),
    );
    // An explicit subquery after the left side: its values keep their place.
    let sq = select(literal(7i64).label("seven")).subquery("sq");
    check(
        "join_left_side_before_explicit_subquery",
        &select((sq.columns(), users::name, posts::title))
            .select_from(&sq)
            .join(
                posts::table,
                posts::user_id.eq(users::id).and(posts::views.gt(0)),
            )
            .order_by(posts::id),
    );
    check(
        "join_on_two_separate_from_items",
        &select((posts::title, users::name)).join(
            comments::table,
            comments::user_id
                .eq(users::id)
                .and(comments::post_id.eq(posts::id)),
        ),
    );
    check(
        "join_on_a_later_join",
        &select(users::name)
            .join(comments::table, comments::post_id.eq(posts::id))
            .join(posts::table, posts::user_id.eq(users::id)),
    );
}

#[test]
fn grouping_and_ordering() {
    check(
        "group_by_having",
        &select((posts::user_id, func::count_star()))
            .group_by(posts::user_id)
            .having(func::count_star().gt(1)),
    );
    check(
        "group_by_two",
        &select((posts::user_id, posts::status, func::count_star()))
            .group_by((posts::user_id, posts::status))
            .order_by((posts::user_id, posts::status)),
    );
    check(
        "order_by_desc_multiple",
        &select((users::active, users::name)).order_by((users::active.desc(), users::id.asc())),
    );
    check(
        "order_by_nulls_first",
        &select((users::name, users::age)).order_by((users::age.asc().nulls_first(), users::id)),
    );
    check(
        "order_by_nulls_last_desc",
        &select((users::name, users::age)).order_by((users::age.desc().nulls_last(), users::id)),
    );
    let n = func::count_star().label("n");
    check(
        "order_by_label",
        &select((posts::status, n.clone()))
            .group_by(posts::status)
            .order_by((n.desc(), posts::status)),
    );
    check(
        "order_by_label_nulls_first",
        &select((users::name, users::age.label("years")))
            .order_by((users::age.label("years").asc().nulls_first(), users::id)),
    );
    check(
        // Same name, another expression: ordered by that expression, not the label.
        "order_by_label_of_another_expression",
        &select((users::id, users::age.label("x")))
            .order_by(((users::id * -1).label("x"), users::id)),
    );
    check(
        "order_by_expression",
        &select(users::name)
            .order_by((users::id % 3).desc())
            .limit(3),
    );
}

#[test]
fn limits() {
    check("limit", &select(users::id).order_by(users::id).limit(2));
    check(
        "limit_offset",
        &select(users::id).order_by(users::id).limit(2).offset(1),
    );
    check(
        "offset_only",
        &select(users::id).order_by(users::id).offset(4),
    );
    Case::new("limit_bindparam")
        .params(Params::new().set("n", 3i64))
        .run(
            &select(users::id)
                .order_by(users::id)
                .limit(bindparam::<i64>("n")),
        );
    check(
        "limit_expression",
        &select(users::id)
            .order_by(users::id)
            .limit(literal(1i64) + 1),
    );
}

#[test]
fn locks() {
    let base = select(users::id).where_(users::id.eq(1));
    check("for_update", &base.for_update());
    check("for_share", &base.for_share());
    check("for_update_nowait", &base.for_update().nowait());
    check("for_update_skip_locked", &base.for_update().skip_locked());
    check("for_share_skip_locked", &base.for_share().skip_locked());
    check("for_update_of", &base.for_update().of(users::table));
    check(
        "for_update_outer_join",
        &select((users::id, posts::id.nullable()))
            .left_join(posts::table, posts::user_id.eq(users::id))
            .for_update(),
    );
    check(
        "for_update_of_outer_join",
        &select((users::id, posts::id.nullable()))
            .left_join(posts::table, posts::user_id.eq(users::id))
            .for_update()
            .of(users::table),
    );
    check(
        "for_update_of_join",
        &select((users::id, posts::id))
            .join(posts::table, posts::user_id.eq(users::id))
            .for_update()
            .of(posts::table),
    );
}

#[test]
fn subqueries() {
    let counts = select((posts::user_id, func::count_star().label("n")))
        .group_by(posts::user_id)
        .subquery("post_counts");
    let (uid, n) = counts.columns();
    check(
        "subquery_join",
        &select((users::name, n.clone()))
            .join(&counts, uid.eq(users::id))
            .order_by(users::id),
    );
    check(
        "subquery_only",
        &select((uid.clone(), n.clone())).where_(n.gt(1)),
    );
    let post_count = select(func::count_star())
        .select_from(posts::table)
        .where_(posts::user_id.eq(users::id))
        .scalar_subquery();
    check(
        "scalar_subquery_select",
        &select((users::name, post_count.label("posts"))).order_by(users::id),
    );
    check(
        "scalar_subquery_where",
        &select(users::name).where_(
            users::age.eq(select(func::max(users::age))
                .select_from(users::table)
                .scalar_subquery()),
        ),
    );
    check(
        "scalar_subquery_correlated_away",
        &select(users::name).where_(users::age.eq(select(func::max(users::age)).scalar_subquery())),
    );
    let has_posts = select(posts::id).where_(posts::user_id.eq(users::id));
    check(
        "exists_correlated",
        &select(users::name)
            .where_(has_posts.exists())
            .order_by(users::id),
    );
    check(
        "not_exists",
        &select(users::name)
            .where_(has_posts.not_exists())
            .order_by(users::id),
    );
    check(
        "exists_function",
        &select(users::name)
            .where_(exists(
                &select(comments::id).where_(comments::user_id.eq(users::id)),
            ))
            .order_by(users::id),
    );
    check(
        "in_subquery",
        &select(users::name)
            .where_(users::id.in_(&select(posts::user_id)))
            .order_by(users::id),
    );
    check(
        "not_in_subquery",
        &select(users::name)
            .where_(users::id.not_in(&select(posts::user_id)))
            .order_by(users::id),
    );
    check(
        "in_subquery_limit",
        &select(users::name).where_(
            users::id.in_(
                &select(posts::user_id)
                    .order_by(posts::views.desc())
                    .limit(1),
            ),
        ),
    );
    check(
        "subquery_nested_correlation",
        &select(users::name)
            .where_(
                select(posts::id)
                    .where_(posts::user_id.eq(users::id))
                    .where_(
                        select(comments::id)
                            .where_(comments::post_id.eq(posts::id))
                            .where_(comments::user_id.ne(users::id))
                            .exists(),
                    )
                    .exists(),
            )
            .order_by(users::id),
    );
}

#[test]
fn from_errors() {
    check("missing_from", &select(users::id).order_by(posts::id));
    check(
        "duplicate_from",
        &select(users::id)
            .select_from(users::table)
            .join(users::table, users::id.eq(1)),
    );
    check(
        "join_without_from",
        &select(literal(1i64).label("x")).join(posts::table, posts::id.eq(1)),
    );
    // Column aliases: the derived table's columns renamed (labels inside).
    let renamed = select((posts::user_id, func::count_star(), func::max(posts::views)))
        .group_by(posts::user_id)
        .subquery("per_user")
        .column_aliases(["uid", "posts", "top_views"]);
    let (r_uid, r_posts, r_top) = renamed.columns();
    check(
        "subquery_column_aliases",
        &select((users::name, r_posts, r_top))
            .join(&renamed, r_uid.eq(users::id))
            .order_by(users::id),
    );
    check("subquery_column_aliases_relabel", &{
        let sq = select((users::id.label("a"), users::name.label("b")))
            .where_(users::id.le(3))
            .subquery("sq")
            .column_aliases(["x", "y"]);
        let (x, y) = sq.columns();
        select((y, x.clone())).order_by(x)
    });
    check("subquery_unlabelled_column", &{
        let sq = select((users::id, users::id + 1)).subquery("sq");
        let (_, plus) = sq.columns();
        select(plus)
    });
    check("subquery_ambiguous_column", &{
        let sq = select((users::id, posts::id))
            .join(posts::table, posts::user_id.eq(users::id))
            .subquery("sq");
        let (a, _) = sq.columns();
        select(a)
    });
}

/// Each user's most viewed post: a LATERAL subquery that reads users.id.
fn top_post() -> aludel::stmt::Subquery<(String, i32)> {
    select((posts::title, posts::views))
        .where_(posts::user_id.eq(users::id))
        .order_by((posts::views.desc(), posts::id))
        .limit(1)
        .subquery("top")
        .lateral()
}

#[test]
fn lateral() {
    let top = top_post();
    let (title, views) = top.columns();
    check(
        "lateral_comma",
        &select((users::name, title.clone(), views.clone())).order_by(users::id),
    );
    let left = select((users::name, title.nullable()))
        .select_from(users::table)
        .left_join(&top, true_())
        .order_by(users::id);
    check("lateral_left_join", &left);
    // Only PostgreSQL runs LATERAL here (MariaDB and SQLite have none): its rows.
    let sql = left
        .compile_literal(&aludel::dialect::Dialect::postgres(), &Params::new())
        .unwrap();
    if let Some(r) = aludel_dialect_tests::on_postgres(&sql, aludel_dialect_tests::Kind::Query) {
        let text = |s: &str| aludel_dialect_tests::Cell::Text(s.to_owned());
        let rows = [
            ("alice", Some("Hello")),
            ("bob", Some("Bob's post")),
            ("carol", None),
            ("dave", Some("Dave's")),
            ("spongebob", None),
            ("Eve", Some("100% real")),
        ]
        .map(|(n, t)| vec![text(n), t.map_or(aludel_dialect_tests::Cell::Null, text)]);
        assert_eq!(
            r.unwrap(),
            aludel_dialect_tests::Outcome::Rows(rows.to_vec())
        );
    }
}

#[test]
fn more_lateral() {
    let n = select(func::count_star().label("n"))
        .select_from(posts::table)
        .where_(posts::user_id.eq(users::id))
        .subquery("n")
        .lateral();
    check(
        "lateral_aggregate",
        &select((users::name, n.columns())).order_by(users::id),
    );
    let active = select((users::id, users::name))
        .where_(users::active)
        .cte("active");
    let (aid, _) = active.columns();
    let mine = select(posts::title)
        .where_(posts::user_id.eq(aid.clone()))
        .order_by(posts::id)
        .limit(1)
        .subquery("mine")
        .lateral();
    // Listed first, the LATERAL subquery is written after the table it reads.
    let top = top_post();
    let (title, views) = top.columns();
    check(
        "lateral_listed_first",
        &select((title.clone(), views, users::name)).order_by(users::id),
    );
    // In a join chain it sees only the chain before it, through inner or left joins.
    check(
        "lateral_join_refers_forward",
        &select((comments::id, title.clone(), users::name))
            .select_from(comments::table)
            .join(&top, true_())
            .select_from(users::table),
    );
    check(
        "lateral_right_join",
        &select((users::name, title.clone()))
            .select_from(users::table)
            .right_join(&top, true_()),
    );
    // A reference only inside the LATERAL subquery's own subquery still orders it.
    let commented = select(posts::title)
        .select_from(posts::table)
        .where_(
            select(comments::id)
                .where_(comments::post_id.eq(posts::id))
                .where_(comments::user_id.eq(users::id))
                .exists(),
        )
        .order_by(posts::id)
        .limit(1)
        .subquery("commented")
        .lateral();
    check(
        "lateral_reference_in_a_nested_subquery",
        &select((commented.columns(), users::name)).order_by(users::id),
    );
    // A table the LATERAL subquery joins itself is its own, not the enclosing one's.
    let own_join = select(comments::id)
        .select_from(comments::table)
        .join(posts::table, posts::id.eq(comments::post_id))
        .where_(comments::user_id.eq(users::id).and(posts::views.gt(1)))
        .order_by(comments::id)
        .limit(1)
        .subquery("own_join")
        .lateral();
    check(
        "lateral_with_its_own_join",
        &select((users::name, own_join.columns(), posts::title))
            .select_from(users::table)
            .join(&own_join, true_())
            .where_(posts::id.eq(1))
            .order_by(users::id),
    );
    // UPDATE .. FROM LATERAL cannot read the target.
    let latest = select(posts::id)
        .where_(posts::user_id.eq(users::id))
        .order_by(posts::id.desc())
        .limit(1)
        .subquery("latest")
        .lateral();
    check(
        "lateral_in_update_reads_target",
        &update(users::table)
            .set(users::fullname.set(users::name.nullable()))
            .from(&latest)
            .where_(latest.columns().eq(2)),
    );
    // In UPDATE .. FROM too, a LATERAL item given before what it reads is written after it.
    let actives = select(users::id).where_(users::active).subquery("actives");
    let theirs = select(comments::post_id)
        .where_(comments::user_id.eq(actives.columns()))
        .subquery("theirs")
        .lateral();
    check(
        "lateral_in_update_listed_first",
        &update(posts::table)
            .set(posts::views.set(posts::views + 1))
            .from(&theirs)
            .from(&actives)
            .where_(posts::id.eq(theirs.columns())),
    );
    check(
        "lateral_over_a_cte",
        &select((aid.clone(), mine.columns()))
            .with_(&active)
            .order_by(aid),
    );
}
