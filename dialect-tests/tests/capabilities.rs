//! The capability model against the real servers: for every feature the compiler gates
//! (`Dialect::supports`), a statement that needs it is compiled for each reachable
//! server's own dialect and version. Where the compiler accepts it, the server must run
//! it; where the compiler refuses it (naming the feature), the same statement in the SQL
//! of a dialect that has the feature must be rejected by that server, so the refusal is
//! not over-cautious.
//!
//! Probes use columns and inline constants only, so the reference SQL differs from the
//! server's own only in the feature's syntax.

use aludel::dialect::{Dialect, DialectKind, Feature};
use aludel::expr::window::{FrameBound as B, Window};
use aludel::prelude::*;
use aludel::schema::Constraint;
use aludel::stmt::ddl::{
    add_constraint, create_index, create_table, drop_constraint, drop_index, drop_table,
};
use aludel_dialect_tests::schema::*;
use aludel_dialect_tests::{
    Cell, Kind, Outcome, on_mysql_server, on_postgres, on_sqlite, script_on_mysql_server,
    script_on_postgres, script_on_sqlite,
};

type Probe = Box<dyn Fn(&Dialect) -> Result<String, aludel::CompileError>>;

fn probe<S: Statement + 'static>(s: S) -> Probe {
    Box::new(move |d| s.compile_literal(d, &Params::new()))
}

fn probes() -> Vec<(Feature, Kind, Probe)> {
    let q = Kind::Query;
    let x = Kind::Execute;
    let w = Window::new().order_by(posts::id);
    let c = select(users::id).where_(users::active).cte("c");
    let n = select(inline(1i64).label("v")).cte("n");
    let v = n.columns();
    let n = n.union_all(&select(v.clone() + inline(1i64)).where_(v.lt(inline(3i64))));
    vec![
        (
            Feature::InsertReturning,
            q,
            probe(
                insert(tags::table)
                    .values((
                        tags::post_id.set(inline(2i64)),
                        tags::tag.set(inline("cap")),
                    ))
                    .returning(tags::tag),
            ),
        ),
        (
            Feature::UpdateReturning,
            q,
            probe(
                update(users::table)
                    .set(users::fullname.set(users::name.nullable()))
                    .where_(users::id.eq(inline(1i64)))
                    .returning(users::id),
            ),
        ),
        (
            Feature::DeleteReturning,
            q,
            probe(
                delete(comments::table)
                    .where_(comments::id.eq(inline(1i64)))
                    .returning(comments::id),
            ),
        ),
        (
            Feature::MultiTableReturning,
            q,
            probe(
                update(posts::table)
                    .set(posts::views.set(posts::views + inline(1i32)))
                    .where_(posts::user_id.eq(users::id).and(users::id.eq(inline(1i64))))
                    .returning(posts::id),
            ),
        ),
        (
            Feature::RightJoin,
            q,
            probe(
                select((users::name.nullable(), posts::title))
                    .right_join(posts::table, posts::user_id.eq(users::id)),
            ),
        ),
        (
            Feature::FullJoin,
            q,
            probe(
                select((users::name.nullable(), posts::title.nullable()))
                    .full_join(posts::table, posts::user_id.eq(users::id)),
            ),
        ),
        (
            Feature::NullsOrdering,
            q,
            probe(select(users::age).order_by(users::age.asc().nulls_first())),
        ),
        (
            Feature::DistinctOn,
            q,
            probe(
                select((posts::user_id, posts::title))
                    .distinct_on(posts::user_id)
                    .order_by((posts::user_id, posts::id)),
            ),
        ),
        (Feature::ForUpdate, q, probe(select(users::id).for_update())),
        (Feature::ForShare, q, probe(select(users::id).for_share())),
        (
            Feature::LockNoWait,
            q,
            probe(select(users::id).for_update().nowait()),
        ),
        (
            Feature::LockSkipLocked,
            q,
            probe(select(users::id).for_update().skip_locked()),
        ),
        (
            Feature::LockOf,
            q,
            probe(
                select((users::id, posts::id))
                    .where_(posts::user_id.eq(users::id))
                    .for_update()
                    .of(users::table),
            ),
        ),
        (
            Feature::UpdateFrom,
            x,
            probe(
                update(posts::table)
                    .set(posts::views.set(posts::views + inline(1i32)))
                    .where_(posts::user_id.eq(users::id).and(users::active)),
            ),
        ),
        (
            Feature::DeleteUsing,
            x,
            probe(
                delete(comments::table)
                    .where_(comments::user_id.eq(users::id).and(not_(users::active))),
            ),
        ),
        (
            Feature::RowValues,
            q,
            probe(
                select(posts::id).where_(
                    tuple_((posts::user_id, posts::id))
                        .in_select(&select((comments::user_id, comments::post_id))),
                ),
            ),
        ),
        (
            Feature::LimitInInSubquery,
            q,
            probe(
                select(users::id)
                    .where_(users::id.in_(&select(posts::user_id).limit(inline(1i64)))),
            ),
        ),
        (
            Feature::OnConflict,
            x,
            probe(
                insert(tags::table)
                    .values((
                        tags::post_id.set(inline(1i64)),
                        tags::tag.set(inline("intro")),
                    ))
                    .on_conflict((tags::post_id, tags::tag))
                    .do_nothing(),
            ),
        ),
        (
            Feature::OnDuplicateKeyUpdate,
            x,
            probe(
                insert(tags::table)
                    .values((
                        tags::post_id.set(inline(1i64)),
                        tags::tag.set(inline("intro")),
                    ))
                    .on_duplicate_key_update(tags::tag.set(inline("intro2"))),
            ),
        ),
        (
            Feature::WindowFunctions,
            q,
            probe(select(window::row_number().over(&w)).select_from(posts::table)),
        ),
        (
            Feature::WindowGroupsFrame,
            q,
            probe(
                select(func::count_star().over(&w.groups(B::CurrentRow, B::Following(1))))
                    .select_from(posts::table),
            ),
        ),
        (
            Feature::WindowFrameExclusion,
            q,
            probe(
                select(
                    func::count_star().over(
                        &w.rows(B::Preceding(1), B::CurrentRow)
                            .exclude(aludel::expr::window::FrameExclusion::CurrentRow),
                    ),
                )
                .select_from(posts::table),
            ),
        ),
        (Feature::NamedWindows, q, {
            let named = w.named("w");
            probe(
                select(window::row_number().over(&named))
                    .select_from(posts::table)
                    .window(&named),
            )
        }),
        (
            Feature::WindowOffsetDefault,
            q,
            probe(select(
                window::lag_or(posts::views, 1, inline(0i32)).over(&w),
            )),
        ),
        (Feature::Cte, q, probe(select(c.columns()).with_(&c))),
        (
            Feature::RecursiveCte,
            q,
            probe(select(n.columns()).with_(&n)),
        ),
        (
            Feature::CteMaterialized,
            q,
            probe(select(c.columns()).with_(&c.materialized())),
        ),
        (
            Feature::CteInDml,
            x,
            probe(
                delete(comments::table)
                    .with_(&c)
                    .where_(comments::user_id.in_(&select(c.columns()))),
            ),
        ),
        (
            Feature::Lateral,
            q,
            probe(
                select((
                    users::name,
                    select(posts::title)
                        .where_(posts::user_id.eq(users::id))
                        .limit(inline(1i64))
                        .subquery("top")
                        .lateral()
                        .columns(),
                ))
                .order_by(users::id),
            ),
        ),
        (
            Feature::IntersectExcept,
            q,
            probe(select(posts::user_id).intersect(&select(comments::user_id))),
        ),
        (
            Feature::IntersectExceptAll,
            q,
            probe(select(posts::user_id).except_all(&select(comments::user_id))),
        ),
    ]
}

fn text_cell(o: Outcome) -> String {
    match o {
        Outcome::Rows(rows) => match rows.into_iter().next().and_then(|r| r.into_iter().next()) {
            Some(Cell::Text(t)) => t,
            Some(Cell::Int(i)) => i.to_string(),
            other => panic!("a version, not {other:?}"),
        },
        other => panic!("a version, not {other}"),
    }
}

fn numbers(v: &str) -> Vec<u16> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .take(3)
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

type Runner = Box<dyn Fn(&str, Kind) -> Result<Outcome, String>>;

/// The reachable servers: their label, their own dialect at their version, a runner.
fn servers() -> Vec<(&'static str, Dialect, Runner)> {
    let mut out: Vec<(&'static str, Dialect, Runner)> = Vec::new();
    let v = numbers(&text_cell(
        on_sqlite("SELECT sqlite_version()", Kind::Query).unwrap(),
    ));
    out.push((
        "sqlite",
        Dialect::sqlite().with_version(v[0], v[1], v[2]),
        Box::new(on_sqlite),
    ));
    if let Some(r) = on_postgres("SHOW server_version", Kind::Query) {
        let v = numbers(&text_cell(r.unwrap()));
        out.push((
            "postgres",
            Dialect::postgres().with_version(v[0], *v.get(1).unwrap_or(&0), 0),
            Box::new(|sql, kind| on_postgres(sql, kind).expect("configured")),
        ));
    }
    if let Some(r) = on_mysql_server("SELECT VERSION()", Kind::Query) {
        let text = text_cell(r.unwrap());
        let v = numbers(&text);
        let base = if text.to_ascii_lowercase().contains("mariadb") {
            Dialect::mariadb()
        } else {
            Dialect::mysql()
        };
        out.push((
            if base.kind() == DialectKind::MariaDb {
                "mariadb"
            } else {
                "mysql"
            },
            base.with_version(v[0], v[1], v[2]),
            Box::new(|sql, kind| on_mysql_server(sql, kind).expect("configured")),
        ));
    }
    out
}

#[test]
fn the_compiler_agrees_with_the_servers() {
    let servers = servers();
    let mut report = Vec::new();
    for (feature, kind, probe) in probes() {
        for (label, d, run) in &servers {
            match probe(d) {
                Ok(sql) => {
                    if let Err(e) = run(&sql, kind) {
                        panic!(
                            "{}: the compiler accepts it for {d} but {label} rejects it: {e}\nSQL: {sql}",
                            feature.name()
                        );
                    }
                    report.push(format!("{label}: {} yes", feature.name()));
                }
                Err(e) => {
                    assert!(
                        e.to_string().contains("not supported"),
                        "{}: refused on {d} for another reason: {e}",
                        feature.name()
                    );
                    // The same statement in the SQL of a dialect that has the feature.
                    let reference = [Dialect::postgres(), Dialect::mysql(), Dialect::sqlite()]
                        .into_iter()
                        .find_map(|r| probe(&r).ok())
                        .expect("some dialect has the feature");
                    assert!(
                        run(&reference, kind).is_err(),
                        "{}: the compiler refuses it for {d}, but {label} accepts: {reference}",
                        feature.name()
                    );
                    report.push(format!("{label}: {} no", feature.name()));
                }
            }
        }
    }
    eprintln!("{}", report.join("\n"));
}

// ---- DDL: probes are scripts (MariaDB commits DDL: each runs in a scratch database) ----

#[derive(Table)]
#[aludel(name = "cap_a", index(n))]
struct CapA {
    #[aludel(primary_key)]
    id: i64,
    n: i32,
}

#[derive(Table)]
#[aludel(name = "cap_p")]
struct CapP {
    #[aludel(primary_key, autoincrement = false)]
    id: i64,
}

#[derive(Table)]
#[aludel(name = "cap_c")]
struct CapC {
    #[aludel(primary_key, autoincrement = false)]
    id: i64,
    #[aludel(references = cap_p::id)]
    p: i64,
}

#[derive(Table)]
#[aludel(name = "cap_sd")]
struct CapSd {
    #[aludel(primary_key, autoincrement = false)]
    id: i64,
    #[aludel(references = cap_p::id, on_delete = "set default", server_default = "1")]
    p: i64,
}

#[derive(Table)]
#[aludel(name = "cap_g")]
struct CapG {
    #[aludel(primary_key)]
    id: i64,
    n: i32,
    #[aludel(computed = "n * 2")]
    #[allow(dead_code)]
    twice: Option<i32>,
}

#[derive(Table)]
#[aludel(name = "cap_v")]
struct CapV {
    #[aludel(primary_key)]
    id: i64,
    n: i32,
    #[aludel(computed_virtual = "n * 2")]
    #[allow(dead_code)]
    twice: Option<i32>,
}

#[derive(Table)]
#[aludel(name = "cap_gnn")]
struct CapGnn {
    #[aludel(primary_key)]
    id: i64,
    n: i32,
    #[aludel(computed = "n * 2")]
    #[allow(dead_code)]
    twice: i32,
}

#[derive(Table)]
#[aludel(name = "cap_ck", check = "n > 0")]
struct CapCk {
    #[aludel(primary_key)]
    id: i64,
    n: i32,
}

#[derive(Table)]
#[aludel(name = "cap_txt")]
struct CapTxt {
    #[aludel(primary_key)]
    id: i64,
    #[aludel(unique)]
    body: String,
    #[aludel(index)]
    note: Option<String>,
}

type Step = Box<dyn Fn(&Dialect) -> Result<String, aludel::CompileError>>;

fn step<S: Statement + 'static>(s: S) -> Step {
    Box::new(move |d| s.compile_literal(d, &Params::new()))
}

fn compile_script(steps: &[Step], d: &Dialect) -> Result<Vec<String>, aludel::CompileError> {
    steps.iter().map(|s| s(d)).collect()
}

fn ddl_probes() -> Vec<(Feature, Vec<Step>)> {
    let check = || Constraint::check("n > 0").named("ck_cap_a_n");
    vec![
        (
            Feature::CreateTableIfNotExists,
            vec![
                step(create_table(cap_a::table)),
                step(create_table(cap_a::table).if_not_exists()),
            ],
        ),
        (
            Feature::CreateIndexIfNotExists,
            vec![
                step(create_table(cap_a::table)),
                step(create_index(cap_a::table, "ix_cap_a_n").if_not_exists()),
            ],
        ),
        (
            Feature::DropIndexIfExists,
            vec![
                step(create_table(cap_a::table)),
                step(drop_index(cap_a::table, "ix_cap_a_n").if_exists()),
            ],
        ),
        (
            // MariaDB and MySQL accept the word CASCADE and ignore it: the drop of a
            // referenced table fails there.
            Feature::DropTableCascade,
            vec![
                step(create_table(cap_p::table)),
                step(create_table(cap_c::table)),
                step(insert(cap_p::table).values(cap_p::id.set(inline(1i64)))),
                step(
                    insert(cap_c::table)
                        .values((cap_c::id.set(inline(1i64)), cap_c::p.set(inline(1i64)))),
                ),
                step(drop_table(cap_p::table).cascade()),
            ],
        ),
        (
            Feature::AlterTableConstraints,
            vec![
                step(create_table(cap_a::table)),
                step(add_constraint(cap_a::table, check())),
                step(drop_constraint(cap_a::table, check())),
            ],
        ),
        (
            Feature::DropConstraintIfExists,
            vec![
                step(create_table(cap_a::table)),
                step(drop_constraint(cap_a::table, check()).if_exists()),
            ],
        ),
        (
            Feature::GeneratedColumns,
            vec![
                step(create_table(cap_g::table)),
                step(insert(cap_g::table).values(cap_g::n.set(inline(2i32)))),
            ],
        ),
        (
            Feature::VirtualGeneratedColumns,
            vec![
                step(create_table(cap_v::table)),
                step(insert(cap_v::table).values(cap_v::n.set(inline(2i32)))),
            ],
        ),
        (
            Feature::GeneratedColumnNotNull,
            vec![
                step(create_table(cap_gnn::table)),
                step(insert(cap_gnn::table).values(cap_gnn::n.set(inline(2i32)))),
            ],
        ),
        (
            Feature::CheckConstraints,
            vec![
                step(create_table(cap_ck::table)),
                step(insert(cap_ck::table).values(cap_ck::n.set(inline(2i32)))),
            ],
        ),
        (
            Feature::IdentityColumns,
            vec![
                step(create_table(cap_a::table)),
                step(insert(cap_a::table).values(cap_a::n.set(inline(2i32)))),
            ],
        ),
        (
            Feature::UnboundedKeys,
            vec![
                step(create_table(cap_txt::table)),
                step(create_index(cap_txt::table, "ix_cap_txt_note")),
            ],
        ),
        (
            // InnoDB drops SET DEFAULT without a word: the delete then fails.
            Feature::ForeignKeySetDefault,
            vec![
                step(create_table(cap_p::table)),
                step(create_table(cap_sd::table)),
                step(insert(cap_p::table).values(cap_p::id.set(inline(1i64)))),
                step(insert(cap_p::table).values(cap_p::id.set(inline(2i64)))),
                step(
                    insert(cap_sd::table)
                        .values((cap_sd::id.set(inline(1i64)), cap_sd::p.set(inline(2i64)))),
                ),
                step(delete(cap_p::table).where_(cap_p::id.eq(inline(2i64)))),
            ],
        ),
    ]
}

/// Runs a DDL script on the server `label`.
fn run_script(label: &str, tag: &str, sql: &[String]) -> Result<(), String> {
    match label {
        "sqlite" => script_on_sqlite(sql),
        "postgres" => script_on_postgres(sql).expect("configured"),
        _ => script_on_mysql_server(tag, sql).expect("configured"),
    }
}

#[test]
fn the_ddl_capabilities_agree_with_the_servers() {
    let servers = servers();
    let mut report = Vec::new();
    for (i, (feature, steps)) in ddl_probes().into_iter().enumerate() {
        for (label, d, _) in &servers {
            let tag = format!("cap{i}");
            match compile_script(&steps, d) {
                Ok(sql) => {
                    if let Err(e) = run_script(label, &tag, &sql) {
                        panic!(
                            "{}: the compiler accepts it for {d} but {label} rejects it: {e}\nSQL: {sql:#?}",
                            feature.name()
                        );
                    }
                    report.push(format!("{label}: {} yes", feature.name()));
                }
                Err(e) => {
                    assert!(
                        e.to_string().contains("not supported"),
                        "{}: refused on {d} for another reason: {e}",
                        feature.name()
                    );
                    let reference = [Dialect::postgres(), Dialect::mysql(), Dialect::sqlite()]
                        .into_iter()
                        .find_map(|r| compile_script(&steps, &r).ok())
                        .expect("some dialect has the feature");
                    assert!(
                        run_script(label, &tag, &reference).is_err(),
                        "{}: the compiler refuses it for {d}, but {label} accepts: {reference:#?}",
                        feature.name()
                    );
                    report.push(format!("{label}: {} no", feature.name()));
                }
            }
        }
    }
    eprintln!("{}", report.join("\n"));
}
