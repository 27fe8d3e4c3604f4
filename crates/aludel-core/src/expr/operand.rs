//! What may stand on the right of an operator: typed values and compatible expressions.

use super::{Expr, Expression, Labeled, N, Node};
use crate::schema::Column;
use crate::stmt::Select;
use crate::types::{Dyn, SqlType};
use crate::value::{Date, Decimal, Json, Time, Timestamp, TimestampTz, Uuid, Value};

/// A value or expression usable where an SQL expression of type `T` is expected: the
/// right-hand side of `eq`, `lt`, `+`, `set`, ...
///
/// Values of `T`'s base type (or `&str` for `String`) become bind parameters, and so do
/// `Option`s of them where `T` is nullable (an `Option` value against a NOT NULL
/// expression would be a comparison with NULL, always unknown); expressions qualify
/// when their type has the same base type as `T` (nullability may differ, and flows
/// into the result type).
///
/// ```
/// use aludel_core::prelude::*;
/// fn assign<V: AsExpr<i64>>(v: V) -> Node { v.into_operand() }
/// let _ = assign(5);           // a bind parameter
/// let _ = assign(literal(5i64) + 1);
/// fn assign_nullable<V: AsExpr<Option<i64>>>(v: V) -> Node { v.into_operand() }
/// let _ = assign_nullable(Some(5i64));  // may be NULL
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as an SQL value of type `{T}`",
    label = "expected a `{T}` value or an SQL expression of type `{T}`",
    note = "aludel compares and assigns only matching SQL types, and `Option` values (which may be NULL) only where NULL is allowed; convert the value, or CAST one side with `.cast::<U>()`"
)]
pub trait AsExpr<T: SqlType> {
    /// The operand's own SQL type (its nullability decides the result's).
    type SqlType: SqlType;
    /// Its AST node (a bind parameter for values).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let n: Node = AsExpr::<i64>::into_operand(5i64);
    /// # let _ = n;
    /// ```
    fn into_operand(self) -> Node;
}

/// A plain value that binds as a parameter of SQL type `T` (lists for `IN`, tuples).
///
/// ```
/// use aludel_core::{prelude::*, Value};
/// assert_eq!(aludel_core::BindValue::<String>::into_bind_value("x"), Value::Text("x".into()));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value of SQL type `{T}`",
    label = "expected a `{T}` value"
)]
pub trait BindValue<T: SqlType> {
    /// The value's own SQL type.
    type SqlType: SqlType;
    /// Converts into the bound value.
    ///
    /// ```
    /// use aludel_core::{BindValue, Value};
    /// assert_eq!(BindValue::<Option<i64>>::into_bind_value(None::<i64>), Value::Null);
    /// ```
    fn into_bind_value(self) -> Value;
}

/// A value with a natural SQL type, for [`literal`](super::literal),
/// [`inline`](super::inline) and [`case`](super::case): `5i64` is `i64`, `"x"` is
/// `String`, `None::<i32>` is `Option<i32>`.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<String> = literal("x");
/// # let _ = e;
/// ```
pub trait IntoLiteral {
    /// The natural SQL type.
    type SqlType: SqlType;
    /// Converts into the bound value.
    ///
    /// ```
    /// use aludel_core::{IntoLiteral, Value};
    /// assert_eq!(3.5f64.into_value(), Value::F64(3.5));
    /// ```
    fn into_value(self) -> Value;
}

/// Expressions of base type `Self` may be compared with / assigned to base type `T`.
///
/// Holds for identical base types, and between any type and [`Dyn`].
///
/// ```
/// fn ok<A: aludel_core::Compatible<B>, B>() {}
/// ok::<i64, i64>();
/// ok::<i64, aludel_core::Dyn>();
/// ```
#[diagnostic::on_unimplemented(
    message = "an SQL expression of type `{Self}` cannot be compared with or assigned to one of type `{T}`",
    label = "`{Self}` is not `{T}`",
    note = "CAST one side to make the types match: `.cast::<{T}>()`"
)]
pub trait Compatible<T> {}

#[diagnostic::do_not_recommend]
impl Compatible<Dyn> for Dyn {}

macro_rules! base_type {
    ($t:ty) => {
        #[diagnostic::do_not_recommend]
        impl Compatible<$t> for $t {}
        #[diagnostic::do_not_recommend]
        impl Compatible<Dyn> for $t {}
        #[diagnostic::do_not_recommend]
        impl Compatible<$t> for Dyn {}
        value_operand!($t => $t);
        impl IntoLiteral for $t {
            type SqlType = $t;
            fn into_value(self) -> Value {
                Value::from(self)
            }
        }
        impl IntoLiteral for Option<$t> {
            type SqlType = Option<$t>;
            fn into_value(self) -> Value {
                Value::from(self)
            }
        }
    };
}

/// Values of Rust type `$v` bind as parameters of base SQL type `$t` (and `Option<$t>`,
/// and `Dyn`).
macro_rules! value_operand {
    ($t:ty => $($v:ty),+) => {$(
        #[diagnostic::do_not_recommend]
        impl AsExpr<$t> for $v {
            type SqlType = $t;
            fn into_operand(self) -> Node {
                Node::bind(Value::from(self), <$t as SqlType>::DATA_TYPE)
            }
        }
        #[diagnostic::do_not_recommend]
        impl AsExpr<Option<$t>> for $v {
            type SqlType = $t;
            fn into_operand(self) -> Node {
                Node::bind(Value::from(self), <$t as SqlType>::DATA_TYPE)
            }
        }

        #[diagnostic::do_not_recommend]
        impl AsExpr<Option<$t>> for Option<$v> {
            type SqlType = Option<$t>;
            fn into_operand(self) -> Node {
                Node::bind(Value::from(self), <$t as SqlType>::DATA_TYPE)
            }
        }
        #[diagnostic::do_not_recommend]
        impl AsExpr<Dyn> for $v {
            type SqlType = $t;
            fn into_operand(self) -> Node {
                Node::bind(Value::from(self), <$t as SqlType>::DATA_TYPE)
            }
        }
        #[diagnostic::do_not_recommend]
        impl AsExpr<Dyn> for Option<$v> {
            type SqlType = Option<$t>;
            fn into_operand(self) -> Node {
                Node::bind(Value::from(self), <$t as SqlType>::DATA_TYPE)
            }
        }
        #[diagnostic::do_not_recommend]
        impl BindValue<$t> for $v {
            type SqlType = $t;
            fn into_bind_value(self) -> Value {
                Value::from(self)
            }
        }
        #[diagnostic::do_not_recommend]
        impl BindValue<Option<$t>> for $v {
            type SqlType = $t;
            fn into_bind_value(self) -> Value {
                Value::from(self)
            }
        }
        #[diagnostic::do_not_recommend]
        impl BindValue<$t> for Option<$v> {
            type SqlType = Option<$t>;
            fn into_bind_value(self) -> Value {
                Value::from(self)
            }
        }
        #[diagnostic::do_not_recommend]
        impl BindValue<Option<$t>> for Option<$v> {
            type SqlType = Option<$t>;
            fn into_bind_value(self) -> Value {
                Value::from(self)
            }
        }
        #[diagnostic::do_not_recommend]
        impl BindValue<Dyn> for $v {
            type SqlType = $t;
            fn into_bind_value(self) -> Value {
                Value::from(self)
            }
        }
    )+};
}

base_type!(bool);
base_type!(i16);
base_type!(i32);
base_type!(i64);
base_type!(f32);
base_type!(f64);
base_type!(Decimal);
base_type!(String);
base_type!(Vec<u8>);
base_type!(Date);
base_type!(Time);
base_type!(Timestamp);
base_type!(TimestampTz);
base_type!(Uuid);
base_type!(Json);
value_operand!(String => &str, &String);
value_operand!(Vec<u8> => &[u8]);

impl IntoLiteral for &str {
    type SqlType = String;
    fn into_value(self) -> Value {
        Value::from(self)
    }
}

/// Feature types: a column of `chrono::NaiveDateTime` takes `NaiveDateTime` values.
#[allow(unused_macros)]
macro_rules! feature_type {
    ($t:ty) => {
        #[diagnostic::do_not_recommend]
        impl Compatible<$t> for $t {}
        #[diagnostic::do_not_recommend]
        impl Compatible<Dyn> for $t {}
        #[diagnostic::do_not_recommend]
        impl Compatible<$t> for Dyn {}
        value_operand!($t => $t);
        impl IntoLiteral for $t {
            type SqlType = $t;
            fn into_value(self) -> Value {
                Value::from(self)
            }
        }
    };
}

#[cfg(feature = "chrono")]
mod chrono_types {
    use super::*;
    feature_type!(chrono::NaiveDate);
    feature_type!(chrono::NaiveTime);
    feature_type!(chrono::NaiveDateTime);
    feature_type!(chrono::DateTime<chrono::Utc>);
}
#[cfg(feature = "time")]
mod time_types {
    use super::*;
    feature_type!(time::Date);
    feature_type!(time::Time);
    feature_type!(time::PrimitiveDateTime);
    feature_type!(time::OffsetDateTime);
}
#[cfg(feature = "uuid")]
mod uuid_types {
    use super::*;
    feature_type!(uuid::Uuid);
}
#[cfg(feature = "rust_decimal")]
mod decimal_types {
    use super::*;
    feature_type!(rust_decimal::Decimal);
}
#[cfg(feature = "serde_json")]
mod json_types {
    use super::*;
    feature_type!(serde_json::Value);
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> AsExpr<T> for Expr<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_operand(self) -> Node {
        self.node
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> AsExpr<T> for &Expr<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_operand(self) -> Node {
        self.node.clone()
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> AsExpr<T> for Column<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_operand(self) -> Node {
        self.into_node()
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> AsExpr<T> for &Column<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_operand(self) -> Node {
        self.into_node()
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> AsExpr<T> for Labeled<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_operand(self) -> Node {
        self.node
    }
}

/// What `in_` / `not_in` accept: a list of values (an expanding parameter) or a
/// one-column subquery.
///
/// ```
/// use aludel_core::prelude::*;
/// let e = literal(3i64);
/// let _ = e.clone().in_([1, 2, 3]);
/// let _ = e.clone().in_(vec![1i64, 2]);
/// let ids = vec![4i64, 5];
/// let _ = e.in_(&ids);
/// let _ = e.in_(&ids[..1]);
/// let _ = e.in_(&[6i64, 7]);
/// let _ = e.in_((1..4).collect::<Vec<i64>>()); // from an iterator
/// let _ = e.in_(&select(literal(1i64)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the right side of IN for an expression of type `{T}`",
    label = "expected a list of `{T}` values or a one-column `Select` or `Compound` of `{T}`"
)]
pub trait InOperand<T: SqlType> {
    /// The element type (its nullability flows into the result).
    type SqlType: SqlType;
    #[doc(hidden)]
    fn into_in(self) -> InRhs;
}

#[doc(hidden)]
pub enum InRhs {
    List(Value),
    Select(Box<crate::stmt::SelectCore>),
    Compound(std::sync::Arc<crate::stmt::CompoundCore>),
}

impl<T: SqlType, V: BindValue<T>, const K: usize> InOperand<T> for [V; K] {
    type SqlType = V::SqlType;
    fn into_in(self) -> InRhs {
        InRhs::List(Value::List(
            self.into_iter().map(BindValue::into_bind_value).collect(),
        ))
    }
}

impl<T: SqlType, V: BindValue<T>> InOperand<T> for Vec<V> {
    type SqlType = V::SqlType;
    fn into_in(self) -> InRhs {
        InRhs::List(Value::List(
            self.into_iter().map(BindValue::into_bind_value).collect(),
        ))
    }
}

impl<T: SqlType, V: BindValue<T> + Clone> InOperand<T> for &[V] {
    type SqlType = V::SqlType;
    fn into_in(self) -> InRhs {
        InRhs::List(Value::List(
            self.iter()
                .cloned()
                .map(BindValue::into_bind_value)
                .collect(),
        ))
    }
}

impl<T: SqlType, V: BindValue<T> + Clone> InOperand<T> for &Vec<V> {
    type SqlType = V::SqlType;
    fn into_in(self) -> InRhs {
        self.as_slice().into_in()
    }
}

impl<T: SqlType, V: BindValue<T> + Clone, const K: usize> InOperand<T> for &[V; K] {
    type SqlType = V::SqlType;
    fn into_in(self) -> InRhs {
        self.as_slice().into_in()
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> InOperand<T> for &Select<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_in(self) -> InRhs {
        InRhs::Select(Box::new(self.core.clone()))
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> InOperand<T> for Select<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_in(self) -> InRhs {
        InRhs::Select(Box::new(self.core))
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> InOperand<T> for &crate::stmt::Compound<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_in(self) -> InRhs {
        InRhs::Compound(self.core.clone())
    }
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, U: SqlType> InOperand<T> for crate::stmt::Compound<U>
where
    U::NotNull: Compatible<T::NotNull>,
{
    type SqlType = U;
    fn into_in(self) -> InRhs {
        InRhs::Compound(self.core)
    }
}

/// Whether a node is a bare NULL bind (`col.eq(None)` becomes `col IS NULL`).
pub(crate) fn is_null_bind(n: &Node) -> bool {
    matches!(&n.0, N::Bind(b) if b.value.is_null()) || matches!(n.0, N::Null)
}
