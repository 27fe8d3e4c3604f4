//! PostgreSQL through tokio-postgres: binary encoding of aludel values for the type the
//! server inferred for each placeholder, decoding of results into [`Value`]s, error
//! classification by SQLSTATE, and a per-connection prepared-statement cache.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aludel_core::value::{Date, Decimal, Json, Timestamp, TimestampTz, Uuid};
use aludel_core::{Dialect, Value};
use bytes::{BufMut, BytesMut};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, IsNull, Kind as TypeKind, ToSql, Type, to_sql_checked};

use super::Driver;
use crate::error::{DbContext, Error, IntegrityKind, Result};
use crate::result::ResultSet;
use crate::tx::TxSql;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_DAYS: i64 = 10_957;
const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * 86_400 * 1_000_000;

/// An aludel value as a PostgreSQL parameter, encoded in the binary format of whatever
/// type the server inferred for the placeholder (a list as an array, for `= ANY($n)`).
///
/// ```
/// use aludel_engine::postgres::PgValue;
/// use tokio_postgres::types::{ToSql, Type};
/// let v = aludel_core::Value::I64(7);
/// let mut buf = bytes::BytesMut::new();
/// PgValue(&v).to_sql(&Type::INT4, &mut buf).unwrap();
/// assert_eq!(&buf[..], &7i32.to_be_bytes());
/// ```
#[derive(Debug)]
pub struct PgValue<'a>(pub &'a Value);

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::I16(x) => Some(i64::from(*x)),
        Value::I32(x) => Some(i64::from(*x)),
        Value::I64(x) => Some(*x),
        _ => None,
    }
}

fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::F32(x) => Some(f64::from(*x)),
        Value::F64(x) => Some(*x),
        Value::Decimal(d) => d.as_str().parse().ok(),
        other => int_of(other).map(|i| i as f64),
    }
}

fn mismatch(v: &Value, ty: &Type) -> BoxError {
    format!(
        "cannot send a {} value as PostgreSQL type {ty}",
        v.kind_name()
    )
    .into()
}

/// A float for a NUMERIC parameter: its decimal text, or (for NaN, written to `out`
/// directly) an empty string. Infinities have no NUMERIC before PostgreSQL 14 and are
/// refused rather than sent as something else.
fn numeric_float(x: f64, out: &mut BytesMut) -> Result<String, BoxError> {
    if x.is_nan() {
        out.put_i16(0);
        out.put_i16(0);
        out.put_u16(0xC000);
        out.put_u16(0);
        return Ok(String::new());
    }
    if x.is_infinite() {
        return Err(
            format!("{x} cannot be sent as a NUMERIC; bind it to a DOUBLE PRECISION").into(),
        );
    }
    Ok(format!("{x}"))
}

/// Encodes a decimal string (`-?digits[.digits]`) as PostgreSQL's binary NUMERIC.
pub(crate) fn numeric_to_sql(text: &str, out: &mut BytesMut) -> Result<(), BoxError> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("{text:?} is not a decimal number").into());
    }
    let int = int.trim_start_matches('0');
    let dscale = frac.len() as u16;
    let mut groups: Vec<i16> = Vec::new();
    let lead = (4 - int.len() % 4) % 4;
    let padded_int: String = "0".repeat(lead) + int;
    for chunk in padded_int.as_bytes().chunks(4) {
        groups.push(
            std::str::from_utf8(chunk)
                .unwrap_or("0")
                .parse()
                .unwrap_or(0),
        );
    }
    let mut weight = groups.len() as i16 - 1;
    let trail = (4 - frac.len() % 4) % 4;
    let padded_frac: String = frac.to_owned() + &"0".repeat(trail);
    for chunk in padded_frac.as_bytes().chunks(4) {
        groups.push(
            std::str::from_utf8(chunk)
                .unwrap_or("0")
                .parse()
                .unwrap_or(0),
        );
    }
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    out.put_i16(groups.len() as i16);
    out.put_i16(weight);
    out.put_u16(if neg && !groups.is_empty() { 0x4000 } else { 0 });
    out.put_u16(dscale);
    for g in groups {
        out.put_i16(g);
    }
    Ok(())
}

/// Decodes PostgreSQL's binary NUMERIC into decimal text.
pub(crate) fn numeric_from_sql(raw: &[u8]) -> Result<String, BoxError> {
    let rd = |i: usize| -> Result<i16, BoxError> {
        raw.get(i..i + 2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "short NUMERIC".into())
    };
    let ndigits = rd(0)? as usize;
    let weight = rd(2)?;
    let sign = rd(4)? as u16;
    let dscale = rd(6)? as usize;
    if sign == 0xC000 {
        return Ok("NaN".into());
    }
    let digits: Vec<i16> = (0..ndigits)
        .map(|i| rd(8 + 2 * i))
        .collect::<Result<_, _>>()?;
    let digit = |g: i32| -> i16 {
        if g < 0 {
            0
        } else {
            digits.get(g as usize).copied().unwrap_or(0)
        }
    };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for g in 0..=i32::from(weight) {
            if g == 0 {
                out.push_str(&digit(g).to_string());
            } else {
                out.push_str(&format!("{:04}", digit(g)));
            }
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut frac = String::new();
        let mut g = i32::from(weight) + 1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", digit(g)));
            g += 1;
        }
        frac.truncate(dscale);
        out.push_str(&frac);
    }
    Ok(out)
}

impl ToSql for PgValue<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let v = self.0;
        if v.is_null() {
            return Ok(IsNull::Yes);
        }
        if let Value::List(items) = v {
            let TypeKind::Array(elem) = ty.kind() else {
                return Err(mismatch(v, ty));
            };
            out.put_i32(if items.is_empty() { 0 } else { 1 });
            out.put_i32(i32::from(items.iter().any(Value::is_null)));
            out.put_u32(elem.oid());
            if !items.is_empty() {
                out.put_i32(items.len() as i32);
                out.put_i32(1);
            }
            for item in items {
                let len_at = out.len();
                out.put_i32(0);
                match PgValue(item).to_sql(elem, out)? {
                    IsNull::Yes => {
                        out[len_at..len_at + 4].copy_from_slice(&(-1i32).to_be_bytes());
                    }
                    IsNull::No => {
                        let len = (out.len() - len_at - 4) as i32;
                        out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
                    }
                }
            }
            return Ok(IsNull::No);
        }
        match *ty {
            Type::BOOL => match v {
                Value::Bool(b) => out.put_u8(u8::from(*b)),
                _ => return Err(mismatch(v, ty)),
            },
            Type::INT2 => {
                let i = int_of(v).ok_or_else(|| mismatch(v, ty))?;
                out.put_i16(i16::try_from(i).map_err(|_| format!("{i} does not fit SMALLINT"))?);
            }
            Type::INT4 => {
                let i = int_of(v).ok_or_else(|| mismatch(v, ty))?;
                out.put_i32(i32::try_from(i).map_err(|_| format!("{i} does not fit INTEGER"))?);
            }
            Type::INT8 | Type::OID => out.put_i64(int_of(v).ok_or_else(|| mismatch(v, ty))?),
            Type::FLOAT4 => out.put_f32(float_of(v).ok_or_else(|| mismatch(v, ty))? as f32),
            Type::FLOAT8 => out.put_f64(float_of(v).ok_or_else(|| mismatch(v, ty))?),
            Type::NUMERIC => {
                let text = match v {
                    Value::Decimal(d) => d.as_str().to_owned(),
                    Value::F32(x) => numeric_float(f64::from(*x), out)?,
                    Value::F64(x) => numeric_float(*x, out)?,
                    other => int_of(other).ok_or_else(|| mismatch(v, ty))?.to_string(),
                };
                if !text.is_empty() {
                    numeric_to_sql(&text, out)?;
                }
            }
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => match v {
                Value::Text(s) => out.put_slice(s.as_bytes()),
                _ => return Err(mismatch(v, ty)),
            },
            Type::BYTEA => match v {
                Value::Bytes(b) => out.put_slice(b),
                _ => return Err(mismatch(v, ty)),
            },
            Type::DATE => match v {
                Value::Date(d) => out.put_i32((d.days_since_epoch() - PG_EPOCH_DAYS) as i32),
                _ => return Err(mismatch(v, ty)),
            },
            Type::TIME => match v {
                Value::Time(t) => out.put_i64(t.nanos_since_midnight() / 1000),
                _ => return Err(mismatch(v, ty)),
            },
            Type::TIMESTAMP | Type::TIMESTAMPTZ => {
                let ts = match v {
                    Value::Timestamp(t) => *t,
                    Value::TimestampTz(t) => t.utc(),
                    _ => return Err(mismatch(v, ty)),
                };
                let nanos = ts.unix_nanos().ok_or("timestamp out of range")?;
                out.put_i64(nanos.div_euclid(1000) - PG_EPOCH_MICROS);
            }
            Type::UUID => match v {
                Value::Uuid(u) => out.put_slice(u.as_bytes()),
                _ => return Err(mismatch(v, ty)),
            },
            Type::JSON | Type::JSONB => {
                let text = match v {
                    Value::Json(j) => j.as_str(),
                    Value::Text(s) => s.as_str(),
                    _ => return Err(mismatch(v, ty)),
                };
                if *ty == Type::JSONB {
                    out.put_u8(1);
                }
                out.put_slice(text.as_bytes());
            }
            _ => return Err(mismatch(v, ty)),
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn be<const N: usize>(raw: &[u8]) -> std::result::Result<[u8; N], BoxError> {
    raw.get(..N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format!("a {N}-byte value was {} bytes long", raw.len()).into())
}

fn timestamp_of(raw: &[u8]) -> std::result::Result<Timestamp, BoxError> {
    let micros = i64::from_be_bytes(be(raw)?)
        .checked_add(PG_EPOCH_MICROS)
        .ok_or("timestamp out of range")?;
    Ok(Timestamp::from_unix_nanos(
        micros.checked_mul(1000).ok_or("timestamp out of range")?,
    )?)
}

/// Decodes one value of type `ty` from PostgreSQL's binary format (arrays become
/// [`Value::List`]; enums, text; domains, their base type).
///
/// ```
/// use aludel_engine::postgres::decode;
/// use tokio_postgres::types::Type;
/// assert_eq!(decode(&Type::INT4, &7i32.to_be_bytes()).unwrap(), aludel_core::Value::I32(7));
/// ```
pub fn decode(ty: &Type, raw: &[u8]) -> std::result::Result<Value, BoxError> {
    value_from_sql(ty, raw)
}

fn value_from_sql(ty: &Type, raw: &[u8]) -> std::result::Result<Value, BoxError> {
    Ok(match *ty {
        Type::BOOL => Value::Bool(raw.first() == Some(&1)),
        Type::INT2 => Value::I16(i16::from_be_bytes(be(raw)?)),
        Type::INT4 => Value::I32(i32::from_be_bytes(be(raw)?)),
        Type::OID => Value::I64(i64::from(u32::from_be_bytes(be(raw)?))),
        Type::INT8 => Value::I64(i64::from_be_bytes(be(raw)?)),
        Type::FLOAT4 => Value::F32(f32::from_be_bytes(be(raw)?)),
        Type::FLOAT8 => Value::F64(f64::from_be_bytes(be(raw)?)),
        Type::NUMERIC => {
            let text = numeric_from_sql(raw)?;
            match text.parse::<Decimal>() {
                Ok(d) => Value::Decimal(d),
                // NaN and infinities have no exact decimal.
                Err(_) => Value::F64(text.parse().unwrap_or(f64::NAN)),
            }
        }
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            Value::Text(std::str::from_utf8(raw)?.to_owned())
        }
        Type::BYTEA => Value::Bytes(raw.to_vec()),
        Type::DATE => Value::Date(Date::from_days_since_epoch(
            i64::from(i32::from_be_bytes(be(raw)?)) + PG_EPOCH_DAYS,
        )?),
        Type::TIME => {
            let micros = i64::from_be_bytes(be(raw)?);
            Value::Time(Timestamp::from_unix_nanos(micros * 1000)?.time())
        }
        Type::TIMESTAMP => Value::Timestamp(timestamp_of(raw)?),
        Type::TIMESTAMPTZ => Value::TimestampTz(TimestampTz::from_utc(timestamp_of(raw)?)),
        Type::UUID => Value::Uuid(Uuid::from_bytes(be(raw)?)),
        Type::JSON => Value::Json(Json::from_text(std::str::from_utf8(raw)?)),
        Type::JSONB => Value::Json(Json::from_text(std::str::from_utf8(
            raw.get(1..).unwrap_or_default(),
        )?)),
        _ => match ty.kind() {
            TypeKind::Enum(_) => Value::Text(std::str::from_utf8(raw)?.to_owned()),
            TypeKind::Domain(base) => value_from_sql(base, raw)?,
            TypeKind::Array(elem) => array_from_sql(elem, raw)?,
            _ => {
                return Err(format!(
                    "PostgreSQL type {ty} has no aludel value; cast it in SQL (e.g. to TEXT)"
                )
                .into());
            }
        },
    })
}

/// Decodes a one-dimensional array (an empty array is an empty list).
fn array_from_sql(elem: &Type, raw: &[u8]) -> std::result::Result<Value, BoxError> {
    let int = |at: usize| -> std::result::Result<i32, BoxError> {
        Ok(i32::from_be_bytes(be(raw.get(at..).unwrap_or_default())?))
    };
    let dims = int(0)?;
    if dims == 0 {
        return Ok(Value::List(Vec::new()));
    }
    if dims != 1 {
        return Err(format!("{dims}-dimensional arrays have no aludel value").into());
    }
    let len = int(12)?;
    let mut at = 20;
    let mut items = Vec::with_capacity(len.max(0) as usize);
    for _ in 0..len {
        let n = int(at)?;
        at += 4;
        if n < 0 {
            items.push(Value::Null);
        } else {
            let end = at + n as usize;
            let body = raw.get(at..end).ok_or("truncated array")?;
            items.push(value_from_sql(elem, body)?);
            at = end;
        }
    }
    Ok(Value::List(items))
}

/// A result value decoded from PostgreSQL.
struct PgOut(Value);

impl<'a> FromSql<'a> for PgOut {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<PgOut, BoxError> {
        value_from_sql(ty, raw).map(PgOut)
    }

    fn from_sql_null(_: &Type) -> std::result::Result<PgOut, BoxError> {
        Ok(PgOut(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Classifies a tokio-postgres error by SQLSTATE (DESIGN.md, Errors).
pub(crate) fn classify(e: tokio_postgres::Error, sql: Option<&str>) -> Error {
    let sql = sql.map(str::to_owned);
    let db = e.as_db_error();
    let code = e.code().map(|c| c.code().to_owned());
    let message = match db {
        Some(d) => d.message().to_owned(),
        None => e.to_string(),
    };
    let constraint = db.and_then(|d| d.constraint().or(d.column()).map(str::to_owned));
    let context = DbContext::new(sql, code.clone(), message);
    // Lost: the client saw the connection close, or the socket failed. Other errors
    // without a server error (a parameter that cannot be encoded, a wrong parameter
    // count, a value that cannot be decoded) leave the connection as it was.
    let closed =
        e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    let source: crate::error::DriverError = Box::new(e);
    let integrity = |kind| (kind, constraint.clone());
    let state = code.as_deref().unwrap_or("");
    let found = match state {
        "23505" => Some(integrity(IntegrityKind::Unique)),
        "23503" => Some(integrity(IntegrityKind::ForeignKey)),
        "23502" => Some(integrity(IntegrityKind::NotNull)),
        "23514" => Some(integrity(IntegrityKind::Check)),
        _ => None,
    };
    if let Some((kind, constraint)) = found {
        return Error::Integrity {
            kind,
            constraint,
            context,
            source,
        };
    }
    match state {
        s if s == SqlState::T_R_SERIALIZATION_FAILURE.code() => {
            Error::SerializationFailure { context, source }
        }
        s if s == SqlState::T_R_DEADLOCK_DETECTED.code() => Error::Deadlock { context, source },
        // statement_timeout, lock_timeout, NOWAIT
        "57014" | "55P03" => Error::Timeout { context, source },
        // admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now,
        // and the connection-exception class.
        "57P01" | "57P02" | "57P03" => Error::Disconnect { context, source },
        s if s.starts_with("08") => Error::Disconnect { context, source },
        "" if closed => Error::Disconnect { context, source },
        _ => Error::Database { context, source },
    }
}

/// A PostgreSQL connection.
pub(crate) struct PgConn {
    client: tokio_postgres::Client,
    /// Prepared statements by SQL, with their result column names (built once, not per
    /// execution).
    statements: hashbrown::HashMap<String, (tokio_postgres::Statement, Arc<[String]>)>,
    broken: bool,
    /// A server error aborted the open transaction: PostgreSQL answers a COMMIT with a
    /// rollback, which aludel reports instead of a silent success.
    aborted: Arc<AtomicBool>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConn")
            .field("prepared", &self.statements.len())
            .field("broken", &self.broken)
            .finish()
    }
}

/// Prepared statements kept per connection before the cache is cleared.
const MAX_PREPARED: usize = 512;

impl PgConn {
    /// Connects, and reads the server's version.
    pub(crate) async fn connect(url: &str) -> Result<(PgConn, Dialect)> {
        let (client, connection) = tokio_postgres::connect(url, NoTls)
            .await
            .map_err(|e| classify(e, None))?;
        tokio::spawn(async move {
            // Ends when the connection closes; the client then reports it closed.
            let _ = connection.await;
        });
        let rows = client
            .simple_query("SHOW server_version_num")
            .await
            .map_err(|e| classify(e, Some("SHOW server_version_num")))?;
        let num: u32 = rows
            .iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).and_then(|v| v.parse().ok()),
                _ => None,
            })
            .unwrap_or(160_000);
        let dialect =
            Dialect::postgres().with_version((num / 10_000) as u16, (num % 10_000) as u16, 0);
        Ok((
            PgConn {
                client,
                statements: hashbrown::HashMap::new(),
                broken: false,
                aborted: Arc::new(AtomicBool::new(false)),
            },
            dialect,
        ))
    }

    /// Whether the connection is lost.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken || self.client.is_closed()
    }

    /// Classifies a failure of `sql` and notes what it did to the connection: lost,
    /// the transaction aborted (any server error inside a transaction block), or a
    /// prepared statement whose result type changed under it (re-prepared next time).
    fn failed(&mut self, e: tokio_postgres::Error, sql: &str) -> Error {
        if e.as_db_error().is_some() {
            self.aborted.store(true, Ordering::Relaxed);
        }
        if e.code() == Some(&SqlState::FEATURE_NOT_SUPPORTED)
            && e.as_db_error().is_some_and(|d| {
                d.message()
                    .contains("cached plan must not change result type")
            })
        {
            self.statements.remove(sql);
        }
        let e = classify(e, Some(sql));
        if e.is_disconnect() {
            self.broken = true;
        }
        e
    }

    /// Runs `sql` with the simple-query protocol (no parameters).
    pub(crate) async fn simple(&mut self, sql: &str) -> Result<()> {
        let r = self.client.batch_execute(sql).await;
        r.map_err(|e| self.failed(e, sql))
    }

    /// Whether the session is inside a transaction block, asked of the server: a
    /// SAVEPOINT is only accepted inside one.
    pub(crate) async fn server_in_transaction(&mut self) -> Result<bool> {
        match self.client.batch_execute("SAVEPOINT aludel_probe").await {
            Ok(()) => {
                self.simple("RELEASE SAVEPOINT aludel_probe").await?;
                Ok(true)
            }
            // no_active_sql_transaction: outside; in_failed_sql_transaction: inside.
            Err(e) if e.code() == Some(&SqlState::NO_ACTIVE_SQL_TRANSACTION) => Ok(false),
            Err(e) if e.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION) => Ok(true),
            Err(e) => Err(self.failed(e, "SAVEPOINT aludel_probe")),
        }
    }

    async fn statement(&mut self, sql: &str) -> Result<(tokio_postgres::Statement, Arc<[String]>)> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = match self.client.prepare(sql).await {
            Ok(s) => s,
            Err(e) => return Err(self.failed(e, sql)),
        };
        let columns: Arc<[String]> = s.columns().iter().map(|c| c.name().to_owned()).collect();
        if self.statements.len() >= MAX_PREPARED {
            self.statements.clear();
        }
        self.statements
            .insert(sql.to_owned(), (s.clone(), columns.clone()));
        Ok((s, columns))
    }
}

/// A PostgreSQL result being read row by row.
pub(crate) struct PgStream {
    rows: std::pin::Pin<Box<tokio_postgres::RowStream>>,
    columns: Arc<[String]>,
    /// The connection's "transaction aborted" flag (a server error mid-stream aborts it).
    aborted: Arc<AtomicBool>,
}

impl PgStream {
    /// The next row's values, or `None` at the end.
    pub(crate) async fn next(&mut self, sql: &str) -> Result<Option<Vec<Value>>> {
        let next =
            std::future::poll_fn(|cx| futures_core::Stream::poll_next(self.rows.as_mut(), cx))
                .await;
        match next {
            None => Ok(None),
            Some(Err(e)) => {
                if e.as_db_error().is_some() {
                    self.aborted.store(true, Ordering::Relaxed);
                }
                Err(classify(e, Some(sql)))
            }
            Some(Ok(row)) => {
                let mut out = Vec::with_capacity(self.columns.len());
                for i in 0..self.columns.len() {
                    match row.try_get::<_, PgOut>(i) {
                        Ok(v) => out.push(v.0),
                        Err(e) => {
                            return Err(Error::Decode {
                                column: self.columns[i].clone(),
                                message: std::error::Error::source(&e)
                                    .map_or_else(|| e.to_string(), ToString::to_string),
                            });
                        }
                    }
                }
                Ok(Some(out))
            }
        }
    }

    pub(crate) fn columns(&self) -> &Arc<[String]> {
        &self.columns
    }
}

impl PgConn {
    /// Starts a query whose rows are read as they arrive.
    pub(crate) async fn stream(
        &mut self,
        sql: &str,
        params: &[Cow<'_, Value>],
    ) -> Result<PgStream> {
        let (stmt, columns) = self.statement(sql).await?;
        let values: Vec<PgValue<'_>> = params.iter().map(|p| PgValue(p)).collect();
        let refs = values.iter().map(|v| v as &dyn ToSql);
        match self.client.query_raw(&stmt, refs).await {
            Ok(rows) => Ok(PgStream {
                rows: Box::pin(rows),
                columns,
                aborted: self.aborted.clone(),
            }),
            Err(e) => Err(self.failed(e, sql)),
        }
    }
}

impl Driver for PgConn {
    async fn tx(&mut self, sql: &TxSql) -> Result<()> {
        if *sql == TxSql::Commit && self.aborted.load(Ordering::Relaxed) {
            // PostgreSQL would "commit" an aborted transaction by rolling it back and
            // report success: say so instead.
            self.simple("ROLLBACK").await?;
            self.aborted.store(false, Ordering::Relaxed);
            let message = "the transaction was aborted by an earlier error, so it was rolled back, not committed";
            return Err(Error::Database {
                context: DbContext::new(
                    Some("COMMIT".to_owned()),
                    Some(SqlState::IN_FAILED_SQL_TRANSACTION.code().to_owned()),
                    message,
                ),
                source: message.into(),
            });
        }
        self.simple(&sql.render('"')).await?;
        match sql {
            TxSql::Begin
            | TxSql::Commit
            | TxSql::Rollback
            | TxSql::ResetRollback
            | TxSql::RollbackToSavepoint(_) => self.aborted.store(false, Ordering::Relaxed),
            TxSql::Savepoint(_) | TxSql::ReleaseSavepoint(_) => {}
        }
        Ok(())
    }

    async fn run(&mut self, sql: &str, params: &[Cow<'_, Value>]) -> Result<ResultSet> {
        let (stmt, columns) = self.statement(sql).await?;
        let values: Vec<PgValue<'_>> = params.iter().map(|p| PgValue(p)).collect();
        let refs = values.iter().map(|v| v as &dyn ToSql);
        if stmt.columns().is_empty() {
            let n = match self.client.execute_raw(&stmt, refs).await {
                Ok(n) => n,
                Err(e) => return Err(self.failed(e, sql)),
            };
            return Ok(ResultSet::new(columns, Vec::new(), n));
        }
        let width = columns.len();
        let stream = match self.client.query_raw(&stmt, refs).await {
            Ok(s) => s,
            Err(e) => return Err(self.failed(e, sql)),
        };
        let mut stream = std::pin::pin!(stream);
        let mut out = Vec::new();
        loop {
            let next =
                std::future::poll_fn(|cx| futures_core::Stream::poll_next(stream.as_mut(), cx))
                    .await;
            match next {
                None => break,
                Some(Err(e)) => return Err(self.failed(e, sql)),
                Some(Ok(row)) => {
                    for i in 0..width {
                        match row.try_get::<_, PgOut>(i) {
                            Ok(v) => out.push(v.0),
                            Err(e) => {
                                return Err(Error::Decode {
                                    column: columns[i].clone(),
                                    message: std::error::Error::source(&e)
                                        .map_or_else(|| e.to_string(), ToString::to_string),
                                });
                            }
                        }
                    }
                }
            }
        }
        let affected = stream.rows_affected().unwrap_or(0);
        Ok(ResultSet::new(columns, out, affected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_round_trip() {
        for s in [
            "0",
            "0.00",
            "1",
            "-1",
            "100.50",
            "1234.5678",
            "0.0001",
            "-0.00012",
            "12345678.9",
            "10000",
            "3.14",
        ] {
            let mut buf = BytesMut::new();
            numeric_to_sql(s, &mut buf).unwrap();
            let back = numeric_from_sql(&buf).unwrap();
            assert_eq!(
                back.parse::<f64>().unwrap(),
                s.parse::<f64>().unwrap(),
                "{s} -> {back}"
            );
            assert_eq!(
                back.split('.').nth(1).map(str::len),
                s.split('.').nth(1).map(str::len),
                "{s} -> {back}"
            );
        }
    }

    #[test]
    fn arrays_decode_into_lists() {
        let v = Value::List(vec![Value::I64(1), Value::Null, Value::I64(3)]);
        let mut buf = BytesMut::new();
        PgValue(&v).to_sql(&Type::INT8_ARRAY, &mut buf).unwrap();
        assert_eq!(array_from_sql(&Type::INT8, &buf).unwrap(), v);
    }
}
