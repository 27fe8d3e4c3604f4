//! PostgreSQL through tokio-postgres: binary encoding of aludel values for whatever type
//! the server inferred for each parameter, and decoding of results into [`Cell`]s.

use std::error::Error;
use std::sync::OnceLock;

use aludel::Value;
use aludel::value::{Date, Timestamp};
use bytes::{BufMut, BytesMut};
use tokio_postgres::NoTls;
use tokio_postgres::types::{FromSql, IsNull, Kind as TypeKind, ToSql, Type, to_sql_checked};

use super::{Cell, Kind, Outcome, announce, backend_url, fixture_statements, is_stale, run_name};

type BoxError = Box<dyn Error + Sync + Send>;

/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_DAYS: i64 = 10_957;
const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * 86_400 * 1_000_000;

/// An aludel value as a PostgreSQL parameter of the type the server inferred.
#[derive(Debug)]
pub(crate) struct PgParam<'a>(pub(crate) &'a Value);

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

/// Encodes a decimal string as PostgreSQL's binary NUMERIC.
pub(crate) fn numeric_to_sql(text: &str, out: &mut BytesMut) {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
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

impl ToSql for PgParam<'_> {
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
                match PgParam(item).to_sql(elem, out)? {
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
                    Value::F32(x) => format!("{x}"),
                    Value::F64(x) => format!("{x}"),
                    other => int_of(other).ok_or_else(|| mismatch(v, ty))?.to_string(),
                };
                numeric_to_sql(&text, out);
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

/// A result cell decoded from PostgreSQL's binary format.
struct PgCell(Cell);

impl<'a> FromSql<'a> for PgCell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<PgCell, BoxError> {
        let be8 = |r: &[u8]| -> Result<[u8; 8], BoxError> {
            r.get(..8)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| "short value".into())
        };
        let cell = match *ty {
            Type::BOOL => Cell::Int(i64::from(raw.first() == Some(&1))),
            Type::INT2 => Cell::Int(i64::from(i16::from_be_bytes([raw[0], raw[1]]))),
            Type::INT4 => Cell::Int(i64::from(i32::from_be_bytes([
                raw[0], raw[1], raw[2], raw[3],
            ]))),
            Type::OID => Cell::Int(i64::from(u32::from_be_bytes([
                raw[0], raw[1], raw[2], raw[3],
            ]))),
            Type::INT8 => Cell::Int(i64::from_be_bytes(be8(raw)?)),
            Type::FLOAT4 => Cell::float(f64::from(f32::from_be_bytes([
                raw[0], raw[1], raw[2], raw[3],
            ]))),
            Type::FLOAT8 => Cell::float(f64::from_be_bytes(be8(raw)?)),
            Type::NUMERIC => Cell::number(&numeric_from_sql(raw)?),
            Type::BYTEA => Cell::bytes(raw),
            Type::DATE => {
                let days = i32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
                Cell::Text(
                    Date::from_days_since_epoch(i64::from(days) + PG_EPOCH_DAYS)?.to_string(),
                )
            }
            Type::TIME => {
                let micros = i64::from_be_bytes(be8(raw)?);
                let ts = Timestamp::from_unix_nanos(micros * 1000)?;
                Cell::Text(ts.time().to_string())
            }
            Type::TIMESTAMP | Type::TIMESTAMPTZ => {
                let micros = i64::from_be_bytes(be8(raw)?) + PG_EPOCH_MICROS;
                Cell::Text(Timestamp::from_unix_nanos(micros * 1000)?.to_string())
            }
            Type::UUID => Cell::Text(aludel::value::Uuid::from_bytes(raw.try_into()?).to_string()),
            Type::JSONB => {
                Cell::Text(String::from_utf8_lossy(raw.get(1..).unwrap_or(&[])).into_owned())
            }
            _ => match ty.kind() {
                TypeKind::Array(_) => Cell::Text(format!("<array {ty}>")),
                _ => Cell::Text(String::from_utf8_lossy(raw).into_owned()),
            },
        };
        Ok(PgCell(cell))
    }

    fn from_sql_null(_: &Type) -> Result<PgCell, BoxError> {
        Ok(PgCell(Cell::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// The PostgreSQL server under test, with this process's schema.
pub(crate) struct Pg {
    url: String,
    schema: String,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, conn) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL at {url}: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

fn pg_error(e: tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// The PostgreSQL backend, set up once per process (`None` when not configured).
pub(crate) fn pg() -> Option<&'static Pg> {
    static PG: OnceLock<Option<Pg>> = OnceLock::new();
    PG.get_or_init(|| {
        let url = backend_url("ALUDEL_TEST_POSTGRES_URL", "postgres")?;
        let schema = run_name().to_owned();
        runtime()
            .block_on(async {
                let client = connect(&url).await?;
                let stale = client
                    .query(
                        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'aludel_dt_%'",
                        &[],
                    )
                    .await
                    .map_err(pg_error)?;
                for row in stale {
                    let name: String = row.get(0);
                    if is_stale(&name) {
                        let _ = client
                            .batch_execute(&format!("DROP SCHEMA {name} CASCADE"))
                            .await;
                    }
                }
                client
                    .batch_execute(&format!(
                        "CREATE SCHEMA {schema}; SET search_path TO {schema}"
                    ))
                    .await
                    .map_err(pg_error)?;
                for stmt in fixture_statements("postgres.sql") {
                    client
                        .batch_execute(&stmt)
                        .await
                        .map_err(|e| format!("fixture failed: {}\n{stmt}", pg_error(e)))?;
                }
                Ok::<_, String>(())
            })
            .unwrap_or_else(|e| panic!("PostgreSQL setup failed: {e}"));
        announce(&format!("postgres: fixtures loaded into schema {schema}"));
        Some(Pg { url, schema })
    })
    .as_ref()
}

impl Pg {
    /// Runs `sql` in a rolled-back transaction; `legacy_strings` turns
    /// `standard_conforming_strings` off first.
    pub(crate) fn run(
        &self,
        sql: &str,
        params: &[Value],
        kind: Kind,
        legacy_strings: bool,
    ) -> Result<Outcome, String> {
        runtime().block_on(async {
            let client = connect(&self.url).await?;
            let mut setup = format!("SET search_path TO {}; BEGIN", self.schema);
            if legacy_strings {
                setup.push_str("; SET LOCAL standard_conforming_strings = off; SET LOCAL escape_string_warning = off");
            }
            client.batch_execute(&setup).await.map_err(pg_error)?;
            let wrapped: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
            let refs: Vec<&(dyn ToSql + Sync)> = wrapped.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            let out = match kind {
                Kind::Query => {
                    let rows = client.query(sql, &refs).await.map_err(pg_error)?;
                    let mut out = Vec::new();
                    for row in rows {
                        let mut cells = Vec::new();
                        for i in 0..row.len() {
                            let c: PgCell = row.try_get(i).map_err(|e| e.to_string())?;
                            cells.push(c.0);
                        }
                        out.push(cells);
                    }
                    Outcome::Rows(out)
                }
                Kind::Execute => Outcome::Affected(client.execute(sql, &refs).await.map_err(pg_error)?),
            };
            client.batch_execute("ROLLBACK").await.map_err(pg_error)?;
            Ok(out)
        })
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
            numeric_to_sql(s, &mut buf);
            let back = numeric_from_sql(&buf).unwrap();
            let norm = |x: &str| x.parse::<f64>().unwrap();
            assert_eq!(norm(&back), norm(s), "{s} -> {back}");
            assert_eq!(
                back.split('.').nth(1).map(str::len),
                s.split('.').nth(1).map(str::len),
                "{s} -> {back}"
            );
        }
    }
}
