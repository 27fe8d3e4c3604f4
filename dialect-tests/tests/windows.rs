//! Window functions: ranking, offsets, aggregates over windows, frames, and the errors
//! for what a dialect or SQL itself does not allow.

use aludel::expr::window::{self as win, FrameBound as B, FrameExclusion, FrameUnits, Window};
use aludel::prelude::*;
use aludel_dialect_tests::schema::*;
use aludel_dialect_tests::{Case, check};

fn by_user() -> Window {
    Window::new()
        .partition_by(posts::user_id)
        .order_by(posts::id)
}

#[test]
fn ranking() {
    check(
        "window_row_number",
        &select((posts::id, win::row_number().over(&by_user()))).order_by(posts::id),
    );
    let by_views = Window::new().order_by(posts::views.desc());
    check(
        "window_rank_dense_rank",
        &select((
            users::id,
            win::rank()
                .over(&Window::new().order_by(users::active.desc()))
                .label("r"),
            win::dense_rank()
                .over(&Window::new().order_by(users::active.desc()))
                .label("d"),
        ))
        .order_by(users::id),
    );
    check(
        "window_ntile",
        &select((posts::id, win::ntile(2).over(&by_views))).order_by(posts::id),
    );
    check(
        "window_row_number_over_empty",
        &select((
            users::id,
            win::row_number().over(&Window::new().order_by(users::id)),
        ))
        .where_(users::id.le(3))
        .order_by(users::id),
    );
    Case::new("window_percent_rank_cume_dist")
        .results_differ("floating-point formatting of fractions differs between servers")
        .run(
            &select((
                posts::id,
                win::percent_rank().over(&by_views),
                win::cume_dist().over(&by_views),
            ))
            .order_by(posts::id),
        );
}

#[test]
fn offsets() {
    check(
        "window_lag_lead",
        &select((
            posts::id,
            win::lag(posts::views).over(&by_user()),
            win::lead(posts::views).over(&by_user()),
        ))
        .order_by(posts::id),
    );
    check(
        "window_lag_with_default",
        &select((
            posts::id,
            win::lag_or(posts::views, 2, -1).over(&Window::new().order_by(posts::id)),
        ))
        .order_by(posts::id),
    );
    let all_rows = Window::new()
        .order_by(posts::id)
        .rows(B::UnboundedPreceding, B::UnboundedFollowing);
    check(
        "window_first_last_nth_value",
        &select((
            posts::id,
            win::first_value(posts::title).over(&all_rows),
            win::last_value(posts::title).over(&all_rows),
            win::nth_value(posts::title, 2).over(&all_rows),
        ))
        .order_by(posts::id),
    );
}

#[test]
fn aggregates_and_frames() {
    check(
        "window_sum_partition",
        &select((
            posts::id,
            func::sum(posts::views).over(&Window::new().partition_by(posts::user_id)),
        ))
        .order_by(posts::id),
    );
    check(
        "window_running_total_rows",
        &select((
            posts::id,
            func::sum(posts::views).over(
                &Window::new()
                    .order_by(posts::id)
                    .rows(B::UnboundedPreceding, B::CurrentRow),
            ),
        ))
        .order_by(posts::id),
    );
    check(
        "window_moving_count_rows",
        &select((
            posts::id,
            func::count(posts::id).over(
                &Window::new()
                    .order_by(posts::id)
                    .rows(B::Preceding(1), B::Following(1)),
            ),
        ))
        .order_by(posts::id),
    );
    check(
        "window_frame_start_only",
        &select((
            posts::id,
            func::max(posts::views).over(
                &Window::new()
                    .order_by(posts::id)
                    .frame_from(FrameUnits::Rows, B::Preceding(2)),
            ),
        ))
        .order_by(posts::id),
    );
    check(
        "window_range_offset",
        &select((
            posts::id,
            func::count_star().over(
                &Window::new()
                    .order_by(posts::views)
                    .range(B::Preceding(10), B::Following(10)),
            ),
        ))
        .order_by(posts::id),
    );
    check(
        "window_groups_frame",
        &select((
            users::id,
            func::count_star().over(
                &Window::new()
                    .order_by(users::active)
                    .groups(B::CurrentRow, B::UnboundedFollowing),
            ),
        ))
        .order_by(users::id),
    );
    check(
        "window_count_over_all",
        &select((posts::status, func::count_star().over(&Window::new())))
            .where_(posts::user_id.eq(1))
            .order_by(posts::id),
    );
    check(
        "window_order_nulls_last",
        &select((
            users::id,
            win::row_number()
                .over(&Window::new().order_by((users::age.desc().nulls_last(), users::id))),
        ))
        .order_by(users::id),
    );
    // A window function in a derived table, filtered outside: the top post per user.
    let ranked = select((
        posts::user_id,
        posts::title,
        win::row_number()
            .over(
                &Window::new()
                    .partition_by(posts::user_id)
                    .order_by(posts::views.desc()),
            )
            .label("rn"),
    ))
    .subquery("ranked");
    let (user_id, title, rn) = ranked.columns();
    check(
        "window_top_per_group",
        &select((user_id.clone(), title))
            .select_from(&ranked)
            .where_(rn.eq(1))
            .order_by(user_id),
    );
    check(
        "window_with_bound_values",
        &select((
            posts::id,
            (func::sum(posts::views + 1).over(&by_user()) * 2).label("x"),
        ))
        .where_(posts::views.gt(1))
        .order_by(posts::id),
    );
}

#[test]
fn errors() {
    check(
        "window_in_where",
        &select(posts::id).where_(win::row_number().over(&by_user()).gt(1)),
    );
    check(
        "window_over_non_function",
        &select((posts::views + 1).over(&by_user())),
    );
    check(
        "window_frame_backwards",
        &select(
            func::count_star().over(
                &Window::new()
                    .order_by(posts::id)
                    .rows(B::CurrentRow, B::Preceding(1)),
            ),
        )
        .select_from(posts::table),
    );
    check(
        "window_range_offset_two_keys",
        &select(
            func::count_star().over(
                &Window::new()
                    .order_by((posts::views, posts::id))
                    .range(B::Preceding(1), B::CurrentRow),
            ),
        )
        .select_from(posts::table),
    );
    check(
        "window_nested",
        &select(func::sum(win::row_number().over(&by_user())).over(&by_user())),
    );
}

#[test]
fn dialect_versions() {
    use aludel::dialect::Dialect;
    let stmt = select(win::row_number().over(&Window::new()));
    for (d, ok) in [
        (Dialect::sqlite().with_version(3, 24, 0), false),
        (Dialect::sqlite().with_version(3, 25, 0), true),
        (Dialect::mysql().with_version(5, 7, 40), false),
        (Dialect::mysql().with_version(8, 0, 0), true),
        (Dialect::mariadb().with_version(10, 1, 0), false),
        (Dialect::mariadb().with_version(10, 2, 0), true),
    ] {
        let r = stmt.compile(&d);
        assert_eq!(
            r.is_ok(),
            ok,
            "{d:?}: {r:?}",
            r = r.as_ref().map(|c| c.sql().to_owned())
        );
        if let Err(e) = r {
            let msg = e.to_string();
            assert!(msg.contains("window functions"), "{msg}");
        }
    }
    let groups = select(
        func::count_star().over(
            &Window::new()
                .order_by(literal(1i64))
                .groups(B::CurrentRow, B::CurrentRow),
        ),
    );
    assert!(
        groups
            .compile(&Dialect::postgres().with_version(10, 0, 0))
            .is_err()
    );
    assert!(
        groups
            .compile(&Dialect::postgres().with_version(11, 0, 0))
            .is_ok()
    );
    assert!(
        groups
            .compile(&Dialect::sqlite().with_version(3, 27, 0))
            .is_err()
    );
}

#[test]
fn more_windows() {
    check(
        "window_dense_rank_partitioned",
        &select((
            posts::id,
            win::dense_rank().over(
                &Window::new()
                    .partition_by(posts::status)
                    .order_by(posts::views.desc()),
            ),
        ))
        .order_by(posts::id),
    );
    check(
        "window_ntile_three",
        &select((
            users::id,
            win::ntile(3).over(&Window::new().order_by(users::id)),
        ))
        .order_by(users::id),
    );
    check(
        "window_lead_with_default",
        &select((
            posts::id,
            win::lead_or(posts::views, 1, -1).over(&by_user()),
        ))
        .order_by(posts::id),
    );
    check(
        "window_last_value_to_the_end",
        &select((
            posts::id,
            win::last_value(posts::id).over(
                &Window::new()
                    .order_by(posts::id)
                    .rows(B::CurrentRow, B::UnboundedFollowing),
            ),
        ))
        .order_by(posts::id),
    );
    check(
        "window_min_range_following",
        &select((
            posts::id,
            func::min(posts::id).over(
                &Window::new()
                    .order_by(posts::views)
                    .range(B::CurrentRow, B::Following(5)),
            ),
        ))
        .order_by(posts::id),
    );
    check(
        "window_two_windows",
        &select((
            posts::id,
            win::row_number().over(&by_user()),
            func::count_star().over(&Window::new().partition_by(posts::status)),
        ))
        .order_by(posts::id),
    );
}

#[test]
fn window_functions_outside_the_select_list_are_refused() {
    let rn = win::row_number().over(&by_user());
    let err =
        |r: Result<aludel::Compiled, aludel::CompileError>| r.expect_err("refused").to_string();
    let grouped = select(posts::user_id).group_by(rn.clone());
    assert!(err(grouped.compile(&Postgres)).contains("GROUP BY"));
    let having = select(posts::user_id)
        .group_by(posts::user_id)
        .having(rn.clone().gt(1));
    assert!(err(having.compile(&Postgres)).contains("HAVING"));
    let on = select((users::id, posts::id)).join(posts::table, posts::id.eq(rn.clone()));
    assert!(err(on.compile(&Postgres)).contains("ON clause"));
    // A LATERAL compound is refused rather than written without LATERAL.
    let u = select(posts::id)
        .where_(posts::user_id.eq(users::id))
        .union(&select(comments::id))
        .subquery("u")
        .lateral();
    let e = select((users::id, u.columns()))
        .compile(&Postgres)
        .unwrap_err();
    assert!(e.to_string().contains("LATERAL compound"), "{e}");
}

#[test]
fn named_windows() {
    let w = Window::new().partition_by(posts::user_id).named("w");
    check(
        "window_named_shared",
        &select((
            posts::id,
            win::rank().over(&w.order_by(posts::views.desc())),
            func::count_star().over(&w),
            func::sum(posts::views).over(&w),
        ))
        .window(&w)
        .order_by(posts::id),
    );
    check(
        "window_named_refined_with_frame",
        &select((
            posts::id,
            func::sum(posts::views).over(
                &w.order_by(posts::id)
                    .rows(B::UnboundedPreceding, B::CurrentRow),
            ),
        ))
        .window(&w)
        .order_by(posts::id),
    );
    let ordered = w.order_by(posts::id).named("ordered");
    check(
        "window_named_chain",
        &select((
            posts::id,
            win::lag(posts::views).over(&ordered),
            win::row_number().over(&ordered),
        ))
        .window(&w)
        .window(&ordered)
        .order_by(posts::id),
    );
    let by_views = Window::new()
        .order_by(posts::views.desc())
        .named("by_views");
    check(
        "window_named_in_order_by",
        &select((posts::id, posts::views))
            .window(&by_views)
            .order_by((win::row_number().over(&by_views), posts::id)),
    );
    // A keyword as a window name, refined (PostgreSQL's grammar needs it quoted there).
    let rows = Window::new().partition_by(posts::user_id).named("rows");
    check(
        "window_named_keyword",
        &select((
            posts::id,
            win::row_number().over(&rows.order_by(posts::id)),
            func::count_star().over(&rows),
        ))
        .window(&rows)
        .order_by(posts::id),
    );
    // The classic: each user's latest post, ranked in a subquery with its own WINDOW.
    let latest = Window::new()
        .partition_by(posts::user_id)
        .order_by(posts::id.desc())
        .named("latest");
    let ranked = select((
        posts::user_id,
        posts::id,
        win::row_number().over(&latest).label("rn"),
    ))
    .window(&latest)
    .subquery("ranked");
    let (user_id, id, rn) = ranked.columns();
    check(
        "window_named_in_subquery",
        &select((user_id.clone(), id))
            .where_(rn.eq(1))
            .order_by(user_id),
    );
}

#[test]
fn named_window_errors() {
    let w = Window::new().partition_by(posts::user_id).named("w");
    check(
        "window_named_not_attached",
        &select((posts::id, win::row_number().over(&w))),
    );
    check(
        "window_named_attached_twice",
        &select((posts::id, win::row_number().over(&w)))
            .window(&w)
            .window(&w),
    );
    let other = Window::new().order_by(posts::id).named("w");
    check(
        "window_named_two_with_one_name",
        &select((posts::id, win::row_number().over(&w)))
            .window(&w)
            .window(&other),
    );
    check(
        "window_named_unnamed_attached",
        &select((posts::id, win::row_number().over(&w)))
            .window(&w)
            .window(&Window::new().order_by(posts::id)),
    );
    check(
        "window_named_refine_partition",
        &select((
            posts::id,
            win::row_number().over(&w.partition_by(posts::views)),
        ))
        .window(&w),
    );
    let ordered = w.order_by(posts::id).named("ordered");
    check(
        "window_named_refine_second_order_by",
        &select((
            posts::id,
            win::row_number().over(&ordered.order_by(posts::views)),
        ))
        .window(&w)
        .window(&ordered),
    );
    let framed = Window::new()
        .order_by(posts::id)
        .rows(B::Preceding(1), B::CurrentRow)
        .named("framed");
    check(
        "window_named_refine_framed",
        &select((
            posts::id,
            func::count_star().over(&framed.rows(B::UnboundedPreceding, B::CurrentRow)),
        ))
        .window(&framed),
    );
    check(
        "window_named_attached_after_its_base",
        &select((posts::id, win::row_number().over(&ordered)))
            .window(&ordered)
            .window(&w),
    );
    // Window names compare without case on MySQL, MariaDB and SQLite.
    let upper = Window::new().order_by(posts::id).named("W");
    check(
        "window_named_case_clash",
        &select((
            posts::id,
            win::rank().over(&w),
            win::row_number().over(&upper),
        ))
        .window(&w)
        .window(&upper),
    );
    let nested = Window::new()
        .partition_by(win::row_number().over(&Window::new()))
        .named("nested");
    check(
        "window_in_window_definition",
        &select((posts::id, win::rank().over(&nested))).window(&nested),
    );
    // A window name is the SELECT's own: a subquery does not see it.
    let by_active = Window::new().partition_by(users::active).named("by_active");
    check(
        "window_named_used_in_subquery",
        &select((
            users::id,
            select(func::max(win::row_number().over(&by_active)))
                .where_(posts::user_id.eq(users::id))
                .scalar_subquery(),
        ))
        .window(&by_active),
    );
}

#[test]
fn named_window_versions() {
    use aludel::dialect::Dialect;
    let w = Window::new().named("w");
    let stmt = select(win::row_number().over(&w)).window(&w);
    for (d, ok) in [
        (Dialect::sqlite().with_version(3, 27, 0), false),
        (Dialect::sqlite().with_version(3, 28, 0), true),
        (Dialect::mysql().with_version(8, 0, 0), true),
        (Dialect::mariadb().with_version(10, 2, 0), true),
        (Dialect::postgres(), true),
    ] {
        let r = stmt.compile(&d);
        assert_eq!(
            r.is_ok(),
            ok,
            "{d:?}: {:?}",
            r.as_ref().map(|c| c.sql().to_owned())
        );
        if let Err(e) = r {
            assert!(e.to_string().contains("WINDOW clause"), "{e}");
        }
    }
    // Older MariaDB grammars take WINDOW only after a FROM clause.
    let sql = stmt
        .compile(&Dialect::mariadb().with_version(10, 2, 0))
        .unwrap();
    assert_eq!(
        sql.sql(),
        "SELECT row_number() OVER w FROM DUAL WINDOW w AS ()"
    );
    // A keyword names a window that another refines: quoted where PostgreSQL needs it.
    let range = Window::new().named("range");
    let refined = select(win::row_number().over(&range.order_by(literal(1i64)))).window(&range);
    let sql = refined.compile(&Dialect::postgres()).unwrap();
    assert_eq!(
        sql.sql(),
        "SELECT row_number() OVER (\"range\" ORDER BY $1::BIGINT) WINDOW range AS ()"
    );
}

#[test]
fn frame_exclusion() {
    // Neighbours' views: the frame around each post, without the post itself.
    let around = Window::new()
        .order_by(posts::id)
        .rows(B::Preceding(1), B::Following(1));
    check(
        "window_exclude_current_row",
        &select((
            posts::id,
            func::sum(posts::views).over(&around.exclude(FrameExclusion::CurrentRow)),
        ))
        .order_by(posts::id),
    );
    // Peers by active flag: the whole group, then the group without the row's peers.
    let peers = Window::new()
        .order_by(users::active)
        .range(B::UnboundedPreceding, B::UnboundedFollowing);
    check(
        "window_exclude_group_and_ties",
        &select((
            users::id,
            func::count_star().over(&peers.exclude(FrameExclusion::Group)),
            func::count_star().over(&peers.exclude(FrameExclusion::Ties)),
            func::count_star().over(&peers.exclude(FrameExclusion::NoOthers)),
        ))
        .order_by(users::id),
    );
    let stmt = select(func::count_star().over(&around.exclude(FrameExclusion::Ties)));
    for (d, ok) in [
        (
            aludel::dialect::Dialect::postgres().with_version(10, 0, 0),
            false,
        ),
        (
            aludel::dialect::Dialect::postgres().with_version(11, 0, 0),
            true,
        ),
        (
            aludel::dialect::Dialect::sqlite().with_version(3, 27, 0),
            false,
        ),
        (
            aludel::dialect::Dialect::sqlite().with_version(3, 28, 0),
            true,
        ),
    ] {
        let r = stmt.compile(&d);
        assert_eq!(r.is_ok(), ok, "{d:?}");
        if let Err(e) = r {
            assert!(e.to_string().contains("EXCLUDE in a window frame"), "{e}");
        }
    }
    check(
        "window_exclude_without_frame",
        &select((
            posts::id,
            func::count_star().over(
                &Window::new()
                    .order_by(posts::id)
                    .exclude(FrameExclusion::CurrentRow),
            ),
        )),
    );
}
