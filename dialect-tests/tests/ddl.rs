//! DDL: CREATE / DROP TABLE and INDEX, ALTER TABLE ADD / DROP CONSTRAINT, and the plans
//! of `MetaData`, compiled for every dialect and run where the dialect's DDL compiles —
//! each case with probes that show the database made what the definition says (keys
//! generated, defaults filled in, constraints enforced, generated columns computed).

use aludel::DataType;
use aludel::prelude::*;
use aludel::schema::{
    Autoincrement, Computed, Constraint, FkAction, FkTarget, ForeignKeyDef, IndexDef, MetaData,
    TableBuilder,
};
use aludel::stmt::ddl::{
    add_constraint, create_index, create_table, drop_constraint, drop_index, drop_table,
};
use aludel::value::{Date, Decimal, Json, Time, Timestamp, TimestampTz, Uuid};
use aludel_dialect_tests::ddl::DdlCase;

#[derive(Table)]
#[aludel(name = "d_notes")]
struct DNotes {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 40)]
    title: String,
    body: Option<String>,
}

#[test]
fn create_basic() {
    DdlCase::new("ddl_create_basic")
        .ddl(create_table(d_notes::table))
        .exec(insert(d_notes::table).values(d_notes::title.set("a")))
        .exec(insert(d_notes::table).values((
            d_notes::title.set("b"),
            d_notes::body.set(Some("text".to_owned())),
        )))
        .query(select((d_notes::id, d_notes::title, d_notes::body)).order_by(d_notes::id))
        .run();
    DdlCase::new("ddl_create_if_not_exists")
        .ddl(create_table(d_notes::table).if_not_exists())
        .exec(insert(d_notes::table).values(d_notes::title.set("kept")))
        .ddl(create_table(d_notes::table).if_not_exists())
        .query(select(d_notes::title))
        .run();
    DdlCase::new("ddl_drop_table")
        .ddl(drop_table(d_notes::table).if_exists())
        .ddl(create_table(d_notes::table))
        .ddl(drop_table(d_notes::table))
        .ddl(drop_table(d_notes::table).if_exists())
        .ddl(create_table(d_notes::table))
        .query(select(func::count_star()).select_from(d_notes::table))
        .run();
}

#[derive(Table)]
#[aludel(name = "d_int_keys")]
struct DIntKeys {
    #[aludel(primary_key)]
    id: i32,
    #[aludel(length = 10)]
    tag: String,
}

#[derive(Table)]
#[aludel(name = "d_small_keys")]
struct DSmallKeys {
    #[aludel(primary_key)]
    id: i16,
    #[aludel(length = 10)]
    tag: String,
}

#[derive(Table)]
#[aludel(name = "d_manual_keys")]
struct DManualKeys {
    #[aludel(primary_key, autoincrement = false)]
    id: i64,
    #[aludel(length = 10)]
    tag: String,
}

#[derive(Table)]
#[aludel(name = "d_lines", primary_key(order_no, line))]
struct DLines {
    order_no: i64,
    line: i32,
    #[aludel(length = 20)]
    item: String,
}

/// `line` auto-increments inside a composite key (PostgreSQL identity, MySQL with an
/// extra KEY; SQLite cannot).
#[derive(Table)]
#[aludel(name = "d_events", primary_key(stream, seq))]
struct DEvents {
    #[aludel(length = 10)]
    stream: String,
    #[aludel(autoincrement)]
    seq: i64,
}

#[test]
fn keys() {
    DdlCase::new("ddl_autoincrement_integer")
        .ddl(create_table(d_int_keys::table))
        .exec(insert(d_int_keys::table).values(d_int_keys::tag.set("a")))
        .exec(insert(d_int_keys::table).values(d_int_keys::tag.set("b")))
        .query(select((d_int_keys::id, d_int_keys::tag)).order_by(d_int_keys::id))
        .run();
    DdlCase::new("ddl_autoincrement_smallint")
        .ddl(create_table(d_small_keys::table))
        .exec(insert(d_small_keys::table).values(d_small_keys::tag.set("a")))
        .query(select((d_small_keys::id, d_small_keys::tag)))
        .run();
    DdlCase::new("ddl_no_autoincrement")
        .ddl(create_table(d_manual_keys::table))
        .rejects(insert(d_manual_keys::table).values(d_manual_keys::tag.set("no id")))
        .exec(
            insert(d_manual_keys::table)
                .values((d_manual_keys::id.set(7), d_manual_keys::tag.set("seven"))),
        )
        .query(select((d_manual_keys::id, d_manual_keys::tag)))
        .run();
    DdlCase::new("ddl_composite_primary_key")
        .ddl(create_table(d_lines::table))
        .exec(insert(d_lines::table).values((
            d_lines::order_no.set(1),
            d_lines::line.set(1),
            d_lines::item.set("pen"),
        )))
        .exec(insert(d_lines::table).values((
            d_lines::order_no.set(1),
            d_lines::line.set(2),
            d_lines::item.set("ink"),
        )))
        .rejects(insert(d_lines::table).values((
            d_lines::order_no.set(1),
            d_lines::line.set(2),
            d_lines::item.set("again"),
        )))
        .query(select((d_lines::order_no, d_lines::line, d_lines::item)).order_by(d_lines::line))
        .run();
    DdlCase::new("ddl_autoincrement_in_composite_key")
        .ddl(create_table(d_events::table))
        .exec(insert(d_events::table).values(d_events::stream.set("s")))
        .exec(insert(d_events::table).values(d_events::stream.set("s")))
        .query(select((d_events::stream, d_events::seq)).order_by(d_events::seq))
        .run();
}

#[derive(Table)]
#[aludel(name = "d_types")]
struct DTypes {
    #[aludel(primary_key)]
    id: i64,
    b: Option<bool>,
    i16_: Option<i16>,
    i32_: Option<i32>,
    f32_: Option<f32>,
    f64_: Option<f64>,
    #[aludel(precision = 10, scale = 2)]
    dec: Option<Decimal>,
    any_dec: Option<Decimal>,
    txt: Option<String>,
    #[aludel(length = 5)]
    vc: Option<String>,
    bytes: Option<Vec<u8>>,
    d: Option<Date>,
    t: Option<Time>,
    ts: Option<Timestamp>,
    tstz: Option<TimestampTz>,
    uuid: Option<Uuid>,
    json: Option<Json>,
}

#[test]
fn types() {
    DdlCase::new("ddl_types")
        .ddl(create_table(d_types::table))
        .exec(
            insert(d_types::table).values((
                d_types::b.set(Some(true)),
                d_types::i16_.set(Some(-7i16)),
                d_types::i32_.set(Some(70_000)),
                d_types::f32_.set(Some(0.25f32)),
                d_types::f64_.set(Some(2.5)),
                d_types::dec.set(Some("12.50".parse::<Decimal>().unwrap())),
                d_types::any_dec.set(Some("123456.789".parse::<Decimal>().unwrap())),
                d_types::txt.set(Some("long text".to_owned())),
                d_types::vc.set(Some("short".to_owned())),
                d_types::bytes.set(Some(vec![0u8, 1, 254])),
                d_types::d.set(Some("2024-01-02".parse::<Date>().unwrap())),
                d_types::t.set(Some("07:08:09".parse::<Time>().unwrap())),
                d_types::ts.set(Some("2024-05-06 07:08:09".parse::<Timestamp>().unwrap())),
                d_types::tstz.set(Some(
                    "2024-05-06 07:08:09+02".parse::<TimestampTz>().unwrap(),
                )),
                d_types::uuid.set(Some(
                    "67e55044-10b1-426f-9247-bb680e5fe0c8"
                        .parse::<Uuid>()
                        .unwrap(),
                )),
                d_types::json.set(Some(Json::from_text(r#"{"a": 1}"#))),
            )),
        )
        .query(select((
            d_types::b,
            d_types::i16_,
            d_types::i32_,
            d_types::f32_,
            d_types::f64_,
            d_types::dec,
            d_types::any_dec,
            d_types::txt,
            d_types::vc,
            d_types::bytes,
            d_types::d,
            d_types::t,
            d_types::ts,
            d_types::uuid,
            d_types::json,
        )))
        .query(select(func::count(d_types::tstz)))
        .run();
}

#[derive(Table)]
#[aludel(name = "d_defaults")]
struct DDefaults {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 10, server_default = "'new'")]
    state: String,
    #[aludel(server_default = "0")]
    views: i32,
    #[aludel(server_default = "1.5")]
    ratio: f64,
    #[aludel(server_default = "TRUE")]
    active: bool,
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    created_at: Timestamp,
    #[aludel(length = 10)]
    note: Option<String>,
}

#[test]
fn server_defaults() {
    DdlCase::new("ddl_server_defaults")
        .ddl(create_table(d_defaults::table))
        .exec(insert(d_defaults::table).values(d_defaults::note.set(Some("x".to_owned()))))
        .exec(
            insert(d_defaults::table)
                .values((d_defaults::state.set("done"), d_defaults::views.set(3))),
        )
        .query(
            select((
                d_defaults::id,
                d_defaults::state,
                d_defaults::views,
                d_defaults::ratio,
                d_defaults::active,
                d_defaults::note,
            ))
            .order_by(d_defaults::id),
        )
        .query(select(func::count(d_defaults::created_at)))
        .run();
}

#[derive(Table)]
#[aludel(
    name = "d_accounts",
    unique(name = "uq_d_accounts_org_login", org, login)
)]
#[aludel(check = "balance >= 0")]
struct DAccounts {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 60, unique)]
    email: String,
    #[aludel(length = 20)]
    org: String,
    #[aludel(length = 20)]
    login: String,
    balance: i32,
}

#[test]
fn unique_and_check() {
    let row = |email: &str, org: &str, login: &str, balance: i32| {
        insert(d_accounts::table).values((
            d_accounts::email.set(email.to_owned()),
            d_accounts::org.set(org.to_owned()),
            d_accounts::login.set(login.to_owned()),
            d_accounts::balance.set(balance),
        ))
    };
    DdlCase::new("ddl_unique_and_check")
        .ddl(create_table(d_accounts::table))
        .exec(row("a@x", "acme", "ann", 10))
        .exec(row("b@x", "acme", "bob", 0))
        .exec(row("c@x", "other", "ann", 5))
        .rejects(row("a@x", "new", "new", 1))
        .rejects(row("d@x", "acme", "ann", 1))
        .rejects(row("e@x", "e", "e", -1))
        .query(select(func::count_star()).select_from(d_accounts::table))
        .run();
}

#[derive(Table)]
#[aludel(name = "d_parents")]
struct DParents {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 20)]
    name: String,
}

#[derive(Table)]
#[aludel(name = "d_children")]
struct DChildren {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = d_parents::id, on_delete = "cascade", on_update = "cascade")]
    parent_id: i64,
    #[aludel(references = d_parents::id, on_delete = "set null")]
    guardian_id: Option<i64>,
}

#[derive(Table)]
#[aludel(name = "d_nodes")]
struct DNodes {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = d_nodes::id)]
    parent_id: Option<i64>,
}

#[test]
fn foreign_keys() {
    let parent = |id: i64| {
        insert(d_parents::table)
            .values((d_parents::id.set(id), d_parents::name.set(format!("p{id}"))))
    };
    let child = |id: i64, parent: i64, guardian: Option<i64>| {
        insert(d_children::table).values((
            d_children::id.set(id),
            d_children::parent_id.set(parent),
            d_children::guardian_id.set(guardian),
        ))
    };
    DdlCase::new("ddl_foreign_key")
        .ddl(create_table(d_parents::table))
        .ddl(create_table(d_children::table))
        .exec(parent(1))
        .exec(parent(2))
        .exec(child(10, 1, Some(2)))
        .exec(child(11, 2, None))
        .rejects(child(12, 99, None))
        // ON DELETE SET NULL
        .exec(delete(d_parents::table).where_(d_parents::id.eq(2)))
        .query(select((
            d_children::id,
            d_children::parent_id,
            d_children::guardian_id,
        )))
        .run();
    DdlCase::new("ddl_foreign_key_cascade")
        .ddl(create_table(d_parents::table))
        .ddl(create_table(d_children::table))
        .exec(parent(1))
        .exec(parent(2))
        .exec(child(10, 1, None))
        .exec(child(11, 1, None))
        .exec(child(12, 2, None))
        // ON UPDATE CASCADE carries the new key to the children.
        .exec(
            update(d_parents::table)
                .set(d_parents::id.set(3))
                .where_(d_parents::id.eq(2)),
        )
        // ON DELETE CASCADE takes the children along.
        .exec(delete(d_parents::table).where_(d_parents::id.eq(1)))
        .query(select((d_children::id, d_children::parent_id)))
        .run();
    DdlCase::new("ddl_self_reference")
        .ddl(create_table(d_nodes::table))
        .exec(insert(d_nodes::table).values(d_nodes::id.set(1)))
        .exec(
            insert(d_nodes::table).values((d_nodes::id.set(2), d_nodes::parent_id.set(Some(1i64)))),
        )
        .rejects(
            insert(d_nodes::table).values((d_nodes::id.set(3), d_nodes::parent_id.set(Some(9i64)))),
        )
        .rejects(delete(d_nodes::table).where_(d_nodes::id.eq(1)))
        .query(select((d_nodes::id, d_nodes::parent_id)))
        .run();
}

#[derive(Table)]
#[aludel(
    name = "d_shipments",
    foreign_key(
        name = "fk_d_shipments_line",
        columns(order_no, line),
        references(d_lines::order_no, d_lines::line),
        on_delete = "cascade"
    )
)]
struct DShipments {
    #[aludel(primary_key)]
    id: i64,
    order_no: i64,
    line: i32,
}

#[test]
fn composite_foreign_key() {
    let line = |no: i64, line: i32| {
        insert(d_lines::table).values((
            d_lines::order_no.set(no),
            d_lines::line.set(line),
            d_lines::item.set("x"),
        ))
    };
    let ship = |id: i64, no: i64, line: i32| {
        insert(d_shipments::table).values((
            d_shipments::id.set(id),
            d_shipments::order_no.set(no),
            d_shipments::line.set(line),
        ))
    };
    DdlCase::new("ddl_composite_foreign_key")
        .ddl(create_table(d_lines::table))
        .ddl(create_table(d_shipments::table))
        .exec(line(1, 1))
        .exec(line(1, 2))
        .exec(ship(1, 1, 1))
        .exec(ship(2, 1, 2))
        .rejects(ship(3, 1, 3))
        .exec(delete(d_lines::table).where_(d_lines::order_no.eq(1).and(d_lines::line.eq(1))))
        .query(select((d_shipments::id, d_shipments::line)))
        .run();
}

#[derive(Table)]
#[aludel(
    name = "d_people",
    index(last, first),
    unique_index(name = "ux_d_people_code", code)
)]
struct DPeople {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 30)]
    first: String,
    #[aludel(length = 30)]
    last: String,
    #[aludel(length = 10)]
    code: String,
    #[aludel(index)]
    age: Option<i32>,
    #[aludel(length = 40, unique, index)]
    email: Option<String>,
}

#[test]
fn indexes() {
    let person = |first: &str, code: &str, email: Option<&str>| {
        insert(d_people::table).values((
            d_people::first.set(first.to_owned()),
            d_people::last.set("Doe"),
            d_people::code.set(code.to_owned()),
            d_people::email.set(email.map(str::to_owned)),
        ))
    };
    DdlCase::new("ddl_indexes")
        .ddl(create_table(d_people::table))
        .ddl(create_index(d_people::table, "ix_d_people_last_first"))
        .ddl(create_index(d_people::table, "ux_d_people_code"))
        .ddl(create_index(d_people::table, "ix_d_people_age"))
        .ddl(create_index(d_people::table, "ix_d_people_email"))
        .exec(person("Ann", "A1", Some("ann@x")))
        .exec(person("Bob", "B1", None))
        .exec(person("Cy", "C1", None))
        // The unique index on code, and the column that is unique and indexed.
        .rejects(person("Dan", "A1", None))
        .rejects(person("Eve", "E1", Some("ann@x")))
        .query(
            select((d_people::first, d_people::code))
                .where_(d_people::last.eq("Doe"))
                .order_by(d_people::first),
        )
        .run();
    DdlCase::new("ddl_index_if_not_exists")
        .ddl(create_table(d_people::table))
        .ddl(create_index(d_people::table, "ix_d_people_age").if_not_exists())
        .ddl(create_index(d_people::table, "ix_d_people_age").if_not_exists())
        .query(select(func::count_star()).select_from(d_people::table))
        .run();
    DdlCase::new("ddl_index_from_def")
        .ddl(create_table(d_people::table))
        .ddl(create_index(
            d_people::table,
            IndexDef::new("ux_d_people_first_last", ["first", "last"]).unique(),
        ))
        .exec(person("Ann", "A1", None))
        .rejects(person("Ann", "A2", None))
        .query(select(func::count_star()).select_from(d_people::table))
        .run();
    DdlCase::new("ddl_drop_index")
        .ddl(create_table(d_people::table))
        .ddl(create_index(d_people::table, "ux_d_people_code"))
        .exec(person("Ann", "A1", None))
        .rejects(person("Bob", "A1", None))
        .ddl(drop_index(d_people::table, "ux_d_people_code"))
        .exec(person("Bob", "A1", None))
        .query(select(d_people::first).where_(d_people::code.eq("A1")))
        .run();
    DdlCase::new("ddl_drop_index_if_exists")
        .ddl(create_table(d_people::table))
        .ddl(drop_index(d_people::table, "ix_d_people_age").if_exists())
        .ddl(create_index(d_people::table, "ix_d_people_age"))
        .ddl(drop_index(d_people::table, "ix_d_people_age").if_exists())
        .query(select(func::count_star()).select_from(d_people::table))
        .run();
}

#[test]
fn alter_constraints() {
    let parent = |id: i64| {
        insert(d_parents::table)
            .values((d_parents::id.set(id), d_parents::name.set(format!("p{id}"))))
    };
    let note = |title: &str| insert(d_notes::table).values(d_notes::title.set(title.to_owned()));
    DdlCase::new("ddl_add_check_constraint")
        .ddl(create_table(d_notes::table))
        .exec(note("ok"))
        .ddl(add_constraint(
            d_notes::table,
            Constraint::check("title <> ''").named("ck_d_notes_title"),
        ))
        .rejects(note(""))
        .ddl(drop_constraint(
            d_notes::table,
            Constraint::check("title <> ''").named("ck_d_notes_title"),
        ))
        .exec(note(""))
        .query(select(func::count_star()).select_from(d_notes::table))
        .run();
    let fk = Constraint::ForeignKey(
        ForeignKeyDef::new(["id"], FkTarget::named("d_parents"), ["id"]).named("fk_d_nodes_id"),
    );
    DdlCase::new("ddl_add_foreign_key")
        .ddl(create_table(d_parents::table))
        .ddl(create_table(d_nodes::table))
        .exec(parent(1))
        .ddl(add_constraint(
            d_nodes::table,
            Constraint::ForeignKey(
                ForeignKeyDef::new(["id"], FkTarget::named("d_parents"), ["id"])
                    .named("fk_d_nodes_parent")
                    .on_delete(FkAction::Cascade),
            ),
        ))
        .exec(insert(d_nodes::table).values(d_nodes::id.set(1)))
        .rejects(insert(d_nodes::table).values(d_nodes::id.set(2)))
        .exec(delete(d_parents::table))
        .query(select(func::count_star()).select_from(d_nodes::table))
        .run();
    DdlCase::new("ddl_drop_foreign_key")
        .ddl(create_table(d_parents::table))
        .ddl(create_table(d_nodes::table))
        .ddl(add_constraint(d_nodes::table, fk.clone()))
        .rejects(insert(d_nodes::table).values(d_nodes::id.set(5)))
        .ddl(drop_constraint(d_nodes::table, fk))
        .exec(insert(d_nodes::table).values(d_nodes::id.set(5)))
        .query(select(d_nodes::id))
        .run();
    DdlCase::new("ddl_add_unique_constraint")
        .ddl(create_table(d_notes::table))
        .ddl(add_constraint(
            d_notes::table,
            Constraint::unique(["title"]).named("uq_d_notes_title"),
        ))
        .exec(note("a"))
        .rejects(note("a"))
        .ddl(drop_constraint(
            d_notes::table,
            Constraint::unique(["title"]).named("uq_d_notes_title"),
        ))
        .exec(note("a"))
        .query(select(func::count_star()).select_from(d_notes::table))
        .run();
    DdlCase::new("ddl_drop_constraint_if_exists")
        .ddl(create_table(d_notes::table))
        .ddl(
            drop_constraint(
                d_notes::table,
                Constraint::check("1 = 1").named("ck_missing"),
            )
            .if_exists(),
        )
        .query(select(func::count_star()).select_from(d_notes::table))
        .run();
}

#[derive(Table)]
#[aludel(name = "d_orders")]
struct DOrders {
    #[aludel(primary_key)]
    id: i64,
    qty: i32,
    price: i32,
    #[aludel(computed = "qty * price")]
    #[allow(dead_code)] // generated: never assigned
    total: Option<i32>,
}

#[derive(Table)]
#[aludel(name = "d_orders_v")]
struct DOrdersV {
    #[aludel(primary_key)]
    id: i64,
    qty: i32,
    #[aludel(computed_virtual = "qty + 1")]
    #[allow(dead_code)] // generated: never assigned
    next_qty: Option<i32>,
}

#[derive(Table)]
#[aludel(name = "d_orders_nn")]
struct DOrdersNn {
    #[aludel(primary_key)]
    id: i64,
    qty: i32,
    #[aludel(computed = "qty * 2")]
    #[allow(dead_code)] // generated: never assigned
    double_qty: i32,
}

#[test]
fn generated_columns() {
    DdlCase::new("ddl_generated_stored")
        .ddl(create_table(d_orders::table))
        .exec(insert(d_orders::table).values((d_orders::qty.set(3), d_orders::price.set(5))))
        .exec(update(d_orders::table).set(d_orders::qty.set(4)))
        .query(select((d_orders::qty, d_orders::total)))
        .run();
    DdlCase::new("ddl_generated_virtual")
        .ddl(create_table(d_orders_v::table))
        .exec(insert(d_orders_v::table).values(d_orders_v::qty.set(3)))
        .query(select(d_orders_v::next_qty))
        .run();
    DdlCase::new("ddl_generated_not_null")
        .ddl(create_table(d_orders_nn::table))
        .exec(insert(d_orders_nn::table).values(d_orders_nn::qty.set(3)))
        .query(select(d_orders_nn::double_qty))
        .run();
}

#[derive(Table)]
#[aludel(
    name = "order items",
    ident = "order_items",
    index(name = "ix order", select_)
)]
struct OrderItems {
    #[aludel(primary_key, column = "Line No")]
    line_no: i64,
    #[aludel(column = "select")]
    select_: i32,
    #[aludel(column = "back`tick\"quote", length = 10)]
    odd: Option<String>,
}

#[test]
fn quoted_names() {
    DdlCase::new("ddl_quoted_names")
        .ddl(create_table(order_items::table))
        .ddl(create_index(order_items::table, "ix order"))
        .exec(insert(order_items::table).values((
            order_items::select_.set(1),
            order_items::odd.set(Some("x".to_owned())),
        )))
        .query(select((
            order_items::line_no,
            order_items::select_,
            order_items::odd,
        )))
        .ddl(drop_index(order_items::table, "ix order"))
        .ddl(drop_table(order_items::table))
        .run();
}

#[derive(Table)]
#[aludel(name = "d_departments")]
struct DDepartments {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 20)]
    name: String,
    #[aludel(references = d_staff::id)]
    head_id: Option<i64>,
}

#[derive(Table)]
#[aludel(name = "d_staff")]
struct DStaff {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = d_departments::id)]
    department_id: i64,
    #[aludel(references = d_staff::id)]
    boss_id: Option<i64>,
}

#[derive(Table)]
#[aludel(name = "d_badges", primary_key(staff_id, badge))]
struct DBadges {
    #[aludel(references = d_staff::id)]
    staff_id: i64,
    #[aludel(length = 10, index)]
    badge: String,
}

#[test]
fn metadata_plans() {
    let md = MetaData::new()
        .table(d_badges::table)
        .table(d_staff::table)
        .table(d_departments::table);
    // The plans differ per dialect (a cycle's foreign keys by ALTER TABLE, or on SQLite
    // in CREATE TABLE): each dialect runs its own.
    let (create, drop) = (md.clone(), md.clone());
    DdlCase::new("ddl_metadata_cycle")
        .plan(move |d| create.create_all_ddl(d))
        .exec(
            insert(d_departments::table)
                .values((d_departments::id.set(1), d_departments::name.set("ops"))),
        )
        .exec(insert(d_staff::table).values((d_staff::id.set(1), d_staff::department_id.set(1))))
        .exec(insert(d_staff::table).values((
            d_staff::id.set(2),
            d_staff::department_id.set(1),
            d_staff::boss_id.set(Some(1i64)),
        )))
        .exec(
            update(d_departments::table)
                .set(d_departments::head_id.set(Some(1i64)))
                .where_(d_departments::id.eq(1)),
        )
        .exec(
            insert(d_badges::table)
                .values((d_badges::staff_id.set(2), d_badges::badge.set("gold"))),
        )
        .rejects(
            update(d_departments::table)
                .set(d_departments::head_id.set(Some(9i64)))
                .where_(d_departments::id.eq(1)),
        )
        .query(
            select((d_staff::id, d_departments::name, d_badges::badge.nullable()))
                .join(
                    d_departments::table,
                    d_departments::id.eq(d_staff::department_id),
                )
                .left_join(d_badges::table, d_badges::staff_id.eq(d_staff::id))
                .order_by(d_staff::id),
        )
        // Dropped with the rows in place, the cycle's included.
        .plan(move |d| drop.drop_all_ddl(d))
        .run();
}

#[derive(Table)]
#[aludel(name = "d_touched")]
struct DTouched {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 10)]
    name: String,
    #[aludel(
        server_default = "CURRENT_TIMESTAMP",
        server_onupdate = "CURRENT_TIMESTAMP"
    )]
    touched_at: Timestamp,
}

#[derive(Table)]
#[aludel(name = "d_text_keys")]
struct DTextKeys {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(unique)]
    body: String,
}

#[derive(Table)]
#[aludel(name = "d_text_pk")]
struct DTextPk {
    #[aludel(primary_key)]
    code: String,
    #[aludel(index)]
    note: Option<String>,
}

#[derive(Table)]
#[aludel(name = "d_set_default")]
struct DSetDefault {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = d_parents::id, on_delete = "set default", server_default = "1")]
    parent_id: i64,
}

#[test]
fn dialect_specific() {
    DdlCase::new("ddl_server_onupdate")
        .ddl(create_table(d_touched::table))
        .exec(insert(d_touched::table).values(d_touched::name.set("a")))
        .exec(update(d_touched::table).set(d_touched::name.set("b")))
        .query(
            select((d_touched::name, func::count(d_touched::touched_at))).group_by(d_touched::name),
        )
        .run();
    DdlCase::new("ddl_unbounded_text_key")
        .ddl(create_table(d_text_keys::table))
        .exec(insert(d_text_keys::table).values(d_text_keys::body.set("a")))
        .rejects(insert(d_text_keys::table).values(d_text_keys::body.set("a")))
        .query(select(d_text_keys::body))
        .run();
    DdlCase::new("ddl_unbounded_text_primary_key")
        .ddl(create_table(d_text_pk::table))
        .ddl(create_index(d_text_pk::table, "ix_d_text_pk_note"))
        .exec(insert(d_text_pk::table).values(d_text_pk::code.set("a")))
        .rejects(insert(d_text_pk::table).values(d_text_pk::code.set("a")))
        .query(select(d_text_pk::code))
        .run();
    DdlCase::new("ddl_on_delete_set_default")
        .ddl(create_table(d_parents::table))
        .ddl(create_table(d_set_default::table))
        .exec(insert(d_parents::table).values((d_parents::id.set(1), d_parents::name.set("one"))))
        .exec(insert(d_parents::table).values((d_parents::id.set(2), d_parents::name.set("two"))))
        .exec(
            insert(d_set_default::table)
                .values((d_set_default::id.set(1), d_set_default::parent_id.set(2))),
        )
        .exec(delete(d_parents::table).where_(d_parents::id.eq(2)))
        .query(select(d_set_default::parent_id))
        .run();
    DdlCase::new("ddl_drop_table_cascade")
        .ddl(create_table(d_parents::table))
        .ddl(create_table(d_children::table))
        .ddl(drop_table(d_parents::table).cascade())
        // The foreign key went with the table: any parent id is accepted now.
        .exec(
            insert(d_children::table)
                .values((d_children::id.set(1), d_children::parent_id.set(42))),
        )
        .query(select(d_children::parent_id))
        .run();
}

#[test]
fn runtime_tables() {
    let parent = TableBuilder::new("d_rt_parent")
        .column_with("id", DataType::Integer, |c| c.primary_key())
        .column_with("code", DataType::Varchar(8), |c| c.unique())
        .build()
        .unwrap();
    let child = TableBuilder::new("d_rt_child")
        .column_with("id", DataType::BigInt, |c| {
            c.primary_key().autoincrement(Autoincrement::No)
        })
        .column("parent_code", DataType::Varchar(8))
        .column_with("qty", DataType::Integer, |c| {
            c.server_default(aludel::schema::ServerDefault::sql("1"))
        })
        .column_with("twice", DataType::Integer, |c| {
            c.nullable().computed(Computed::stored("qty * 2"))
        })
        .foreign_key(
            ForeignKeyDef::new(["parent_code"], FkTarget::named("d_rt_parent"), ["code"])
                .on_delete(FkAction::Cascade),
        )
        .constraint(Constraint::check("qty > 0"))
        .index(IndexDef::new(
            "ix_d_rt_child_code_qty",
            ["parent_code", "qty"],
        ))
        .build()
        .unwrap();
    let md = MetaData::new().table(&child).table(&parent);
    let (p_id, p_code) = (
        parent.column::<i32>("id").unwrap(),
        parent.column::<String>("code").unwrap(),
    );
    let (c_id, c_code, c_twice) = (
        child.column::<i64>("id").unwrap(),
        child.column::<String>("parent_code").unwrap(),
        child.column::<Option<i32>>("twice").unwrap(),
    );
    DdlCase::new("ddl_runtime_tables")
        .plan(move |d| md.create_all_ddl(d))
        .exec(insert(&parent).values((p_id.set(1), p_code.set("A"))))
        .exec(insert(&child).values((c_id.set(10), c_code.set("A"))))
        .rejects(insert(&child).values((c_id.set(11), c_code.set("Z"))))
        .query(select((c_id.clone(), c_twice)))
        .run();
}

#[derive(Table)]
#[aludel(name = "d_tenant_orders", primary_key(tenant, id))]
struct DTenantOrders {
    #[aludel(autoincrement = false)]
    id: i64,
    #[aludel(length = 10)]
    tenant: String,
}

#[derive(Table)]
#[aludel(
    name = "d_tenant_lines",
    foreign_key(
        columns(tenant, order_id),
        references(d_tenant_orders::tenant, d_tenant_orders::id)
    )
)]
struct DTenantLines {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 10)]
    tenant: String,
    order_id: i64,
}

/// A key that is also a foreign key: its value comes from the row it refers to, so it
/// does not auto-increment.
#[derive(Table)]
#[aludel(name = "d_profiles")]
struct DProfiles {
    #[aludel(primary_key, references = d_parents::id)]
    parent_id: i64,
    #[aludel(length = 20)]
    bio: String,
}

#[derive(Table)]
#[aludel(name = "d_stamps")]
struct DStamps {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    local_at: Timestamp,
    #[aludel(server_default = "now()")]
    utc_at: TimestampTz,
    #[aludel(server_default = "CURRENT_TIMESTAMP(6)")]
    precise_at: Timestamp,
}

#[test]
fn keys_and_time_defaults() {
    DdlCase::new("ddl_primary_key_order")
        .ddl(create_table(d_tenant_orders::table))
        .ddl(create_table(d_tenant_lines::table))
        .exec(insert(d_tenant_orders::table).values((
            d_tenant_orders::tenant.set("t1"),
            d_tenant_orders::id.set(5),
        )))
        .exec(insert(d_tenant_lines::table).values((
            d_tenant_lines::tenant.set("t1"),
            d_tenant_lines::order_id.set(5),
        )))
        .rejects(insert(d_tenant_lines::table).values((
            d_tenant_lines::tenant.set("t2"),
            d_tenant_lines::order_id.set(5),
        )))
        .query(select((d_tenant_lines::tenant, d_tenant_lines::order_id)))
        .run();
    DdlCase::new("ddl_key_is_a_foreign_key")
        .ddl(create_table(d_parents::table))
        .ddl(create_table(d_profiles::table))
        .exec(insert(d_parents::table).values((d_parents::id.set(3), d_parents::name.set("p"))))
        .exec(
            insert(d_profiles::table)
                .values((d_profiles::parent_id.set(3), d_profiles::bio.set("hi"))),
        )
        .rejects(insert(d_profiles::table).values(d_profiles::bio.set("no key")))
        .query(select((d_profiles::parent_id, d_profiles::bio)))
        .run();
    DdlCase::new("ddl_current_time_defaults")
        .ddl(create_table(d_stamps::table))
        .exec(insert(d_stamps::table).values(d_stamps::id.set(1)))
        .query(select((
            func::count(d_stamps::local_at),
            func::count(d_stamps::utc_at),
            func::count(d_stamps::precise_at),
        )))
        .run();
}
