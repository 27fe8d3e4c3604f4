//! Expressions: comparison, boolean logic, arithmetic, text operators, IN, CASE, CAST,
//! functions, literals, parameters.

use aludel::prelude::*;
use aludel::value::Decimal;
use aludel_dialect_tests::schema::*;
use aludel_dialect_tests::{Case, check};

fn names_where(cond: impl Predicate) -> Select<String> {
    select(users::name).where_(cond).order_by(users::id)
}

#[test]
fn comparisons() {
    check("eq", &names_where(users::id.eq(3)));
    check("ne", &names_where(users::id.ne(3)));
    check(
        "lt_le",
        &names_where(users::id.lt(3).or(users::id.le(4).and(users::id.ge(4)))),
    );
    check(
        "gt_ge",
        &names_where(users::score.gt(80.0).and(users::age.ge(30))),
    );
    check(
        "eq_none_is_null",
        &names_where(users::fullname.eq(None::<String>)),
    );
    check(
        "ne_none_is_not_null",
        &names_where(users::age.ne(None::<i32>)),
    );
    check("eq_some_value", &names_where(users::age.eq(Some(30))));
    check(
        "column_eq_column",
        &names_where(users::manager_id.eq(users::id.nullable())),
    );
    check("is_null", &names_where(users::age.is_null()));
    check("is_not_null", &names_where(users::score.is_not_null()));
    check(
        "is_distinct_from",
        &names_where(users::age.is_distinct_from(Some(30))),
    );
    check(
        "is_not_distinct_from_null",
        &names_where(users::age.is_not_distinct_from(None::<i32>)),
    );
    check("between", &names_where(users::age.between(20, 35)));
    check("not_between", &names_where(users::age.not_between(20, 35)));
    check(
        "comparison_as_value",
        &select((users::name, users::age.gt(20).label("adult"))).order_by(users::id),
    );
}

#[test]
fn booleans() {
    check("bool_column_as_condition", &names_where(users::active));
    check("not_bool_column", &names_where(!users::active));
    check(
        "or_inside_and",
        &names_where(
            users::age
                .gt(20)
                .and(users::active.eq(false).or(users::score.gt(90.0))),
        ),
    );
    check(
        "and_inside_or",
        &names_where(
            users::age
                .lt(20)
                .or(users::active.eq(false).and(users::score.gt(50.0))),
        ),
    );
    check(
        "not_of_or",
        &names_where(not_(users::id.eq(1).or(users::id.eq(2)))),
    );
    check("not_of_comparison", &names_where(not_(users::id.gt(2))));
    check(
        "bit_operators",
        &names_where((users::id.gt(1) & users::active) | users::id.eq(2)),
    );
    check("true_false", &names_where(true_().and(not_(false_()))));
    check(
        "nested_boolean",
        &names_where(
            users::active
                .and(users::id.gt(1).or(users::id.lt(0)))
                .and(not_(users::name.eq("dave").and(users::id.eq(4)))),
        ),
    );
}

#[test]
fn arithmetic() {
    check(
        "arith_add_mul",
        &select(((users::id * 2 + 1).label("v"),)).order_by(users::id),
    );
    check(
        "arith_sub_right_assoc",
        &select((users::id - (users::id - 1)).label("one")).order_by(users::id),
    );
    check(
        "arith_integer_division",
        &select((users::id / 2).label("half")).order_by(users::id),
    );
    check(
        "arith_float_division",
        &select((users::score / 4.0).label("q")).order_by(users::id),
    );
    check(
        "arith_modulo",
        &select((users::id % 4).label("m")).order_by(users::id),
    );
    check(
        "arith_negation",
        &select((-users::balance).label("neg")).order_by(users::id),
    );
    check(
        "arith_double_negation",
        &select((-(-users::id)).label("id")).order_by(users::id),
    );
    check(
        "arith_nullable",
        &select((users::age + 1).label("next")).order_by(users::id),
    );
    check(
        "arith_decimal",
        &select((users::balance * "1.5".parse::<Decimal>().unwrap()).label("b"))
            .order_by(users::id),
    );
    check(
        "arith_in_where",
        &names_where((users::age.cast::<i64>() + 5).gt(users::id * 10)),
    );
}

#[test]
fn text_operators() {
    check(
        "concat",
        &select(users::name.concat(" / ").concat(users::fullname)).order_by(users::id),
    );
    check("like", &names_where(users::name.like("%o%")));
    check("not_like", &names_where(users::name.not_like("%o%")));
    check("ilike", &names_where(users::name.ilike("e%")));
    check("not_ilike", &names_where(users::name.not_ilike("e%")));
    check(
        "like_escape",
        &names_where(users::fullname.like_escape("%50!%%", '!')),
    );
    check(
        "like_escape_backslash",
        &names_where(users::fullname.like_escape("%off\\_%", '\\')),
    );
    check("starts_with", &names_where(users::name.starts_with("sp")));
    check(
        "contains_wildcards",
        &names_where(users::fullname.contains("50% off_")),
    );
    check(
        "ends_with",
        &names_where(users::fullname.ends_with("_sale")),
    );
    check(
        "lower_upper",
        &select((func::lower(users::name), func::upper(users::name))).order_by(users::id),
    );
}

#[test]
fn in_lists() {
    check("in_ints", &names_where(users::id.in_([1, 3, 5])));
    check(
        "in_strings",
        &names_where(users::name.in_(["bob", "dave", "nobody"])),
    );
    check("in_empty", &names_where(users::id.in_(Vec::<i64>::new())));
    check(
        "not_in_empty",
        &names_where(users::id.not_in(Vec::<i64>::new())),
    );
    check("not_in", &names_where(users::id.not_in([1, 2])));
    check(
        "in_with_null",
        &names_where(users::age.in_([Some(30), None])),
    );
    check("in_slice", &names_where(users::id.in_(&[2i64, 4][..])));
    check(
        "tuple_in",
        &select(tags::tag)
            .where_(tuple_((tags::post_id, tags::tag)).in_([
                (1i64, "news"),
                (4, "rust"),
                (4, "news"),
            ]))
            .order_by(tags::tag),
    );
    check(
        "tuple_in_empty",
        &select(tags::tag)
            .where_(tuple_((tags::post_id, tags::tag)).in_(Vec::<(i64, String)>::new())),
    );
    check(
        "tuple_not_in",
        &select(tags::tag)
            .where_(tuple_((tags::post_id, tags::tag)).not_in([(1i64, "news")]))
            .order_by((tags::post_id, tags::tag)),
    );
    check(
        "tuple_in_select",
        &select(tags::tag)
            .where_(
                tuple_((tags::post_id, tags::tag)).in_select(&select((posts::id, posts::status))),
            )
            .order_by(tags::tag),
    );
    check(
        "two_in_lists",
        &names_where(
            users::id
                .in_([1, 2, 3])
                .and(users::name.in_(["alice", "carol"])),
        ),
    );
}

#[test]
fn case_cast_functions() {
    check(
        "case_else",
        &select((
            users::name,
            case(users::age.lt(18), "minor")
                .when(users::age.ge(40), "senior")
                .else_("adult")
                .label("bracket"),
        ))
        .order_by(users::id),
    );
    check(
        "case_without_else",
        &select(case(users::active, 1i64).end().label("flag")).order_by(users::id),
    );
    check(
        "case_with_columns",
        &select(
            case(users::age.is_null(), users::id)
                .else_(users::id * 100)
                .label("v"),
        )
        .order_by(users::id),
    );
    check(
        "cast_to_text",
        &select(users::id.cast::<String>().label("s")).order_by(users::id),
    );
    check(
        "cast_to_float",
        &select(users::age.cast::<f64>().label("f")).order_by(users::id),
    );
    check(
        "cast_to_decimal",
        &select(users::score.cast::<Decimal>().label("d")).order_by(users::id),
    );
    check(
        "cast_to_bool",
        &select(users::age.cast::<bool>().label("b")).order_by(users::id),
    );
    check(
        "cast_function",
        &select(cast::<i64, _>(literal("42")).label("n")),
    );
    check(
        "coalesce",
        &select(func::coalesce(users::fullname, "n/a")).order_by(users::id),
    );
    check(
        "count_variants",
        &select((
            func::count_star(),
            func::count(users::age),
            func::count_distinct(users::active),
        )),
    );
    check(
        "sum_min_max",
        &select((
            func::sum(users::age),
            func::min(users::fullname),
            func::max(users::score),
        )),
    );
    check(
        "now_is_not_null",
        &select(func::now().nullable().is_not_null().label("ok")),
    );
    check(
        "generic_function",
        &select(func::call::<i32, _>("abs", (users::balance,)).label("a")).order_by(users::id),
    );
    check(
        "generic_function_bad_name",
        &select(func::call::<i32, _>(
            "abs); DROP TABLE users; --",
            (users::age,),
        )),
    );
    check(
        "aggregate_over_join",
        &select((users::name, func::count(comments::id)))
            .left_join(comments::table, comments::user_id.eq(users::id))
            .group_by((users::id, users::name))
            .order_by(users::id),
    );
}

#[test]
fn literals_and_parameters() {
    check(
        "literal_values",
        &select((
            literal(1i64),
            literal("two"),
            literal(3.5f64),
            literal(true),
        )),
    );
    check(
        "inline_values",
        &select((
            inline(1i64),
            inline("two"),
            inline(3.5f64),
            inline(-4i64),
            inline(false),
        )),
    );
    check(
        "null_value",
        &select((users::id, null::<String>().label("nothing"))).where_(users::id.eq(1)),
    );
    check(
        "literal_arithmetic",
        &select((literal(7i64) - -3).label("ten")),
    );
    check(
        "literal_comparison",
        &select(literal(2i64).gt(1).label("yes")),
    );
    Case::new("bindparam_named")
        .params(Params::new().set("min_age", 30i32).set("who", "dave"))
        .run(&names_where(
            users::age
                .ge(bindparam::<i32>("min_age"))
                .or(users::name.eq(bindparam::<String>("who"))),
        ));
    Case::new("bindparam_twice")
        .params(Params::new().set("x", 2i64))
        .run(&names_where(
            users::id
                .eq(bindparam::<i64>("x"))
                .or(users::manager_id.eq(bindparam::<i64>("x"))),
        ));
    check(
        "bindparam_missing",
        &names_where(users::id.eq(bindparam::<i64>("nope"))),
    );
    check(
        "text_fragment_where",
        &names_where(
            text("users.age > :a AND users.active = :b")
                .bind("a", 20i32)
                .bind("b", true),
        ),
    );
    check(
        "text_fragment_and",
        &names_where(users::active.and(text("users.id = 1 OR users.id = 4"))),
    );
    check(
        "text_fragment_expr",
        &select(text("1 + 1").as_expr::<i64>().label("two")),
    );
    check(
        "text_bare_qmark",
        &names_where(text(r#"users.id = 1 AND '{"a": 1}'::jsonb ? 'a'"#)),
    );
    check(
        // A backslash escapes or not by session settings on MySQL and PostgreSQL.
        "text_backslash_in_string_with_param",
        &text(r"SELECT 'C:\dir' AS path, :p AS n").bind("p", 1i64),
    );
}

#[test]
fn runtime_tables() {
    use aludel::DataType;
    use aludel::schema::TableBuilder;
    let t = TableBuilder::new("users")
        .column("id", DataType::BigInt)
        .column("name", DataType::Varchar(50))
        .column_with("age", DataType::Integer, |c| c.nullable())
        .primary_key(["id"])
        .build()
        .unwrap();
    let id = t.column::<i64>("id").unwrap();
    let name = t.column_dyn("name").unwrap();
    let age = t.column_dyn("age").unwrap();
    check(
        "dyn_table_select",
        &select((id.clone(), name.clone()))
            .where_(age.gt(20).and(name.ne("bob")))
            .order_by(id.desc()),
    );
    check("dyn_table_rows", &select(&t).where_(id.eq(2)));
}
