//! INSERT, UPDATE, DELETE: values, defaults, multi-table forms, RETURNING, return_defaults.

use aludel::prelude::*;
use aludel::value::{Date, Decimal, Json, Time, Timestamp, TimestampTz, Uuid};
use aludel_dialect_tests::schema::*;
use aludel_dialect_tests::{Case, check};

#[test]
fn insert_cases() {
    check(
        "insert_single",
        &insert(users::table).values((
            users::id.set(100),
            users::name.set("zed"),
            users::active.set(true),
        )),
    );
    check(
        "insert_autoincrement",
        &insert(users::table).values((users::name.set("zed"), users::active.set(false))),
    );
    check(
        "insert_client_default",
        &insert(posts::table).values((posts::user_id.set(1), posts::title.set("new"))),
    );
    check(
        "insert_client_default_overridden",
        &insert(posts::table).values((
            posts::user_id.set(1),
            posts::title.set("new"),
            posts::status.set("published"),
        )),
    );
    check(
        "insert_values_merge",
        &insert(users::table)
            .values(users::name.set("zed"))
            .values((users::active.set(true), users::age.set(Some(40)))),
    );
    check(
        "insert_columns_in_table_order",
        &insert(users::table).values((users::active.set(true), users::name.set("zed"))),
    );
    check(
        "insert_null_and_expression",
        &insert(users::table).values((
            users::name.set(literal("z").concat("ed")),
            users::fullname.set_null(),
            users::active.set(literal(1i64).eq(1)),
            users::age.set(literal(20) + 1),
        )),
    );
    check(
        "insert_scalar_subquery_value",
        &insert(posts::table).values((
            posts::user_id.set(
                select(users::id)
                    .where_(users::name.eq("bob"))
                    .scalar_subquery()
                    .assume_not_null(),
            ),
            posts::title.set("by bob"),
        )),
    );
    check(
        "insert_many",
        &insert(tags::table).values_many(
            [(2i64, "a"), (2, "b"), (3, "c")]
                .map(|(p, t)| (tags::post_id.set(p), tags::tag.set(t))),
        ),
    );
    check(
        "insert_many_client_default",
        &insert(posts::table)
            .values_many(["x", "y"].map(|t| (posts::user_id.set(2), posts::title.set(t)))),
    );
    check(
        "insert_from_select",
        &insert(tags::table).from_select(
            (tags::post_id, tags::tag),
            &select((posts::id, posts::status)).where_(posts::id.le(2)),
        ),
    );
    // posts.status has a client-side default: it joins the SELECT list, as a parameter.
    check(
        "insert_from_select_client_default",
        &insert(posts::table).from_select(
            (posts::id, posts::user_id, posts::title),
            &select((posts::id + 100, posts::user_id, posts::title))
                .where_(posts::id.le(2))
                .order_by(posts::id),
        ),
    );
    {
        use aludel::DataType;
        use aludel::schema::{ServerDefault, TableBuilder};
        let plain_events = TableBuilder::new("events")
            .column("id", DataType::BigInt)
            .column_with("kind", DataType::Varchar(20), |c| {
                c.server_default(ServerDefault::sql("'ping'"))
            })
            .primary_key(["id"])
            .build()
            .unwrap();
        check(
            "insert_default_values",
            &insert(&plain_events).default_values(),
        );
    }
    check(
        "insert_default_values_with_client_default",
        &insert(events::table).default_values(),
    );
    check(
        "insert_returning",
        &insert(users::table)
            .values((users::name.set("zed"), users::active.set(true)))
            .returning((users::name, users::active)),
    );
    check(
        "insert_many_returning",
        &insert(tags::table)
            .values_many(
                [(5i64, "z"), (5, "a")].map(|(p, t)| (tags::post_id.set(p), tags::tag.set(t))),
            )
            .returning((tags::post_id, tags::tag)),
    );
    check(
        "insert_return_defaults",
        &insert(posts::table)
            .values((
                posts::id.set(77),
                posts::user_id.set(3),
                posts::title.set("rd"),
            ))
            .return_defaults(),
    );
    Case::new("insert_return_defaults_documents")
        .nondeterministic("created_at is the server's clock")
        .run(
            &insert(documents::table)
                .values((documents::id.set(50), documents::title.set("x")))
                .return_defaults(),
        );
    check(
        "insert_returning_and_return_defaults",
        &insert(users::table)
            .values(users::name.set("x"))
            .return_defaults()
            .returning(users::id),
    );
    Case::new("insert_all_types")
        .results_differ("JSON text and float formatting are the server's")
        .run(
            &insert(typed::table)
                .values((
                    typed::id.set(2),
                    typed::b.set(Some(false)),
                    typed::i16_.set(Some(-7i16)),
                    typed::i32_.set(Some(123_456)),
                    typed::f32_.set(Some(0.5f32)),
                    typed::f64_.set(Some(-1.25)),
                    typed::dec.set(Some("-12.3400".parse::<Decimal>().unwrap())),
                    typed::txt.set(Some("héllo ✓")),
                    typed::vc.set(Some("tiny")),
                    typed::bytes.set(Some(vec![0u8, 1, 254, 255])),
                    typed::d.set(Some("2023-12-31".parse::<Date>().unwrap())),
                    typed::t.set(Some("23:59:58.5".parse::<Time>().unwrap())),
                    typed::ts.set(Some("2023-12-31 23:59:58".parse::<Timestamp>().unwrap())),
                    typed::tstz.set(Some(
                        "2023-12-31 23:59:58+02".parse::<TimestampTz>().unwrap(),
                    )),
                    typed::uuid.set(Some(
                        "00112233-4455-6677-8899-aabbccddeeff"
                            .parse::<Uuid>()
                            .unwrap(),
                    )),
                    typed::json.set(Some(Json::from_text(r#"{"a": [1, 2]}"#))),
                ))
                .returning((
                    typed::id,
                    typed::b,
                    typed::i16_,
                    typed::i32_,
                    typed::dec,
                    typed::txt,
                    typed::bytes,
                    typed::d,
                    typed::t,
                    typed::ts,
                    typed::tstz,
                    typed::uuid,
                )),
        );
    check(
        "select_all_types",
        &select((
            typed::b,
            typed::i16_,
            typed::i32_,
            typed::f32_,
            typed::f64_,
            typed::dec,
            typed::txt,
            typed::vc,
            typed::d,
            typed::t,
            typed::ts,
            typed::uuid,
        ))
        .where_(typed::id.eq(1)),
    );
    check(
        "where_all_types",
        &select(typed::id).where_(
            typed::d
                .eq(Some("2024-05-06".parse::<Date>().unwrap()))
                .and(typed::t.eq(Some("07:08:09".parse::<Time>().unwrap())))
                .and(typed::ts.eq(Some("2024-05-06 07:08:09".parse::<Timestamp>().unwrap())))
                .and(
                    typed::uuid.eq(Some(
                        "67e55044-10b1-426f-9247-bb680e5fe0c8"
                            .parse::<Uuid>()
                            .unwrap(),
                    )),
                )
                .and(typed::dec.eq(Some("1234.5678".parse::<Decimal>().unwrap())))
                .and(typed::b.eq(Some(true))),
        ),
    );
}

#[test]
fn insert_errors() {
    check(
        "insert_wrong_table_column",
        &insert(users::table).values((users::name.set("x"), posts::title.set("y"))),
    );
    check(
        "insert_duplicate_column",
        &insert(users::table).values(vec![users::name.set("x"), users::name.set("y")]),
    );
    check(
        "insert_many_mismatched_rows",
        &insert(users::table).values_many(vec![
            vec![users::name.set("x")],
            vec![users::name.set("y"), users::age.set(Some(3))],
        ]),
    );
    check(
        "insert_many_no_rows",
        &insert(users::table).values_many(Vec::<Assignment>::new()),
    );
    check("insert_no_values", &insert(users::table));
}

#[test]
fn update_cases() {
    check(
        "update_simple",
        &update(users::table)
            .set(users::name.set("robert"))
            .where_(users::id.eq(2)),
    );
    check(
        "update_expression",
        &update(posts::table)
            .set(posts::views.set(posts::views + 1))
            .where_(posts::status.eq("published")),
    );
    check(
        "update_multiple",
        &update(users::table)
            .set((
                users::age.set(Some(31)),
                users::score.set(users::score * 2.0),
            ))
            .set(users::active.set(false))
            .where_(users::id.in_([1, 3])),
    );
    check(
        "update_all_rows",
        &update(posts::table).set(posts::views.set(0)),
    );
    check(
        "update_set_null",
        &update(users::table)
            .set(users::fullname.set_null())
            .where_(users::id.eq(1)),
    );
    check(
        "update_from",
        &update(posts::table)
            .set(posts::status.set("hidden"))
            .where_(posts::user_id.eq(users::id).and(users::active.eq(false))),
    );
    check(
        "update_from_value",
        &update(posts::table)
            .set(posts::title.set(users::name))
            .where_(posts::user_id.eq(users::id).and(users::id.eq(4))),
    );
    check(
        "update_from_explicit",
        &update(posts::table)
            .set(posts::views.set(100))
            .from(users::table)
            .where_(users::id.eq(posts::user_id).and(users::name.eq("alice"))),
    );
    check(
        "update_correlated_subquery_value",
        &update(posts::table).set(
            posts::views.set(
                select(func::count_star())
                    .select_from(comments::table)
                    .where_(comments::post_id.eq(posts::id))
                    .scalar_subquery()
                    .assume_not_null()
                    .cast::<i32>(),
            ),
        ),
    );
    check(
        "update_where_in_subquery",
        &update(users::table)
            .set(users::active.set(true))
            .where_(users::id.in_(&select(comments::user_id))),
    );
    check(
        "update_onupdate_default",
        &update(documents::table)
            .set(documents::title.set("renamed"))
            .where_(documents::id.eq(1)),
    );
    check(
        "update_onupdate_overridden",
        &update(documents::table)
            .set((
                documents::title.set("renamed"),
                documents::state.set("final"),
            ))
            .where_(documents::id.eq(1)),
    );
    check(
        "update_returning",
        &update(users::table)
            .set(users::age.set(users::age + 1))
            .where_(users::id.le(2))
            .returning((users::id, users::age)),
    );
    check(
        "update_set_again_later_wins",
        &update(users::table)
            .set((users::age.set(1), users::fullname.set(Some("first"))))
            .set(users::age.set(2))
            .where_(users::id.eq(1)),
    );
    check(
        "update_returning_correlated_subquery",
        &update(users::table)
            .set(users::age.set(users::age + 1))
            .where_(users::id.le(2))
            .returning((
                users::id,
                select(func::count_star())
                    .select_from(posts::table)
                    .where_(posts::user_id.eq(users::id))
                    .scalar_subquery()
                    .label("posts"),
            )),
    );
    check(
        "update_from_returning",
        &update(posts::table)
            .set(posts::views.set(1))
            .where_(posts::user_id.eq(users::id).and(users::name.eq("dave")))
            .returning((posts::id, users::name)),
    );
    Case::new("update_return_defaults")
        .results_differ("MariaDB has no UPDATE ... RETURNING: the engine fetches the values")
        .run(
            &update(documents::table)
                .set(documents::title.set("rd"))
                .where_(documents::id.eq(2))
                .return_defaults(),
        );
    check(
        "update_text_where",
        &update(users::table)
            .set(users::age.set(Some(1)))
            .where_(text("users.name = :n").bind("n", "carol")),
    );
}

#[test]
fn update_errors() {
    check(
        "update_no_set",
        &update(users::table).where_(users::id.eq(1)),
    );
    check(
        "update_wrong_table_column",
        &update(users::table).set(posts::title.set("x")),
    );
}

#[test]
fn delete_cases() {
    check(
        "delete_where",
        &delete(tags::table).where_(tags::tag.eq("news")),
    );
    check("delete_all", &delete(tags::table));
    check(
        "delete_using",
        &delete(posts::table).where_(posts::user_id.eq(users::id).and(users::name.eq("Eve"))),
    );
    check(
        "delete_using_explicit",
        &delete(comments::table)
            .using(posts::table)
            .where_(comments::post_id.eq(posts::id).and(posts::views.gt(20))),
    );
    check(
        "delete_in_subquery",
        &delete(posts::table)
            .where_(posts::user_id.in_(&select(users::id).where_(users::name.eq("Eve")))),
    );
    check(
        "delete_exists",
        &delete(tags::table).where_(
            select(posts::id)
                .where_(
                    posts::id
                        .eq(tags::post_id)
                        .and(posts::status.eq("published")),
                )
                .exists(),
        ),
    );
    check(
        "delete_returning",
        &delete(tags::table)
            .where_(tags::post_id.eq(1))
            .returning((tags::post_id, tags::tag)),
    );
    check(
        "delete_using_returning",
        &delete(posts::table)
            .where_(posts::user_id.eq(users::id).and(users::name.eq("Eve")))
            .returning(posts::id),
    );
}

/// A row that conflicts with the fixture's user 1 on its primary key.
fn alice_again() -> aludel::Insert {
    insert(users::table).values((
        users::id.set(1),
        users::name.set("alice2"),
        users::active.set(false),
    ))
}

/// Conflicts with post 1 on its primary key.
fn post_one_again() -> aludel::Insert {
    insert(posts::table).values((
        posts::id.set(1),
        posts::user_id.set(1),
        posts::title.set("Hello"),
        posts::views.set(5),
    ))
}

/// Conflicts with nothing.
fn new_user() -> aludel::Insert {
    insert(users::table).values((
        users::id.set(50),
        users::name.set("new"),
        users::active.set(true),
    ))
}

/// A `news` tag for every post (posts 1 and 3 have one already).
fn news_for_every_post() -> aludel::Insert {
    insert(tags::table).from_select(
        (tags::post_id, tags::tag),
        &select((posts::id, literal("news"))),
    )
}

/// Conflicts with document 1 (which has a client `onupdate` column).
fn spec_again() -> aludel::Insert {
    insert(documents::table).values((documents::id.set(1), documents::title.set("spec v2")))
}

/// Conflicts with row 1 of the table of awkward names.
fn order_one_again() -> aludel::Insert {
    insert(order_t::table).values((order_t::select_.set(1), order_t::group_.set(Some(9))))
}

#[test]
fn upsert_cases() {
    check(
        "upsert_do_nothing",
        &alice_again().on_conflict(users::id).do_nothing(),
    );
    check(
        "upsert_any_conflict_do_nothing",
        &alice_again().on_any_conflict().do_nothing(),
    );
    check(
        "upsert_do_nothing_new_row",
        &new_user().on_conflict(users::id).do_nothing(),
    );
    check(
        "upsert_do_update_excluded",
        &alice_again().on_conflict(users::id).do_update((
            users::name.set(excluded(users::name)),
            users::active.set(excluded(users::active)),
        )),
    );
    check(
        "upsert_do_update_existing_and_proposed",
        &post_one_again()
            .on_conflict(posts::id)
            .do_update(posts::views.set(posts::views + excluded(posts::views))),
    );
    check(
        "upsert_do_update_where",
        &alice_again()
            .on_conflict(users::id)
            .do_update(users::name.set(excluded(users::name)))
            .where_(users::active.and(users::name.ne("admin"))),
    );
    check(
        "upsert_do_update_where_false",
        &alice_again()
            .on_conflict(users::id)
            .do_update(users::name.set(excluded(users::name)))
            .where_(users::name.eq("nobody")),
    );
    check(
        "upsert_composite_target",
        &insert(tags::table)
            .values((tags::post_id.set(1), tags::tag.set("intro")))
            .on_conflict((tags::post_id, tags::tag))
            .do_nothing(),
    );
    check(
        "upsert_from_select",
        &news_for_every_post()
            .on_conflict((tags::post_id, tags::tag))
            .do_nothing(),
    );
    check(
        "upsert_from_select_where",
        &insert(tags::table)
            .from_select(
                (tags::post_id, tags::tag),
                &select((posts::id, literal("news"))).where_(posts::views.gt(1)),
            )
            .on_conflict((tags::post_id, tags::tag))
            .do_nothing(),
    );
    check(
        "upsert_returning",
        &alice_again()
            .on_conflict(users::id)
            .do_update(users::name.set(excluded(users::name)))
            .returning((users::id, users::name, users::active)),
    );
    check(
        "upsert_client_onupdate",
        &spec_again()
            .on_conflict(documents::id)
            .do_update(documents::title.set(excluded(documents::title))),
    );
    check(
        "upsert_quoting",
        &order_one_again()
            .on_conflict(order_t::select_)
            .do_update(order_t::group_.set(excluded(order_t::group_))),
    );
}

#[test]
fn on_duplicate_key_update_cases() {
    check(
        "odku_values",
        &alice_again().on_duplicate_key_update((
            users::name.set(excluded(users::name)),
            users::active.set(excluded(users::active)),
        )),
    );
    check(
        "odku_existing_and_proposed",
        &post_one_again()
            .on_duplicate_key_update(posts::views.set(posts::views + excluded(posts::views))),
    );
    check(
        "odku_new_row",
        &new_user().on_duplicate_key_update(users::name.set(excluded(users::name))),
    );
    check(
        "odku_from_select",
        &news_for_every_post().on_duplicate_key_update(tags::tag.set(excluded(tags::tag))),
    );
    check(
        "odku_client_onupdate",
        &spec_again().on_duplicate_key_update(documents::title.set(excluded(documents::title))),
    );
    check(
        "odku_returning",
        &alice_again()
            .on_duplicate_key_update(users::name.set(excluded(users::name)))
            .returning((users::id, users::name)),
    );
    check(
        "odku_quoting",
        &order_one_again().on_duplicate_key_update(order_t::group_.set(excluded(order_t::group_))),
    );
}

#[test]
fn upsert_errors() {
    check(
        "upsert_excluded_outside_upsert",
        &insert(users::table).values((
            users::name.set(excluded(users::name)),
            users::active.set(true),
        )),
    );
    check("upsert_excluded_in_select", &select(excluded(users::name)));
    check(
        "upsert_excluded_other_table",
        &alice_again()
            .on_conflict(users::id)
            .do_update(users::name.set(excluded(posts::title))),
    );
    check(
        "upsert_update_without_target",
        &alice_again()
            .on_any_conflict()
            .do_update(users::name.set(excluded(users::name))),
    );
    check(
        "upsert_where_without_do_update",
        &alice_again().where_(users::active),
    );
    check(
        "upsert_target_of_other_table",
        &alice_again().on_conflict(posts::id).do_nothing(),
    );
    check(
        "upsert_set_other_table",
        &alice_again()
            .on_conflict(users::id)
            .do_update(posts::title.set("x")),
    );
}

#[test]
fn return_defaults_of_cases() {
    Case::new("insert_return_defaults_of")
        .nondeterministic("created_at is CURRENT_TIMESTAMP")
        .run(
            &insert(documents::table)
                .values((documents::id.set(60), documents::title.set("x")))
                .return_defaults_of(documents::created_at),
        );
    Case::new("update_return_defaults_of")
        .results_differ("MariaDB has no UPDATE ... RETURNING: the engine fetches the values")
        .run(
            &update(documents::table)
                .set(documents::title.set("y"))
                .where_(documents::id.eq(1))
                .return_defaults_of((documents::state, documents::version)),
        );
    check(
        "return_defaults_of_other_table",
        &insert(documents::table)
            .values((documents::id.set(61), documents::title.set("x")))
            .return_defaults_of(users::name),
    );
}
