//! Cross-database agreement: a corpus of read queries over the fixture data gives the
//! same rows on SQLite, PostgreSQL and MariaDB. Only what SQL leaves open is
//! normalised: the row order of a query without ORDER BY (rows are sorted then), and
//! number formatting (the harness's cells round non-integers to 6 decimals).

use aludel::dialect::Dialect;
use aludel::expr::window::{FrameBound as B, Window};
use aludel::prelude::*;
use aludel_dialect_tests::schema::*;
use aludel_dialect_tests::{Kind, Outcome, on_mysql_server, on_postgres, on_sqlite};

type Query = Box<dyn Fn(&Dialect) -> Result<String, aludel::CompileError>>;

fn q<S: Statement + 'static>(s: S) -> Query {
    Box::new(move |d| s.compile_literal(d, &Params::new()))
}

fn corpus() -> Vec<(&'static str, bool, Query)> {
    let by_user = Window::new()
        .partition_by(posts::user_id)
        .order_by(posts::id);
    let active = select((users::id, users::age))
        .where_(users::active)
        .cte("active");
    let (aid, aage) = active.columns();
    let nums = select(literal(1i64).label("x")).cte("nums");
    let x = nums.columns();
    let nums = nums.union_all(&select(x.clone() + 1).where_(x.lt(6)));
    let tree = select((users::id, literal(0i64).label("depth")))
        .where_(users::manager_id.is_null())
        .cte("tree");
    let (tid, depth) = tree.columns();
    let tree = tree.union_all(&select((users::id, depth + 1)).where_(users::manager_id.eq(tid)));
    let counts = select((posts::user_id, func::count_star().label("n")))
        .group_by(posts::user_id)
        .subquery("counts");
    let (cuid, cn) = counts.columns();
    let pairs = aludel::stmt::values("pairs", ["k", "v"], (1i64, 10i64))
        .row((2i64, 20i64))
        .row((7i64, 70i64))
        .subquery();
    let (pk, pv) = pairs.columns();
    let manager = users::alias("manager");
    vec![
        ("all user ids", false, q(select(users::id))),
        (
            "ids in order",
            true,
            q(select(users::id).order_by(users::id.desc())),
        ),
        (
            "active users",
            false,
            q(select(users::id).where_(users::active)),
        ),
        (
            "inactive users",
            false,
            q(select(users::id).where_(users::active.eq(false))),
        ),
        (
            "age over 25",
            false,
            q(select(users::id).where_(users::age.gt(25))),
        ),
        (
            "age is null",
            false,
            q(select(users::id).where_(users::age.is_null())),
        ),
        (
            "age between",
            false,
            q(select(users::id).where_(users::age.between(20, 35))),
        ),
        (
            "ids in list",
            false,
            q(select(users::id).where_(users::id.in_([1i64, 3, 5, 99]))),
        ),
        (
            "ids not in list",
            false,
            q(select(users::id).where_(users::id.not_in([1i64, 3]))),
        ),
        (
            "empty in list",
            false,
            q(select(users::id).where_(users::id.in_(Vec::<i64>::new()))),
        ),
        (
            "name starts with",
            false,
            q(select(users::id).where_(users::name.starts_with("s"))),
        ),
        (
            "name contains percent",
            false,
            q(select(users::id).where_(users::fullname.contains("50%"))),
        ),
        (
            "arithmetic",
            true,
            q(select((users::id, users::id * 3 + 1, users::id % 4)).order_by(users::id)),
        ),
        (
            "integer division",
            true,
            q(select((users::id, users::id / 2)).order_by(users::id)),
        ),
        (
            "coalesce age",
            true,
            q(select((users::id, func::coalesce(users::age, 0))).order_by(users::id)),
        ),
        (
            "case",
            true,
            q(
                select((users::id, case(users::age.gt(30), "old").else_("young")))
                    .order_by(users::id),
            ),
        ),
        (
            "count star",
            false,
            q(select(func::count_star()).select_from(users::table)),
        ),
        (
            "count non-null",
            false,
            q(select(func::count(users::age)).select_from(users::table)),
        ),
        (
            "sum and max",
            false,
            q(
                select((func::sum(posts::views), func::max(posts::views)))
                    .select_from(posts::table),
            ),
        ),
        (
            "group by status",
            false,
            q(select((posts::status, func::count_star())).group_by(posts::status)),
        ),
        (
            "having",
            false,
            q(select(posts::user_id)
                .group_by(posts::user_id)
                .having(func::count_star().gt(1))),
        ),
        (
            "inner join",
            false,
            q(select((users::id, posts::id)).join(posts::table, posts::user_id.eq(users::id))),
        ),
        (
            "left join nulls",
            false,
            q(select((users::id, posts::id.nullable()))
                .left_join(posts::table, posts::user_id.eq(users::id))),
        ),
        (
            "three-way join",
            false,
            q(select((users::id, comments::id))
                .join(posts::table, posts::user_id.eq(users::id))
                .join(comments::table, comments::post_id.eq(posts::id))),
        ),
        (
            "self join",
            false,
            q(select((users::id, manager.id.clone()))
                .join(manager.table(), manager.id.eq(users::manager_id))),
        ),
        (
            "exists",
            false,
            q(select(users::id).where_(
                select(posts::id)
                    .where_(posts::user_id.eq(users::id))
                    .exists(),
            )),
        ),
        (
            "not exists",
            false,
            q(select(users::id).where_(
                select(posts::id)
                    .where_(posts::user_id.eq(users::id))
                    .not_exists(),
            )),
        ),
        (
            "in subquery",
            false,
            q(select(users::id).where_(users::id.in_(&select(comments::user_id)))),
        ),
        (
            "scalar subquery",
            true,
            q(select((
                users::id,
                select(func::count_star())
                    .select_from(posts::table)
                    .where_(posts::user_id.eq(users::id))
                    .scalar_subquery(),
            ))
            .order_by(users::id)),
        ),
        (
            "derived table",
            false,
            q(select((cuid.clone(), cn.clone())).where_(cn.gt(0))),
        ),
        ("distinct", false, q(select(posts::status).distinct())),
        (
            "limit offset",
            true,
            q(select(users::id).order_by(users::id).limit(2).offset(1)),
        ),
        (
            "order nulls first",
            true,
            q(select((users::id, users::age))
                .order_by((users::age.asc().nulls_first(), users::id))),
        ),
        (
            "order nulls last desc",
            true,
            q(select((users::id, users::age))
                .order_by((users::age.desc().nulls_last(), users::id))),
        ),
        (
            "row_number",
            true,
            q(select((posts::id, window::row_number().over(&by_user))).order_by(posts::id)),
        ),
        (
            "rank",
            true,
            q(select((
                posts::id,
                window::rank().over(&Window::new().order_by(posts::views.desc())),
            ))
            .order_by(posts::id)),
        ),
        (
            "lag",
            true,
            q(select((posts::id, window::lag(posts::views).over(&by_user))).order_by(posts::id)),
        ),
        (
            "running sum",
            true,
            q(select((
                posts::id,
                func::sum(posts::views).over(
                    &Window::new()
                        .order_by(posts::id)
                        .rows(B::UnboundedPreceding, B::CurrentRow),
                ),
            ))
            .order_by(posts::id)),
        ),
        (
            "partition count",
            true,
            q(select((
                posts::id,
                func::count_star().over(&Window::new().partition_by(posts::status)),
            ))
            .order_by(posts::id)),
        ),
        (
            "union",
            false,
            q(select(posts::user_id).union(&select(comments::user_id))),
        ),
        (
            "union all",
            false,
            q(select(posts::user_id).union_all(&select(comments::user_id))),
        ),
        (
            "intersect",
            false,
            q(select(posts::user_id).intersect(&select(comments::user_id))),
        ),
        (
            "except",
            false,
            q(select(posts::user_id).except(&select(comments::user_id))),
        ),
        (
            "union ordered limited",
            true,
            q(select(posts::user_id)
                .union(&select(comments::user_id))
                .order_by(posts::user_id.desc())
                .limit(3)),
        ),
        (
            "cte",
            false,
            q(select(aid.clone()).with_(&active).where_(aage.gt(20))),
        ),
        (
            "recursive numbers",
            true,
            q(select(nums.columns()).with_(&nums).order_by(nums.columns())),
        ),
        (
            "recursive tree",
            false,
            q(select(tree.columns()).with_(&tree)),
        ),
        (
            "values join",
            false,
            q(select((pk.clone(), pv.clone(), users::name))
                .select_from(&pairs)
                .join(users::table, users::id.eq(pk.clone()))),
        ),
        (
            "dates",
            true,
            q(select((posts::id, posts::published_on))
                .where_(posts::published_on.gt(aludel::value::Date::new(2024, 2, 1).unwrap()))
                .order_by(posts::id)),
        ),
        (
            "decimal balance",
            true,
            q(select((users::id, users::balance)).order_by(users::id)),
        ),
        (
            "tuple in subquery",
            false,
            q(select(posts::id).where_(
                tuple_((posts::user_id, posts::id))
                    .in_select(&select((comments::user_id, comments::post_id))),
            )),
        ),
        (
            "is distinct from",
            false,
            q(select(users::id).where_(users::age.is_distinct_from(30))),
        ),
    ]
}

fn normalise(o: Outcome, ordered: bool) -> Outcome {
    if ordered { o } else { o.sorted() }
}

#[test]
fn the_same_rows_on_every_database() {
    let corpus = corpus();
    assert!(corpus.len() >= 50, "{} queries", corpus.len());
    for (name, ordered, query) in &corpus {
        let mut results: Vec<(&str, Outcome)> = Vec::new();
        let sql = query(&Dialect::sqlite()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let o =
            on_sqlite(&sql, Kind::Query).unwrap_or_else(|e| panic!("{name}: sqlite: {e}\n{sql}"));
        results.push(("sqlite", normalise(o, *ordered)));
        let sql = query(&Dialect::postgres()).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(r) = on_postgres(&sql, Kind::Query) {
            let o = r.unwrap_or_else(|e| panic!("{name}: postgres: {e}\n{sql}"));
            results.push(("postgres", normalise(o, *ordered)));
        }
        let sql = query(&Dialect::mariadb()).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(r) = on_mysql_server(&sql, Kind::Query) {
            let o = r.unwrap_or_else(|e| panic!("{name}: mariadb: {e}\n{sql}"));
            results.push(("mariadb", normalise(o, *ordered)));
        }
        let (first, rest) = results.split_first().unwrap();
        for (db, o) in rest {
            assert_eq!(&first.1, o, "{name}: {} and {db} differ", first.0);
        }
    }
}
