//! The SQL walk: renders a statement for one dialect, recording each placeholder's slot.
//!
//! Nodes are visited in the canonical order of the shape walk (`shape.rs`): every bound
//! value takes the next canonical index. Where a dialect puts a clause elsewhere (MySQL's
//! multi-table UPDATE puts FROM before SET), the clause is rendered into a detached buffer
//! in canonical order and spliced into place.

use std::borrow::Cow;
use std::fmt::Write;

use smallvec::SmallVec;

use super::from::{
    Scopes, Sources, dml_froms, has_lateral, lateral_misread, nullable_by_joins, resolve_from,
};
use super::{SlotSource, StmtRef, compound_order_name, label_ref};
use crate::dialect::{Dialect, DialectKind, Feature};
use crate::error::CompileError;
use crate::expr::text::{TextNode, TextPiece};
use crate::expr::window::{FrameBound, FrameUnits, Window, WindowDef};
use crate::expr::{BinOp, FuncName, N, Node, OrderBy, Query, UnOp};
use crate::schema::{ClientDefault, ColumnRef, Source, TableDef, TableRef};
use crate::stmt::{
    CompoundCore, DeleteCore, Distinct, InsertCore, InsertSource, JoinKind, LockStrength, LockWait,
    Member, SelectCore, SetOp, UpdateCore, Upsert,
};
use crate::types::DataType;

type Result<T = ()> = std::result::Result<T, CompileError>;

/// A placeholder in the SQL text.
pub(crate) type Slot = super::BindSlot;

// Precedence levels: higher binds tighter.
const P_TEXT: u8 = 0;
const P_OR: u8 = 1;
const P_AND: u8 = 2;
const P_NOT: u8 = 3;
const P_CMP: u8 = 5;
const P_CONCAT: u8 = 6;
const P_ADD: u8 = 7;
const P_MUL: u8 = 8;
const P_UNARY: u8 = 9;
const P_ATOM: u8 = 10;

pub(crate) struct SqlWriter<'a> {
    d: Dialect,
    pub(crate) sql: String,
    pub(crate) slots: SmallVec<[Slot; 4]>,
    /// The canonical index of the next bound value.
    pub(crate) next_value: usize,
    /// The bound values met so far, in canonical order.
    pub(crate) values: super::shape::Values<'a>,
    scopes: Scopes<'a>,
    pg_n: u32,
    /// Qualify column names with their FROM item.
    qualify: bool,
    /// While rendering RETURNING on SQLite: columns must belong to this target.
    returning_target: Option<&'a Source>,
    pub(crate) expanding: bool,
    /// The result columns' names (select list or RETURNING).
    pub(crate) columns: SmallVec<[Cow<'static, str>; 4]>,
    /// Columns return_defaults() asks for.
    pub(crate) returns_defaults: Vec<String>,
    /// With return_defaults(): the table's primary-key columns.
    pub(crate) primary_key: Vec<String>,
    /// A single-row INSERT ... VALUES: where its row is (for multi-row batches).
    pub(crate) values_row: Option<ValuesRow>,
    /// The result column (RETURNING) whose values increase in insertion order: the
    /// auto-increment key the INSERT does not give.
    pub(crate) insert_order: Option<usize>,
    pub(crate) returning_rendered: bool,
    /// Literal mode: values are written inline (named parameters from these).
    inline: Option<&'a super::Params>,
    /// Client-side defaults that the next SELECT appends to its select list (INSERT ...
    /// SELECT), with their columns' types.
    select_extra: Vec<(ClientDefault, DataType)>,
    /// Inside an upsert's update: how `excluded(col)` is written, and the INSERT's target.
    excluded: Option<(ProposedRow, &'a Source)>,
    /// The next SELECT writes `WHERE true` if it has no WHERE (SQLite's INSERT ... SELECT
    /// ... ON CONFLICT, whose parser would otherwise read ON as a join constraint).
    force_where: bool,
    /// The CTEs the WITH clauses around the current point define.
    ctes: SmallVec<[&'a crate::schema::SubqueryDef; 4]>,
    /// The named windows the SELECT being written has defined so far (its WINDOW
    /// clause, once written; a name is not visible in subqueries).
    windows: &'a [std::sync::Arc<WindowDef>],
}

/// The row of a single-row INSERT ... VALUES: its text `(..)` and its slots, as ranges.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ValuesRow {
    pub(crate) text: (usize, usize),
    pub(crate) slots: (usize, usize),
}

/// How an upsert's update refers to the proposed row.
#[derive(Clone, Copy)]
enum ProposedRow {
    /// `excluded.col` (PostgreSQL, SQLite).
    Excluded,
    /// `VALUES(col)` (MariaDB, MySQL before 8.0.19, INSERT ... SELECT on MySQL).
    Values,
    /// `alias.col` after `INSERT ... VALUES (..) AS alias` (MySQL >= 8.0.19).
    Alias(&'static str),
}

/// Appends `n` in decimal without the formatting machinery.
pub(crate) fn push_number(out: &mut String, mut n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

/// See [`SqlWriter::select`]: the row type must allow NULL where an outer join puts it.
fn check_outer_join_types(s: &SelectCore, items: &Sources<'_>) -> Result {
    let (Some(left), false) = (items.first(), s.joins.is_empty() || s.not_null == 0) else {
        return Ok(());
    };
    let nullable = nullable_by_joins(left, s.joins.as_slice());
    for (i, c) in s.columns.iter().enumerate().take(64) {
        if s.not_null >> i & 1 == 0 {
            continue;
        }
        let col = match &c.0 {
            N::Column(col) => col,
            N::Label(l) => match &l.e.0 {
                N::Column(col) => col,
                _ => continue,
            },
            _ => continue,
        };
        if let Some((_, j)) = nullable.iter().find(|(x, _)| x.same(&col.source)) {
            let kind = match j.kind {
                JoinKind::Left => "LEFT OUTER JOIN",
                JoinKind::Right => "RIGHT OUTER JOIN",
                _ => "FULL OUTER JOIN",
            };
            return Err(CompileError::NullableByJoin {
                column: format!(
                    "{}.{}",
                    col.source.exposed_name(),
                    col.name().unwrap_or("?")
                ),
                join: format!("{kind} {}", j.target.exposed_name()),
            });
        }
    }
    Ok(())
}

/// Whether `f` holds for a direct operand of `n` (subqueries are queries of their own:
/// their content is not an operand).
fn any_operand(n: &Node, f: fn(&Node) -> bool) -> bool {
    match &n.0 {
        N::Column(_)
        | N::Bind(_)
        | N::Named(_)
        | N::Inline(_)
        | N::Null
        | N::Bool(_)
        | N::Excluded(_)
        | N::Text(_)
        | N::Scalar(_)
        | N::Exists(_) => false,
        N::InSelect(i) => f(&i.e),
        N::Binary(b) => f(&b.l) || f(&b.r),
        N::Unary(u) => f(&u.e),
        N::And(items) | N::Or(items) | N::Tuple(items) => items.iter().any(f),
        N::InList(i) => f(&i.e),
        N::Between(b) => f(&b.e) || f(&b.lo) || f(&b.hi),
        N::Like(l) => f(&l.e) || f(&l.pattern),
        N::Case(c) => c.whens.iter().any(|(w, t)| f(w) || f(t)) || c.else_.as_ref().is_some_and(f),
        N::Cast(c) => f(&c.e),
        N::Func(fun) => fun.args.iter().any(f),
        N::Label(l) => f(&l.e),
        N::Over(o) => {
            f(&o.func)
                || o.window.partition_by.iter().any(f)
                || o.window.order_by.iter().any(|x| f(&x.node))
        }
    }
}

/// Whether `n` contains a subquery or a text fragment (something that may read tables).
fn reads_tables(n: &Node) -> bool {
    matches!(
        n.0,
        N::Scalar(_) | N::Exists(_) | N::InSelect(_) | N::Text(_)
    ) || any_operand(n, reads_tables)
}

/// Whether `n` has a window function (not looking into subqueries: they are queries
/// of their own).
pub(crate) fn contains_window(n: &Node) -> bool {
    matches!(n.0, N::Over(_)) || any_operand(n, contains_window)
}

/// A statement assigns a generated column (every database rejects that).
fn computed_assigned(table: &TableDef, c: &crate::schema::ColumnDef, what: &str) -> CompileError {
    CompileError::invalid(format!(
        "{what} assigns column {}.{}, a computed (generated) column: the database computes its value",
        table.qualified_name(),
        c.name
    ))
}

fn is_bindish(n: &Node) -> bool {
    matches!(n.0, N::Bind(_) | N::Named(_) | N::Null)
}

impl<'a> SqlWriter<'a> {
    pub(crate) fn new(d: Dialect) -> Self {
        SqlWriter {
            d,
            sql: String::with_capacity(256),
            slots: SmallVec::new(),
            next_value: 0,
            values: SmallVec::new(),
            scopes: Scopes::default(),
            pg_n: 0,
            qualify: true,
            returning_target: None,
            expanding: false,
            columns: SmallVec::new(),
            returns_defaults: Vec::new(),
            primary_key: Vec::new(),
            values_row: None,
            insert_order: None,
            returning_rendered: false,
            inline: None,
            select_extra: Vec::new(),
            excluded: None,
            force_where: false,
            ctes: SmallVec::new(),
            windows: &[],
        }
    }

    /// A writer that renders every value inline as a literal.
    pub(crate) fn new_inline(d: Dialect, named: &'a super::Params) -> Self {
        SqlWriter {
            inline: Some(named),
            ..SqlWriter::new(d)
        }
    }

    fn literal(&mut self, v: &crate::value::Value, cast: Option<DataType>) -> Result {
        self.d.literal_into(&mut self.sql, v)?;
        if let Some(ty) = cast.filter(|_| self.pg()) {
            self.pg_cast(ty);
        }
        Ok(())
    }

    fn named_value(&self, name: &str) -> Result<&'a crate::value::Value> {
        self.inline
            .and_then(|p| p.get(name))
            .ok_or_else(|| CompileError::MissingParameter {
                name: name.to_owned(),
            })
    }

    fn pg(&self) -> bool {
        self.d.kind() == DialectKind::Postgres
    }

    fn ident(&mut self, name: &str) {
        self.d.quote_ident_into(&mut self.sql, name);
    }

    fn table_name(&mut self, t: &TableDef) {
        self.d.table_name_into(&mut self.sql, t);
    }

    /// Writes a placeholder for `source`, with a PostgreSQL cast to `cast` when given.
    fn placeholder(&mut self, source: SlotSource, cast: Option<DataType>) -> Result {
        let start = self.sql.len();
        if self.pg() {
            self.pg_n += 1;
            self.sql.push('$');
            push_number(&mut self.sql, self.pg_n);
        } else {
            self.sql.push('?');
        }
        let end = self.sql.len();
        self.slots.push(Slot {
            source,
            range: (start, end),
            empty: None,
        });
        if let Some(ty) = cast.filter(|_| self.pg()) {
            self.pg_cast(ty);
        }
        Ok(())
    }

    /// `::TYPE` after a PostgreSQL placeholder whose type the server cannot infer.
    /// VARCHAR(n) and NUMERIC(p, s) are cast to their unbounded forms: a cast must not
    /// truncate or round the value.
    fn pg_cast(&mut self, ty: DataType) {
        let ty = match ty {
            DataType::Any => return,
            DataType::Varchar(_) => DataType::Text,
            DataType::Numeric(_) => DataType::Numeric(None),
            other => other,
        };
        self.sql.push_str("::");
        let _ = match ty {
            DataType::Json => write!(self.sql, "JSONB"),
            DataType::TimestampTz => write!(self.sql, "TIMESTAMPTZ"),
            other => write!(self.sql, "{other}"),
        };
    }

    /// Takes the next canonical index for `v`. A clause rendered twice (NULLS ordering
    /// emulation) visits its values again under the same indices.
    fn take_value(&mut self, v: &'a crate::value::Value) -> usize {
        let i = self.next_value;
        if i == self.values.len() {
            self.values.push(v);
        }
        self.next_value += 1;
        i
    }

    fn value_slot(&mut self, v: &'a crate::value::Value) -> SlotSource {
        SlotSource::Value(self.take_value(v))
    }

    /// Renders `f` into a separate buffer; returns its SQL and slots (MySQL only: `?`
    /// placeholders do not depend on their position).
    fn detached(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result,
    ) -> Result<(String, SmallVec<[Slot; 4]>)> {
        let sql = std::mem::take(&mut self.sql);
        let slots = std::mem::take(&mut self.slots);
        let r = f(self);
        let out_sql = std::mem::replace(&mut self.sql, sql);
        let out_slots = std::mem::replace(&mut self.slots, slots);
        r?;
        Ok((out_sql, out_slots))
    }

    fn splice(&mut self, sql: &str, slots: SmallVec<[Slot; 4]>) {
        let off = self.sql.len();
        self.sql.push_str(sql);
        self.slots.extend(slots.into_iter().map(|mut s| {
            s.range.0 += off;
            s.range.1 += off;
            s
        }));
    }

    pub(crate) fn stmt(&mut self, stmt: StmtRef<'a>) -> Result {
        match stmt {
            StmtRef::Select(s) => {
                // A push loop: SmallVec's `collect` costs more than the few names.
                self.columns.reserve(s.columns.len());
                for c in s.columns.iter() {
                    self.columns.push(c.exposed_name().unwrap_or_default());
                }
                self.select(s, false)
            }
            StmtRef::Insert(i) => self.insert(i),
            StmtRef::Update(u) => self.update(u),
            StmtRef::Delete(d) => self.delete(d),
            StmtRef::Text(t) => self.text(t),
            StmtRef::Ddl(n) => super::ddl::render(self.d, n, &mut self.sql),
            StmtRef::Compound(c) => {
                let first = c.first_select();
                self.columns.reserve(first.columns.len());
                for col in first.columns.iter() {
                    self.columns.push(col.exposed_name().unwrap_or_default());
                }
                self.compound(c, false)
            }
        }
    }

    /// A subquery expression's query; `correlate`: tables of the enclosing query are
    /// correlated (in every SELECT of a compound).
    fn query(&mut self, q: &'a Query, correlate: bool) -> Result {
        match q {
            Query::Select(s) => self.select(s, correlate),
            Query::Compound(c) => self.compound(c, correlate),
        }
    }

    // ---- compound SELECT ----------------------------------------------------------

    fn compound(&mut self, c: &'a CompoundCore, correlate: bool) -> Result {
        if let Some(msg) = &c.invalid {
            return Err(CompileError::invalid(msg.to_string()));
        }
        for op in c.ops.iter() {
            match op {
                SetOp::Intersect | SetOp::Except => self.d.require(Feature::IntersectExcept)?,
                SetOp::IntersectAll | SetOp::ExceptAll => {
                    self.d.require(Feature::IntersectExceptAll)?
                }
                SetOp::Union | SetOp::UnionAll => {}
            }
        }
        let width = c.first_select().columns.len();
        let ctes_before = self.ctes.len();
        if !c.with.is_empty() {
            self.with_clause(c.with.as_slice())?;
        }
        self.compound_members(c, width, correlate)?;
        if !c.order_by.is_empty() {
            let first = c.first_select();
            self.sql.push_str(" ORDER BY ");
            for (i, o) in c.order_by.iter().enumerate() {
                if i > 0 {
                    self.sql.push_str(", ");
                }
                let Some(name) = compound_order_name(first, &o.node) else {
                    return Err(CompileError::invalid(
                        "the ORDER BY of a compound SELECT (UNION, INTERSECT, EXCEPT) can only name its result columns: a column or label of the first SELECT",
                    ));
                };
                if o.nulls.is_some() && !self.d.supports(Feature::NullsOrdering) {
                    self.ident(&name);
                    self.sql.push_str(if o.nulls == Some(true) {
                        " IS NULL DESC, "
                    } else {
                        " IS NULL, "
                    });
                }
                self.ident(&name);
                if o.desc {
                    self.sql.push_str(" DESC");
                }
                if self.d.supports(Feature::NullsOrdering) {
                    match o.nulls {
                        Some(true) => self.sql.push_str(" NULLS FIRST"),
                        Some(false) => self.sql.push_str(" NULLS LAST"),
                        None => {}
                    }
                }
            }
        }
        self.limit_offset(c.limit.as_ref(), c.offset.as_ref())?;
        self.ctes.truncate(ctes_before);
        Ok(())
    }

    fn compound_members(&mut self, c: &'a CompoundCore, width: usize, correlate: bool) -> Result {
        for (i, m) in c.members.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(c.ops.as_slice()[i - 1].sql());
            }
            self.member(m, i == 0, width, correlate)?;
        }
        Ok(())
    }

    /// One operand: parenthesised where it has its own ORDER BY / LIMIT or is itself a
    /// compound; on SQLite, which accepts no parentheses there, a `SELECT * FROM (..)`
    /// instead (a leading compound is written flat: SQLite reads left to right).
    fn member(&mut self, m: &'a Member, first: bool, width: usize, correlate: bool) -> Result {
        let sqlite = self.d.kind() == DialectKind::Sqlite;
        let (open, close) = if sqlite {
            ("SELECT * FROM (", ")")
        } else {
            ("(", ")")
        };
        match m {
            Member::Select(s) => {
                if s.columns.len() != width {
                    return Err(CompileError::invalid(format!(
                        "the SELECTs of a compound SELECT must have the same number of columns ({width} and {})",
                        s.columns.len()
                    )));
                }
                let own = !s.order_by.is_empty()
                    || s.limit.is_some()
                    || s.offset.is_some()
                    || s.lock.is_some();
                if own {
                    self.sql.push_str(open);
                }
                self.select(s, correlate)?;
                if own {
                    self.sql.push_str(close);
                }
            }
            Member::Compound(inner) => {
                if sqlite && first && inner.is_bare() {
                    return self.compound_members(inner, width, correlate);
                }
                if inner.first_select().columns.len() != width {
                    return Err(CompileError::invalid(format!(
                        "the SELECTs of a compound SELECT must have the same number of columns ({width} and {})",
                        inner.first_select().columns.len()
                    )));
                }
                // MariaDB makes a parenthesised compound a derived table, which cannot
                // see the enclosing query.
                if correlate
                    && self.d.kind() == DialectKind::MariaDb
                    && super::from::compound_refers_outward(inner, &self.scopes)
                {
                    return Err(self.d.unsupported(
                        "a nested (parenthesised) compound SELECT that refers to the enclosing query (MariaDB makes it a derived table, which cannot see the enclosing query)",
                    ));
                }
                self.sql.push_str(open);
                self.compound(inner, correlate)?;
                self.sql.push_str(close);
            }
        }
        Ok(())
    }

    // ---- SELECT -------------------------------------------------------------------

    fn select(&mut self, s: &'a SelectCore, correlate: bool) -> Result {
        let items = resolve_from(s, &self.scopes, correlate)?;
        let mut visible = items.clone();
        for j in s.joins.iter() {
            visible.push(&j.target);
        }
        self.scopes.push(visible, !correlate);
        // SQLite's RETURNING may only name the target's columns, but a subquery there
        // reads its own tables (and correlates with the target, the only outer table).
        let restrict = self.returning_target.take();
        let r = self.select_body(s, &items).and_then(|()| {
            if correlate {
                return Ok(());
            }
            // Rows of this SELECT are decoded by its row type (top level, FROM
            // subqueries, INSERT ... SELECT): a NOT NULL type over a column an outer join
            // can fill with NULLs would fail at run time.
            check_outer_join_types(s, &items)
        });
        self.returning_target = restrict;
        self.scopes.pop();
        r
    }

    fn select_body(&mut self, s: &'a SelectCore, items: &Sources<'a>) -> Result {
        let extra = std::mem::take(&mut self.select_extra);
        let force_where = std::mem::take(&mut self.force_where);
        let qualify = std::mem::replace(&mut self.qualify, true);
        let ctes_before = self.ctes.len();
        if !s.with.is_empty() {
            self.with_clause(s.with.as_slice())?;
        }
        // Window names are the SELECT's own: its subqueries do not see them.
        let windows = std::mem::replace(&mut self.windows, s.windows.as_slice());
        self.sql.push_str("SELECT ");
        match &s.distinct {
            Distinct::No => {}
            Distinct::Yes => self.sql.push_str("DISTINCT "),
            Distinct::On(list) => {
                self.d.require(Feature::DistinctOn)?;
                self.sql.push_str("DISTINCT ON (");
                self.expr_list(list.as_slice())?;
                self.sql.push_str(") ");
            }
        }
        if s.columns.is_empty() {
            return Err(CompileError::invalid("SELECT without columns"));
        }
        for (i, c) in s.columns.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            match &c.0 {
                N::Label(l) => {
                    self.expr(&l.e, P_TEXT, true)?;
                    self.sql.push_str(" AS ");
                    self.ident(&l.name);
                }
                _ => self.expr(c, P_TEXT, true)?,
            }
        }
        for (d, ty) in extra {
            self.sql.push_str(", ");
            if self.inline.is_some() {
                self.literal(&d.evaluate(), Some(ty))?;
            } else {
                self.placeholder(SlotSource::ClientDefault(d), Some(ty))?;
            }
        }
        if let Some(first) = items.first() {
            self.check_lateral_order(s, items)?;
            self.sql.push_str(" FROM ");
            self.render_from_item(first)?;
            for j in s.joins.iter() {
                self.sql.push_str(match j.kind {
                    JoinKind::Inner => " JOIN ",
                    JoinKind::Left => " LEFT OUTER JOIN ",
                    JoinKind::Right => {
                        self.d.require(Feature::RightJoin)?;
                        " RIGHT OUTER JOIN "
                    }
                    JoinKind::Full => {
                        self.d.require(Feature::FullJoin)?;
                        " FULL OUTER JOIN "
                    }
                });
                self.render_from_item(&j.target)?;
                self.sql.push_str(" ON ");
                self.expr(&j.on, P_TEXT, true)?;
            }
            for item in items.iter().skip(1) {
                self.sql.push_str(", ");
                self.render_from_item(item)?;
            }
        } else if self.d.is_mysql_family()
            && (s.where_.is_some()
                || !s.group_by.is_empty()
                || s.having.is_some()
                || !s.windows.is_empty())
        {
            self.sql.push_str(" FROM DUAL");
        }
        for (clause, n) in [("WHERE", s.where_.as_ref()), ("HAVING", s.having.as_ref())]
            .into_iter()
            .chain(s.group_by.iter().map(|g| ("GROUP BY", Some(g))))
            .chain(s.joins.iter().map(|j| ("a JOIN's ON clause", Some(&j.on))))
        {
            if n.is_some_and(contains_window) {
                return Err(CompileError::invalid(format!(
                    "a window function cannot be used in {clause}; compute it in a subquery and filter in the enclosing query"
                )));
            }
        }
        if let Some(w) = &s.where_ {
            self.sql.push_str(" WHERE ");
            self.expr(w, P_TEXT, true)?;
        } else if force_where {
            self.sql.push_str(" WHERE true");
        }
        if !s.group_by.is_empty() {
            self.sql.push_str(" GROUP BY ");
            self.expr_list(s.group_by.as_slice())?;
        }
        if let Some(h) = &s.having {
            self.sql.push_str(" HAVING ");
            self.expr(h, P_TEXT, true)?;
        }
        if !s.windows.is_empty() {
            self.window_clause(s.windows.as_slice())?;
        }
        if !s.order_by.is_empty() {
            self.sql.push_str(" ORDER BY ");
            for (i, o) in s.order_by.iter().enumerate() {
                if i > 0 {
                    self.sql.push_str(", ");
                }
                self.order_item(Some(s), o)?;
            }
        }
        self.limit_offset(s.limit.as_ref(), s.offset.as_ref())?;
        if let Some(lock) = s.lock.as_deref() {
            self.check_lock_nullable_side(s, items, lock)?;
            self.lock(lock)?;
        }
        self.qualify = qualify;
        self.ctes.truncate(ctes_before);
        self.windows = windows;
        Ok(())
    }

    /// A LATERAL subquery sees only the FROM items before it (in the FROM list or the
    /// join chain it is in), and only through an inner or left join.
    fn check_lateral_order(&self, s: &'a SelectCore, items: &Sources<'a>) -> Result {
        if !has_lateral(
            items
                .iter()
                .copied()
                .chain(s.joins.iter().map(|j| &j.target)),
        ) {
            return Ok(());
        }
        self.d.require(Feature::Lateral)?;
        // The order the FROM clause is written in: the first item, its joins, the rest.
        let order: SmallVec<[(&'a Source, Option<JoinKind>); 4]> =
            std::iter::once((items[0], None))
                .chain(s.joins.iter().map(|j| (&j.target, Some(j.kind))))
                .chain(items.iter().skip(1).map(|x| (*x, None)))
                .collect();
        let all: Sources<'a> = order.iter().map(|(x, _)| *x).collect();
        match lateral_misread(&order, &all) {
            None => Ok(()),
            Some((x, dep, true)) => Err(CompileError::invalid(format!(
                "the LATERAL subquery {} refers to {} through a RIGHT or FULL join; only an inner or left join can feed a LATERAL subquery",
                x.exposed_name(),
                dep.exposed_name()
            ))),
            Some((x, dep, false)) => Err(CompileError::invalid(format!(
                "the LATERAL subquery {} refers to {}, which comes after it in the FROM clause (a LATERAL subquery sees only the items before it): join the LATERAL subquery to {} (.select_from({}).join(lateral, ..)) rather than making it the left side of a join",
                x.exposed_name(),
                dep.exposed_name(),
                dep.exposed_name(),
                dep.exposed_name()
            ))),
        }
    }

    /// A LATERAL subquery in UPDATE .. FROM / DELETE .. USING sees the items before it,
    /// not the statement's target (PostgreSQL refuses that reference).
    fn check_dml_laterals(&self, target: &'a Source, froms: &Sources<'a>) -> Result {
        if !has_lateral(froms.iter().copied()) {
            return Ok(());
        }
        self.d.require(Feature::Lateral)?;
        let order: SmallVec<[(&'a Source, Option<JoinKind>); 4]> =
            froms.iter().map(|x| (*x, None)).collect();
        let mut all = froms.clone();
        all.push(target);
        match lateral_misread(&order, &all) {
            None => Ok(()),
            Some((x, dep, _)) => Err(CompileError::invalid(format!(
                "the LATERAL subquery {} refers to {}, which it cannot see here (a LATERAL subquery of UPDATE .. FROM / DELETE .. USING sees only the FROM items before it, not the target)",
                x.exposed_name(),
                dep.exposed_name()
            ))),
        }
    }

    /// `WINDOW name AS (..), ..`: each window may refine one defined before it.
    fn window_clause(&mut self, list: &'a [std::sync::Arc<WindowDef>]) -> Result {
        self.d.require(Feature::NamedWindows)?;
        self.sql.push_str(" WINDOW ");
        for (i, def) in list.iter().enumerate() {
            if def.id == 0 {
                return Err(CompileError::invalid(
                    "Select::window() takes a named window (Window::named(..)) as it was named, not an unnamed or refined window",
                ));
            }
            if def.name.is_empty() {
                return Err(CompileError::invalid("a window name cannot be empty"));
            }
            // MySQL, MariaDB and SQLite compare window names without case (SQLite would
            // silently resolve both to one window); PostgreSQL's are quoted as given.
            let same_name = |x: &WindowDef| match self.pg() {
                true => x.name == def.name,
                false => x.name.eq_ignore_ascii_case(&def.name),
            };
            if let Some(other) = list[..i].iter().find(|x| same_name(x)) {
                return Err(CompileError::invalid(if other.id == def.id {
                    format!("the window {} is attached twice with .window()", def.name)
                } else {
                    format!("two different windows are named {} in one SELECT", def.name)
                }));
            }
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.ident(&def.name);
            self.sql.push_str(" AS (");
            self.window_spec(&def.window, &list[..i], Some(&def.name))?;
            self.sql.push(')');
        }
        Ok(())
    }

    /// `WITH [RECURSIVE] name AS [[NOT] MATERIALIZED] (..), .. ` before a SELECT. The
    /// CTEs stay visible until the SELECT ends.
    fn with_clause(&mut self, list: &'a [std::sync::Arc<crate::schema::SubqueryDef>]) -> Result {
        self.d.require(Feature::Cte)?;
        let info = |d: &'a crate::schema::SubqueryDef| d.cte.as_ref().expect("a CTE");
        let recursive = list.iter().any(|d| info(d).recursive.is_some());
        if recursive {
            self.d.require(Feature::RecursiveCte)?;
            // WITH RECURSIVE: each CTE may refer to itself and to the others.
            for d in list {
                self.ctes.push(d);
            }
        }
        self.sql.push_str(if recursive {
            "WITH RECURSIVE "
        } else {
            "WITH "
        });
        for (i, d) in list.iter().enumerate() {
            let me = info(d);
            if list[..i].iter().any(|x| info(x).id == me.id) {
                return Err(CompileError::invalid(format!(
                    "the CTE {} is attached twice with .with_()",
                    d.name
                )));
            }
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.ident(&d.name);
            self.sql.push_str(" AS ");
            match me.materialized {
                Some(m) => {
                    self.d.require(Feature::CteMaterialized)?;
                    self.sql.push_str(if m {
                        "MATERIALIZED ("
                    } else {
                        "NOT MATERIALIZED ("
                    });
                }
                None => self.sql.push('('),
            }
            self.select(&d.select, false)?;
            if let Some((op, term)) = &me.recursive {
                self.sql.push_str(op.sql());
                self.select(term, false)?;
            }
            self.sql.push(')');
            if !recursive {
                self.ctes.push(d);
            }
        }
        self.sql.push(' ');
        Ok(())
    }

    fn order_target(&mut self, s: Option<&'a SelectCore>, n: &'a Node) -> Result {
        match s.and_then(|s| label_ref(s, n)) {
            Some(name) => {
                self.ident(name);
                Ok(())
            }
            None => self.expr(n, P_TEXT, true),
        }
    }

    /// An ORDER BY item; `s` is the SELECT whose labels it may name (none in a window).
    fn order_item(&mut self, s: Option<&'a SelectCore>, o: &'a crate::expr::OrderBy) -> Result {
        let native = self.d.supports(Feature::NullsOrdering);
        if let (Some(first), false) = (o.nulls, native) {
            // Emulation: `x IS NULL DESC, x` puts NULLs first; `x IS NULL, x` last. The
            // expression is rendered twice with the same canonical values.
            let saved = self.next_value;
            let prec_sensitive = s.and_then(|s| label_ref(s, &o.node)).is_none();
            if prec_sensitive {
                self.expr(&o.node, P_CMP + 1, true)?;
            } else {
                self.order_target(s, &o.node)?;
            }
            self.sql.push_str(if first {
                " IS NULL DESC, "
            } else {
                " IS NULL, "
            });
            self.next_value = saved;
            self.order_target(s, &o.node)?;
            if o.desc {
                self.sql.push_str(" DESC");
            }
            return Ok(());
        }
        self.order_target(s, &o.node)?;
        if o.desc {
            self.sql.push_str(" DESC");
        }
        match o.nulls {
            Some(true) => self.sql.push_str(" NULLS FIRST"),
            Some(false) => self.sql.push_str(" NULLS LAST"),
            None => {}
        }
        Ok(())
    }

    fn limit_value(&mut self, n: &'a Node) -> Result {
        if self.d.is_mysql_family() && !matches!(n.0, N::Bind(_) | N::Named(_) | N::Inline(_)) {
            return Err(self.d.unsupported("an expression in LIMIT / OFFSET"));
        }
        self.expr(n, P_ATOM, false)
    }

    fn limit_offset(&mut self, limit: Option<&'a Node>, offset: Option<&'a Node>) -> Result {
        match (limit, offset) {
            (None, None) => {}
            (Some(l), None) => {
                self.sql.push_str(" LIMIT ");
                self.limit_value(l)?;
            }
            (limit, Some(o)) => {
                match (limit, self.d.kind()) {
                    (Some(l), _) => {
                        self.sql.push_str(" LIMIT ");
                        self.limit_value(l)?;
                    }
                    (None, DialectKind::Postgres) => {}
                    (None, DialectKind::Sqlite) => self.sql.push_str(" LIMIT -1"),
                    (None, DialectKind::MySql | DialectKind::MariaDb) => {
                        self.sql.push_str(" LIMIT 18446744073709551615")
                    }
                }
                self.sql.push_str(" OFFSET ");
                self.limit_value(o)?;
            }
        }
        Ok(())
    }

    /// PostgreSQL refuses to lock rows of the nullable side of an outer join: the lock
    /// must be restricted with OF to tables that are not on it.
    fn check_lock_nullable_side(
        &self,
        s: &'a SelectCore,
        items: &Sources<'a>,
        lock: &'a crate::stmt::Lock,
    ) -> Result {
        if !self.pg() {
            return Ok(());
        }
        let mut nullable: Vec<&Source> = Vec::new();
        let mut left: Vec<&Source> = items.first().into_iter().copied().collect();
        for j in s.joins.iter() {
            match j.kind {
                JoinKind::Inner => {}
                JoinKind::Left => nullable.push(&j.target),
                JoinKind::Right => nullable.extend(left.iter().copied()),
                JoinKind::Full => {
                    nullable.extend(left.iter().copied());
                    nullable.push(&j.target);
                }
            }
            left.push(&j.target);
        }
        if nullable.is_empty() {
            return Ok(());
        }
        let locked_nullable = if lock.of.is_empty() {
            nullable.first().copied()
        } else {
            lock.of.iter().find(|o| nullable.iter().any(|n| n.same(o)))
        };
        match locked_nullable {
            None => Ok(()),
            Some(src) => Err(self.d.unsupported(format!(
                "a row lock on {}, on the nullable side of an outer join (restrict the lock with .of(..) to other tables)",
                src.describe()
            ))),
        }
    }

    fn lock(&mut self, lock: &'a crate::stmt::Lock) -> Result {
        let kind = self.d.kind();
        match lock.strength {
            LockStrength::Update => {
                self.d.require(Feature::ForUpdate)?;
                self.sql.push_str(" FOR UPDATE");
            }
            LockStrength::Share => {
                self.d.require(Feature::ForShare)?;
                let modern = kind == DialectKind::Postgres
                    || (kind == DialectKind::MySql && self.d.version().major >= 8);
                self.sql.push_str(if modern {
                    " FOR SHARE"
                } else {
                    " LOCK IN SHARE MODE"
                });
            }
        }
        if !lock.of.is_empty() {
            self.d.require(Feature::LockOf)?;
            self.sql.push_str(" OF ");
            for (i, s) in lock.of.iter().enumerate() {
                if !self.scopes.in_current(s) {
                    return Err(CompileError::invalid(format!(
                        "FOR UPDATE OF {}: not a FROM item of this query",
                        s.describe()
                    )));
                }
                if i > 0 {
                    self.sql.push_str(", ");
                }
                let name = s.exposed_name().to_owned();
                self.ident(&name);
            }
        }
        match lock.wait {
            LockWait::Wait => {}
            LockWait::NoWait => {
                self.d.require(Feature::LockNoWait)?;
                self.sql.push_str(" NOWAIT");
            }
            LockWait::SkipLocked => {
                self.d.require(Feature::LockSkipLocked)?;
                self.sql.push_str(" SKIP LOCKED");
            }
        }
        Ok(())
    }

    fn render_from_item(&mut self, s: &'a Source) -> Result {
        match s {
            Source::Table(t) => self.table_name(t.def()),
            Source::Alias(a) => {
                self.table_name(a.table.def());
                self.sql.push_str(" AS ");
                self.ident(&a.name);
            }
            Source::Subquery(q) if q.cte.is_some() => {
                let id = q.cte.as_ref().map(|c| c.id);
                if !self.ctes.iter().any(|d| d.cte.as_ref().map(|c| c.id) == id) {
                    return Err(CompileError::invalid(format!(
                        "the CTE {} is used but no enclosing SELECT defines it: attach it with .with_(&{})",
                        q.name, q.name
                    )));
                }
                self.ident(&q.name);
            }
            // (`select` is a compound's first SELECT: it has the compound's width.)
            Source::Subquery(q)
                if q.compound.as_ref().is_none_or(|c| c.invalid.is_none())
                    && q.columns.len() != q.select.columns.len() =>
            {
                return Err(CompileError::invalid(format!(
                    "subquery {} is given {} column names for its {} columns (column_aliases takes one name per column)",
                    q.name,
                    q.columns.len(),
                    q.select.columns.len()
                )));
            }
            Source::Subquery(q) if q.compound.is_some() => {
                if q.lateral {
                    return Err(self.d.unsupported("a LATERAL compound SELECT"));
                }
                self.sql.push('(');
                if let Some(c) = &q.compound {
                    self.compound(c, false)?;
                }
                self.sql.push_str(") AS ");
                self.ident(&q.name);
            }
            Source::Subquery(q) => {
                if q.lateral {
                    self.d.require(Feature::Lateral)?;
                    self.sql.push_str("LATERAL ");
                }
                self.sql.push('(');
                self.select(&q.select, q.lateral)?;
                self.sql.push_str(") AS ");
                self.ident(&q.name);
            }
        }
        Ok(())
    }

    fn expr_list(&mut self, list: &'a [Node]) -> Result {
        for (i, n) in list.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.expr(n, P_TEXT, true)?;
        }
        Ok(())
    }

    // ---- expressions -------------------------------------------------------------

    fn prec(&self, n: &Node) -> u8 {
        match &n.0 {
            N::Binary(b) => match b.op {
                BinOp::Eq
                | BinOp::Ne
                | BinOp::Lt
                | BinOp::Le
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::IsNotDistinctFrom => P_CMP,
                BinOp::IsDistinctFrom if self.d.is_mysql_family() => P_NOT,
                BinOp::IsDistinctFrom => P_CMP,
                BinOp::Add | BinOp::Sub => P_ADD,
                BinOp::Mul | BinOp::Div | BinOp::IntDiv | BinOp::Rem => P_MUL,
                BinOp::Concat if self.d.is_mysql_family() => P_ATOM,
                BinOp::Concat => P_CONCAT,
            },
            N::Unary(u) => match u.op {
                UnOp::Not => P_NOT,
                UnOp::Neg => P_UNARY,
                UnOp::IsNull | UnOp::IsNotNull => P_CMP,
            },
            N::And(_) => P_AND,
            N::Or(_) => P_OR,
            N::InList(_) | N::InSelect(_) | N::Between(_) | N::Like(_) => P_CMP,
            N::Text(_) => P_TEXT,
            N::Label(l) => self.prec(&l.e),
            N::Inline(_) => P_ATOM,
            _ => P_ATOM,
        }
    }

    /// Renders `n`, parenthesised if it binds looser than `min`. `cast`: a bind at the top
    /// of `n` gets a PostgreSQL type cast (its type cannot be inferred from context).
    #[inline]
    fn expr(&mut self, n: &'a Node, min: u8, cast: bool) -> Result {
        // Columns are atoms: the common leaf skips the precedence check.
        if let N::Column(c) = &n.0 {
            return self.column(c);
        }
        self.expr_paren(n, min, cast)
    }

    fn expr_paren(&mut self, n: &'a Node, min: u8, cast: bool) -> Result {
        let paren = self.prec(n) < min;
        if paren {
            self.sql.push('(');
        }
        self.expr_inner(n, cast)?;
        if paren {
            self.sql.push(')');
        }
        Ok(())
    }

    fn expr_inner(&mut self, n: &'a Node, cast: bool) -> Result {
        match &n.0 {
            N::Column(c) => self.column(c),
            N::Bind(b) => {
                let src = self.value_slot(&b.value);
                if self.inline.is_some() {
                    return self.literal(&b.value, cast.then_some(b.ty));
                }
                self.placeholder(src, cast.then_some(b.ty))
            }
            N::Named(nb) => {
                if self.inline.is_some() {
                    let v = self.named_value(&nb.name)?;
                    return self.literal(v, cast.then_some(nb.ty));
                }
                self.placeholder(
                    SlotSource::Named(nb.name.to_string()),
                    cast.then_some(nb.ty),
                )
            }
            N::Inline(v) => self.d.literal_into(&mut self.sql, v),
            N::Null => {
                self.sql.push_str("NULL");
                Ok(())
            }
            N::Bool(b) => {
                self.sql.push_str(self.d.bool_literal(*b));
                Ok(())
            }
            N::Binary(b) => self.binary(b.op, &b.l, &b.r),
            N::Unary(u) => self.unary(u.op, &u.e),
            N::And(items) => self.conj(items, " AND ", P_AND + 1),
            N::Or(items) => self.conj(items, " OR ", P_OR + 1),
            N::InList(i) => self.in_list(&i.e, &i.values, i.negated),
            N::InSelect(i) => {
                self.expr(&i.e, P_CMP + 1, true)?;
                self.sql
                    .push_str(if i.negated { " NOT IN (" } else { " IN (" });
                if i.select.has_limit() {
                    self.d.require(Feature::LimitInInSubquery)?;
                }
                let width = match &i.e.0 {
                    N::Tuple(items) => {
                        self.d.require(Feature::RowValues)?;
                        items.len()
                    }
                    _ => 1,
                };
                if i.select.width() != width {
                    return Err(CompileError::invalid(format!(
                        "IN (SELECT ...) compares {width} value(s) with a subquery of {} columns",
                        i.select.width()
                    )));
                }
                self.query(&i.select, true)?;
                self.sql.push(')');
                Ok(())
            }
            N::Tuple(items) => {
                self.sql.push('(');
                self.expr_list(items)?;
                self.sql.push(')');
                Ok(())
            }
            N::Between(b) => {
                self.expr(&b.e, P_CMP + 1, true)?;
                self.sql.push_str(if b.negated {
                    " NOT BETWEEN "
                } else {
                    " BETWEEN "
                });
                self.expr(&b.lo, P_CMP + 1, false)?;
                self.sql.push_str(" AND ");
                self.expr(&b.hi, P_CMP + 1, false)
            }
            N::Like(l) => self.like(l),
            N::Case(c) => {
                self.sql.push_str("CASE");
                for (w, t) in &c.whens {
                    self.sql.push_str(" WHEN ");
                    self.expr(w, P_TEXT, true)?;
                    self.sql.push_str(" THEN ");
                    self.expr(t, P_TEXT, true)?;
                }
                if let Some(e) = &c.else_ {
                    self.sql.push_str(" ELSE ");
                    self.expr(e, P_TEXT, true)?;
                }
                self.sql.push_str(" END");
                Ok(())
            }
            N::Cast(c) => {
                let ty = self.d.cast_type(c.ty)?;
                self.sql.push_str("CAST(");
                self.expr(&c.e, P_TEXT, true)?;
                self.sql.push_str(" AS ");
                self.sql.push_str(&ty);
                self.sql.push(')');
                Ok(())
            }
            N::Func(f) => self.func(&f.name, &f.args, f.distinct),
            N::Label(l) => self.expr(&l.e, P_TEXT, cast),
            N::Scalar(s) => {
                if s.width() != 1 {
                    return Err(CompileError::invalid(format!(
                        "a scalar subquery must have one column, not {}",
                        s.width()
                    )));
                }
                self.sql.push('(');
                self.query(s, true)?;
                self.sql.push(')');
                Ok(())
            }
            N::Exists(s) => {
                self.sql.push_str("EXISTS (");
                self.query(s, true)?;
                self.sql.push(')');
                Ok(())
            }
            N::Text(t) => self.text(t),
            N::Excluded(c) => self.excluded(c),
            N::Over(o) => self.over(o),
        }
    }

    /// `f(..) OVER (PARTITION BY .. ORDER BY .. frame)`, or `f(..) OVER name` for a named
    /// window of the SELECT.
    fn over(&mut self, o: &'a crate::expr::window::OverNode) -> Result {
        self.d.require(Feature::WindowFunctions)?;
        let N::Func(f) = &o.func.0 else {
            return Err(CompileError::invalid(
                "OVER applies to a function call (an aggregate or a window function)",
            ));
        };
        if matches!(&f.name, FuncName::Named(n) if n == "lag" || n == "lead") && f.args.len() == 3 {
            self.d.require(Feature::WindowOffsetDefault)?;
        }
        if contains_window(&o.func) {
            return Err(CompileError::invalid(
                "a window function's arguments cannot contain another window function",
            ));
        }
        self.expr_inner(&o.func, true)?;
        let w = &o.window;
        match &w.base {
            Some(def) if w.is_reference() => {
                self.named_window(def, self.windows, None)?;
                self.sql.push_str(" OVER ");
                self.ident(&def.name);
            }
            _ => {
                self.sql.push_str(" OVER (");
                self.window_spec(w, self.windows, None)?;
                self.sql.push(')');
            }
        }
        Ok(())
    }

    /// Checks that the named window `def` is one of `visible` (the windows a use of it
    /// can see); `user` is the window being defined that refers to it.
    fn named_window(
        &self,
        def: &WindowDef,
        visible: &[std::sync::Arc<WindowDef>],
        user: Option<&str>,
    ) -> Result {
        if visible.iter().any(|x| x.id == def.id) {
            return Ok(());
        }
        self.d.require(Feature::NamedWindows)?;
        Err(CompileError::invalid(match user {
            Some(user) if self.windows.iter().any(|x| x.id == def.id) => format!(
                "the window {user} refines {}, which is attached after it: attach {} first",
                def.name, def.name
            ),
            _ => format!(
                "the window {} is used in a SELECT it is not attached to: add .window(&{}) to the SELECT whose columns or ORDER BY use it (window names are not visible in subqueries)",
                def.name, def.name
            ),
        }))
    }

    /// A window's specification, without the parentheses: `[base] PARTITION BY ..
    /// ORDER BY .. frame`; `visible` are the named windows it may refine, `name` its own
    /// name in a WINDOW clause.
    fn window_spec(
        &mut self,
        w: &'a Window,
        visible: &'a [std::sync::Arc<WindowDef>],
        name: Option<&str>,
    ) -> Result {
        // The ORDER BY in effect: the window's own, or the one it inherits.
        fn ordering(w: &Window) -> &[OrderBy] {
            match &w.base {
                Some(b) if w.order_by.is_empty() => ordering(&b.window),
                _ => w.order_by.as_slice(),
            }
        }
        let mut sep = "";
        if let Some(base) = &w.base {
            self.named_window(base, visible, name)?;
            if !w.partition_by.is_empty() {
                return Err(CompileError::invalid(format!(
                    "a window that refines {} cannot add a PARTITION BY (it takes {}'s partitioning)",
                    base.name, base.name
                )));
            }
            if !w.order_by.is_empty() && !ordering(&base.window).is_empty() {
                return Err(CompileError::invalid(format!(
                    "a window that refines {} cannot add an ORDER BY: {} already has one",
                    base.name, base.name
                )));
            }
            if base.window.frame.is_some() {
                return Err(CompileError::invalid(format!(
                    "the window {} has a frame, so it cannot be refined: use .over(&{}) as it is, or name a window without the frame",
                    base.name, base.name
                )));
            }
            // PostgreSQL's grammar takes these words in this position for the start of
            // the window's own clauses: quote them.
            if ["rows", "range", "groups", "partition"]
                .iter()
                .any(|k| base.name.eq_ignore_ascii_case(k))
            {
                self.d.ident_masked(&mut self.sql, &base.name, u8::MAX);
            } else {
                self.ident(&base.name);
            }
            sep = " ";
        }
        if w.nodes().any(contains_window) {
            return Err(CompileError::invalid(
                "a window's PARTITION BY and ORDER BY cannot contain a window function",
            ));
        }
        if let Some(x) = w.exclude {
            self.d.require(Feature::WindowFrameExclusion)?;
            if w.frame.is_none() {
                return Err(CompileError::invalid(format!(
                    "{} needs a frame: give the window rows(..), range(..), groups(..) or frame_from(..)",
                    x.sql()
                )));
            }
        }
        if let Some(f) = &w.frame {
            if f.units == FrameUnits::Groups {
                self.d.require(Feature::WindowGroupsFrame)?;
            }
            if f.start == FrameBound::UnboundedFollowing
                || f.end == Some(FrameBound::UnboundedPreceding)
                || f.end.is_some_and(|e| e.rank() < f.start.rank())
                || (f.end.is_none() && f.start.rank() > FrameBound::CurrentRow.rank())
            {
                return Err(CompileError::invalid(format!(
                    "window frame from {} to {}: a frame cannot start after it ends, start at UNBOUNDED FOLLOWING or end at UNBOUNDED PRECEDING",
                    f.start,
                    f.end.unwrap_or(FrameBound::CurrentRow)
                )));
            }
            let order = ordering(w);
            let has_offset = f.start.offset().is_some() || f.end.and_then(|e| e.offset()).is_some();
            if has_offset && f.units != FrameUnits::Rows && order.is_empty() {
                return Err(CompileError::invalid(
                    "a RANGE or GROUPS frame with an offset needs an ORDER BY in its window",
                ));
            }
            if has_offset && f.units == FrameUnits::Range {
                let emulated = !self.d.supports(Feature::NullsOrdering)
                    && order.iter().any(|x| x.nulls.is_some());
                if order.len() != 1 || emulated {
                    return Err(CompileError::invalid(
                        "a RANGE frame with an offset needs exactly one ORDER BY expression in its window (and no emulated NULLS FIRST / LAST)",
                    ));
                }
            }
        }
        if !w.partition_by.is_empty() {
            self.sql.push_str(sep);
            self.sql.push_str("PARTITION BY ");
            self.expr_list(w.partition_by.as_slice())?;
            sep = " ";
        }
        if !w.order_by.is_empty() {
            self.sql.push_str(sep);
            self.sql.push_str("ORDER BY ");
            for (i, ob) in w.order_by.iter().enumerate() {
                if i > 0 {
                    self.sql.push_str(", ");
                }
                self.order_item(None, ob)?;
            }
            sep = " ";
        }
        if let Some(f) = &w.frame {
            self.sql.push_str(sep);
            self.sql.push_str(match f.units {
                FrameUnits::Rows => "ROWS ",
                FrameUnits::Range => "RANGE ",
                FrameUnits::Groups => "GROUPS ",
            });
            match f.end {
                None => {
                    let _ = write!(self.sql, "{}", f.start);
                }
                Some(end) => {
                    let _ = write!(self.sql, "BETWEEN {} AND {end}", f.start);
                }
            }
            if let Some(x) = w.exclude {
                self.sql.push(' ');
                self.sql.push_str(x.sql());
            }
        }
        Ok(())
    }

    /// `excluded(col)`: the proposed row of the upsert being rendered.
    fn excluded(&mut self, c: &'a ColumnRef) -> Result {
        let Some((form, target)) = self.excluded else {
            return Err(CompileError::invalid(
                "excluded() refers to the row an upsert proposes; use it only in on_conflict(..).do_update(..), its where_(), or on_duplicate_key_update(..)",
            ));
        };
        let def = match (c.def(), &c.source) {
            (Some(def), Source::Table(_)) if c.source.same(target) => def,
            _ => {
                return Err(CompileError::invalid(format!(
                    "excluded({}) is not a column of the INSERT's table {}",
                    c.name().unwrap_or("?"),
                    target.exposed_name()
                )));
            }
        };
        match form {
            ProposedRow::Excluded => {
                self.sql.push_str("excluded.");
                self.d.ident_masked(&mut self.sql, &def.name, def.quote);
            }
            ProposedRow::Values => {
                self.sql.push_str("VALUES(");
                self.d.ident_masked(&mut self.sql, &def.name, def.quote);
                self.sql.push(')');
            }
            ProposedRow::Alias(alias) => {
                self.sql.push_str(alias);
                self.sql.push('.');
                self.d.ident_masked(&mut self.sql, &def.name, def.quote);
            }
        }
        Ok(())
    }

    fn column(&mut self, c: &'a ColumnRef) -> Result {
        // Fast path: a column of a static table that is in scope.
        if let (Source::Table(TableRef::Static(def)), None) = (&c.source, self.returning_target) {
            if let Some(col) = def.columns.get(usize::from(c.index)) {
                if self.scopes.visible_static(def) {
                    if !self.qualify {
                        self.d.ident_masked(&mut self.sql, &col.name, col.quote);
                    } else if def.schema.is_none()
                        && (def.name_quote | col.quote) & self.d.quote_bit() == 0
                        && !col.qualified.is_empty()
                    {
                        self.sql.push_str(&col.qualified);
                    } else {
                        self.table_name(def);
                        self.sql.push('.');
                        self.d.ident_masked(&mut self.sql, &col.name, col.quote);
                    }
                    return Ok(());
                }
            }
        }
        let name = match c.name() {
            Some(n) => n,
            None => {
                return Err(match &c.source {
                    Source::Subquery(q) => CompileError::SubqueryColumn {
                        subquery: q.name.to_string(),
                        index: usize::from(c.index),
                        problem: if usize::from(c.index) < q.columns.len() {
                            "it has no name; give the expression a .label()".into()
                        } else {
                            "the subquery has fewer columns".into()
                        },
                    },
                    other => CompileError::invalid(format!(
                        "column #{} does not exist in {} (was a column of another table passed to Aliased::col?)",
                        c.index,
                        other.describe()
                    )),
                });
            }
        };
        if let Source::Subquery(q) = &c.source {
            if q.columns
                .iter()
                .filter(|x| x.as_deref() == Some(name))
                .count()
                > 1
            {
                return Err(CompileError::SubqueryColumn {
                    subquery: q.name.to_string(),
                    index: usize::from(c.index),
                    problem: format!("the name {name} is ambiguous; label the columns"),
                });
            }
        }
        if let Some(target) = self.returning_target {
            if !c.source.same(target) {
                return Err(self.d.unsupported(format!(
                    "RETURNING a column of {}, which is not the statement's target",
                    c.source.describe()
                )));
            }
        }
        if !self.scopes.visible(&c.source) {
            return Err(CompileError::MissingFrom {
                column: format!("{}.{}", c.source.exposed_name(), name),
                source_desc: c.source.describe(),
            });
        }
        if self.qualify {
            match &c.source {
                Source::Table(t) => self.table_name(t.def()),
                Source::Alias(a) => self.ident(&a.name),
                Source::Subquery(q) => self.ident(&q.name),
            }
            self.sql.push('.');
        }
        match c.def() {
            Some(def) => self.d.ident_masked(&mut self.sql, name, def.quote),
            None => self.ident(name),
        }
        Ok(())
    }

    fn binary(&mut self, op: BinOp, l: &'a Node, r: &'a Node) -> Result {
        let my = self.d.is_mysql_family();
        // A bind beside another bind gets a cast; beside a typed operand it is inferred.
        let cast_l = is_bindish(r);
        let (lp, rp) = match op {
            BinOp::Add | BinOp::Mul => (self.prec_of(op), self.prec_of(op)),
            BinOp::Sub | BinOp::Div | BinOp::IntDiv | BinOp::Rem => {
                (self.prec_of(op), self.prec_of(op) + 1)
            }
            BinOp::Concat => (P_ATOM, P_ATOM),
            _ => (P_CMP + 1, P_CMP + 1),
        };
        match op {
            BinOp::Concat if my => {
                self.sql.push_str("CONCAT(");
                self.expr(l, P_TEXT, true)?;
                self.sql.push_str(", ");
                self.expr(r, P_TEXT, true)?;
                self.sql.push(')');
                return Ok(());
            }
            BinOp::IsDistinctFrom if my => {
                self.sql.push_str("NOT (");
                self.expr(l, lp, cast_l)?;
                self.sql.push_str(" <=> ");
                self.expr(r, rp, false)?;
                self.sql.push(')');
                return Ok(());
            }
            _ => {}
        }
        let sym = match op {
            BinOp::Eq => " = ",
            BinOp::Ne => " <> ",
            BinOp::Lt => " < ",
            BinOp::Le => " <= ",
            BinOp::Gt => " > ",
            BinOp::Ge => " >= ",
            BinOp::Add => " + ",
            BinOp::Sub => " - ",
            BinOp::Mul => " * ",
            BinOp::Div => " / ",
            BinOp::IntDiv if my => " DIV ",
            BinOp::IntDiv => " / ",
            BinOp::Rem => " % ",
            BinOp::Concat => " || ",
            BinOp::IsDistinctFrom if self.d.kind() == DialectKind::Sqlite => " IS NOT ",
            BinOp::IsDistinctFrom => " IS DISTINCT FROM ",
            BinOp::IsNotDistinctFrom if my => " <=> ",
            BinOp::IsNotDistinctFrom if self.d.kind() == DialectKind::Sqlite => " IS ",
            BinOp::IsNotDistinctFrom => " IS NOT DISTINCT FROM ",
        };
        self.expr(l, lp, cast_l)?;
        self.sql.push_str(sym);
        self.expr(r, rp, false)
    }

    fn prec_of(&self, op: BinOp) -> u8 {
        match op {
            BinOp::Add | BinOp::Sub => P_ADD,
            _ => P_MUL,
        }
    }

    fn unary(&mut self, op: UnOp, e: &'a Node) -> Result {
        match op {
            UnOp::Not => {
                if let N::Exists(s) = &e.0 {
                    self.sql.push_str("NOT EXISTS (");
                    self.query(s, true)?;
                    self.sql.push(')');
                    return Ok(());
                }
                self.sql.push_str("NOT ");
                self.expr(e, P_ATOM, true)
            }
            UnOp::Neg => {
                self.sql.push('-');
                self.expr(e, P_ATOM, true)
            }
            UnOp::IsNull => {
                self.expr(e, P_CMP + 1, true)?;
                self.sql.push_str(" IS NULL");
                Ok(())
            }
            UnOp::IsNotNull => {
                self.expr(e, P_CMP + 1, true)?;
                self.sql.push_str(" IS NOT NULL");
                Ok(())
            }
        }
    }

    fn conj(&mut self, items: &'a [Node], sep: &str, min: u8) -> Result {
        for (i, n) in items.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(sep);
            }
            self.expr(n, min, true)?;
        }
        Ok(())
    }

    fn like(&mut self, l: &'a crate::expr::LikeNode) -> Result {
        let native_ilike = self.pg();
        let emulate = l.case_insensitive && !native_ilike;
        if emulate {
            self.sql.push_str("lower(");
            self.expr(&l.e, P_TEXT, true)?;
            self.sql.push(')');
        } else {
            self.expr(&l.e, P_CMP + 1, true)?;
        }
        self.sql
            .push_str(match (l.negated, l.case_insensitive && native_ilike) {
                (false, false) => " LIKE ",
                (true, false) => " NOT LIKE ",
                (false, true) => " ILIKE ",
                (true, true) => " NOT ILIKE ",
            });
        if emulate {
            self.sql.push_str("lower(");
            self.expr(&l.pattern, P_TEXT, false)?;
            self.sql.push(')');
        } else {
            self.expr(&l.pattern, P_CMP + 1, false)?;
        }
        if let Some(c) = l.escape {
            self.sql.push_str(" ESCAPE ");
            let mut s = [0u8; 4];
            let lit = crate::value::Value::Text(c.encode_utf8(&mut s).to_owned());
            self.d.literal_into(&mut self.sql, &lit)?;
        }
        Ok(())
    }

    fn in_list(&mut self, e: &'a Node, values: &'a crate::value::Value, negated: bool) -> Result {
        let arity = match &e.0 {
            N::Tuple(items) => {
                self.d.require(Feature::RowValues)?;
                Some(items.len())
            }
            _ => None,
        };
        if self.pg() && arity.is_none() {
            // One array parameter: the statement text does not depend on the list length.
            self.expr(e, P_CMP + 1, true)?;
            self.sql
                .push_str(if negated { " <> ALL(" } else { " = ANY(" });
            let src = self.value_slot(values);
            if self.inline.is_some() {
                self.literal(values, None)?;
            } else {
                self.placeholder(src, None)?;
            }
            self.sql.push(')');
            return Ok(());
        }
        self.expr(e, P_CMP + 1, true)?;
        self.sql
            .push_str(if negated { " NOT IN (" } else { " IN (" });
        let value = self.take_value(values);
        let arity = arity.unwrap_or(1);
        if self.inline.is_some() {
            let items = match values {
                crate::value::Value::List(items) => items,
                _ => return Err(CompileError::invalid("an IN list value is not a list")),
            };
            if items.is_empty() {
                let empty = self.empty_set(e, arity);
                self.sql.push_str(&empty);
            }
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    self.sql.push_str(", ");
                }
                match (arity, item) {
                    (1, v) => self.literal(v, None)?,
                    (_, crate::value::Value::List(row)) if row.len() == arity => {
                        self.sql.push('(');
                        for (j, v) in row.iter().enumerate() {
                            if j > 0 {
                                self.sql.push_str(", ");
                            }
                            self.literal(v, None)?;
                        }
                        self.sql.push(')');
                    }
                    _ => {
                        return Err(CompileError::BindMismatch {
                            message: format!(
                                "row {k} of a tuple IN list does not have {arity} values"
                            ),
                        });
                    }
                }
            }
            self.sql.push(')');
            return Ok(());
        }
        let start = self.sql.len();
        let _ = write!(self.sql, "__[EXPANDING_{value}]__");
        let end = self.sql.len();
        let empty = self.empty_set(e, arity);
        self.slots.push(Slot {
            source: SlotSource::Expanding { value, arity },
            range: (start, end),
            empty: Some(empty.into()),
        });
        self.expanding = true;
        self.sql.push(')');
        Ok(())
    }

    /// A subquery with no rows, for an empty expanding list: `x IN (<this>)` is false and
    /// `x NOT IN (<this>)` true, whatever x is.
    fn empty_set(&self, e: &Node, arity: usize) -> String {
        let mut out = String::from("SELECT ");
        let types: Vec<DataType> = match &e.0 {
            N::Tuple(items) => items.iter().map(Node::data_type).collect(),
            _ => vec![e.data_type()],
        };
        for i in 0..arity {
            if i > 0 {
                out.push_str(", ");
            }
            let ty = types.get(i).copied().unwrap_or(DataType::Any);
            match (self.pg(), self.d.cast_type(ty)) {
                (true, Ok(t)) if ty != DataType::Any => {
                    let _ = write!(out, "CAST(NULL AS {t})");
                }
                _ => out.push_str("NULL"),
            }
        }
        if self.d.is_mysql_family() {
            out.push_str(" FROM DUAL");
        }
        out.push_str(" WHERE 1 = 0");
        out
    }

    fn func(&mut self, name: &'a FuncName, args: &'a [Node], distinct: bool) -> Result {
        let fname: &str = match name {
            FuncName::CountStar => {
                self.sql.push_str("count(*)");
                return Ok(());
            }
            FuncName::Now if self.d.kind() == DialectKind::Sqlite => {
                self.sql.push_str("CURRENT_TIMESTAMP");
                return Ok(());
            }
            FuncName::Count => "count",
            FuncName::Sum => "sum",
            FuncName::Min => "min",
            FuncName::Max => "max",
            FuncName::Coalesce => "coalesce",
            FuncName::Lower => "lower",
            FuncName::Upper => "upper",
            FuncName::Now => "now",
            FuncName::Named(n) => {
                let ok = !n.is_empty()
                    && n.split('.').all(|part| {
                        let b = part.as_bytes();
                        !b.is_empty()
                            && !b[0].is_ascii_digit()
                            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    });
                if !ok {
                    return Err(CompileError::InvalidIdentifier {
                        what: "function name",
                        name: n.to_string(),
                    });
                }
                n
            }
        };
        self.sql.push_str(fname);
        self.sql.push('(');
        if distinct {
            self.sql.push_str("DISTINCT ");
        }
        self.expr_list(args)?;
        self.sql.push(')');
        Ok(())
    }

    fn text(&mut self, t: &'a TextNode) -> Result {
        let p = &*t.parsed;
        if let Some(name) = &t.unknown_bind {
            return Err(CompileError::Text {
                message: format!("bind({name:?}) names no :{name} parameter of the text"),
            });
        }
        if let Some(at) = p.unterminated {
            return Err(CompileError::Text {
                message: format!("unterminated quote or comment at byte {at}"),
            });
        }
        match (self.pg(), p.bare_qmark, p.bare_dollar) {
            (false, Some(at), _) => {
                return Err(CompileError::Text {
                    message: format!(
                        "a bare '?' at byte {at} would be read by {} as a placeholder; use a :name parameter, or quote it",
                        self.d
                    ),
                });
            }
            (true, _, Some(at)) => {
                return Err(CompileError::Text {
                    message: format!(
                        "a bare '$n' placeholder at byte {at} would clash with aludel's numbering on {}; use a :name parameter",
                        self.d
                    ),
                });
            }
            _ => {}
        }
        // Where the server may read a backslash in a string as an escape (MySQL unless
        // NO_BACKSLASH_ESCAPES; PostgreSQL with standard_conforming_strings off), where
        // that string ends, and so which `:name`s are parameters, depends on the session.
        let my = self.d.is_mysql_family();
        let escape = if my {
            p.backslash_in_single
                .into_iter()
                .chain(p.backslash_in_double)
                .min()
        } else if self.pg() {
            p.backslash_in_single
        } else {
            None
        };
        if let (Some(at), false) = (escape, p.names.is_empty()) {
            return Err(CompileError::Text {
                message: format!(
                    "a backslash inside a quoted string at byte {at} is an escape or not depending on {}'s session settings, so the :name parameters after it cannot be found safely; bind that string as a parameter instead",
                    self.d
                ),
            });
        }
        if let (true, Some(at)) = (my, p.after_hash) {
            return Err(CompileError::Text {
                message: format!(
                    "the parameter at byte {at} follows a '#', which starts a comment on {}; use '--' comments",
                    self.d
                ),
            });
        }
        // Bound parameters take canonical indices in name order.
        let rank: Vec<Option<usize>> = t
            .values
            .iter()
            .map(|v| v.as_ref().map(|v| self.take_value(v)))
            .collect();
        for piece in &p.pieces {
            match piece {
                TextPiece::Sql(r) => self.sql.push_str(&p.sql[r.clone()]),
                TextPiece::Param(i) if self.inline.is_some() => {
                    let v = match t.values.get(*i).and_then(Option::as_ref) {
                        Some(v) => v,
                        None => self.named_value(p.names.get(*i).map_or("", String::as_str))?,
                    };
                    self.literal(v, None)?;
                }
                TextPiece::Param(i) => {
                    let src = match rank.get(*i).copied().flatten() {
                        Some(idx) => SlotSource::Value(idx),
                        None => SlotSource::Named(p.names.get(*i).cloned().unwrap_or_default()),
                    };
                    self.placeholder(src, None)?;
                }
            }
        }
        Ok(())
    }

    // ---- INSERT / UPDATE / DELETE ------------------------------------------------------

    fn column_list(&mut self, table: &TableDef, columns: impl Iterator<Item = usize>) -> Result {
        self.sql.push_str(" (");
        for (i, c) in columns.enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            let def = table.columns.get(c).ok_or_else(|| {
                CompileError::invalid(format!("no column #{c} in {}", table.name))
            })?;
            self.d.ident_masked(&mut self.sql, &def.name, def.quote);
        }
        self.sql.push(')');
        Ok(())
    }

    fn default_slot(&mut self, d: &ClientDefault) -> Result {
        if self.inline.is_some() {
            return self.literal(&d.evaluate(), None);
        }
        self.placeholder(SlotSource::ClientDefault(d.clone()), None)
    }

    fn insert(&mut self, i: &'a InsertCore) -> Result {
        if let Some(msg) = &i.invalid {
            return Err(CompileError::invalid(msg.to_string()));
        }
        if !i.returning.is_empty() && i.return_defaults.is_some() {
            return Err(CompileError::invalid(
                "returning() and return_defaults() cannot be combined; return_defaults() already returns the generated columns",
            ));
        }
        let table = i.table.def();
        self.sql.push_str("INSERT INTO ");
        self.table_name(table);
        let given: &[u16] = match &i.source {
            InsertSource::Values { columns, .. } | InsertSource::Select { columns, .. } => columns,
            _ => &[],
        };
        if let Some(c) = given
            .iter()
            .filter_map(|g| table.columns.get(usize::from(*g)))
            .find(|c| c.computed.is_some())
        {
            return Err(computed_assigned(table, c, "INSERT"));
        }
        let defaults: Vec<(usize, &ClientDefault)> = table
            .columns
            .iter()
            .enumerate()
            .filter(|(idx, c)| {
                c.default.is_some() && !given.iter().any(|g| usize::from(*g) == *idx)
            })
            .filter_map(|(idx, c)| c.default.as_ref().map(|d| (idx, d)))
            .collect();
        let select_source = matches!(i.source, InsertSource::Select { .. });
        // What insert_source writes as `DEFAULT VALUES` / `() VALUES ()`.
        let default_values = defaults.is_empty()
            && match &i.source {
                InsertSource::Values { columns, .. } => columns.is_empty(),
                InsertSource::DefaultValues => true,
                _ => false,
            };
        self.force_where =
            select_source && i.upsert.is_some() && self.d.kind() == DialectKind::Sqlite;
        self.scopes.push(Sources::new(), true);
        let r = self.insert_source(i, table, &defaults);
        self.force_where = false;
        self.scopes.pop();
        r?;
        if let Some(u) = i.upsert.as_deref() {
            self.upsert(i, table, u, select_source, default_values)?;
        }
        self.returning(&i.returning, &i.target, &[], Feature::InsertReturning)?;
        if let Some(which) = &i.return_defaults {
            let cols = super::insert_default_columns(table, given, which);
            self.return_defaults(table, &cols, Feature::InsertReturning)?;
        }
        // The auto-increment key, generated in insertion order, orders the rows a
        // multi-row INSERT returns (RETURNING itself promises no order).
        // Not when an upsert updates: an updated row keeps its older key.
        let updates = match i.upsert.as_deref() {
            Some(Upsert::OnConflict { update, .. }) => update.is_some(),
            Some(Upsert::DuplicateKey { .. }) => true,
            None => false,
        };
        if let Some((auto, col)) = table.autoincrement_column()
            && !updates
            && col.default.is_none()
            && col.primary_key
            && table.columns.iter().filter(|c| c.primary_key).count() == 1
            && !given.iter().any(|g| usize::from(*g) == auto)
        {
            self.insert_order = if i.return_defaults.is_some() {
                self.columns.iter().position(|c| *c == *col.name)
            } else {
                i.returning.iter().position(|n| {
                    matches!(&n.0, N::Column(c) if usize::from(c.index) == auto && c.source.same(&i.target))
                })
            };
        }
        Ok(())
    }

    /// `ON CONFLICT ...` / `ON DUPLICATE KEY UPDATE ...`, after the values.
    fn upsert(
        &mut self,
        i: &'a InsertCore,
        table: &TableDef,
        u: &'a Upsert,
        select_source: bool,
        default_values: bool,
    ) -> Result {
        match u {
            Upsert::OnConflict {
                target,
                update,
                where_,
            } => {
                self.d.require(Feature::OnConflict)?;
                if default_values && self.d.kind() == DialectKind::Sqlite {
                    return Err(self.d.unsupported("ON CONFLICT with DEFAULT VALUES"));
                }
                self.sql.push_str(" ON CONFLICT");
                if !target.is_empty() {
                    self.column_list(table, target.iter().map(|c| usize::from(*c)))?;
                }
                let Some(set) = update else {
                    self.sql.push_str(" DO NOTHING");
                    return Ok(());
                };
                if target.is_empty() {
                    return Err(CompileError::invalid(
                        "ON CONFLICT DO UPDATE needs a conflict target: use on_conflict(columns) instead of on_any_conflict()",
                    ));
                }
                self.sql.push_str(" DO UPDATE SET ");
                self.with_excluded(i, ProposedRow::Excluded, |w| {
                    w.assignment_list(set, table, false)?;
                    if let Some(cond) = where_ {
                        w.sql.push_str(" WHERE ");
                        w.expr(cond, P_TEXT, true)?;
                    }
                    Ok(())
                })
            }
            Upsert::DuplicateKey { set } => {
                self.d.require(Feature::OnDuplicateKeyUpdate)?;
                let form = if self.d.supports(Feature::InsertRowAlias)
                    && !select_source
                    && !default_values
                {
                    let alias = if table.name.eq_ignore_ascii_case("new") {
                        "new_row"
                    } else {
                        "new"
                    };
                    self.sql.push_str(" AS ");
                    self.sql.push_str(alias);
                    ProposedRow::Alias(alias)
                } else {
                    ProposedRow::Values
                };
                self.sql.push_str(" ON DUPLICATE KEY UPDATE ");
                self.with_excluded(i, form, |w| w.assignment_list(set, table, false))
            }
        }
    }

    /// Runs `f` where the INSERT's target is in scope and `excluded(col)` is allowed.
    fn with_excluded(
        &mut self,
        i: &'a InsertCore,
        form: ProposedRow,
        f: impl FnOnce(&mut Self) -> Result,
    ) -> Result {
        let mut visible: Sources<'a> = Sources::new();
        visible.push(&i.target);
        self.scopes.push(visible, true);
        let saved = self.excluded.replace((form, &i.target));
        let r = f(self);
        self.excluded = saved;
        self.scopes.pop();
        r
    }

    fn insert_source(
        &mut self,
        i: &'a InsertCore,
        table: &TableDef,
        defaults: &[(usize, &ClientDefault)],
    ) -> Result {
        match &i.source {
            InsertSource::Unset => Err(CompileError::invalid(format!(
                "INSERT INTO {} has no values: call .values(), .values_many(), .from_select() or .default_values()",
                table.qualified_name()
            ))),
            InsertSource::Values { columns, rows } if !columns.is_empty() => {
                self.column_list(
                    table,
                    columns
                        .iter()
                        .map(|c| usize::from(*c))
                        .chain(defaults.iter().map(|(idx, _)| *idx)),
                )?;
                self.sql.push_str(" VALUES ");
                let single = rows.len() == columns.len();
                let (text_start, slots_start) = (self.sql.len(), self.slots.len());
                for (r, row) in rows.chunks(columns.len()).enumerate() {
                    if r > 0 {
                        self.sql.push_str(", ");
                    }
                    self.sql.push('(');
                    for (k, v) in row.iter().enumerate() {
                        if k > 0 {
                            self.sql.push_str(", ");
                        }
                        self.expr(v, P_TEXT, false)?;
                    }
                    for (_, d) in defaults {
                        self.sql.push_str(", ");
                        self.default_slot(d)?;
                    }
                    self.sql.push(')');
                }
                // Not for ON CONFLICT DO UPDATE: in one multi-row statement, two rows
                // conflicting on the same key are an error there, one after the other not.
                let updates_on_conflict = matches!(
                    i.upsert.as_deref(),
                    Some(Upsert::OnConflict {
                        update: Some(_),
                        ..
                    })
                );
                if single
                    && self.inline.is_none()
                    && !updates_on_conflict
                    && !rows.iter().any(reads_tables)
                {
                    self.values_row = Some(ValuesRow {
                        text: (text_start, self.sql.len()),
                        slots: (slots_start, self.slots.len()),
                    });
                }
                Ok(())
            }
            InsertSource::Values { .. } | InsertSource::DefaultValues => {
                if defaults.is_empty() {
                    self.sql.push_str(if self.d.is_mysql_family() {
                        " () VALUES ()"
                    } else {
                        " DEFAULT VALUES"
                    });
                    return Ok(());
                }
                self.column_list(table, defaults.iter().map(|(idx, _)| *idx))?;
                self.sql.push_str(" VALUES (");
                for (k, (_, d)) in defaults.iter().enumerate() {
                    if k > 0 {
                        self.sql.push_str(", ");
                    }
                    self.default_slot(d)?;
                }
                self.sql.push(')');
                Ok(())
            }
            InsertSource::Select { columns, select } => {
                if select.columns.len() != columns.len() {
                    return Err(CompileError::invalid(format!(
                        "INSERT ... SELECT: {} target columns but the SELECT has {}",
                        columns.len(),
                        select.columns.len()
                    )));
                }
                self.column_list(
                    table,
                    columns
                        .iter()
                        .map(|c| usize::from(*c))
                        .chain(defaults.iter().map(|(idx, _)| *idx)),
                )?;
                self.sql.push(' ');
                // Client-side defaults of the other columns join the select list (as in
                // SQLAlchemy): computed once per execution, shared by every row.
                self.select_extra = defaults
                    .iter()
                    .map(|(idx, d)| ((*d).clone(), table.columns[*idx].data_type))
                    .collect();
                self.select(select, false)
            }
        }
    }

    fn returning(
        &mut self,
        items: &'a crate::stmt::List<Node>,
        target: &'a Source,
        froms: &[&'a Source],
        feature: Feature,
    ) -> Result {
        if items.is_empty() {
            return Ok(());
        }
        self.d.require(feature)?;
        if !froms.is_empty() {
            self.d.require(Feature::MultiTableReturning)?;
        }
        let mut visible: Sources<'a> = Sources::new();
        visible.push(target);
        visible.extend(froms.iter().copied());
        self.scopes.push(visible, true);
        let want_qualify = !froms.is_empty() && self.pg();
        let qualify = std::mem::replace(&mut self.qualify, want_qualify);
        let want_restrict = (self.d.kind() == DialectKind::Sqlite).then_some(target);
        let restrict = std::mem::replace(&mut self.returning_target, want_restrict);
        self.sql.push_str(" RETURNING ");
        self.columns.clear();
        let mut r = Ok(());
        for (i, n) in items.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.columns.push(n.exposed_name().unwrap_or_default());
            r = match &n.0 {
                N::Label(l) => self.expr(&l.e, P_TEXT, true).map(|()| {
                    self.sql.push_str(" AS ");
                    self.d.quote_ident_into(&mut self.sql, &l.name);
                }),
                _ => self.expr(n, P_TEXT, true),
            };
            if r.is_err() {
                break;
            }
        }
        self.qualify = qualify;
        self.returning_target = restrict;
        self.scopes.pop();
        self.returning_rendered = true;
        r
    }

    /// `return_defaults()`: RETURNING the columns `cols` (table indices) where the
    /// dialect has it; their names are recorded either way.
    fn return_defaults(&mut self, table: &TableDef, cols: &[usize], feature: Feature) -> Result {
        let names: Vec<String> = cols
            .iter()
            .filter_map(|i| table.columns.get(*i))
            .map(|c| c.name.to_string())
            .collect();
        if self.d.supports(feature) && !names.is_empty() {
            self.sql.push_str(" RETURNING ");
            for (i, c) in names.iter().enumerate() {
                if i > 0 {
                    self.sql.push_str(", ");
                }
                self.ident(c);
            }
            self.returning_rendered = true;
            self.columns = names.iter().map(|c| Cow::Owned(c.clone())).collect();
        }
        self.primary_key = table
            .primary_key_columns()
            .map(|c| c.name.to_string())
            .collect();
        self.returns_defaults = names;
        Ok(())
    }

    fn update(&mut self, u: &'a UpdateCore) -> Result {
        if let Some(msg) = &u.invalid {
            return Err(CompileError::invalid(msg.to_string()));
        }
        if !u.returning.is_empty() && u.return_defaults.is_some() {
            return Err(CompileError::invalid(
                "returning() and return_defaults() cannot be combined; return_defaults() already returns the generated columns",
            ));
        }
        if u.set.is_empty() {
            return Err(CompileError::invalid(format!(
                "UPDATE {} has no SET items",
                u.table.def().qualified_name()
            )));
        }
        let froms = dml_froms(
            &u.target,
            u.from.as_slice(),
            u.where_.as_ref(),
            u.set.iter().map(|a| &a.value),
        )?;
        if !froms.is_empty() {
            self.d.require(Feature::UpdateFrom)?;
        }
        self.check_dml_laterals(&u.target, &froms)?;
        if !u.with.is_empty() {
            self.d.require(Feature::CteInDml)?;
            self.with_clause(u.with.as_slice())?;
        }
        let mut visible: Sources<'a> = Sources::new();
        visible.push(&u.target);
        visible.extend(froms.iter().copied());
        self.scopes.push(visible, true);
        let r = self.update_body(u, &froms);
        self.scopes.pop();
        r?;
        self.returning(&u.returning, &u.target, &froms, Feature::UpdateReturning)?;
        if let Some(which) = &u.return_defaults {
            let table = u.table.def();
            let cols = super::update_default_columns(table, u.set.as_slice(), which);
            self.return_defaults(table, &cols, Feature::UpdateReturning)?;
        }
        Ok(())
    }

    fn update_body(&mut self, u: &'a UpdateCore, froms: &Sources<'a>) -> Result {
        let table = u.table.def();
        let my = self.d.is_mysql_family();
        let multi = !froms.is_empty();
        self.sql.push_str("UPDATE ");
        self.table_name(table);
        if my && multi {
            // SET, in canonical order (first), but MySQL writes it after the table list.
            let (set_sql, set_slots) = self.detached(|w| w.set_clause(u, table, true))?;
            for f in froms {
                self.sql.push_str(", ");
                self.render_from_item(f)?;
            }
            self.sql.push_str(" SET ");
            self.splice(&set_sql, set_slots);
        } else {
            self.sql.push_str(" SET ");
            self.set_clause(u, table, false)?;
            if multi {
                self.sql.push_str(" FROM ");
                for (i, f) in froms.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.render_from_item(f)?;
                }
            }
        }
        if let Some(w) = &u.where_ {
            self.sql.push_str(" WHERE ");
            self.expr(w, P_TEXT, true)?;
        }
        Ok(())
    }

    fn set_clause(&mut self, u: &'a UpdateCore, table: &TableDef, qualify_target: bool) -> Result {
        self.assignment_list(u.set.as_slice(), table, qualify_target)
    }

    /// `col = value, ...`, then `col = ?` for each client-side `onupdate` column not
    /// assigned (UPDATE SET, an upsert's update).
    fn assignment_list(
        &mut self,
        set: &'a [crate::stmt::Assignment],
        table: &TableDef,
        qualify_target: bool,
    ) -> Result {
        for (i, a) in set.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            if qualify_target {
                self.table_name(table);
                self.sql.push('.');
            }
            match a.column.def() {
                Some(def) if def.computed.is_some() => {
                    return Err(computed_assigned(table, def, "UPDATE"));
                }
                Some(def) => self.d.ident_masked(&mut self.sql, &def.name, def.quote),
                None => {
                    let name = a.column.name().unwrap_or_default().to_owned();
                    self.ident(&name);
                }
            }
            self.sql.push_str(" = ");
            self.expr(&a.value, P_TEXT, false)?;
        }
        for (idx, c) in table.columns.iter().enumerate() {
            let Some(d) = &c.onupdate else { continue };
            if set.iter().any(|a| usize::from(a.column.index) == idx) {
                continue;
            }
            self.sql.push_str(", ");
            if qualify_target {
                self.table_name(table);
                self.sql.push('.');
            }
            self.d.ident_masked(&mut self.sql, &c.name, c.quote);
            self.sql.push_str(" = ");
            self.default_slot(d)?;
        }
        Ok(())
    }

    fn delete(&mut self, d: &'a DeleteCore) -> Result {
        let froms = dml_froms(
            &d.target,
            d.using.as_slice(),
            d.where_.as_ref(),
            std::iter::empty(),
        )?;
        let table = d.table.def();
        if !froms.is_empty() {
            self.d.require(Feature::DeleteUsing)?;
        }
        self.check_dml_laterals(&d.target, &froms)?;
        if !d.with.is_empty() {
            self.d.require(Feature::CteInDml)?;
            self.with_clause(d.with.as_slice())?;
        }
        let mut visible: Sources<'a> = Sources::new();
        visible.push(&d.target);
        visible.extend(froms.iter().copied());
        self.scopes.push(visible, true);
        let r = self.delete_body(d, table, &froms);
        self.scopes.pop();
        r?;
        self.returning(&d.returning, &d.target, &froms, Feature::DeleteReturning)
    }

    fn delete_body(&mut self, d: &'a DeleteCore, table: &TableDef, froms: &Sources<'a>) -> Result {
        self.sql.push_str("DELETE FROM ");
        self.table_name(table);
        if !froms.is_empty() {
            self.sql.push_str(" USING ");
            if self.d.is_mysql_family() {
                self.table_name(table);
                self.sql.push_str(", ");
            }
            for (i, f) in froms.iter().enumerate() {
                if i > 0 {
                    self.sql.push_str(", ");
                }
                self.render_from_item(f)?;
            }
        }
        if let Some(w) = &d.where_ {
            self.sql.push_str(" WHERE ");
            self.expr(w, P_TEXT, true)?;
        }
        Ok(())
    }
}
