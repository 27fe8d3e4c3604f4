//! The shape walk: a statement's structural cache key and its bound values, in canonical
//! order, without rendering SQL. This is the hot path of a cached statement.
//!
//! The canonical order of values is the order in which the SQL walk (`sql.rs`) visits
//! nodes; the dialect-tests cross-check it on every case. FROM resolution only matters
//! to that order when a derived FROM item is a subquery (its values sit at the FROM
//! position), so the shape walk resolves FROM only for SELECTs whose columns or WHERE
//! refer to a subquery.
//!
//! The key is a sequence of `u64` words. Every node starts with a tag word below 256,
//! except a column of a `static` table, which is the single word `address | 1` of its
//! column definition (addresses are aligned and far above 256). Strings are a length
//! word followed by their bytes packed into words. The encoding is prefix-free, so equal
//! keys mean equal shapes.

use smallvec::SmallVec;

use super::StmtRef;
use super::from::{Scopes, Sources, dml_froms, explicit_from, resolve_from};
use crate::expr::{FuncName, N, Node};
use crate::schema::{ColumnDef, ColumnRef, Source, TableRef};
use crate::stmt::{DeleteCore, Distinct, InsertCore, InsertSource, SelectCore, UpdateCore, Upsert};
use crate::types::DataType;
use crate::value::Value;

/// Words of a structural key; inline for typical statements.
pub(crate) type KeyWords = SmallVec<[u64; 32]>;
/// Bound values in canonical order.
pub(crate) type Values<'a> = SmallVec<[&'a Value; 8]>;

pub(crate) struct Shape<'a> {
    pub(crate) key: KeyWords,
    pub(crate) values: Values<'a>,
    scopes: Scopes<'a>,
    /// The named windows of the SELECT being walked.
    windows: &'a [std::sync::Arc<crate::expr::window::WindowDef>],
}

/// Hashes key words (FxHash-style multiply-rotate).
pub(crate) fn hash_words(words: &[u64]) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mut h = words.len() as u64;
    for &w in words {
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(K);
    h ^ (h >> 29)
}

// Node tags (below 256).
const T_COL_DYN: u64 = 2;
const T_COL_ALIAS: u64 = 3;
const T_COL_SUB: u64 = 4;
const T_BIND: u64 = 5;
const T_NAMED: u64 = 6;
const T_INLINE: u64 = 7;
const T_NULL: u64 = 8;
const T_BOOL: u64 = 9;
const T_BINARY: u64 = 10;
const T_UNARY: u64 = 11;
const T_AND: u64 = 12;
const T_OR: u64 = 13;
const T_IN_LIST: u64 = 14;
const T_IN_SELECT: u64 = 15;
const T_TUPLE: u64 = 16;
const T_BETWEEN: u64 = 17;
const T_LIKE: u64 = 18;
const T_CASE: u64 = 19;
const T_CAST: u64 = 20;
const T_FUNC: u64 = 21;
const T_LABEL: u64 = 22;
const T_LABEL_REF: u64 = 23;
const T_SCALAR: u64 = 24;
const T_EXISTS: u64 = 25;
const T_TEXT: u64 = 26;
const T_NONE: u64 = 27;
const T_EXCLUDED: u64 = 28;
const T_SELECT: u64 = 30;
const T_INSERT: u64 = 31;
const T_UPDATE: u64 = 32;
const T_DELETE: u64 = 33;
const T_TEXT_STMT: u64 = 34;
const T_UNRESOLVED: u64 = 35;
const T_UPSERT: u64 = 36;
const T_RETURN_ONLY: u64 = 37;
const T_OVER: u64 = 38;
const T_COMPOUND: u64 = 39;
const T_WITH: u64 = 43;
const T_DDL: u64 = 44;

fn type_word(t: DataType) -> u64 {
    let extra = match t {
        DataType::Varchar(n) => u64::from(n),
        DataType::Numeric(Some((p, s))) => u64::from(p) << 8 | u64::from(s) | 1 << 16,
        _ => 0,
    };
    u64::from(t.code()) | extra << 8
}

/// Whether any expression of the SELECT (nested SELECTs included, FROM subqueries not:
/// they do not see this scope) has a column of a subquery. Only then can FROM
/// resolution move values, here or in a nested SELECT that correlates with this one.
fn select_refers_to_subquery(s: &SelectCore) -> bool {
    let list = |l: &crate::stmt::List<Node>| l.iter().any(refers_to_subquery);
    list(&s.columns)
        || s.where_.as_ref().is_some_and(refers_to_subquery)
        || s.joins.iter().any(|j| refers_to_subquery(&j.on))
        || list(&s.group_by)
        || s.having.as_ref().is_some_and(refers_to_subquery)
        || s.order_by.iter().any(|o| refers_to_subquery(&o.node))
        || s.limit.as_ref().is_some_and(refers_to_subquery)
        || s.offset.as_ref().is_some_and(refers_to_subquery)
        || matches!(&s.distinct, Distinct::On(l) if list(l))
        || s.windows
            .iter()
            .any(|d| d.window.nodes().any(refers_to_subquery))
}

/// Whether `n` has a column of a subquery, nested SELECTs included.
#[inline]
fn refers_to_subquery(n: &Node) -> bool {
    match &n.0 {
        N::Column(c) => matches!(c.source, Source::Subquery(_)),
        N::Bind(_) | N::Named(_) | N::Inline(_) | N::Null | N::Bool(_) | N::Text(_) => false,
        _ => composite_refers_to_subquery(n),
    }
}

fn composite_refers_to_subquery(n: &Node) -> bool {
    match &n.0 {
        N::Column(c) => matches!(c.source, Source::Subquery(_)),
        N::Bind(_)
        | N::Named(_)
        | N::Inline(_)
        | N::Null
        | N::Bool(_)
        | N::Text(_)
        | N::Excluded(_) => false,
        N::Scalar(s) | N::Exists(s) => s.any_select(select_refers_to_subquery),
        N::Binary(b) => refers_to_subquery(&b.l) || refers_to_subquery(&b.r),
        N::Unary(u) => refers_to_subquery(&u.e),
        N::And(items) | N::Or(items) | N::Tuple(items) => items.iter().any(refers_to_subquery),
        N::InList(i) => refers_to_subquery(&i.e),
        N::InSelect(i) => {
            refers_to_subquery(&i.e) || i.select.any_select(select_refers_to_subquery)
        }
        N::Between(b) => [&b.e, &b.lo, &b.hi].into_iter().any(refers_to_subquery),
        N::Like(l) => refers_to_subquery(&l.e) || refers_to_subquery(&l.pattern),
        N::Case(c) => {
            c.whens
                .iter()
                .any(|(w, t)| refers_to_subquery(w) || refers_to_subquery(t))
                || c.else_.as_ref().is_some_and(refers_to_subquery)
        }
        N::Cast(c) => refers_to_subquery(&c.e),
        N::Func(f) => f.args.iter().any(refers_to_subquery),
        N::Label(l) => refers_to_subquery(&l.e),
        N::Over(o) => refers_to_subquery(&o.func) || o.window.nodes().any(refers_to_subquery),
    }
}

impl<'a> Shape<'a> {
    pub(crate) fn of(stmt: StmtRef<'a>) -> Shape<'a> {
        let mut s = Shape {
            key: KeyWords::new(),
            values: Values::new(),
            scopes: Scopes::default(),
            windows: &[],
        };
        s.stmt(stmt);
        s
    }

    fn w(&mut self, x: u64) {
        self.key.push(x);
    }

    fn w2(&mut self, a: u64, b: u64) {
        self.key.extend_from_slice(&[a, b]);
    }

    fn str(&mut self, s: &str) {
        let b = s.as_bytes();
        self.key.reserve(1 + b.len().div_ceil(8));
        self.key.push(b.len() as u64);
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            self.key.push(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut tail = [0u8; 8];
            tail[..rest.len()].copy_from_slice(rest);
            self.key.push(u64::from_le_bytes(tail));
        }
    }

    fn table(&mut self, t: &TableRef) {
        let (tag, id) = t.identity();
        self.w2(u64::from(tag), id);
    }

    /// A reference to a FROM item (not its content).
    fn source_ref(&mut self, s: &Source) {
        match s {
            Source::Table(t) => {
                self.w(40);
                self.table(t);
            }
            Source::Alias(a) => {
                self.w(41);
                self.str(&a.name);
                self.table(&a.table);
            }
            Source::Subquery(q) => {
                self.w(42 | u64::from(q.lateral) << 8);
                self.str(&q.name);
            }
        }
    }

    /// A FROM item where it is rendered: subqueries with their content.
    fn shape_from_item(&mut self, s: &'a Source) {
        self.source_ref(s);
        if let Source::Subquery(q) = s {
            self.subquery_content(q);
        }
    }

    /// What a derived table renders at its FROM position: its SELECT or compound (a
    /// CTE's body is in the WITH clause instead).
    fn subquery_content(&mut self, q: &'a crate::schema::SubqueryDef) {
        match (&q.cte, &q.compound) {
            (Some(_), _) => {}
            (None, Some(c)) => self.compound(c, false),
            (None, None) => self.select(&q.select, q.lateral),
        }
    }

    #[inline]
    fn column(&mut self, c: &ColumnRef) {
        let static_def = |t: &TableRef| match t {
            TableRef::Static(d) => d.columns.get(usize::from(c.index)),
            TableRef::Shared(_) => None,
        };
        match &c.source {
            Source::Table(t) => match static_def(t) {
                Some(def) => self.w(def as *const ColumnDef as usize as u64 | 1),
                None => {
                    self.w(T_COL_DYN);
                    self.table(t);
                    self.w(u64::from(c.index));
                }
            },
            Source::Alias(a) => {
                self.w(T_COL_ALIAS);
                self.str(&a.name);
                self.table(&a.table);
                self.w(u64::from(c.index));
            }
            Source::Subquery(q) => {
                self.w(T_COL_SUB);
                self.str(&q.name);
                self.w(u64::from(c.index));
            }
        }
    }

    fn stmt(&mut self, stmt: StmtRef<'a>) {
        match stmt {
            StmtRef::Select(s) => {
                self.w(T_SELECT);
                self.select(s, false);
            }
            StmtRef::Insert(i) => self.insert(i),
            StmtRef::Update(u) => self.update(u),
            StmtRef::Delete(d) => self.delete(d),
            StmtRef::Text(t) => {
                self.w(T_TEXT_STMT);
                self.text(t);
            }
            StmtRef::Compound(c) => self.compound(c, false),
            StmtRef::Ddl(n) => {
                // DDL is not a hot path: the table's identity and the rest spelled out.
                let (kind, id) = n.table().map_or((2, 0), |t| t.identity());
                self.w2(T_DDL | u64::from(kind) << 8, id);
                self.str(&n.describe());
            }
        }
    }

    fn nodes(&mut self, nodes: &'a [Node]) {
        self.w(nodes.len() as u64);
        for n in nodes {
            self.node(n);
        }
    }

    pub(crate) fn select(&mut self, s: &'a SelectCore, correlate: bool) {
        // Only derived subqueries, and explicit ones put after the left side of the
        // joins, move values; otherwise the explicit FROM items are the value-bearing
        // ones, in the same order.
        // (A LATERAL item may be moved after the items it refers to.)
        let resolve = select_refers_to_subquery(s)
            || (!s.joins.is_empty() && s.from.iter().any(|f| matches!(f, Source::Subquery(_))))
            || super::from::has_lateral(s.from.iter());
        let items: Sources<'a> = if resolve {
            match resolve_from(s, &self.scopes, correlate) {
                Ok(items) => items,
                Err(_) => {
                    // The SQL walk reports the error; keep the key deterministic.
                    self.w(T_UNRESOLVED);
                    return;
                }
            }
        } else {
            explicit_from(s)
        };
        // The WITH clause comes first in the SQL, and so do its values.
        self.with_list(s.with.as_slice());
        let mut visible = items.clone();
        visible.extend(s.joins.iter().map(|j| &j.target));
        self.scopes.push(visible, !correlate);
        let windows = std::mem::replace(&mut self.windows, s.windows.as_slice());
        // The WINDOW clause's length rides on the DISTINCT word (no word without one).
        let n_windows = (s.windows.len() as u64) << 8;
        match &s.distinct {
            Distinct::No => self.w(n_windows),
            Distinct::Yes => self.w(1 | n_windows),
            Distinct::On(list) => {
                self.w(2 | n_windows);
                self.nodes(list.as_slice());
            }
        }
        self.nodes(s.columns.as_slice());
        // The row type's nullability decides whether an outer join is an error.
        self.w(s.not_null);
        // The explicit FROM list is the structure; resolved items only add derived
        // subqueries' content, at the position the SQL walk renders them.
        self.w(s.from.len() as u64 | u64::from(resolve) << 32);
        for f in s.from.iter() {
            self.source_ref(f);
        }
        if let Some(Source::Subquery(q)) = items.first() {
            self.subquery_content(q);
        }
        self.w(s.joins.len() as u64);
        for j in s.joins.iter() {
            self.w(j.kind as u64);
            self.shape_from_item(&j.target);
            self.node(&j.on);
        }
        for item in items.iter().skip(1) {
            if let Source::Subquery(q) = item {
                if q.cte.is_none() {
                    self.source_ref(item);
                    self.subquery_content(q);
                }
            }
        }
        self.opt(s.where_.as_ref());
        self.nodes(s.group_by.as_slice());
        self.opt(s.having.as_ref());
        for (i, d) in s.windows.iter().enumerate() {
            // Which attached window it is (the first with its identity) and whether it
            // was named decide the compile errors.
            let first = s.windows.iter().position(|x| x.id == d.id).unwrap_or(i);
            self.w(first as u64 | u64::from(d.id == 0) << 32);
            self.str(&d.name);
            self.window(&d.window);
        }
        self.order_items(s.order_by.as_slice(), Some(s));
        self.opt(s.limit.as_ref());
        self.opt(s.offset.as_ref());
        match s.lock.as_deref() {
            None => self.w(0),
            Some(l) => {
                self.w(1
                    | (l.strength as u64) << 1
                    | (l.wait as u64) << 8
                    | (l.of.len() as u64) << 16);
                for o in l.of.iter() {
                    self.source_ref(o);
                }
            }
        }
        self.windows = windows;
        self.scopes.pop();
    }

    /// A window: the named window it refers to (by its place in the SELECT's WINDOW
    /// clause, or by name when it is not attached), PARTITION BY, ORDER BY and frame.
    fn window(&mut self, w: &'a crate::expr::window::Window) {
        match &w.base {
            None => self.w(0),
            Some(base) => match self.windows.iter().position(|x| x.id == base.id) {
                Some(i) => self.w(1 + i as u64),
                None => {
                    self.w(u64::MAX);
                    self.str(&base.name);
                }
            },
        }
        self.nodes(w.partition_by.as_slice());
        self.order_items(w.order_by.as_slice(), None);
        let exclude = w.exclude.map_or(0, |x| 1 + x as u64) << 16;
        match w.frame {
            None => self.w(T_NONE | exclude),
            Some(f) => {
                let bound = |b: crate::expr::window::FrameBound| {
                    u64::from(b.rank()) | u64::from(b.offset().unwrap_or(0)) << 8
                };
                self.w(f.units as u64 | 1 << 8 | exclude);
                self.w(bound(f.start));
                self.w(f.end.map_or(u64::MAX, bound));
            }
        }
    }

    /// A subquery expression's query, correlated with the enclosing one (a compound's
    /// first word, `T_COMPOUND`, differs from every first word of a SELECT's walk).
    fn query(&mut self, q: &'a crate::expr::Query) {
        match q {
            crate::expr::Query::Select(s) => self.select(s, true),
            crate::expr::Query::Compound(c) => self.compound(c, true),
        }
    }

    /// A compound SELECT: operators, operands (in the SQL walk's order), the ORDER BY
    /// result-column names, LIMIT and OFFSET.
    fn compound(&mut self, c: &'a crate::stmt::CompoundCore, correlate: bool) {
        if c.invalid.is_some() {
            // The SQL walk reports the error; keep the key deterministic.
            self.w(T_UNRESOLVED);
            return;
        }
        self.w(T_COMPOUND | (c.members.len() as u64) << 8);
        self.with_list(c.with.as_slice());
        for op in c.ops.iter() {
            self.w(*op as u64);
        }
        for m in c.members.iter() {
            match m {
                crate::stmt::Member::Select(s) => {
                    self.w(T_SELECT);
                    self.select(s, correlate);
                }
                crate::stmt::Member::Compound(inner) => self.compound(inner, correlate),
            }
        }
        let first = c.first_select();
        self.w(c.order_by.len() as u64);
        for o in c.order_by.iter() {
            match super::compound_order_name(first, &o.node) {
                Some(name) => {
                    self.w(T_LABEL_REF);
                    self.str(&name);
                }
                None => self.w(T_UNRESOLVED),
            }
            self.w(order_flags(o));
        }
        self.opt(c.limit.as_ref());
        self.opt(c.offset.as_ref());
    }

    /// A WITH clause's CTEs (nothing when there are none: `T_WITH` differs from the
    /// word that follows in every statement).
    fn with_list(&mut self, list: &'a [std::sync::Arc<crate::schema::SubqueryDef>]) {
        if !list.is_empty() {
            self.w(T_WITH | (list.len() as u64) << 8);
            for d in list.iter() {
                let info = d.cte.as_ref();
                let flags = match info.and_then(|i| i.materialized) {
                    None => 0,
                    Some(true) => 1,
                    Some(false) => 2,
                } | info
                    .and_then(|i| i.recursive.as_ref())
                    .map_or(0, |(op, _)| (1 + *op as u64) << 2);
                self.str(&d.name);
                self.w(flags);
                self.select(&d.select, false);
                if let Some((_, term)) = info.and_then(|i| i.recursive.as_ref()) {
                    self.select(term, false);
                }
            }
        }
    }

    /// ORDER BY items; `select` is the SELECT whose labels they may refer to.
    fn order_items(&mut self, items: &'a [crate::expr::OrderBy], select: Option<&SelectCore>) {
        self.w(items.len() as u64);
        for o in items {
            match select.and_then(|s| super::label_ref(s, &o.node)) {
                Some(name) => {
                    self.w(T_LABEL_REF);
                    self.str(name);
                }
                None => self.node(&o.node),
            }
            self.w(order_flags(o));
        }
    }

    /// `return_defaults_of(cols)`: the columns are part of the shape.
    fn return_defaults(&mut self, rd: Option<&crate::stmt::ReturnDefaults>) {
        if let Some(crate::stmt::ReturnDefaults::Only(cols)) = rd {
            self.w(T_RETURN_ONLY | (cols.len() as u64) << 8);
            for c in cols.iter() {
                self.w(u64::from(*c));
            }
        }
    }

    fn assignments(&mut self, set: &'a [crate::stmt::Assignment]) {
        self.w(set.len() as u64);
        for a in set {
            self.w(u64::from(a.column.index));
            self.node(&a.value);
        }
    }

    fn opt(&mut self, n: Option<&'a Node>) {
        match n {
            None => self.w(T_NONE),
            Some(n) => self.node(n),
        }
    }

    fn text(&mut self, t: &'a crate::expr::text::TextNode) {
        self.str(&t.parsed.sql);
        self.w(u64::from(t.unknown_bind.is_some()) | (t.values.len() as u64) << 1);
        // One bit per parameter: bound (a value) or named (supplied at execution).
        let mut bits = 0u64;
        for (i, v) in t.values.iter().enumerate() {
            if let Some(v) = v {
                bits |= 1 << (i % 64);
                self.values.push(v);
            }
            if i % 64 == 63 {
                self.w(bits);
                bits = 0;
            }
        }
        self.w(bits);
    }

    /// An inline value: its kind and text, lists element by element (so that no two
    /// values that render differently share an encoding).
    fn inline_value(&mut self, v: &Value) {
        match v {
            Value::List(items) => {
                self.w(1 | (items.len() as u64) << 8);
                for item in items {
                    self.inline_value(item);
                }
            }
            other => {
                self.w(0);
                self.str(&format!("{}:{other}", other.kind_name()));
            }
        }
    }

    /// Leaves inline (the common case: columns and bound values); composite nodes in
    /// [`Shape::composite`].
    #[inline]
    pub(crate) fn node(&mut self, n: &'a Node) {
        match &n.0 {
            N::Column(c) => self.column(c),
            N::Bind(b) => {
                self.w(T_BIND | type_word(b.ty) << 8);
                self.values.push(&b.value);
            }
            _ => self.composite(n),
        }
    }

    fn composite(&mut self, n: &'a Node) {
        match &n.0 {
            // Leaves: see `node`.
            N::Column(c) => self.column(c),
            N::Bind(b) => {
                self.w(T_BIND | type_word(b.ty) << 8);
                self.values.push(&b.value);
            }
            N::Named(nb) => {
                self.w(T_NAMED | type_word(nb.ty) << 8);
                self.str(&nb.name);
            }
            N::Inline(v) => {
                // Inline values are part of the SQL text, hence of the shape.
                self.w(T_INLINE);
                self.inline_value(v);
            }
            N::Null => self.w(T_NULL),
            N::Bool(b) => self.w(T_BOOL | u64::from(*b) << 8),
            N::Binary(b) => {
                self.w(T_BINARY | (b.op as u64) << 8);
                self.node(&b.l);
                self.node(&b.r);
            }
            N::Unary(u) => {
                self.w(T_UNARY | (u.op as u64) << 8);
                self.node(&u.e);
            }
            N::And(items) => {
                self.w(T_AND);
                self.nodes(items);
            }
            N::Or(items) => {
                self.w(T_OR);
                self.nodes(items);
            }
            N::InList(i) => {
                self.w(T_IN_LIST | u64::from(i.negated) << 8);
                self.node(&i.e);
                self.values.push(&i.values);
            }
            N::InSelect(i) => {
                self.w(T_IN_SELECT | u64::from(i.negated) << 8);
                self.node(&i.e);
                self.query(&i.select);
            }
            N::Tuple(items) => {
                self.w(T_TUPLE);
                self.nodes(items);
            }
            N::Between(b) => {
                self.w(T_BETWEEN | u64::from(b.negated) << 8);
                self.node(&b.e);
                self.node(&b.lo);
                self.node(&b.hi);
            }
            N::Like(l) => {
                let flags = u64::from(l.negated) | u64::from(l.case_insensitive) << 1;
                let esc = l
                    .escape
                    .map_or(u64::from(u32::MAX), |c| u64::from(u32::from(c)));
                self.w(T_LIKE | flags << 8 | esc << 16);
                self.node(&l.e);
                self.node(&l.pattern);
            }
            N::Case(c) => {
                self.w(T_CASE | (c.whens.len() as u64) << 8);
                for (w, t) in &c.whens {
                    self.node(w);
                    self.node(t);
                }
                self.opt(c.else_.as_ref());
            }
            N::Cast(c) => {
                self.w(T_CAST | type_word(c.ty) << 8);
                self.node(&c.e);
            }
            N::Func(f) => {
                self.w(T_FUNC | u64::from(func_code(&f.name)) << 8 | u64::from(f.distinct) << 16);
                if let FuncName::Named(name) = &f.name {
                    self.str(name);
                }
                self.nodes(&f.args);
            }
            N::Label(l) => {
                self.w(T_LABEL);
                self.str(&l.name);
                self.node(&l.e);
            }
            N::Scalar(s) => {
                self.w(T_SCALAR);
                self.query(s);
            }
            N::Exists(s) => {
                self.w(T_EXISTS);
                self.query(s);
            }
            N::Text(t) => {
                self.w(T_TEXT);
                self.text(t);
            }
            N::Excluded(c) => {
                self.w(T_EXCLUDED);
                self.column(c);
            }
            N::Over(o) => {
                self.w(T_OVER);
                self.node(&o.func);
                self.window(&o.window);
            }
        }
    }

    fn insert(&mut self, i: &'a InsertCore) {
        self.w(T_INSERT
            | u64::from(i.invalid.is_some()) << 8
            | u64::from(i.return_defaults.is_some()) << 9);
        self.return_defaults(i.return_defaults.as_ref());
        self.table(&i.table);
        match &i.source {
            InsertSource::Unset => self.w(0),
            InsertSource::Values { columns, rows } => {
                self.w(1 | (columns.len() as u64) << 8 | (rows.len() as u64) << 32);
                for c in columns.iter() {
                    self.w(u64::from(*c));
                }
                self.scopes.push(Sources::new(), true);
                for v in rows.iter() {
                    self.node(v);
                }
                self.scopes.pop();
            }
            InsertSource::Select { columns, select } => {
                self.w(2 | (columns.len() as u64) << 8);
                for c in columns.iter() {
                    self.w(u64::from(*c));
                }
                self.select(select, false);
            }
            InsertSource::DefaultValues => self.w(3),
        }
        self.scopes.push(std::iter::once(&i.target).collect(), true);
        match i.upsert.as_deref() {
            None => {}
            Some(Upsert::OnConflict {
                target,
                update,
                where_,
            }) => {
                self.w(T_UPSERT | (target.len() as u64) << 8 | u64::from(update.is_some()) << 40);
                for c in target.iter() {
                    self.w(u64::from(*c));
                }
                if let Some(set) = update {
                    self.assignments(set);
                }
                self.opt(where_.as_ref());
            }
            Some(Upsert::DuplicateKey { set }) => {
                self.w(T_UPSERT | 1 << 41);
                self.assignments(set);
            }
        }
        self.nodes(i.returning.as_slice());
        self.scopes.pop();
    }

    fn dml_froms(&mut self, froms: &Result<Sources<'a>, crate::CompileError>) {
        match froms {
            Ok(f) => {
                self.w(f.len() as u64);
                for s in f.iter() {
                    self.shape_from_item(s);
                }
            }
            Err(_) => self.w(T_UNRESOLVED),
        }
    }

    fn update(&mut self, u: &'a UpdateCore) {
        self.w(T_UPDATE
            | u64::from(u.invalid.is_some()) << 8
            | u64::from(u.return_defaults.is_some()) << 9);
        self.return_defaults(u.return_defaults.as_ref());
        self.with_list(u.with.as_slice());
        self.table(&u.table);
        let froms = dml_froms(
            &u.target,
            u.from.as_slice(),
            u.where_.as_ref(),
            u.set.iter().map(|a| &a.value),
        );
        let mut visible: Sources<'a> = std::iter::once(&u.target).collect();
        if let Ok(f) = &froms {
            visible.extend(f.iter().copied());
        }
        self.scopes.push(visible, true);
        self.w(u.set.len() as u64);
        for a in u.set.iter() {
            self.w(u64::from(a.column.index));
            self.node(&a.value);
        }
        self.dml_froms(&froms);
        self.opt(u.where_.as_ref());
        self.nodes(u.returning.as_slice());
        self.scopes.pop();
    }

    fn delete(&mut self, d: &'a DeleteCore) {
        self.w(T_DELETE);
        self.with_list(d.with.as_slice());
        self.table(&d.table);
        let froms = dml_froms(
            &d.target,
            d.using.as_slice(),
            d.where_.as_ref(),
            std::iter::empty(),
        );
        let mut visible: Sources<'a> = std::iter::once(&d.target).collect();
        if let Ok(f) = &froms {
            visible.extend(f.iter().copied());
        }
        self.scopes.push(visible, true);
        self.dml_froms(&froms);
        self.opt(d.where_.as_ref());
        self.nodes(d.returning.as_slice());
        self.scopes.pop();
    }
}

/// An ORDER BY item's direction and NULLS placement, as one key word.
fn order_flags(o: &crate::expr::OrderBy) -> u64 {
    let nulls = match o.nulls {
        None => 0,
        Some(true) => 1,
        Some(false) => 2,
    };
    u64::from(o.desc) | nulls << 1
}

pub(crate) fn func_code(f: &FuncName) -> u8 {
    match f {
        FuncName::Named(_) => 0,
        FuncName::CountStar => 1,
        FuncName::Count => 2,
        FuncName::Sum => 3,
        FuncName::Min => 4,
        FuncName::Max => 5,
        FuncName::Coalesce => 6,
        FuncName::Lower => 7,
        FuncName::Upper => 8,
        FuncName::Now => 9,
    }
}
