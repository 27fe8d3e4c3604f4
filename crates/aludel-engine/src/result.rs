//! Statement results: rows (decoded into tuples, structs or scalars), mappings and the
//! affected-row count.

use std::sync::Arc;

use aludel_core::Value;

use crate::decode::{FromRow, FromValue, RowValues};
use crate::error::{Error, Result};

/// The result of executing a statement: its rows (fetched), or the number of rows it
/// changed.
///
/// ```
/// # use aludel_engine::blocking::Connection;
/// use aludel_core::prelude::*;
/// let mut conn = Connection::open("sqlite::memory:").unwrap();
/// let r = conn.execute(&text("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'")).unwrap();
/// assert_eq!(r.columns(), ["a", "b"]);
/// let rows: Vec<(i64, String)> = r.all().unwrap();
/// assert_eq!(rows, [(1, "x".to_owned()), (2, "y".to_owned())]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    columns: Arc<[String]>,
    /// Row-major values.
    values: Vec<Value>,
    rows_affected: u64,
}

impl ResultSet {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>, rows_affected: u64) -> Self {
        ResultSet {
            columns,
            values,
            rows_affected,
        }
    }

    /// Appends the rows and the affected-row count of another execution of the same
    /// statement (`execute_many`).
    pub(crate) fn append(&mut self, other: ResultSet) {
        if self.columns.is_empty() {
            self.columns = other.columns;
        }
        if self.values.is_empty() {
            self.values = other.values;
        } else {
            self.values.extend(other.values);
        }
        self.rows_affected += other.rows_affected;
    }

    /// The result's column names.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1 AS n")).unwrap();
    /// assert_eq!(r.columns(), ["n"]);
    /// ```
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The number of rows returned.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// assert_eq!(conn.execute(&aludel_core::text("SELECT 1")).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.values
            .len()
            .checked_div(self.columns.len())
            .unwrap_or(0)
    }

    /// Whether no rows were returned.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// assert!(conn.execute(&aludel_core::text("SELECT 1 WHERE 1 = 0")).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of rows the statement inserted, updated or deleted (as the database
    /// reports it; MySQL counts rows *matched*, aludel asks for that).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&aludel_core::text("CREATE TABLE t (x INTEGER)")).unwrap();
    /// let r = conn.execute(&aludel_core::text("INSERT INTO t VALUES (1), (2)")).unwrap();
    /// assert_eq!(r.rows_affected(), 2);
    /// ```
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }

    fn rows(self) -> impl Iterator<Item = (Arc<[String]>, Vec<Value>)> {
        let width = self.columns.len().max(1);
        let columns = self.columns;
        let mut values = self.values.into_iter();
        std::iter::from_fn(move || {
            let row: Vec<Value> = values.by_ref().take(width).collect();
            (!row.is_empty()).then(|| (columns.clone(), row))
        })
    }

    /// Every row, decoded into `T` (a tuple, a `#[derive(FromRow)]` struct or a single
    /// value).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1 UNION ALL SELECT 2")).unwrap();
    /// assert_eq!(r.all::<i64>().unwrap(), [1, 2]);
    /// ```
    pub fn all<T: FromRow>(self) -> Result<Vec<T>> {
        let width = self.columns.len();
        if width == 0 {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(self.values.len() / width);
        let mut values = self.values;
        for chunk in values.chunks_mut(width) {
            out.push(T::from_row(&mut RowValues::new(&self.columns, chunk))?);
        }
        Ok(out)
    }

    /// The first row, if any (the others are discarded).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 'a' UNION ALL SELECT 'b'")).unwrap();
    /// assert_eq!(r.first::<String>().unwrap().as_deref(), Some("a"));
    /// ```
    pub fn first<T: FromRow>(mut self) -> Result<Option<T>> {
        let width = self.columns.len();
        if width == 0 || self.values.len() < width {
            return Ok(None);
        }
        let row = &mut self.values[..width];
        T::from_row(&mut RowValues::new(&self.columns, row)).map(Some)
    }

    /// Exactly one row: [`Error::NoResultFound`] when there is none,
    /// [`Error::MultipleResultsFound`] when there are more.
    ///
    /// ```
    /// # use aludel_engine::{blocking::Connection, Error};
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let none = conn.execute(&aludel_core::text("SELECT 1 WHERE 0")).unwrap();
    /// assert!(matches!(none.one::<i64>(), Err(Error::NoResultFound)));
    /// ```
    pub fn one<T: FromRow>(self) -> Result<T> {
        self.one_or_none()?.ok_or(Error::NoResultFound)
    }

    /// One row or none: [`Error::MultipleResultsFound`] when there are more.
    ///
    /// ```
    /// # use aludel_engine::{blocking::Connection, Error};
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let two = conn.execute(&aludel_core::text("SELECT 1 UNION ALL SELECT 2")).unwrap();
    /// assert!(matches!(two.one_or_none::<i64>(), Err(Error::MultipleResultsFound)));
    /// ```
    pub fn one_or_none<T: FromRow>(self) -> Result<Option<T>> {
        if self.len() > 1 {
            return Err(Error::MultipleResultsFound);
        }
        self.first()
    }

    /// The first column of the first row, or `None` when there are no rows (a NULL
    /// decodes as `T` does: use `Option<T>` to accept it).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 42, 'ignored'")).unwrap();
    /// assert_eq!(r.scalar::<i64>().unwrap(), Some(42));
    /// ```
    pub fn scalar<T: FromValue>(mut self) -> Result<Option<T>> {
        let width = self.columns.len();
        if width == 0 || self.values.len() < width {
            return Ok(None);
        }
        let row = &mut self.values[..width];
        RowValues::new(&self.columns, row).take(0).map(Some)
    }

    /// The first column of every row.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1, 'x' UNION ALL SELECT 2, 'y'")).unwrap();
    /// assert_eq!(r.scalars::<i64>().unwrap(), [1, 2]);
    /// ```
    pub fn scalars<T: FromValue>(self) -> Result<Vec<T>> {
        self.rows()
            .map(|(columns, mut row)| RowValues::new(&columns, &mut row).take(0))
            .collect()
    }

    /// Every row as a mapping from column name to value.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// use aludel_core::Value;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1 AS id, 'ed' AS name")).unwrap();
    /// let m = r.mappings();
    /// assert_eq!(m[0].get("name"), Some(&Value::from("ed")));
    /// ```
    pub fn mappings(self) -> Vec<Mapping> {
        self.rows()
            .map(|(columns, values)| Mapping { columns, values })
            .collect()
    }
}

/// One result row as column name -> value, in column order.
///
/// ```
/// # use aludel_engine::blocking::Connection;
/// # let mut conn = Connection::open("sqlite::memory:").unwrap();
/// let m = conn.execute(&aludel_core::text("SELECT 1 AS a, 2 AS b")).unwrap().mappings();
/// let names: Vec<&str> = m[0].iter().map(|(k, _)| k).collect();
/// assert_eq!(names, ["a", "b"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Mapping {
    /// The value of column `name` (the first one, if several have that name).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let m = conn.execute(&aludel_core::text("SELECT NULL AS a")).unwrap().mappings();
    /// assert_eq!(m[0].get("a"), Some(&aludel_core::Value::Null));
    /// assert_eq!(m[0].get("zz"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<&Value> {
        let i = self.columns.iter().position(|c| c == name)?;
        self.values.get(i)
    }

    /// `(name, value)` pairs in column order.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let m = conn.execute(&aludel_core::text("SELECT 1 AS a")).unwrap().mappings();
    /// assert_eq!(m[0].iter().count(), 1);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.columns
            .iter()
            .map(String::as_str)
            .zip(self.values.iter())
    }
}
