//! The fixture schema (`fixtures/*.sql`) described for aludel.

use aludel::prelude::*;
use aludel::value::{Date, Decimal, Json, Time, Timestamp, TimestampTz, Uuid};

/// `users`: every common column kind, a self-reference, a server default.
#[derive(Table)]
#[aludel(name = "users")]
pub struct Users {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 50)]
    pub name: String,
    pub fullname: Option<String>,
    pub age: Option<i32>,
    pub active: bool,
    pub score: Option<f64>,
    #[aludel(precision = 10, scale = 2)]
    pub balance: Option<Decimal>,
    #[aludel(references = users::id)]
    pub manager_id: Option<i64>,
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    pub created_at: Timestamp,
}

/// `posts`: a foreign key, a client-side default, a server default.
#[derive(Table)]
#[aludel(name = "posts")]
pub struct Posts {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(references = users::id, on_delete = "cascade")]
    pub user_id: i64,
    #[aludel(length = 200)]
    pub title: String,
    pub body: Option<String>,
    #[aludel(length = 20, default = "draft")]
    pub status: String,
    #[aludel(server_default = "0")]
    pub views: i32,
    pub published_on: Option<Date>,
}

/// `comments`.
#[derive(Table)]
#[aludel(name = "comments")]
pub struct Comments {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(references = posts::id, on_delete = "cascade")]
    pub post_id: i64,
    #[aludel(references = users::id)]
    pub user_id: i64,
    pub body: String,
}

/// `tags`: a composite primary key.
#[derive(Table)]
#[aludel(name = "tags", primary_key(post_id, tag))]
pub struct Tags {
    #[aludel(references = posts::id)]
    pub post_id: i64,
    #[aludel(length = 30)]
    pub tag: String,
}

/// `"order"`: awkward identifiers (reserved words, spaces, `%`, `?`, `:`, `.`, quotes,
/// backticks, mixed case).
#[derive(Table)]
#[aludel(name = "order", ident = "order_t")]
pub struct Order {
    #[aludel(primary_key, column = "select")]
    pub select_: i64,
    #[aludel(column = "has spaces")]
    pub has_spaces: Option<String>,
    #[aludel(column = "per % cent")]
    pub per_cent: Option<i32>,
    #[aludel(column = "q?marks")]
    pub q_marks: Option<String>,
    #[aludel(column = "col:ons")]
    pub col_ons: Option<String>,
    #[aludel(column = "dot.s")]
    pub dot_s: Option<String>,
    #[aludel(column = "\"quoted\"")]
    pub quoted: Option<String>,
    #[aludel(column = "back`tick")]
    pub back_tick: Option<String>,
    #[aludel(column = "MixedCase")]
    pub mixed_case: Option<String>,
    #[aludel(column = "group")]
    pub group_: Option<i32>,
}

/// `"Mixed Table"`: a table name that needs quoting.
#[derive(Table)]
#[aludel(name = "Mixed Table", ident = "mixed_table")]
pub struct MixedTable {
    #[aludel(primary_key, column = "ID")]
    pub id: i64,
    #[aludel(column = "Value")]
    pub value: Option<String>,
}

/// `documents`: client `default` and `onupdate`, `server_default`, `server_onupdate`.
#[derive(Table)]
#[aludel(name = "documents")]
pub struct Documents {
    #[aludel(primary_key)]
    pub id: i64,
    pub title: String,
    #[aludel(default = 1)]
    pub version: i32,
    #[aludel(length = 20, onupdate = "edited", server_default = "'new'")]
    pub state: String,
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    pub created_at: Timestamp,
    #[aludel(server_onupdate)]
    pub updated_at: Option<Timestamp>,
}

/// `typed`: one column of each SQL type.
#[derive(Table)]
#[aludel(name = "typed")]
pub struct Typed {
    #[aludel(primary_key)]
    pub id: i64,
    pub b: Option<bool>,
    #[aludel(column = "i16")]
    pub i16_: Option<i16>,
    #[aludel(column = "i32")]
    pub i32_: Option<i32>,
    #[aludel(column = "f32")]
    pub f32_: Option<f32>,
    #[aludel(column = "f64")]
    pub f64_: Option<f64>,
    #[aludel(precision = 12, scale = 4)]
    pub dec: Option<Decimal>,
    pub txt: Option<String>,
    #[aludel(length = 10)]
    pub vc: Option<String>,
    pub bytes: Option<Vec<u8>>,
    pub d: Option<Date>,
    pub t: Option<Time>,
    pub ts: Option<Timestamp>,
    pub tstz: Option<TimestampTz>,
    pub uuid: Option<Uuid>,
    pub json: Option<Json>,
}

/// `events`: every column has a default.
#[derive(Table)]
#[aludel(name = "events")]
pub struct Events {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(length = 20, server_default = "'ping'")]
    pub kind: String,
    #[aludel(length = 20, default = Some("aludel".to_owned()))]
    pub source: Option<String>,
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    pub at: Timestamp,
}

/// `typed` again, with the columns as chrono, uuid, rust_decimal and serde_json types.
#[derive(Table)]
#[aludel(name = "typed", ident = "typed_ext")]
pub struct TypedExt {
    #[aludel(primary_key)]
    pub id: i64,
    #[aludel(precision = 12, scale = 4)]
    pub dec: Option<rust_decimal::Decimal>,
    pub d: Option<chrono::NaiveDate>,
    pub t: Option<chrono::NaiveTime>,
    pub ts: Option<chrono::NaiveDateTime>,
    pub tstz: Option<chrono::DateTime<chrono::Utc>>,
    pub uuid: Option<uuid::Uuid>,
    pub json: Option<serde_json::Value>,
}

/// `typed` with the `time` crate's types.
#[derive(Table)]
#[aludel(name = "typed", ident = "typed_time")]
pub struct TypedTime {
    #[aludel(primary_key)]
    pub id: i64,
    pub d: Option<time::Date>,
    pub t: Option<time::Time>,
    pub ts: Option<time::PrimitiveDateTime>,
    pub tstz: Option<time::OffsetDateTime>,
}
