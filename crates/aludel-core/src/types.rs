//! SQL types as Rust types.
//!
//! The `T` in [`Column<T>`](crate::Column) and [`Expr<T>`](crate::Expr) is the Rust type
//! a value of the expression decodes into: `i64` is a `BIGINT NOT NULL`, `Option<String>`
//! a nullable text. [`SqlType`] links that Rust type to its SQL [`DataType`] and tracks
//! nullability at the type level, so that `id = 5` is a `bool` and `fullname = 'x'` an
//! `Option<bool>`. The marker traits ([`Textual`], [`Numeric`], [`Boolean`],
//! [`NullableType`]) decide which operators exist on an expression.

use std::fmt;

/// The SQL data type of a column or expression, as the dialects render it.
///
/// ```
/// use aludel_core::{DataType, SqlType};
/// assert_eq!(<i64 as SqlType>::DATA_TYPE, DataType::BigInt);
/// assert_eq!(DataType::Varchar(20).to_string(), "VARCHAR(20)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataType {
    /// BOOLEAN.
    Boolean,
    /// SMALLINT (i16).
    SmallInt,
    /// INTEGER (i32).
    Integer,
    /// BIGINT (i64).
    BigInt,
    /// REAL (f32).
    Real,
    /// DOUBLE PRECISION (f64).
    Double,
    /// NUMERIC(precision, scale); `None` leaves them to the database.
    Numeric(Option<(u8, u8)>),
    /// TEXT (unbounded string).
    Text,
    /// VARCHAR(n).
    Varchar(u32),
    /// BYTEA / BLOB.
    Bytes,
    /// DATE.
    Date,
    /// TIME.
    Time,
    /// TIMESTAMP without time zone (MySQL DATETIME).
    Timestamp,
    /// TIMESTAMP WITH TIME ZONE.
    TimestampTz,
    /// UUID.
    Uuid,
    /// JSON (JSONB on PostgreSQL).
    Json,
    /// Type not known statically (runtime-built tables, `text()`); binds take the value's type.
    Any,
}

impl DataType {
    /// Whether this is one of the integer types.
    ///
    /// ```
    /// assert!(aludel_core::DataType::Integer.is_integer());
    /// assert!(!aludel_core::DataType::Double.is_integer());
    /// ```
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            DataType::SmallInt | DataType::Integer | DataType::BigInt
        )
    }

    /// Whether this is a string type (TEXT or VARCHAR).
    ///
    /// ```
    /// assert!(aludel_core::DataType::Varchar(3).is_text());
    /// ```
    pub fn is_text(&self) -> bool {
        matches!(self, DataType::Text | DataType::Varchar(_))
    }

    /// A stable one-byte code, used in cache keys.
    pub(crate) fn code(&self) -> u8 {
        match self {
            DataType::Boolean => 1,
            DataType::SmallInt => 2,
            DataType::Integer => 3,
            DataType::BigInt => 4,
            DataType::Real => 5,
            DataType::Double => 6,
            DataType::Numeric(_) => 7,
            DataType::Text => 8,
            DataType::Varchar(_) => 9,
            DataType::Bytes => 10,
            DataType::Date => 11,
            DataType::Time => 12,
            DataType::Timestamp => 13,
            DataType::TimestampTz => 14,
            DataType::Uuid => 15,
            DataType::Json => 16,
            DataType::Any => 17,
        }
    }
}

impl fmt::Display for DataType {
    /// The generic (PostgreSQL-flavoured) spelling; dialects map it for DDL and CAST.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Boolean => f.write_str("BOOLEAN"),
            DataType::SmallInt => f.write_str("SMALLINT"),
            DataType::Integer => f.write_str("INTEGER"),
            DataType::BigInt => f.write_str("BIGINT"),
            DataType::Real => f.write_str("REAL"),
            DataType::Double => f.write_str("DOUBLE PRECISION"),
            DataType::Numeric(None) => f.write_str("NUMERIC"),
            DataType::Numeric(Some((p, s))) => write!(f, "NUMERIC({p}, {s})"),
            DataType::Text => f.write_str("TEXT"),
            DataType::Varchar(n) => write!(f, "VARCHAR({n})"),
            DataType::Bytes => f.write_str("BYTEA"),
            DataType::Date => f.write_str("DATE"),
            DataType::Time => f.write_str("TIME"),
            DataType::Timestamp => f.write_str("TIMESTAMP"),
            DataType::TimestampTz => f.write_str("TIMESTAMP WITH TIME ZONE"),
            DataType::Uuid => f.write_str("UUID"),
            DataType::Json => f.write_str("JSON"),
            DataType::Any => f.write_str("ANY"),
        }
    }
}

/// Type-level nullability of an [`SqlType`]: [`NotNullable`] or [`MaybeNull`].
///
/// `Or` combines the nullability of two operands (NULL if either may be NULL) and `Apply`
/// gives the Rust type of a result with that nullability.
///
/// ```
/// use aludel_core::types::{Apply, MaybeNull, NotNullable, Or};
/// let _: Apply<Or<NotNullable, MaybeNull>, bool> = Some(true);
/// let _: Apply<Or<NotNullable, NotNullable>, bool> = true;
/// ```
pub trait Nullability: 'static {
    /// The nullability of a result computed from operands with `Self` and `N`.
    type Or<N: Nullability>: Nullability;
    /// `T` with this nullability: `T` or `Option<T>`.
    type Apply<T: SqlType>: SqlType;
}

/// Marker: the expression is never NULL.
///
/// ```
/// use aludel_core::{SqlType, types::NotNullable};
/// fn not_null<T: SqlType<Nullability = NotNullable>>() {}
/// not_null::<i64>();
/// ```
#[derive(Debug)]
pub enum NotNullable {}

/// Marker: the expression may be NULL.
///
/// ```
/// use aludel_core::{SqlType, types::MaybeNull};
/// fn nullable<T: SqlType<Nullability = MaybeNull>>() {}
/// nullable::<Option<i64>>();
/// ```
#[derive(Debug)]
pub enum MaybeNull {}

impl Nullability for NotNullable {
    type Or<N: Nullability> = N;
    type Apply<T: SqlType> = T;
}

impl Nullability for MaybeNull {
    type Or<N: Nullability> = MaybeNull;
    type Apply<T: SqlType> = Option<T>;
}

/// `A or B` nullability.
///
/// ```
/// use aludel_core::types::{MaybeNull, NotNullable, Or};
/// fn same<T>(_: std::marker::PhantomData<T>, _: std::marker::PhantomData<T>) {}
/// same(std::marker::PhantomData::<Or<NotNullable, MaybeNull>>, std::marker::PhantomData::<MaybeNull>);
/// ```
pub type Or<A, B> = <A as Nullability>::Or<B>;
/// `T` with nullability `N`.
///
/// ```
/// use aludel_core::types::{Apply, MaybeNull};
/// let x: Apply<MaybeNull, i64> = Some(1);
/// # let _ = x;
/// ```
pub type Apply<N, T> = <N as Nullability>::Apply<T>;
/// The result type `R` of an operator over operands of types `A` and `B`: `Option<R>` when
/// either may be NULL.
///
/// ```
/// use aludel_core::types::Combined;
/// let x: Combined<i64, Option<i64>, bool> = None; // Option<bool>
/// # let _ = x;
/// ```
pub type Combined<A, B, R> = Apply<Or<<A as SqlType>::Nullability, <B as SqlType>::Nullability>, R>;
/// `R` with the nullability of `A`.
///
/// ```
/// use aludel_core::types::Like;
/// let x: Like<Option<String>, i64> = Some(3); // Option<i64>
/// # let _ = x;
/// ```
pub type Like<A, R> = Apply<<A as SqlType>::Nullability, R>;

/// A Rust type that stands for an SQL type: the `T` of `Column<T>` and `Expr<T>`.
///
/// Implemented for `bool`, `i16`, `i32`, `i64`, `f32`, `f64`, `String`, `Vec<u8>`, the value
/// types of [`crate::value`] (and, behind features, chrono / time / uuid / rust_decimal /
/// serde_json types), `Option<T>` of those, and [`Dyn`] for runtime-typed expressions.
///
/// ```
/// use aludel_core::{DataType, SqlType};
/// assert_eq!(<Option<String> as SqlType>::DATA_TYPE, DataType::Text);
/// assert!(<Option<String> as SqlType>::NULLABLE);
/// assert!(!<String as SqlType>::NULLABLE);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an SQL type aludel knows",
    label = "not an SQL type",
    note = "SQL types are bool, i16, i32, i64, f32, f64, String, Vec<u8>, aludel's Date/Time/Timestamp/TimestampTz/Uuid/Json/Decimal (or chrono, time, uuid, rust_decimal, serde_json types with their features), and Option<T> of these"
)]
pub trait SqlType: Send + Sync + 'static {
    /// The NOT NULL form of this type (`i64` for `Option<i64>`).
    type NotNull: SqlType;
    /// Whether values may be NULL, as a type.
    type Nullability: Nullability;
    /// The SQL data type.
    const DATA_TYPE: DataType;
    /// Whether values may be NULL.
    const NULLABLE: bool;
}

#[diagnostic::do_not_recommend]
impl<T: SqlType> SqlType for Option<T> {
    type NotNull = T::NotNull;
    type Nullability = MaybeNull;
    const DATA_TYPE: DataType = T::DATA_TYPE;
    const NULLABLE: bool = true;
}

/// A type-erased SQL type for runtime-built tables and `text()` expressions.
///
/// `Column<Dyn>` compares with any value; it is the untyped escape hatch, so mistakes
/// surface as database errors instead of compile errors.
///
/// ```
/// use aludel_core::{prelude::*, schema::TableBuilder, DataType, Dyn};
/// let t = TableBuilder::new("events").column("id", DataType::BigInt).build().unwrap();
/// let id: Column<Dyn> = t.column_dyn("id").unwrap();
/// let _ = id.eq(5).and(id.clone().eq("also fine at compile time"));
/// ```
#[derive(Debug)]
pub enum Dyn {}

#[diagnostic::do_not_recommend]
impl SqlType for Dyn {
    type NotNull = Dyn;
    type Nullability = MaybeNull;
    const DATA_TYPE: DataType = DataType::Any;
    const NULLABLE: bool = true;
}

macro_rules! sql_types {
    ($($t:ty => $dt:expr),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl SqlType for $t {
            type NotNull = $t;
            type Nullability = NotNullable;
            const DATA_TYPE: DataType = $dt;
            const NULLABLE: bool = false;
        }
    )*};
}

use crate::value::{Date, Decimal, Json, Time, Timestamp, TimestampTz, Uuid};

sql_types! {
    bool => DataType::Boolean,
    i16 => DataType::SmallInt,
    i32 => DataType::Integer,
    i64 => DataType::BigInt,
    f32 => DataType::Real,
    f64 => DataType::Double,
    Decimal => DataType::Numeric(None),
    String => DataType::Text,
    Vec<u8> => DataType::Bytes,
    Date => DataType::Date,
    Time => DataType::Time,
    Timestamp => DataType::Timestamp,
    TimestampTz => DataType::TimestampTz,
    Uuid => DataType::Uuid,
    Json => DataType::Json,
}

#[cfg(feature = "chrono")]
sql_types! {
    chrono::NaiveDate => DataType::Date,
    chrono::NaiveTime => DataType::Time,
    chrono::NaiveDateTime => DataType::Timestamp,
    chrono::DateTime<chrono::Utc> => DataType::TimestampTz,
}
#[cfg(feature = "time")]
sql_types! {
    time::Date => DataType::Date,
    time::Time => DataType::Time,
    time::PrimitiveDateTime => DataType::Timestamp,
    time::OffsetDateTime => DataType::TimestampTz,
}
#[cfg(feature = "uuid")]
sql_types! { uuid::Uuid => DataType::Uuid }
#[cfg(feature = "rust_decimal")]
sql_types! { rust_decimal::Decimal => DataType::Numeric(None) }
#[cfg(feature = "serde_json")]
sql_types! { serde_json::Value => DataType::Json }

/// Text types: LIKE, ILIKE, concatenation, `lower`, `upper` exist on these.
///
/// ```
/// fn text<T: aludel_core::types::Textual>() {}
/// text::<String>();
/// text::<Option<String>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a text type, so this text operator does not apply",
    label = "this expression has SQL type `{Self}`",
    note = "LIKE, ILIKE, starts_with, ends_with, contains, concat, lower and upper need a `String` (or `Option<String>`) expression; CAST it with `.cast::<String>()` if you mean its text form"
)]
pub trait Textual: SqlType {}
#[diagnostic::do_not_recommend]
impl Textual for String {}
#[diagnostic::do_not_recommend]
impl Textual for Option<String> {}
#[diagnostic::do_not_recommend]
impl Textual for Dyn {}

/// Numeric types: arithmetic and `sum` exist on these.
///
/// ```
/// fn num<T: aludel_core::types::Numeric>() {}
/// num::<i32>();
/// num::<Option<f64>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric type, so arithmetic does not apply",
    label = "this expression has SQL type `{Self}`",
    note = "arithmetic and SUM need i16, i32, i64, f32, f64 or Decimal (optionally in Option<..>)"
)]
pub trait Numeric: SqlType {
    /// Integer types divide with truncation (MySQL `DIV`); others with `/`.
    const INTEGER: bool;
}

macro_rules! numeric {
    ($($t:ty => $int:expr),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl Numeric for $t { const INTEGER: bool = $int; }
        #[diagnostic::do_not_recommend]
        impl Numeric for Option<$t> { const INTEGER: bool = $int; }
    )*};
}
numeric! { i16 => true, i32 => true, i64 => true, f32 => false, f64 => false, Decimal => false }
#[cfg(feature = "rust_decimal")]
numeric! { rust_decimal::Decimal => false }
#[diagnostic::do_not_recommend]
impl Numeric for Dyn {
    const INTEGER: bool = false;
}

/// Boolean types: usable as conditions (WHERE, HAVING, ON) and with AND / OR / NOT.
///
/// ```
/// fn cond<T: aludel_core::types::Boolean>() {}
/// cond::<bool>();
/// cond::<Option<bool>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a boolean SQL type, so it cannot be used as a condition",
    label = "this expression has SQL type `{Self}`, not `bool`",
    note = "WHERE, HAVING, JOIN ... ON, and(), or() and not() need a `bool` expression such as `column.eq(value)`"
)]
pub trait Boolean: SqlType {}
#[diagnostic::do_not_recommend]
impl Boolean for bool {}
#[diagnostic::do_not_recommend]
impl Boolean for Option<bool> {}
#[diagnostic::do_not_recommend]
impl Boolean for Dyn {}

/// Nullable types: `is_null()` and `is_not_null()` exist on these.
///
/// ```
/// fn nullable<T: aludel_core::types::NullableType>() {}
/// nullable::<Option<i64>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a NOT NULL type, but this operation needs a nullable one (`Option<..>`)",
    label = "this expression has SQL type `{Self}`, which cannot be NULL",
    note = "`is_null()` / `is_not_null()` on a NOT NULL expression would always be false / true, and `set_null()` would break the NOT NULL constraint",
    note = "if the column comes from the nullable side of an outer join, call `.nullable()` on it first: `posts::id.nullable().is_null()`"
)]
pub trait NullableType: SqlType {}
#[diagnostic::do_not_recommend]
impl<T: SqlType> NullableType for Option<T> {}
#[diagnostic::do_not_recommend]
impl NullableType for Dyn {}
