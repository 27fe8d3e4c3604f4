//! `create_all` / `drop_all` round trips on every database: a schema of nine tables
//! with composite primary keys, a composite foreign key, a self-reference, a two-table
//! foreign-key cycle, UNIQUE / CHECK constraints, indexes, server defaults, an
//! auto-increment key of each integer width and a generated column. The tables are
//! created, filled (the cycle both ways), checked (constraints enforced, defaults and
//! the generated column read back), dropped with their rows, and the whole done twice.

mod common;

use aludel::prelude::*;
use aludel::schema::{MetaData, table_exists_query};
use aludel::value::{Date, Decimal, Json, Time, TimestampTz, Uuid};
use aludel_engine::{Connection, Error, FromValue, IntegrityKind};
use common::{Db, backends, rt};

#[derive(Table)]
#[aludel(name = "departments")]
struct Departments {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 60, unique)]
    name: String,
    /// With `employees.department_id`, a foreign-key cycle.
    #[aludel(references = employees::id, on_delete = "set null")]
    manager_id: Option<i64>,
}

#[derive(Table)]
#[aludel(name = "employees", index(department_id), check = "salary >= 0")]
struct Employees {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = departments::id)]
    department_id: i64,
    /// A self-reference.
    #[aludel(references = employees::id)]
    boss_id: Option<i64>,
    #[aludel(length = 120, unique)]
    email: String,
    #[aludel(precision = 10, scale = 2)]
    salary: Decimal,
    hired_on: Date,
    #[aludel(server_default = "TRUE")]
    active: bool,
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    created_at: aludel::value::Timestamp,
}

#[derive(Table)]
#[aludel(
    name = "projects",
    unique_index(name = "ux_projects_department_code", department_id, code)
)]
struct Projects {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(length = 20)]
    code: String,
    title: String,
    #[aludel(precision = 12, scale = 2)]
    budget: Option<Decimal>,
    #[aludel(references = departments::id, on_delete = "cascade")]
    department_id: i64,
}

#[derive(Table)]
#[aludel(name = "assignments", primary_key(employee_id, project_id))]
struct Assignments {
    #[aludel(references = employees::id, on_delete = "cascade")]
    employee_id: i64,
    #[aludel(references = projects::id, on_delete = "cascade")]
    project_id: i64,
    #[aludel(length = 30, server_default = "'member'")]
    role: String,
    #[aludel(server_default = "0")]
    hours: i32,
}

#[derive(Table)]
#[aludel(name = "skills")]
struct Skills {
    #[aludel(primary_key)]
    id: i32,
    #[aludel(length = 50, unique)]
    name: String,
}

#[derive(Table)]
#[aludel(
    name = "employee_skills",
    primary_key(employee_id, skill_id),
    check = "level BETWEEN 1 AND 5"
)]
struct EmployeeSkills {
    #[aludel(references = employees::id, on_delete = "cascade")]
    employee_id: i64,
    #[aludel(references = skills::id)]
    skill_id: i32,
    level: i16,
}

#[derive(Table)]
#[aludel(
    name = "timesheets",
    foreign_key(
        name = "fk_timesheets_assignment",
        columns(employee_id, project_id),
        references(assignments::employee_id, assignments::project_id),
        on_delete = "cascade"
    ),
    unique(employee_id, project_id, day)
)]
struct Timesheets {
    #[aludel(primary_key)]
    id: i64,
    employee_id: i64,
    project_id: i64,
    day: Date,
    hours: f64,
    /// A generated column (nullable: MariaDB has no NOT NULL generated columns).
    #[aludel(computed = "hours * 60")]
    #[allow(dead_code)] // read through return_defaults()
    minutes: Option<f64>,
}

#[derive(Table)]
#[aludel(name = "attachments")]
struct Attachments {
    #[aludel(primary_key)]
    id: Uuid,
    #[aludel(references = employees::id, on_delete = "cascade")]
    employee_id: Option<i64>,
    payload: Option<Vec<u8>>,
    meta: Option<Json>,
    uploaded_at: Option<TimestampTz>,
    at_time: Option<Time>,
    ratio: Option<f32>,
    /// The server's current time, in UTC whatever the session's time zone.
    #[aludel(server_default = "CURRENT_TIMESTAMP")]
    received_at: TimestampTz,
}

#[derive(Table)]
#[aludel(name = "audit_log")]
struct AuditLog {
    #[aludel(primary_key)]
    id: i16,
    #[aludel(length = 40, unique, index)]
    event_key: String,
    #[aludel(index)]
    employee_id: Option<i64>,
}

/// Added in an order that is not the dependency order.
fn metadata() -> MetaData {
    MetaData::new()
        .table(timesheets::table)
        .table(audit_log::table)
        .table(employee_skills::table)
        .table(assignments::table)
        .table(attachments::table)
        .table(projects::table)
        .table(skills::table)
        .table(employees::table)
        .table(departments::table)
}

async fn exists(c: &mut Connection, t: &aludel::schema::TableDef) -> bool {
    let q = table_exists_query(&c.dialect(), t);
    let found = !c.execute(&q).await.unwrap().is_empty();
    // Close the catalog query's transaction (MySQL refuses DDL inside one).
    c.commit().await.unwrap();
    found
}

/// The index names of `table` the database reports.
async fn index_names(db: &Db, c: &mut Connection, table: &str) -> Vec<String> {
    let sql = match db.name {
        "postgres" => format!(
            "SELECT indexname::TEXT FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '{table}' ORDER BY 1"
        ),
        "mysql" => format!(
            "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = '{table}' ORDER BY 1"
        ),
        _ => format!(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL ORDER BY 1"
        ),
    };
    let names: Vec<String> = c.execute(&text(sql)).await.unwrap().scalars().unwrap();
    c.commit().await.unwrap();
    names
}

/// Runs `stmt`, which must violate a constraint of `kind`, and rolls back.
async fn expect<S: Statement + Sync>(db: &Db, c: &mut Connection, stmt: &S, kind: IntegrityKind) {
    let sql = stmt.compile(&c.dialect()).unwrap().sql().to_owned();
    match c.execute(stmt).await {
        Err(Error::Integrity { kind: got, .. }) => assert_eq!(got, kind, "{}: {sql}", db.name),
        Err(other) => panic!(
            "{}: {sql}: expected an integrity error, got {other}",
            db.name
        ),
        Ok(_) => panic!(
            "{}: {sql}: expected an integrity error, it succeeded",
            db.name
        ),
    }
    c.rollback().await.unwrap();
}

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Fills every table (the cycle both ways) and checks what the database made of the
/// definitions.
async fn fill_and_check(db: &Db, c: &mut Connection) {
    let name = db.name;
    let dept = c
        .execute(
            &insert(departments::table)
                .values(departments::name.set("R&D"))
                .return_defaults(),
        )
        .await
        .unwrap()
        .inserted_primary_key()
        .unwrap()[0]
        .clone();
    let dept = i64::from_value(dept).unwrap();
    let new_employee = |id: i64, email: &str, boss: Option<i64>| {
        insert(employees::table).values((
            employees::id.set(id),
            employees::department_id.set(dept),
            employees::boss_id.set(boss),
            employees::email.set(email.to_owned()),
            employees::salary.set(dec("5000.50")),
            employees::hired_on.set(date("2024-03-01")),
        ))
    };
    c.execute(&new_employee(1, "boss@x", None)).await.unwrap();
    c.execute(&new_employee(2, "dev@x", Some(1))).await.unwrap();
    // Close the cycle: the department's manager is one of its employees.
    c.execute(
        &update(departments::table)
            .set(departments::manager_id.set(Some(1i64)))
            .where_(departments::id.eq(dept)),
    )
    .await
    .unwrap();
    // Server defaults filled in.
    let (active, created): (bool, aludel::value::Timestamp) = c
        .execute(&select((employees::active, employees::created_at)).where_(employees::id.eq(2)))
        .await
        .unwrap()
        .one()
        .unwrap();
    assert!(active, "{name}: DEFAULT TRUE");
    assert!(created.to_string().as_str() > "2020", "{name}: {created}");
    let project = c
        .execute(
            &insert(projects::table)
                .values((
                    projects::code.set("P1"),
                    projects::title.set("The project"),
                    projects::department_id.set(dept),
                ))
                .return_defaults(),
        )
        .await
        .unwrap()
        .inserted_primary_key()
        .unwrap()[0]
        .clone();
    let project = i64::from_value(project).unwrap();
    c.execute(&insert(assignments::table).values((
        assignments::employee_id.set(2),
        assignments::project_id.set(project),
    )))
    .await
    .unwrap();
    let (role, hours): (String, i32) = c
        .execute(&select((assignments::role, assignments::hours)))
        .await
        .unwrap()
        .one()
        .unwrap();
    assert_eq!((role.as_str(), hours), ("member", 0), "{name}");
    let skill = c
        .execute(
            &insert(skills::table)
                .values(skills::name.set("rust"))
                .return_defaults(),
        )
        .await
        .unwrap()
        .inserted_primary_key()
        .unwrap()[0]
        .clone();
    let skill = i32::from_value(skill).unwrap();
    c.execute(&insert(employee_skills::table).values((
        employee_skills::employee_id.set(2),
        employee_skills::skill_id.set(skill),
        employee_skills::level.set(4i16),
    )))
    .await
    .unwrap();
    // The generated column, computed on INSERT and again on UPDATE, and returned by
    // return_defaults().
    let r = c
        .execute(
            &insert(timesheets::table)
                .values((
                    timesheets::employee_id.set(2),
                    timesheets::project_id.set(project),
                    timesheets::day.set(date("2024-03-04")),
                    timesheets::hours.set(7.5),
                ))
                .return_defaults(),
        )
        .await
        .unwrap();
    let d = r.returned_defaults().unwrap();
    assert_eq!(d.get("minutes"), Some(&Value::F64(450.0)), "{name}: {d:?}");
    let sheet = i64::from_value(d.get("id").unwrap().clone()).unwrap();
    let r = c
        .execute(
            &update(timesheets::table)
                .set(timesheets::hours.set(8.0))
                .where_(timesheets::id.eq(sheet))
                .return_defaults(),
        )
        .await
        .unwrap();
    assert_eq!(
        r.returned_defaults().unwrap().get("minutes"),
        Some(&Value::F64(480.0)),
        "{name}"
    );
    if name == "mysql" {
        // A session far from UTC: the default must still be the UTC time.
        c.execute(&text("SET time_zone = '+05:00'")).await.unwrap();
    }
    let attachment: Uuid = "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap();
    c.execute(
        &insert(attachments::table).values((
            attachments::id.set(attachment),
            attachments::employee_id.set(Some(2i64)),
            attachments::payload.set(Some(vec![0u8, 1, 255])),
            attachments::meta.set(Some(Json::from_text(r#"{"pages": 3}"#))),
            attachments::uploaded_at.set(Some(
                "2024-05-06T07:08:09.123456Z"
                    .parse::<TimestampTz>()
                    .unwrap(),
            )),
            attachments::at_time.set(Some("07:08:09.5".parse::<Time>().unwrap())),
            attachments::ratio.set(Some(0.25f32)),
        )),
    )
    .await
    .unwrap();
    let (payload, at_time, uploaded): (Option<Vec<u8>>, Option<Time>, Option<TimestampTz>) = c
        .execute(&select((
            attachments::payload,
            attachments::at_time,
            attachments::uploaded_at,
        )))
        .await
        .unwrap()
        .one()
        .unwrap();
    assert_eq!(payload, Some(vec![0, 1, 255]), "{name}");
    let received: TimestampTz = c
        .execute(&select(attachments::received_at))
        .await
        .unwrap()
        .one()
        .unwrap();
    // The server-written value reads back to what finds it again (SQLite stores text:
    // the default must write aludel's own form, no trailing zeros in the fraction).
    let found: i64 = c
        .execute(
            &select(func::count_star())
                .select_from(attachments::table)
                .where_(attachments::received_at.eq(received)),
        )
        .await
        .unwrap()
        .one()
        .unwrap();
    assert_eq!(
        found, 1,
        "{name}: received_at {received} does not find its row"
    );
    let utc_now = match name {
        "mysql" => "UTC_TIMESTAMP(6)",
        "postgres" => "CURRENT_TIMESTAMP AT TIME ZONE 'UTC'",
        _ => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
    };
    let server_now: aludel::value::Timestamp = c
        .execute(&text(format!("SELECT {utc_now}")))
        .await
        .unwrap()
        .one()
        .unwrap();
    // Seconds apart, not the hours a session time zone would shift it by.
    let gap = (server_now.unix_nanos().unwrap() - received.utc().unix_nanos().unwrap()).abs();
    assert!(
        gap < 600 * 1_000_000_000,
        "{name}: received_at {received} vs the server's UTC time {server_now}"
    );
    assert_eq!(at_time.unwrap().to_string(), "07:08:09.5", "{name}");
    assert_eq!(
        uploaded.unwrap().to_string(),
        "2024-05-06 07:08:09.123456+00",
        "{name}"
    );
    c.execute(&insert(audit_log::table).values((
        audit_log::event_key.set("hired:2"),
        audit_log::employee_id.set(Some(2i64)),
    )))
    .await
    .unwrap();
    c.commit().await.unwrap();

    // The constraints are enforced.
    expect(
        db,
        c,
        &new_employee(3, "dev@x", None),
        IntegrityKind::Unique,
    )
    .await;
    expect(
        db,
        c,
        &update(employees::table)
            .set(employees::salary.set(dec("-1")))
            .where_(employees::id.eq(2)),
        IntegrityKind::Check,
    )
    .await;
    expect(
        db,
        c,
        &insert(assignments::table).values((
            assignments::employee_id.set(99),
            assignments::project_id.set(project),
        )),
        IntegrityKind::ForeignKey,
    )
    .await;
    expect(
        db,
        c,
        &insert(timesheets::table).values((
            timesheets::employee_id.set(1),
            timesheets::project_id.set(project),
            timesheets::day.set(date("2024-03-05")),
            timesheets::hours.set(1.0),
        )),
        IntegrityKind::ForeignKey,
    )
    .await;
    expect(
        db,
        c,
        &insert(employee_skills::table).values((
            employee_skills::employee_id.set(1),
            employee_skills::skill_id.set(skill),
            employee_skills::level.set(9i16),
        )),
        IntegrityKind::Check,
    )
    .await;
    expect(
        db,
        c,
        &insert(projects::table).values((
            projects::code.set("P1"),
            projects::title.set("again"),
            projects::department_id.set(dept),
        )),
        IntegrityKind::Unique,
    )
    .await;
    expect(
        db,
        c,
        &insert(audit_log::table).values(audit_log::event_key.set("hired:2")),
        IntegrityKind::Unique,
    )
    .await;
    // A generated column cannot be assigned.
    let e = c
        .execute(&update(timesheets::table).set(timesheets::minutes.set(Some(1.0))))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Compile(_)) && e.to_string().contains("computed"),
        "{name}: {e}"
    );
    c.rollback().await.unwrap();
    // ON DELETE SET NULL through the cycle, CASCADE down the composite keys.
    c.execute(&delete(employees::table).where_(employees::id.eq(2)))
        .await
        .unwrap();
    let left: Vec<i64> = c
        .execute(&select(func::count_star()).select_from(timesheets::table))
        .await
        .unwrap()
        .scalars()
        .unwrap();
    assert_eq!(left, [0], "{name}: the timesheet went with its assignment");
    c.rollback().await.unwrap();
}

#[test]
fn create_all_and_drop_all_round_trip() {
    rt().block_on(async {
        for db in backends("ddl_round_trip", 1).await {
            let md = metadata();
            let mut c = db.engine.connect().await.unwrap();
            for round in 0..2 {
                c.create_all(&md).await.unwrap();
                for t in md.tables() {
                    assert!(exists(&mut c, t).await, "{}: {} exists", db.name, t.name());
                }
                let employees_ix = index_names(&db, &mut c, "employees").await;
                assert!(
                    employees_ix
                        .iter()
                        .any(|n| n == "ix_employees_department_id"),
                    "{}: {employees_ix:?}",
                    db.name
                );
                let projects_ix = index_names(&db, &mut c, "projects").await;
                assert!(
                    projects_ix
                        .iter()
                        .any(|n| n == "ux_projects_department_code"),
                    "{}: {projects_ix:?}",
                    db.name
                );
                let audit_ix = index_names(&db, &mut c, "audit_log").await;
                assert!(
                    audit_ix.iter().any(|n| n == "ix_audit_log_event_key")
                        && audit_ix.iter().any(|n| n == "ix_audit_log_employee_id"),
                    "{}: {audit_ix:?}",
                    db.name
                );
                // Again: every table exists, nothing to do.
                c.create_all(&md).await.unwrap();
                fill_and_check(&db, &mut c).await;
                // Dropped with their rows, the cycle's included.
                c.drop_all(&md).await.unwrap();
                for t in md.tables() {
                    assert!(
                        !exists(&mut c, t).await,
                        "{}: {} is gone",
                        db.name,
                        t.name()
                    );
                }
                c.drop_all(&md).await.unwrap();
                assert!(!c.in_transaction(), "{}: round {round}", db.name);
            }
        }
    });
}

#[derive(Table)]
#[aludel(name = "ddl_ok")]
struct DdlOk {
    #[aludel(primary_key)]
    id: i64,
}

#[derive(Table)]
#[aludel(name = "ddl_broken", check = "no_such_column > 0")]
struct DdlBroken {
    #[aludel(primary_key)]
    id: i64,
}

/// PostgreSQL and SQLite create everything or nothing; MySQL / MariaDB commit each
/// statement, so there a failure leaves what was created before it, and a transaction
/// must not be open.
#[test]
fn create_all_is_atomic_where_ddl_is_transactional() {
    rt().block_on(async {
        for db in backends("ddl_atomic", 1).await {
            let md = MetaData::new()
                .table(ddl_ok::table)
                .table(ddl_broken::table);
            let mut c = db.engine.connect().await.unwrap();
            let e = c.create_all(&md).await.unwrap_err();
            assert!(!c.in_transaction(), "{}: {e}", db.name);
            let ok_exists = exists(&mut c, ddl_ok::table.def()).await;
            assert_eq!(ok_exists, db.name == "mysql", "{}: {e}", db.name);
            c.drop_all(&md).await.unwrap();
            assert!(!exists(&mut c, ddl_ok::table.def()).await, "{}", db.name);

            // Inside the caller's transaction: the caller decides.
            let ok = MetaData::new().table(ddl_ok::table);
            c.execute(&select(literal(1i64))).await.unwrap();
            let r = c.create_all(&ok).await;
            if db.name == "mysql" {
                let e = r.unwrap_err();
                assert!(
                    matches!(e, Error::InvalidRequest { .. })
                        && e.to_string().contains("implicitly"),
                    "{e}"
                );
                c.rollback().await.unwrap();
            } else {
                r.unwrap();
                assert!(c.in_transaction(), "{}", db.name);
                c.rollback().await.unwrap();
                assert!(!exists(&mut c, ddl_ok::table.def()).await, "{}", db.name);
            }
        }
    });
}

/// `create_all` cancelled after every number of polls: the connection goes back to the
/// pool outside any transaction, and on PostgreSQL and SQLite the schema is all there
/// or not there at all (on MySQL / MariaDB each table commits on its own).
#[test]
fn create_all_cancelled_at_every_poll() {
    rt().block_on(async {
        for db in backends("ddl_cancel", 1).await {
            let md = metadata();
            for n in 1.. {
                let done = {
                    let mut c = db.engine.connect().await.unwrap();
                    c.drop_all(&md).await.unwrap();
                    common::poll_n(c.create_all(&md), n).await
                };
                let mut c = db.engine.connect().await.unwrap();
                let ctx = format!("{}: create_all cancelled after {n} polls", db.name);
                assert!(!c.in_transaction(), "{ctx}");
                assert!(!c.server_in_transaction().await.unwrap(), "{ctx}");
                let mut present = 0;
                for t in md.tables() {
                    present += usize::from(exists(&mut c, t).await);
                }
                if done {
                    assert_eq!(present, 9, "{ctx}: completed");
                    c.drop_all(&md).await.unwrap();
                    break;
                }
                // Cancelled during COMMIT, the commit may have been done.
                if db.name != "mysql" {
                    assert!(present == 0 || present == 9, "{ctx}: {present} of 9 tables");
                }
                assert!(n < 500, "{ctx}: create_all never completed");
            }
        }
    });
}

/// A transaction handle dropped before `create_all` is rolled back first: the tables
/// are then created in a transaction of their own, and committed.
#[test]
fn create_all_after_a_dropped_transaction_handle_commits() {
    rt().block_on(async {
        for db in backends("ddl_after_drop", 1).await {
            let md = MetaData::new().table(ddl_ok::table);
            {
                let mut c = db.engine.connect().await.unwrap();
                {
                    let _tx = c.begin().await.unwrap();
                }
                c.create_all(&md).await.unwrap();
                assert!(!c.in_transaction(), "{}", db.name);
            }
            let mut c = db.engine.connect().await.unwrap();
            assert!(exists(&mut c, ddl_ok::table.def()).await, "{}", db.name);
            c.drop_all(&md).await.unwrap();
        }
    });
}

/// In AUTOCOMMIT mode too, PostgreSQL and SQLite create everything or nothing, and SQLite
/// drops a filled foreign-key cycle (its checks deferred inside the transaction).
#[test]
fn create_all_in_autocommit_mode() {
    rt().block_on(async {
        for db in backends("ddl_autocommit", 1).await {
            let engine = aludel_engine::Engine::builder(&db.url)
                .max_size(1)
                .isolation_level(aludel_engine::IsolationLevel::Autocommit)
                .build()
                .await
                .unwrap();
            let mut c = engine.connect().await.unwrap();
            let broken = MetaData::new()
                .table(ddl_ok::table)
                .table(ddl_broken::table);
            c.create_all(&broken).await.unwrap_err();
            let left = exists(&mut c, ddl_ok::table.def()).await;
            assert_eq!(left, db.name == "mysql", "{}", db.name);
            c.drop_all(&broken).await.unwrap();
            let md = metadata();
            c.create_all(&md).await.unwrap();
            c.execute(
                &insert(departments::table)
                    .values((departments::id.set(1), departments::name.set("d"))),
            )
            .await
            .unwrap();
            c.execute(&new_boss()).await.unwrap();
            c.execute(
                &update(departments::table)
                    .set(departments::manager_id.set(Some(1i64)))
                    .where_(departments::id.eq(1)),
            )
            .await
            .unwrap();
            c.drop_all(&md).await.unwrap();
            for t in md.tables() {
                assert!(!exists(&mut c, t).await, "{}: {}", db.name, t.name());
            }
        }
    });
}

fn new_boss() -> Insert<()> {
    insert(employees::table).values((
        employees::id.set(1),
        employees::department_id.set(1),
        employees::email.set("b@x"),
        employees::salary.set(dec("1")),
        employees::hired_on.set(date("2024-01-01")),
    ))
}

#[derive(Table)]
#[aludel(name = "cyc_a")]
struct CycA {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = cyc_b::id)]
    b_id: Option<i64>,
}

#[derive(Table)]
#[aludel(name = "cyc_b")]
struct CycB {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(references = cyc_a::id)]
    a_id: Option<i64>,
}

/// What a `create_all` stopped before its `ALTER TABLE ... ADD CONSTRAINT`s leaves,
/// dropped by `drop_all` on a server without `DROP FOREIGN KEY IF EXISTS` (MariaDB taken
/// as 10.1 here: MySQL's case): only the foreign keys that are there are dropped.
#[test]
fn drop_all_after_a_partial_create_all() {
    rt().block_on(async {
        let Some(db) = common::mysql("ddl_partial", 1).await else {
            return;
        };
        let md = MetaData::new().table(cyc_a::table).table(cyc_b::table);
        let old = aludel_engine::Engine::builder(&db.url)
            .max_size(1)
            .server_version(aludel::dialect::Version::new(10, 1, 0))
            .build()
            .await
            .unwrap();
        let mut c = old.connect().await.unwrap();
        let plan = md.create_all_ddl(&c.dialect()).unwrap();
        let mut alters = 0;
        for s in &plan {
            let sql = s.compile(&c.dialect()).unwrap().sql().to_owned();
            if sql.starts_with("ALTER TABLE") {
                // The first foreign key of the cycle is added, the second never is.
                alters += 1;
                if alters > 1 {
                    continue;
                }
            }
            c.execute(s).await.unwrap();
        }
        assert_eq!(alters, 2);
        c.drop_all(&md).await.unwrap();
        for t in md.tables() {
            assert!(!exists(&mut c, t).await, "{}", t.name());
        }
    });
}

/// A table outside the metadata that still refers to one `drop_all` drops: the drop
/// fails (SQLite: at COMMIT, its checks having been deferred for the cycle) and, where
/// DDL is transactional, nothing is dropped.
#[test]
fn drop_all_fails_while_another_table_refers_to_it() {
    rt().block_on(async {
        for db in backends("ddl_referenced", 1).await {
            let md = MetaData::new().table(cyc_a::table).table(cyc_b::table);
            let mut c = db.engine.connect().await.unwrap();
            c.create_all(&md).await.unwrap();
            c.execute(&text(
                "CREATE TABLE cyc_other (id BIGINT PRIMARY KEY, a_id BIGINT, FOREIGN KEY (a_id) REFERENCES cyc_a (id))",
            ))
            .await
            .unwrap();
            c.execute(&insert(cyc_a::table).values(cyc_a::id.set(1)))
                .await
                .unwrap();
            c.execute(&text("INSERT INTO cyc_other (id, a_id) VALUES (1, 1)"))
                .await
                .unwrap();
            if c.in_transaction() {
                c.commit().await.unwrap();
            }
            c.drop_all(&md).await.unwrap_err();
            assert!(!c.in_transaction(), "{}", db.name);
            if db.name != "mysql" {
                for t in md.tables() {
                    assert!(exists(&mut c, t).await, "{}: {}", db.name, t.name());
                }
            }
            c.execute(&text("DROP TABLE cyc_other")).await.unwrap();
            if c.in_transaction() {
                c.commit().await.unwrap();
            }
            c.drop_all(&md).await.unwrap();
            for t in md.tables() {
                assert!(!exists(&mut c, t).await, "{}: {}", db.name, t.name());
            }
        }
    });
}

#[derive(Table)]
#[aludel(name = "ddl_a_table_name_longer_than_the_sixty_three_bytes_postgres_keeps")]
struct LongName {
    #[aludel(primary_key)]
    id: i64,
}

/// PostgreSQL keeps the first 63 bytes of a longer name: the existence check looks for
/// those, so a second `create_all` is a no-op and `drop_all` drops the table (MySQL and
/// MariaDB refuse names over 64 characters).
#[test]
fn create_all_twice_with_a_name_postgres_truncates() {
    rt().block_on(async {
        for db in backends("ddl_long_name", 1).await {
            if db.name == "mysql" {
                continue;
            }
            let md = MetaData::new().table(long_name::table);
            let mut c = db.engine.connect().await.unwrap();
            c.create_all(&md).await.unwrap();
            c.create_all(&md).await.unwrap();
            assert!(exists(&mut c, long_name::table.def()).await, "{}", db.name);
            c.drop_all(&md).await.unwrap();
            assert!(!exists(&mut c, long_name::table.def()).await, "{}", db.name);
        }
    });
}

/// A `create_all` cancelled at any poll on a connection that is kept: its own
/// transaction is rolled back at the next use (no transaction left for the caller to end,
/// in AUTOCOMMIT mode or not), and the next `create_all` completes.
#[test]
fn create_all_cancelled_on_a_kept_connection() {
    rt().block_on(async {
        for db in backends("ddl_cancel_kept", 1).await {
            for mode in [None, Some(aludel_engine::IsolationLevel::Autocommit)] {
                let mut builder = aludel_engine::Engine::builder(&db.url).max_size(1);
                if let Some(level) = mode {
                    builder = builder.isolation_level(level);
                }
                let engine = builder.build().await.unwrap();
                let md = metadata();
                for n in 1.. {
                    let mut c = engine.connect().await.unwrap();
                    c.drop_all(&md).await.unwrap();
                    if c.in_transaction() {
                        c.commit().await.unwrap();
                    }
                    let done = common::poll_n(c.create_all(&md), n).await;
                    let ctx = format!("{} {mode:?}: create_all cancelled after {n} polls", db.name);
                    c.create_all(&md)
                        .await
                        .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                    assert!(!c.in_transaction(), "{ctx}");
                    for t in md.tables() {
                        assert!(exists(&mut c, t).await, "{ctx}: {}", t.name());
                    }
                    if c.in_transaction() {
                        c.commit().await.unwrap();
                    }
                    if done {
                        c.drop_all(&md).await.unwrap();
                        break;
                    }
                    assert!(n < 500, "{ctx}: create_all never completed");
                }
            }
        }
    });
}
