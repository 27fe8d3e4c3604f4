//! The shape walk: a statement's structural cache key and its bound values, in canonical
//! order, without rendering SQL. This is the hot path of a cached statement.
//!
//! The canonical order is the order in which the SQL walk (`sql.rs`) visits nodes; both
//! walks resolve FROM with the same function. The dialect-tests cross-check every case.

use smallvec::SmallVec;

use super::StmtRef;
use super::from::{Scopes, Sources, dml_froms, resolve_from};
use crate::expr::{FuncName, N, Node};
use crate::schema::{Source, TableRef};
use crate::stmt::{DeleteCore, Distinct, InsertCore, InsertSource, SelectCore, UpdateCore};
use crate::types::DataType;
use crate::value::Value;

/// Bytes of a structural key; inline for typical statements.
pub(crate) type KeyBytes = SmallVec<[u8; 192]>;
/// Bound values in canonical order.
pub(crate) type Values<'a> = SmallVec<[&'a Value; 8]>;

pub(crate) struct Shape<'a> {
    pub(crate) key: KeyBytes,
    pub(crate) values: Values<'a>,
    scopes: Scopes<'a>,
}

/// Hashes key bytes (FxHash-style multiply-rotate over 8-byte words).
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    let rest = chunks.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^= h >> 32;
    h = h.wrapping_mul(K);
    h ^ (h >> 29)
}

impl<'a> Shape<'a> {
    pub(crate) fn of(stmt: StmtRef<'a>) -> Shape<'a> {
        let mut s = Shape {
            key: KeyBytes::new(),
            values: Values::new(),
            scopes: Scopes::default(),
        };
        s.stmt(stmt);
        s
    }

    fn u8(&mut self, b: u8) {
        self.key.push(b);
    }

    fn u32(&mut self, n: u32) {
        self.key.extend_from_slice(&n.to_le_bytes());
    }

    fn u64(&mut self, n: u64) {
        self.key.extend_from_slice(&n.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.key.extend_from_slice(s.as_bytes());
    }

    fn ty(&mut self, t: DataType) {
        self.u8(t.code());
        match t {
            DataType::Varchar(n) => self.u32(n),
            DataType::Numeric(Some((p, s))) => {
                self.u8(p);
                self.u8(s);
            }
            _ => {}
        }
    }

    fn table(&mut self, t: &TableRef) {
        let (tag, id) = t.identity();
        self.u8(tag);
        self.u64(id);
    }

    /// A reference to a FROM item (not its content).
    fn source_ref(&mut self, s: &Source) {
        match s {
            Source::Table(t) => {
                self.u8(0);
                self.table(t);
            }
            Source::Alias(a) => {
                self.u8(1);
                self.str(&a.name);
                self.table(&a.table);
            }
            Source::Subquery(q) => {
                self.u8(2);
                self.str(&q.name);
            }
        }
    }

    /// A FROM item where it is rendered: subqueries with their content.
    fn shape_from_item(&mut self, s: &'a Source) {
        self.source_ref(s);
        if let Source::Subquery(q) = s {
            self.select(&q.select, false);
        }
    }

    fn stmt(&mut self, stmt: StmtRef<'a>) {
        match stmt {
            StmtRef::Select(s) => {
                self.u8(b'S');
                self.select(s, false);
            }
            StmtRef::Insert(i) => self.insert(i),
            StmtRef::Update(u) => self.update(u),
            StmtRef::Delete(d) => self.delete(d),
            StmtRef::Text(t) => {
                self.u8(b'T');
                self.text(t);
            }
        }
    }

    fn nodes(&mut self, nodes: &'a [Node]) {
        self.len(nodes.len());
        for n in nodes {
            self.node(n);
        }
    }

    pub(crate) fn select(&mut self, s: &'a SelectCore, correlate: bool) {
        let items = match resolve_from(s, &self.scopes, correlate) {
            Ok(items) => items,
            Err(_) => {
                // The SQL walk reports the error; keep the key deterministic.
                self.u8(0xff);
                return;
            }
        };
        let mut visible = items.clone();
        visible.extend(s.joins.iter().map(|j| &j.target));
        self.scopes.push(visible, !correlate);
        match &s.distinct {
            Distinct::No => self.u8(0),
            Distinct::Yes => self.u8(1),
            Distinct::On(list) => {
                self.u8(2);
                self.nodes(list.as_slice());
            }
        }
        self.nodes(s.columns.as_slice());
        self.len(items.len());
        if let Some(first) = items.first() {
            self.shape_from_item(first);
        }
        self.len(s.joins.len());
        for j in s.joins.iter() {
            self.u8(j.kind as u8);
            self.shape_from_item(&j.target);
            self.node(&j.on);
        }
        for item in items.iter().skip(1) {
            self.shape_from_item(item);
        }
        self.opt(s.where_.as_ref());
        self.nodes(s.group_by.as_slice());
        self.opt(s.having.as_ref());
        self.len(s.order_by.len());
        for o in s.order_by.iter() {
            match super::label_ref(s, &o.node) {
                Some(name) => {
                    self.u8(20);
                    self.str(name);
                }
                None => self.node(&o.node),
            }
            self.u8(u8::from(o.desc));
            self.u8(match o.nulls {
                None => 0,
                Some(true) => 1,
                Some(false) => 2,
            });
        }
        self.opt(s.limit.as_ref());
        self.opt(s.offset.as_ref());
        match s.lock.as_deref() {
            None => self.u8(0),
            Some(l) => {
                self.u8(1 + l.strength as u8);
                self.u8(l.wait as u8);
                self.len(l.of.len());
                for o in l.of.iter() {
                    self.source_ref(o);
                }
            }
        }
        self.scopes.pop();
    }

    fn opt(&mut self, n: Option<&'a Node>) {
        match n {
            None => self.u8(0),
            Some(n) => {
                self.u8(1);
                self.node(n);
            }
        }
    }

    fn text(&mut self, t: &'a crate::expr::text::TextNode) {
        self.str(&t.parsed.sql);
        self.u8(u8::from(t.unknown_bind.is_some()));
        self.len(t.values.len());
        for v in &t.values {
            match v {
                Some(v) => {
                    self.u8(1);
                    self.values.push(v);
                }
                None => self.u8(0),
            }
        }
    }

    pub(crate) fn node(&mut self, n: &'a Node) {
        match &n.0 {
            N::Column(c) => {
                self.u8(1);
                self.source_ref(&c.source);
                self.key.extend_from_slice(&c.index.to_le_bytes());
            }
            N::Bind(b) => {
                self.u8(2);
                self.ty(b.ty);
                self.values.push(&b.value);
            }
            N::Named(nb) => {
                self.u8(3);
                self.str(&nb.name);
                self.ty(nb.ty);
            }
            N::Inline(v) => {
                self.u8(4);
                self.inline_value(v);
            }
            N::Null => self.u8(5),
            N::Bool(b) => {
                self.u8(6);
                self.u8(u8::from(*b));
            }
            N::Binary(b) => {
                self.u8(7);
                self.u8(b.op as u8);
                self.node(&b.l);
                self.node(&b.r);
            }
            N::Unary(u) => {
                self.u8(8);
                self.u8(u.op as u8);
                self.node(&u.e);
            }
            N::And(items) => {
                self.u8(9);
                self.nodes(items);
            }
            N::Or(items) => {
                self.u8(10);
                self.nodes(items);
            }
            N::InList(i) => {
                self.u8(11);
                self.u8(u8::from(i.negated));
                self.node(&i.e);
                self.values.push(&i.values);
            }
            N::InSelect(i) => {
                self.u8(12);
                self.u8(u8::from(i.negated));
                self.node(&i.e);
                self.select(&i.select, true);
            }
            N::Tuple(items) => {
                self.u8(13);
                self.nodes(items);
            }
            N::Between(b) => {
                self.u8(14);
                self.u8(u8::from(b.negated));
                self.node(&b.e);
                self.node(&b.lo);
                self.node(&b.hi);
            }
            N::Like(l) => {
                self.u8(15);
                self.u8(u8::from(l.negated) | u8::from(l.case_insensitive) << 1);
                self.u32(l.escape.map_or(u32::MAX, u32::from));
                self.node(&l.e);
                self.node(&l.pattern);
            }
            N::Case(c) => {
                self.u8(16);
                self.len(c.whens.len());
                for (w, t) in &c.whens {
                    self.node(w);
                    self.node(t);
                }
                self.opt(c.else_.as_ref());
            }
            N::Cast(c) => {
                self.u8(17);
                self.ty(c.ty);
                self.node(&c.e);
            }
            N::Func(f) => {
                self.u8(18);
                match &f.name {
                    FuncName::Named(name) => {
                        self.u8(0);
                        self.str(name);
                    }
                    other => self.u8(func_code(other)),
                }
                self.u8(u8::from(f.distinct));
                self.nodes(&f.args);
            }
            N::Label(l) => {
                self.u8(19);
                self.str(&l.name);
                self.node(&l.e);
            }
            N::Scalar(s) => {
                self.u8(21);
                self.select(s, true);
            }
            N::Exists(s) => {
                self.u8(22);
                self.select(s, true);
            }
            N::Text(t) => {
                self.u8(23);
                self.text(t);
            }
        }
    }

    fn inline_value(&mut self, v: &Value) {
        // Inline values are part of the SQL text, hence of the shape.
        let text = format!("{}:{v}", v.kind_name());
        self.str(&text);
    }

    fn insert(&mut self, i: &'a InsertCore) {
        self.u8(b'I');
        self.table(&i.table);
        self.u8(u8::from(i.invalid.is_some()));
        match &i.source {
            InsertSource::Unset => self.u8(0),
            InsertSource::Values { columns, rows } => {
                self.u8(1);
                self.len(columns.len());
                for c in columns.iter() {
                    self.key.extend_from_slice(&c.to_le_bytes());
                }
                self.len(rows.len());
                self.scopes.push(Default::default(), true);
                for v in rows.iter() {
                    self.node(v);
                }
                self.scopes.pop();
            }
            InsertSource::Select { columns, select } => {
                self.u8(2);
                self.len(columns.len());
                for c in columns.iter() {
                    self.key.extend_from_slice(&c.to_le_bytes());
                }
                self.select(select, false);
            }
            InsertSource::DefaultValues => self.u8(3),
        }
        self.scopes.push(std::iter::once(&i.target).collect(), true);
        self.nodes(i.returning.as_slice());
        self.scopes.pop();
        self.u8(u8::from(i.return_defaults.is_some()));
    }

    fn update(&mut self, u: &'a UpdateCore) {
        self.u8(b'U');
        self.table(&u.table);
        self.u8(u8::from(u.invalid.is_some()));
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
        self.len(u.set.len());
        for a in u.set.iter() {
            self.key.extend_from_slice(&a.column.index.to_le_bytes());
            self.node(&a.value);
        }
        match &froms {
            Ok(f) => {
                self.len(f.len());
                for s in f.iter() {
                    self.shape_from_item(s);
                }
            }
            Err(_) => self.u8(0xff),
        }
        self.opt(u.where_.as_ref());
        self.nodes(u.returning.as_slice());
        self.u8(u8::from(u.return_defaults.is_some()));
        self.scopes.pop();
    }

    fn delete(&mut self, d: &'a DeleteCore) {
        self.u8(b'D');
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
        match &froms {
            Ok(f) => {
                self.len(f.len());
                for s in f.iter() {
                    self.shape_from_item(s);
                }
            }
            Err(_) => self.u8(0xff),
        }
        self.opt(d.where_.as_ref());
        self.nodes(d.returning.as_slice());
        self.scopes.pop();
    }
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
