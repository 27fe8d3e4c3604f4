//! MySQL / MariaDB through mysql_async: binary protocol with server-side prepared
//! statements (mysql_async's statement cache), values converted by column type, errors
//! classified by vendor code. A future dropped mid-operation may leave the protocol
//! stream in an unknown state, so the connection is then replaced (the server rolls back
//! whatever the old session had open).

use std::borrow::Cow;
use std::sync::Arc;

use aludel_core::value::{Date, Decimal, Json, Time, Timestamp};
use aludel_core::{Dialect, Value};
use mysql_async::consts::ColumnType;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder};

use super::Driver;
use crate::IsolationLevel;
use crate::error::{DbContext, Error, IntegrityKind, Result};
use crate::result::ResultSet;
use crate::tx::TxSql;

/// An aludel value as a mysql_async parameter (dates and times in MySQL's own form,
/// booleans as integers, UUIDs and JSON as text, a TIMESTAMP WITH TIME ZONE in UTC).
///
/// ```
/// use aludel_engine::mysql::to_mysql;
/// assert_eq!(to_mysql(&aludel_core::Value::I32(7)).unwrap(), mysql_async::Value::Int(7));
/// assert!(to_mysql(&aludel_core::Value::List(vec![])).is_err());
/// ```
pub fn to_mysql(v: &Value) -> Result<mysql_async::Value, String> {
    use mysql_async::Value as M;
    Ok(match v {
        Value::Null => M::NULL,
        Value::Bool(b) => M::Int(i64::from(*b)),
        Value::I16(x) => M::Int(i64::from(*x)),
        Value::I32(x) => M::Int(i64::from(*x)),
        Value::I64(x) => M::Int(*x),
        Value::F32(x) => M::Float(*x),
        Value::F64(x) => M::Double(*x),
        Value::Decimal(d) => M::Bytes(d.as_str().as_bytes().to_vec()),
        Value::Text(s) => M::Bytes(s.as_bytes().to_vec()),
        Value::Bytes(b) => M::Bytes(b.clone()),
        Value::Date(d) => M::Date(d.year() as u16, d.month(), d.day(), 0, 0, 0, 0),
        Value::Time(t) => M::Time(
            false,
            0,
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond() / 1000,
        ),
        Value::Timestamp(_) | Value::TimestampTz(_) => {
            let ts = match v {
                Value::TimestampTz(t) => t.utc(),
                Value::Timestamp(t) => *t,
                _ => unreachable!(),
            };
            let (d, t) = (ts.date(), ts.time());
            M::Date(
                d.year() as u16,
                d.month(),
                d.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.nanosecond() / 1000,
            )
        }
        Value::Uuid(u) => M::Bytes(u.to_string().into_bytes()),
        Value::Json(j) => M::Bytes(j.as_str().as_bytes().to_vec()),
        Value::List(_) => {
            return Err("a list cannot be a MySQL parameter (it should have been expanded)".into());
        }
    })
}

/// A result value as an aludel value, by the column's type.
fn from_mysql(v: mysql_async::Value, col: &mysql_async::Column) -> Result<Value, String> {
    use mysql_async::Value as M;
    let ty = col.column_type();
    Ok(match v {
        M::NULL => Value::Null,
        M::Int(i) => Value::I64(i),
        M::UInt(u) => match i64::try_from(u) {
            Ok(i) => Value::I64(i),
            Err(_) => Value::Decimal(u.to_string().parse().map_err(|e| format!("{e}"))?),
        },
        M::Float(f) => Value::F32(f),
        M::Double(d) => Value::F64(d),
        M::Bytes(b) => match ty {
            ColumnType::MYSQL_TYPE_NEWDECIMAL | ColumnType::MYSQL_TYPE_DECIMAL => {
                let text = String::from_utf8(b).map_err(|e| e.to_string())?;
                Value::Decimal(text.parse::<Decimal>().map_err(|e| e.to_string())?)
            }
            ColumnType::MYSQL_TYPE_JSON => Value::Json(Json::from_text(
                String::from_utf8(b).map_err(|e| e.to_string())?,
            )),
            // charset 63 is `binary`: BLOB / BINARY / VARBINARY.
            _ if col.character_set() == 63 => Value::Bytes(b),
            _ => match String::from_utf8(b) {
                Ok(s) => Value::Text(s),
                Err(e) => Value::Bytes(e.into_bytes()),
            },
        },
        M::Date(y, mo, d, h, mi, s, us) => {
            let date = Date::new(i32::from(y), mo, d).map_err(|e| e.to_string())?;
            if ty == ColumnType::MYSQL_TYPE_DATE {
                Value::Date(date)
            } else {
                let time = Time::new(h, mi, s, us * 1000).map_err(|e| e.to_string())?;
                Value::Timestamp(Timestamp::new(date, time))
            }
        }
        M::Time(neg, days, h, mi, s, us) => {
            if neg || days > 0 {
                return Err(format!(
                    "the TIME value {}{}:{mi:02}:{s:02} is not a time of day",
                    if neg { "-" } else { "" },
                    days * 24 + u32::from(h)
                ));
            }
            Value::Time(Time::new(h, mi, s, us * 1000).map_err(|e| e.to_string())?)
        }
    })
}

/// The quoted name in a message like `... for key 't_name_unique'` or `CONSTRAINT `x``.
fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let rest = rest.trim_start();
    let q = rest.chars().next().filter(|c| *c == '\'' || *c == '`')?;
    let body = &rest[1..];
    let end = body.find(q)?;
    let name = &body[..end];
    // MySQL 8 qualifies unique keys with the table: `t.t_name_unique`.
    Some(name.rsplit('.').next().unwrap_or(name).to_owned())
}

/// Classifies a mysql_async error by vendor code (DESIGN.md, Errors).
pub(crate) fn classify(e: mysql_async::Error, sql: Option<&str>) -> Error {
    let sql = sql.map(str::to_owned);
    let (code, message, disconnect) = match &e {
        mysql_async::Error::Server(s) => (Some(s.code), s.message.clone(), false),
        mysql_async::Error::Io(_) => (None, e.to_string(), true),
        mysql_async::Error::Driver(d) => (
            None,
            e.to_string(),
            matches!(
                d,
                mysql_async::DriverError::ConnectionClosed
                    | mysql_async::DriverError::PacketOutOfOrder
                    | mysql_async::DriverError::UnexpectedPacket { .. }
            ),
        ),
        _ => (None, e.to_string(), false),
    };
    let context = DbContext::new(sql, code.map(|c| c.to_string()), message.clone());
    let source: crate::error::DriverError = Box::new(e);
    if disconnect {
        return Error::Disconnect { context, source };
    }
    let integrity = |kind, constraint| Error::Integrity {
        kind,
        constraint,
        context: context.clone(),
        source: "".into(),
    };
    let found = match code {
        // ER_DUP_ENTRY
        Some(1062) => Some(integrity(
            IntegrityKind::Unique,
            quoted_after(&message, "for key"),
        )),
        // ER_ROW_IS_REFERENCED(_2), ER_NO_REFERENCED_ROW(_2)
        Some(1451 | 1452 | 1216 | 1217) => Some(integrity(
            IntegrityKind::ForeignKey,
            quoted_after(&message, "CONSTRAINT"),
        )),
        // ER_BAD_NULL_ERROR, ER_NO_DEFAULT_FOR_FIELD
        Some(1048 | 1364) => Some(integrity(
            IntegrityKind::NotNull,
            quoted_after(&message, "Column").or_else(|| quoted_after(&message, "Field")),
        )),
        // MySQL's ER_CHECK_CONSTRAINT_VIOLATED, MariaDB's ER_CONSTRAINT_FAILED
        Some(3819) => Some(integrity(
            IntegrityKind::Check,
            quoted_after(&message, "constraint"),
        )),
        Some(4025) => Some(integrity(
            IntegrityKind::Check,
            quoted_after(&message, "CONSTRAINT"),
        )),
        _ => None,
    };
    if let Some(Error::Integrity {
        kind,
        constraint,
        context,
        ..
    }) = found
    {
        return Error::Integrity {
            kind,
            constraint,
            context,
            source,
        };
    }
    match code {
        Some(1213) => Error::Deadlock { context, source },
        // ER_LOCK_WAIT_TIMEOUT, max_execution_time, MariaDB max_statement_time
        Some(1205 | 3024 | 1969) => Error::Timeout { context, source },
        // MariaDB's "record has changed since last read" (snapshot isolation)
        Some(1020) => Error::SerializationFailure { context, source },
        // server shutdown, connection killed, gone away, lost
        Some(1053 | 1927 | 2006 | 2013 | 4031) => Error::Disconnect { context, source },
        _ => Error::Database { context, source },
    }
}

/// Result column names by SQL, kept while the server reports the same names (building
/// them for every execution would cost more than a point select's own decoding).
#[derive(Default)]
struct Names(hashbrown::HashMap<String, Arc<[String]>>);

/// Column-name sets kept per connection before the map is cleared.
const MAX_NAME_SETS: usize = 256;

impl Names {
    fn of(&mut self, sql: &str, cols: &[mysql_async::Column]) -> Arc<[String]> {
        if let Some(names) = self.0.get(sql)
            && names.len() == cols.len()
            && names
                .iter()
                .zip(cols)
                .all(|(n, c)| n.as_bytes() == c.name_ref())
        {
            return names.clone();
        }
        let names: Arc<[String]> = cols.iter().map(|c| c.name_str().into_owned()).collect();
        if self.0.len() >= MAX_NAME_SETS {
            self.0.clear();
        }
        self.0.insert(sql.to_owned(), names.clone());
        names
    }
}

/// A MySQL / MariaDB connection.
pub(crate) struct MyConn {
    conn: Option<Conn>,
    opts: Opts,
    dialect: Dialect,
    /// The session setup to repeat after a reconnect (the isolation level).
    isolation: Option<String>,
    /// An I/O was started and not finished: its future was dropped mid-flight, and the
    /// protocol state is unknown.
    busy: bool,
    broken: bool,
    names: Names,
}

impl std::fmt::Debug for MyConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MyConn")
            .field("dialect", &self.dialect)
            .field("broken", &self.broken)
            .finish()
    }
}

fn version_of(text: &str) -> (u16, u16, u16) {
    let mut parts = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<u16>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

impl MyConn {
    /// Connects (rows affected = rows matched, as on PostgreSQL and SQLite), and reads
    /// the server's version and flavour.
    pub(crate) async fn connect(url: &str) -> Result<(MyConn, Dialect)> {
        let base =
            Opts::from_url(url).map_err(|e| Error::config(format!("MySQL URL {url:?}: {e}")))?;
        let opts: Opts = OptsBuilder::from_opts(base)
            .client_found_rows(true)
            .stmt_cache_size(256)
            .into();
        let mut conn = Conn::new(opts.clone())
            .await
            .map_err(|e| classify(e, None))?;
        let version: Option<String> = conn
            .query_first("SELECT VERSION()")
            .await
            .map_err(|e| classify(e, Some("SELECT VERSION()")))?;
        let version = version.unwrap_or_default();
        let (a, b, c) = version_of(&version);
        let dialect = if version.to_ascii_lowercase().contains("mariadb") {
            Dialect::mariadb()
        } else {
            Dialect::mysql()
        }
        .with_version(a, b, c);
        Ok((
            MyConn {
                conn: Some(conn),
                opts,
                dialect,
                isolation: None,
                busy: false,
                broken: false,
                names: Names::default(),
            },
            dialect,
        ))
    }

    /// Whether the connection was lost (or a cancelled operation left it unusable).
    pub(crate) fn is_broken(&self) -> bool {
        self.broken || self.busy || self.conn.is_none()
    }

    /// The live connection. A lost one is never replaced here, behind the state
    /// machine's back (a fresh session would run the rest of a transaction in
    /// autocommit): it is an [`Error::Disconnect`], and only [`MyConn::reconnect`]
    /// (asked for by a reset) opens a new session.
    fn conn(&mut self) -> Result<&mut Conn> {
        if self.is_broken() {
            let why = if self.busy {
                "the MySQL connection was left mid-operation by a cancelled future and cannot be used again"
            } else {
                "the MySQL connection was lost"
            };
            return Err(Error::Disconnect {
                context: DbContext::new(None, None, why),
                source: why.into(),
            });
        }
        self.conn
            .as_mut()
            .ok_or_else(|| Error::invalid("the MySQL connection is closed"))
    }

    /// Replaces a lost (or cancelled mid-operation) connection with a new session:
    /// closing the old socket ends its server session, which rolls back.
    async fn reconnect(&mut self) -> Result<()> {
        if let Some(old) = self.conn.take() {
            drop(old);
        }
        self.busy = false;
        self.broken = false;
        let mut conn = Conn::new(self.opts.clone()).await.map_err(|e| {
            self.broken = true;
            classify(e, None)
        })?;
        if let Some(sql) = &self.isolation {
            conn.query_drop(sql.as_str())
                .await
                .map_err(|e| classify(e, Some(sql)))?;
        }
        self.conn = Some(conn);
        Ok(())
    }

    fn note(&mut self, e: Error) -> Error {
        if e.is_disconnect() {
            self.broken = true;
        }
        e
    }

    /// Runs `sql` with the text protocol.
    pub(crate) async fn simple(&mut self, sql: &str) -> Result<()> {
        self.conn()?;
        self.busy = true;
        let r = match self.conn.as_mut() {
            Some(c) => c.query_drop(sql).await,
            None => return Err(Error::invalid("the MySQL connection is closed")),
        };
        self.busy = false;
        r.map_err(|e| {
            let e = classify(e, Some(sql));
            self.note(e)
        })
    }

    /// Whether the session is inside a transaction, asked of the server.
    pub(crate) async fn server_in_transaction(&mut self) -> Result<bool> {
        let sql = if self.dialect.kind() == aludel_core::dialect::DialectKind::MariaDb {
            "SELECT @@in_transaction"
        } else {
            "SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = CONNECTION_ID()"
        };
        self.conn()?;
        self.busy = true;
        let r: std::result::Result<Option<i64>, _> = match self.conn.as_mut() {
            Some(c) => c.query_first(sql).await,
            None => return Err(Error::invalid("the MySQL connection is closed")),
        };
        self.busy = false;
        match r {
            Ok(v) => Ok(v.unwrap_or(0) > 0),
            Err(e) => {
                let e = classify(e, Some(sql));
                Err(self.note(e))
            }
        }
    }

    /// Sets the session's isolation level (kept for reconnects).
    pub(crate) async fn set_isolation(&mut self, level: IsolationLevel) -> Result<()> {
        let var = if self.dialect.kind() == aludel_core::dialect::DialectKind::MariaDb {
            "tx_isolation"
        } else {
            "transaction_isolation"
        };
        let sql = match level {
            IsolationLevel::Default => format!("SET SESSION {var} = @@GLOBAL.{var}"),
            other => format!("SET SESSION TRANSACTION ISOLATION LEVEL {other}"),
        };
        self.simple(&sql).await?;
        self.isolation = (level != IsolationLevel::Default).then_some(sql);
        Ok(())
    }

    async fn exec(
        conn: &mut Conn,
        names: &mut Names,
        sql: &str,
        params: &[Cow<'_, Value>],
    ) -> Result<ResultSet> {
        let p = params_of(sql, params)?;
        let err = |e| classify(e, Some(sql));
        let mut result = conn.exec_iter(sql, p).await.map_err(err)?;
        let cols: Arc<[mysql_async::Column]> = result.columns().unwrap_or_else(|| Arc::from([]));
        if cols.is_empty() {
            let n = result.affected_rows();
            let id = result.last_insert_id();
            result.drop_result().await.map_err(err)?;
            return Ok(ResultSet::new(Arc::from([]), Vec::new(), n).with_insert_id(id));
        }
        let columns = names.of(sql, &cols);
        let mut out = Vec::new();
        while let Some(mut row) = result.next().await.map_err(err)? {
            decode_row(&mut row, &cols, &columns, &mut out)?;
        }
        let mut n = result.affected_rows();
        if n == 0 && is_dml(sql) {
            // MariaDB reports no affected-row count for INSERT / DELETE ... RETURNING:
            // each returned row is a changed row.
            n = (out.len() / cols.len()) as u64;
        }
        Ok(ResultSet::new(columns, out, n))
    }
}

/// An error of a stream's I/O; a lost connection is noted in `broken`.
fn stream_failed(broken: &mut bool, e: mysql_async::Error, sql: &str) -> Error {
    let e = classify(e, Some(sql));
    if e.is_disconnect() {
        *broken = true;
    }
    e
}

/// Positional parameters for mysql_async (an error names a value MySQL cannot take).
fn params_of(sql: &str, params: &[Cow<'_, Value>]) -> Result<mysql_async::Params> {
    let values = params
        .iter()
        .map(|p| to_mysql(p))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|message| Error::Database {
            context: DbContext::new(Some(sql.to_owned()), None, message.clone()),
            source: message.into(),
        })?;
    Ok(if values.is_empty() {
        mysql_async::Params::Empty
    } else {
        mysql_async::Params::Positional(values)
    })
}

/// Appends the values of `row` to `out`; a value that does not decode is an error
/// naming its column.
fn decode_row(
    row: &mut mysql_async::Row,
    cols: &[mysql_async::Column],
    columns: &[String],
    out: &mut Vec<Value>,
) -> Result<()> {
    for (i, col) in cols.iter().enumerate() {
        let v = row.take(i).unwrap_or(mysql_async::Value::NULL);
        out.push(from_mysql(v, col).map_err(|message| Error::Decode {
            column: columns[i].clone(),
            message,
        })?);
    }
    Ok(())
}

/// Whether `sql` is an INSERT / REPLACE / UPDATE / DELETE (by its first word).
fn is_dml(sql: &str) -> bool {
    let word: String = sql
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    ["INSERT", "REPLACE", "UPDATE", "DELETE"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// A MySQL result being read row by row. A stream dropped between rows is fine
/// (mysql_async reads the rest of the result before the connection's next command);
/// a `next()` cancelled while reading leaves the protocol state unknown, so the
/// connection counts as busy (broken) until it is reset.
pub(crate) struct MyStream<'a> {
    result: mysql_async::QueryResult<'a, 'static, mysql_async::BinaryProtocol>,
    cols: Arc<[mysql_async::Column]>,
    columns: Arc<[String]>,
    busy: &'a mut bool,
    broken: &'a mut bool,
}

impl MyStream<'_> {
    /// The next row's values, or `None` at the end (the connection is free again).
    pub(crate) async fn next(&mut self, sql: &str) -> Result<Option<Vec<Value>>> {
        *self.busy = true;
        let row = self.result.next().await;
        *self.busy = false;
        let Some(mut row) = row.map_err(|e| stream_failed(self.broken, e, sql))? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(self.cols.len());
        decode_row(&mut row, &self.cols, &self.columns, &mut out)?;
        Ok(Some(out))
    }

    pub(crate) fn columns(&self) -> &Arc<[String]> {
        &self.columns
    }
}

impl MyConn {
    /// Starts a query whose rows are read as they arrive.
    pub(crate) async fn stream(
        &mut self,
        sql: &str,
        params: &[Cow<'_, Value>],
    ) -> Result<MyStream<'_>> {
        let p = params_of(sql, params)?;
        self.conn()?;
        self.busy = true;
        let MyConn {
            conn,
            busy,
            broken,
            names,
            ..
        } = self;
        let conn = conn
            .as_mut()
            .ok_or_else(|| Error::invalid("the MySQL connection is closed"))?;
        let result = conn.exec_iter(sql, p).await;
        *busy = false;
        let result = result.map_err(|e| stream_failed(broken, e, sql))?;
        let cols: Arc<[mysql_async::Column]> = result.columns().unwrap_or_else(|| Arc::from([]));
        let columns = names.of(sql, &cols);
        Ok(MyStream {
            result,
            cols,
            columns,
            busy,
            broken,
        })
    }
}

impl Driver for MyConn {
    async fn tx(&mut self, sql: &TxSql) -> Result<()> {
        if *sql == TxSql::ResetRollback && self.is_broken() {
            // The old session is closed by the reconnect: the server rolls it back.
            return self.reconnect().await;
        }
        self.simple(&sql.render('`')).await
    }

    async fn run(&mut self, sql: &str, params: &[Cow<'_, Value>]) -> Result<ResultSet> {
        self.conn()?;
        self.busy = true;
        let r = match self.conn.as_mut() {
            Some(conn) => Self::exec(conn, &mut self.names, sql, params).await,
            None => Err(Error::invalid("the MySQL connection is closed")),
        };
        self.busy = false;
        r.map_err(|e| self.note(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_from_messages() {
        assert_eq!(
            quoted_after("Duplicate entry 'a' for key 't.t_name_unique'", "for key").as_deref(),
            Some("t_name_unique")
        );
        assert_eq!(
            quoted_after(
                "Cannot add or update a child row: a foreign key constraint fails (`db`.`c`, CONSTRAINT `fk` FOREIGN KEY ...)",
                "CONSTRAINT"
            )
            .as_deref(),
            Some("fk")
        );
        assert_eq!(
            quoted_after("Column 'name' cannot be null", "Column").as_deref(),
            Some("name")
        );
        assert_eq!(quoted_after("nothing here", "CONSTRAINT"), None);
        assert_eq!(version_of("10.11.19-MariaDB-0+deb12u1"), (10, 11, 19));
    }
}
