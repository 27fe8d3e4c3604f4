//! Decoding result values into Rust types: [`FromValue`] for one value, [`FromRow`] for
//! a row (tuples, and structs with `#[derive(FromRow)]`).

use std::str::FromStr;

use aludel_core::Value;
use aludel_core::value::{Date, Decimal, Json, Time, Timestamp, TimestampTz, Uuid};

use crate::error::{Error, Result};

/// A Rust type that one result value decodes into.
///
/// Decoding accepts what each database actually returns for the SQL type: SQLite's
/// integers for booleans and its text for dates, MySQL's `DECIMAL` for `SUM()` of an
/// integer column, and so on; a value that does not fit (a NULL into a non-`Option`,
/// an integer out of range, text that is not a date) is an error naming the column.
///
/// ```
/// use aludel_engine::FromValue;
/// use aludel_core::Value;
/// assert_eq!(i32::from_value(Value::I64(7)), Ok(7));
/// assert!(i32::from_value(Value::I64(1 << 40)).is_err());
/// assert_eq!(Option::<String>::from_value(Value::Null), Ok(None));
/// assert!(String::from_value(Value::Null).is_err());
/// ```
#[diagnostic::on_unimplemented(
    message = "a result value cannot be decoded into `{Self}`",
    label = "`{Self}` does not implement `FromValue`",
    note = "decodable types are bool, integers, floats, String, Vec<u8>, aludel's Date/Time/Timestamp/TimestampTz/Uuid/Json/Decimal, Value, and Option<T> of these"
)]
pub trait FromValue: Sized {
    /// Decodes `value`, or says in plain words why it does not fit.
    ///
    /// ```
    /// use aludel_engine::FromValue;
    /// assert_eq!(bool::from_value(aludel_core::Value::I64(1)), Ok(true));
    /// ```
    fn from_value(value: Value) -> Result<Self, String>;
}

fn found(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_owned(),
        other => format!("a {} value", other.kind_name()),
    }
}

fn expected(what: &str, v: &Value) -> String {
    format!("expected {what}, found {}", found(v))
}

fn int_of(v: &Value) -> Option<i128> {
    match v {
        Value::Bool(b) => Some(i128::from(*b)),
        Value::I16(x) => Some(i128::from(*x)),
        Value::I32(x) => Some(i128::from(*x)),
        Value::I64(x) => Some(i128::from(*x)),
        // SUM / AVG of integers come back as DECIMAL on MySQL and PostgreSQL.
        Value::Decimal(d) => {
            let (int, frac) = d.as_str().split_once('.').unwrap_or((d.as_str(), ""));
            if frac.bytes().all(|b| b == b'0') {
                int.parse().ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

macro_rules! int_from_value {
    ($($t:ty => $name:literal),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<Self, String> {
                // The common case first (every driver's BIGINT, SQLite's INTEGER).
                if let Value::I64(i) = value {
                    return <$t>::try_from(i)
                        .map_err(|_| format!("{i} is out of range for {}", $name));
                }
                match int_of(&value) {
                    Some(i) => <$t>::try_from(i)
                        .map_err(|_| format!("{i} is out of range for {}", $name)),
                    None => Err(expected($name, &value)),
                }
            }
        }
    )*};
}

int_from_value!(i16 => "i16", i32 => "i32", i64 => "i64", u8 => "u8", u16 => "u16", u32 => "u32", u64 => "u64");

impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(b),
            ref v => match int_of(v) {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(expected("a boolean", v)),
            },
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::F64(x) => Ok(x),
            Value::F32(x) => Ok(f64::from(x)),
            Value::I16(x) => Ok(f64::from(x)),
            Value::I32(x) => Ok(f64::from(x)),
            Value::I64(x) => Ok(x as f64),
            Value::Decimal(ref d) => d
                .as_str()
                .parse()
                .map_err(|_| format!("{d} is not a number")),
            ref v => Err(expected("f64", v)),
        }
    }
}

impl FromValue for f32 {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::F32(x) => Ok(x),
            other => f64::from_value(other).map(|x| x as f32),
        }
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s),
            Value::Json(j) => Ok(j.as_str().to_owned()),
            ref v => Err(expected("text", v)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Bytes(b) => Ok(b),
            ref v => Err(expected("bytes", v)),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self, String> {
        Ok(value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

fn parse<T: FromStr>(text: &str, what: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| format!("{text:?} is not a {what}: {e}"))
}

macro_rules! parsed_from_value {
    ($($t:ident => $what:literal),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<Self, String> {
                match value {
                    Value::$t(x) => Ok(x),
                    // SQLite stores dates, times, UUIDs and decimals as text.
                    Value::Text(ref s) => parse(s, $what),
                    ref v => Err(expected($what, v)),
                }
            }
        }
    )*};
}

parsed_from_value!(Date => "date", Time => "time");

impl FromValue for TimestampTz {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::TimestampTz(x) => Ok(x),
            // MySQL and MariaDB store a TimestampTz as its UTC time in a DATETIME column.
            Value::Timestamp(t) => Ok(TimestampTz::from_utc(t)),
            Value::Text(ref s) => parse(s, "timestamp with time zone"),
            ref v => Err(expected("timestamp with time zone", v)),
        }
    }
}

impl FromValue for Timestamp {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Timestamp(x) => Ok(x),
            Value::Text(ref s) => parse(s, "timestamp"),
            ref v => Err(expected("timestamp", v)),
        }
    }
}

impl FromValue for Uuid {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Uuid(x) => Ok(x),
            Value::Text(ref s) => parse(s, "UUID"),
            Value::Bytes(ref b) => <[u8; 16]>::try_from(&b[..])
                .map(Uuid::from_bytes)
                .map_err(|_| format!("{} bytes are not a UUID", b.len())),
            ref v => Err(expected("a UUID", v)),
        }
    }
}

impl FromValue for Json {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Json(x) => Ok(x),
            Value::Text(s) => Ok(Json::from_text(s)),
            ref v => Err(expected("JSON", v)),
        }
    }
}

impl FromValue for Decimal {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Decimal(x) => Ok(x),
            Value::Text(ref s) => parse(s, "decimal"),
            Value::I16(x) => Ok(parse(&x.to_string(), "decimal")?),
            Value::I32(x) => Ok(parse(&x.to_string(), "decimal")?),
            Value::I64(x) => Ok(parse(&x.to_string(), "decimal")?),
            // SQLite keeps NUMERIC as REAL when it is not integral.
            Value::F64(x) if x.is_finite() => parse(&x.to_string(), "decimal"),
            ref v => Err(expected("a decimal", v)),
        }
    }
}

fn column_name(names: &[String], index: usize) -> String {
    match names.get(index) {
        Some(n) if !n.is_empty() => n.clone(),
        _ => format!("#{index}"),
    }
}

/// A decoded value, or the decode error naming column `index`.
#[inline]
fn decoded<T>(names: &[String], index: usize, r: Result<T, String>) -> Result<T> {
    r.map_err(|message| Error::Decode {
        column: column_name(names, index),
        message,
    })
}

/// Decodes the next value of a row-major buffer as column `index`.
#[inline]
fn next_value<T: FromValue>(
    names: &[String],
    index: usize,
    values: &mut impl Iterator<Item = Value>,
) -> Result<T> {
    match values.next() {
        Some(v) => decoded(names, index, T::from_value(v)),
        None => Err(Error::Decode {
            column: column_name(names, index),
            message: "the result ended in the middle of a row".to_owned(),
        }),
    }
}

/// The values of one result row, taken out one by one while decoding.
///
/// ```
/// use aludel_engine::{FromRow, RowValues};
/// use aludel_core::Value;
/// let names = ["id".to_owned(), "name".to_owned()];
/// let mut values = [Value::I64(1), Value::from("ed")];
/// let mut row = RowValues::new(&names, &mut values);
/// assert_eq!(<(i64, String)>::from_row(&mut row).unwrap(), (1, "ed".to_owned()));
/// ```
#[derive(Debug)]
pub struct RowValues<'r> {
    names: &'r [String],
    values: &'r mut [Value],
}

impl<'r> RowValues<'r> {
    /// A row over column names and their values (the same length).
    ///
    /// ```
    /// use aludel_engine::RowValues;
    /// let names = ["a".to_owned()];
    /// let mut values = [aludel_core::Value::Null];
    /// assert_eq!(RowValues::new(&names, &mut values).len(), 1);
    /// ```
    pub fn new(names: &'r [String], values: &'r mut [Value]) -> Self {
        RowValues { names, values }
    }

    /// The number of columns.
    ///
    /// ```
    /// use aludel_engine::RowValues;
    /// assert!(RowValues::new(&[], &mut []).is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the row has no columns.
    ///
    /// ```
    /// use aludel_engine::RowValues;
    /// assert!(RowValues::new(&[], &mut []).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Decodes the value at `index` (0-based), taking it out of the row.
    ///
    /// ```
    /// use aludel_engine::RowValues;
    /// use aludel_core::Value;
    /// let names = ["n".to_owned()];
    /// let mut values = [Value::Null];
    /// let err = RowValues::new(&names, &mut values).take::<i64>(0).unwrap_err();
    /// assert_eq!(err.to_string(), "cannot decode column n: expected i64, found NULL");
    /// ```
    pub fn take<T: FromValue>(&mut self, index: usize) -> Result<T> {
        let Some(slot) = self.values.get_mut(index) else {
            return Err(Error::Decode {
                column: format!("#{index}"),
                message: format!("the row has only {} columns", self.values.len()),
            });
        };
        decoded(
            self.names,
            index,
            T::from_value(std::mem::replace(slot, Value::Null)),
        )
    }

    /// Decodes the value of the column called `name`, taking it out of the row.
    ///
    /// ```
    /// use aludel_engine::RowValues;
    /// use aludel_core::Value;
    /// let names = ["a".to_owned(), "b".to_owned()];
    /// let mut values = [Value::I64(1), Value::from("x")];
    /// assert_eq!(RowValues::new(&names, &mut values).take_named::<String>("b").unwrap(), "x");
    /// ```
    pub fn take_named<T: FromValue>(&mut self, name: &str) -> Result<T> {
        match self.names.iter().position(|n| n == name) {
            Some(i) => self.take(i),
            None => Err(Error::Decode {
                column: name.to_owned(),
                message: format!(
                    "the result has no such column (it has: {})",
                    self.names.join(", ")
                ),
            }),
        }
    }
}

/// A Rust type that a whole result row decodes into: tuples of [`FromValue`] types
/// (by position; the column count must match) and structs with `#[derive(FromRow)]`
/// (by column name).
///
/// ```
/// use aludel_engine::{FromRow, RowValues};
/// use aludel_core::Value;
/// let names = ["a".to_owned()];
/// let mut values = [Value::I64(1)];
/// let err = <(i64, i64)>::from_row(&mut RowValues::new(&names, &mut values)).unwrap_err();
/// assert!(err.to_string().contains("2 columns"));
/// ```
#[diagnostic::on_unimplemented(
    message = "a result row cannot be decoded into `{Self}`",
    label = "`{Self}` does not implement `FromRow`",
    note = "rows decode into tuples of decodable types, single decodable values, and structs with #[derive(FromRow)]"
)]
pub trait FromRow: Sized {
    /// Decodes a row.
    ///
    /// ```
    /// use aludel_engine::{FromRow, RowValues};
    /// let names = ["x".to_owned()];
    /// let mut values = [aludel_core::Value::from("v")];
    /// assert_eq!(String::from_row(&mut RowValues::new(&names, &mut values)).unwrap(), "v");
    /// ```
    fn from_row(row: &mut RowValues<'_>) -> Result<Self>;

    /// Decodes the next row of a row-major sequence of values of `names.len()` columns,
    /// moving its values out (what [`ResultSet::all`](crate::ResultSet::all) and the
    /// row streams use: nothing is left behind to drop). `scratch` is a reusable buffer for implementations that need
    /// the row as a slice; the default collects the row into it and calls
    /// [`from_row`](FromRow::from_row).
    ///
    /// ```
    /// use aludel_engine::FromRow;
    /// use aludel_core::Value;
    /// let names = ["a".to_owned(), "b".to_owned()];
    /// let mut values = vec![Value::I64(1), Value::from("x"), Value::I64(2), Value::from("y")].into_iter();
    /// let mut scratch = Vec::new();
    /// let first = <(i64, String)>::from_row_values(&names, &mut values, &mut scratch).unwrap();
    /// assert_eq!(first, (1, "x".to_owned()));
    /// assert_eq!(values.len(), 2);
    /// ```
    fn from_row_values<I: Iterator<Item = Value>>(
        names: &[String],
        values: &mut I,
        scratch: &mut Vec<Value>,
    ) -> Result<Self> {
        scratch.clear();
        scratch.extend(values.by_ref().take(names.len()));
        Self::from_row(&mut RowValues::new(names, scratch))
    }
}

fn check_width(row: &RowValues<'_>, n: usize) -> Result<()> {
    check_names_width(row.names, row.len(), n)
}

fn check_names_width(names: &[String], width: usize, n: usize) -> Result<()> {
    if width == n {
        Ok(())
    } else {
        Err(Error::Decode {
            column: names.join(", "),
            message: format!("the row has {width} columns, the Rust type expects {n} columns"),
        })
    }
}

macro_rules! scalar_row {
    ($($t:ty),*) => {$(
        impl FromRow for $t {
            fn from_row(row: &mut RowValues<'_>) -> Result<Self> {
                check_width(row, 1)?;
                row.take(0)
            }

            fn from_row_values<Iter: Iterator<Item = Value>>(
                names: &[String],
                values: &mut Iter,
                _: &mut Vec<Value>,
            ) -> Result<Self> {
                check_names_width(names, names.len(), 1)?;
                next_value(names, 0, values)
            }
        }
    )*};
}

scalar_row!(
    bool,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    String,
    Vec<u8>,
    Value,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
    Json,
    Decimal
);

impl<T: FromValue> FromRow for Option<T> {
    fn from_row(row: &mut RowValues<'_>) -> Result<Self> {
        check_width(row, 1)?;
        row.take(0)
    }

    fn from_row_values<I: Iterator<Item = Value>>(
        names: &[String],
        values: &mut I,
        _: &mut Vec<Value>,
    ) -> Result<Self> {
        check_names_width(names, names.len(), 1)?;
        next_value(names, 0, values)
    }
}

macro_rules! tuple_row {
    ($n:literal: $($t:ident $i:tt),+) => {
        impl<$($t: FromValue),+> FromRow for ($($t,)+) {
            fn from_row(row: &mut RowValues<'_>) -> Result<Self> {
                check_width(row, $n)?;
                Ok(($(row.take::<$t>($i)?,)+))
            }

            fn from_row_values<Iter: Iterator<Item = Value>>(
                names: &[String],
                values: &mut Iter,
                _: &mut Vec<Value>,
            ) -> Result<Self> {
                check_names_width(names, names.len(), $n)?;
                Ok(($(next_value::<$t>(names, $i, values)?,)+))
            }
        }
    };
}

tuple_row!(1: A 0);
tuple_row!(2: A 0, B 1);
tuple_row!(3: A 0, B 1, C 2);
tuple_row!(4: A 0, B 1, C 2, D 3);
tuple_row!(5: A 0, B 1, C 2, D 3, E 4);
tuple_row!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_row!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_row!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_row!(9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_row!(10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_row!(11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_row!(12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_from_decimals_only_when_integral() {
        assert_eq!(
            i64::from_value(Value::Decimal("15".parse().unwrap())),
            Ok(15)
        );
        assert_eq!(
            i64::from_value(Value::Decimal("15.000".parse().unwrap())),
            Ok(15)
        );
        assert!(i64::from_value(Value::Decimal("15.5".parse().unwrap())).is_err());
        assert!(u8::from_value(Value::I64(-1)).is_err());
    }

    #[test]
    fn booleans_from_integers() {
        assert_eq!(bool::from_value(Value::I64(0)), Ok(false));
        assert!(bool::from_value(Value::I64(2)).is_err());
        assert!(bool::from_value(Value::from("t")).is_err());
    }

    #[test]
    fn dates_from_text() {
        let d = Date::from_value(Value::from("2024-02-29")).unwrap();
        assert_eq!(d.to_string(), "2024-02-29");
        let e = Date::from_value(Value::from("yesterday")).unwrap_err();
        assert!(e.contains("not a date"), "{e}");
    }

    #[test]
    fn null_into_non_option_names_the_column() {
        let names = ["id".to_owned(), "name".to_owned()];
        let mut values = [Value::I64(1), Value::Null];
        let err = <(i64, String)>::from_row(&mut RowValues::new(&names, &mut values)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot decode column name: expected text, found NULL"
        );
    }
}
