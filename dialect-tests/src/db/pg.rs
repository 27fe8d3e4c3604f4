//! PostgreSQL through tokio-postgres: binary encoding of aludel values for whatever type
//! the server inferred for each parameter, and decoding of results into [`Cell`]s.

use std::error::Error;
use std::sync::OnceLock;

use aludel::Value;
use aludel::postgres::{PgValue, decode};
use tokio_postgres::NoTls;
use tokio_postgres::types::{FromSql, ToSql, Type};

use super::{Cell, Kind, Outcome, announce, backend_url, fixture_statements, is_stale, run_name};

type BoxError = Box<dyn Error + Sync + Send>;

/// A result cell decoded from PostgreSQL's binary format (through the engine's decoder).
struct PgCell(Cell);

fn cell_of(v: Value) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Int(i64::from(b)),
        Value::I16(x) => Cell::Int(i64::from(x)),
        Value::I32(x) => Cell::Int(i64::from(x)),
        Value::I64(x) => Cell::Int(x),
        Value::F32(x) => Cell::float(f64::from(x)),
        Value::F64(x) => Cell::float(x),
        Value::Decimal(d) => Cell::number(d.as_str()),
        Value::Text(s) => Cell::Text(s),
        Value::Bytes(b) => Cell::bytes(&b),
        Value::Json(j) => Cell::Text(j.as_str().to_owned()),
        Value::List(items) => Cell::Text(format!("<array of {}>", items.len())),
        Value::TimestampTz(t) => Cell::Text(t.utc().to_string()),
        other => Cell::Text(other.to_string()),
    }
}

impl<'a> FromSql<'a> for PgCell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<PgCell, BoxError> {
        decode(ty, raw).map(|v| PgCell(cell_of(v)))
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
            let out = run_on(&client, sql, params, kind).await?;
            client.batch_execute("ROLLBACK").await.map_err(pg_error)?;
            Ok(out)
        })
    }

    /// Runs `steps` in order in one transaction (rolled back), each under a savepoint
    /// so that a rejected step does not abort the rest: each step's outcome or error.
    pub(crate) fn script(&self, steps: &[super::ScriptStep]) -> Vec<Result<Outcome, String>> {
        runtime().block_on(async {
            let client = match connect(&self.url).await {
                Ok(c) => c,
                Err(e) => return vec![Err(e)],
            };
            let setup = format!("SET search_path TO {}; BEGIN", self.schema);
            if let Err(e) = client.batch_execute(&setup).await {
                return vec![Err(pg_error(e))];
            }
            let mut out = Vec::new();
            for (sql, params, kind) in steps {
                let _ = client.batch_execute("SAVEPOINT step").await;
                let r = run_on(&client, sql, params, *kind).await;
                let end = if r.is_ok() {
                    "RELEASE SAVEPOINT step"
                } else {
                    "ROLLBACK TO SAVEPOINT step"
                };
                let _ = client.batch_execute(end).await;
                out.push(r);
            }
            let _ = client.batch_execute("ROLLBACK").await;
            out
        })
    }
}

async fn run_on(
    client: &tokio_postgres::Client,
    sql: &str,
    params: &[Value],
    kind: Kind,
) -> Result<Outcome, String> {
    let wrapped: Vec<PgValue<'_>> = params.iter().map(PgValue).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = wrapped.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
    Ok(match kind {
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
    })
}
