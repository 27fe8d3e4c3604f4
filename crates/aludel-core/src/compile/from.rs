//! FROM resolution and scopes, shared by the shape walk and the SQL walk so that both
//! visit FROM items in the same order.

use smallvec::SmallVec;

use crate::error::CompileError;
use crate::expr::{N, Node};
use crate::schema::{Source, TableDef, TableRef};
use crate::stmt::{Join, JoinKind, SelectCore};

pub(crate) type Sources<'a> = SmallVec<[&'a Source; 4]>;

struct Scope<'a> {
    items: Sources<'a>,
    /// A barrier scope does not see the scopes around it (top level, derived tables).
    barrier: bool,
}

/// The FROM items visible at a point of the walk, innermost last.
#[derive(Default)]
pub(crate) struct Scopes<'a> {
    stack: SmallVec<[Scope<'a>; 4]>,
}

impl<'a> Scopes<'a> {
    pub(crate) fn push(&mut self, items: Sources<'a>, barrier: bool) {
        self.stack.push(Scope { items, barrier });
    }

    pub(crate) fn pop(&mut self) {
        self.stack.pop();
    }

    /// Whether `s` is visible from the innermost scope.
    pub(crate) fn visible(&self, s: &Source) -> bool {
        for scope in self.stack.iter().rev() {
            if scope.items.iter().any(|x| x.same(s)) {
                return true;
            }
            if scope.barrier {
                return false;
            }
        }
        false
    }

    /// Whether the static table `def` (not aliased) is visible: pointer comparisons only.
    pub(crate) fn visible_static(&self, def: &TableDef) -> bool {
        for scope in self.stack.iter().rev() {
            let found = scope
                .items
                .iter()
                .any(|x| matches!(x, Source::Table(TableRef::Static(d)) if std::ptr::eq(*d, def)));
            if found {
                return true;
            }
            if scope.barrier {
                return false;
            }
        }
        false
    }

    /// Whether `s` is in the innermost scope itself.
    pub(crate) fn in_current(&self, s: &Source) -> bool {
        self.stack
            .last()
            .is_some_and(|scope| scope.items.iter().any(|x| x.same(s)))
    }
}

#[inline]
fn push_unique<'a>(out: &mut Sources<'a>, s: &'a Source) {
    if !out.iter().any(|x| x.same(s)) {
        out.push(s);
    }
}

/// Collects the FROM items columns in `n` refer to, not looking into subqueries (they
/// have FROM clauses of their own).
#[inline]
pub(crate) fn collect_sources<'a>(n: &'a Node, out: &mut Sources<'a>) {
    // Leaves inline; only composite nodes pay for a call.
    match &n.0 {
        N::Column(c) => push_unique(out, &c.source),
        N::Bind(_) | N::Named(_) | N::Inline(_) | N::Null | N::Bool(_) => {}
        _ => collect_composite(n, out),
    }
}

fn collect_composite<'a>(n: &'a Node, out: &mut Sources<'a>) {
    walk_operands(n, out, collect_sources);
}

/// Calls `rec` on each direct operand of `n` (not on subqueries' content).
fn walk_operands<'a, F>(n: &'a Node, out: &mut Sources<'a>, rec: F)
where
    F: Fn(&'a Node, &mut Sources<'a>) + Copy,
{
    match &n.0 {
        N::Column(_) | N::Bind(_) | N::Named(_) | N::Inline(_) | N::Null | N::Bool(_) => {}
        N::Binary(b) => {
            rec(&b.l, out);
            rec(&b.r, out);
        }
        N::Unary(u) => rec(&u.e, out),
        N::And(items) | N::Or(items) | N::Tuple(items) => {
            for i in items.iter() {
                rec(i, out);
            }
        }
        N::InList(i) => rec(&i.e, out),
        N::InSelect(i) => rec(&i.e, out),
        N::Between(b) => {
            rec(&b.e, out);
            rec(&b.lo, out);
            rec(&b.hi, out);
        }
        N::Like(l) => {
            rec(&l.e, out);
            rec(&l.pattern, out);
        }
        N::Case(c) => {
            for (w, t) in &c.whens {
                rec(w, out);
                rec(t, out);
            }
            if let Some(e) = &c.else_ {
                rec(e, out);
            }
        }
        N::Cast(c) => rec(&c.e, out),
        N::Func(f) => {
            for a in &f.args {
                rec(a, out);
            }
        }
        N::Label(l) => rec(&l.e, out),
        N::Over(o) => {
            rec(&o.func, out);
            for n in o.window.nodes() {
                rec(n, out);
            }
        }
        N::Scalar(_) | N::Exists(_) | N::Text(_) | N::Excluded(_) => {}
    }
}

/// Collects the FROM items columns in `n` refer to, at any depth: in subqueries, those
/// they do not list in their own FROM (what they correlate with).
fn collect_deep<'a>(n: &'a Node, out: &mut Sources<'a>) {
    match &n.0 {
        N::Column(c) => push_unique(out, &c.source),
        N::Scalar(q) | N::Exists(q) => query_outer_refs(q, out),
        N::InSelect(i) => {
            collect_deep(&i.e, out);
            query_outer_refs(&i.select, out);
        }
        _ => walk_operands(n, out, collect_deep),
    }
}

fn query_outer_refs<'a>(q: &'a crate::expr::Query, out: &mut Sources<'a>) {
    q.any_select(|s| {
        select_outer_refs(s, out);
        false
    });
}

/// The FROM items `core` refers to (at any depth, LIMIT and LATERAL items included) but
/// does not list in its own FROM clause or joins.
fn select_outer_refs<'a>(core: &'a SelectCore, out: &mut Sources<'a>) {
    let mut referenced = Sources::new();
    let distinct_on = match &core.distinct {
        crate::stmt::Distinct::On(list) => list.as_slice(),
        _ => &[],
    };
    let nodes = core
        .columns
        .iter()
        .chain(distinct_on)
        .chain(core.where_.as_ref())
        .chain(core.group_by.iter())
        .chain(core.having.as_ref())
        .chain(core.order_by.iter().map(|o| &o.node))
        .chain(core.limit.as_ref())
        .chain(core.offset.as_ref())
        .chain(core.joins.iter().map(|j| &j.on))
        .chain(core.windows.iter().flat_map(|d| d.window.nodes()));
    for n in nodes {
        collect_deep(n, &mut referenced);
    }
    let own = core.from.iter().chain(core.joins.iter().map(|j| &j.target));
    for item in own.clone() {
        if let Source::Subquery(q) = item {
            if q.lateral {
                select_outer_refs(&q.select, &mut referenced);
            }
        }
    }
    for r in referenced {
        if !own.clone().any(|o| o.same(r)) {
            push_unique(out, r);
        }
    }
}

/// The explicit FROM items of a SELECT, each once (the same item given twice is one
/// FROM item).
pub(crate) fn explicit_from(core: &SelectCore) -> Sources<'_> {
    let mut items = Sources::new();
    for s in core.from.iter() {
        push_unique(&mut items, s);
    }
    items
}

/// The non-join FROM items of a SELECT, in render order: explicit ones, then the tables
/// its columns and WHERE refer to (minus join targets, and minus tables of enclosing
/// queries when `correlate`). The first item is the left side of the joins.
pub(crate) fn resolve_from<'a>(
    core: &'a SelectCore,
    scopes: &Scopes<'_>,
    correlate: bool,
) -> Result<Sources<'a>, CompileError> {
    let mut items = explicit_from(core);
    let mut referenced = Sources::new();
    for c in core.columns.iter() {
        collect_sources(c, &mut referenced);
    }
    for n in core.windows.iter().flat_map(|d| d.window.nodes()) {
        collect_sources(n, &mut referenced);
    }
    if let Some(w) = &core.where_ {
        collect_sources(w, &mut referenced);
    }
    let mut correlated = Sources::new();
    for s in referenced {
        if items.iter().any(|x| x.same(s)) || core.joins.iter().any(|j| j.target.same(s)) {
            continue;
        }
        if correlate && scopes.visible(s) {
            correlated.push(s);
            continue;
        }
        items.push(s);
    }
    if items.is_empty() && !correlated.is_empty() {
        return Err(CompileError::CorrelatedAway {
            tables: correlated
                .iter()
                .map(|s| s.exposed_name().to_owned())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if items.is_empty() && !core.joins.is_empty() {
        return Err(CompileError::invalid(
            "JOIN without a FROM item to join to; add one with .select_from()",
        ));
    }
    order_laterals(&mut items);
    order_for_joins(&mut items, core.joins.as_slice())?;
    check_names(
        items
            .iter()
            .copied()
            .chain(core.joins.iter().map(|j| &j.target)),
    )?;
    Ok(items)
}

/// The FROM items of the same SELECT (among `items`) that the LATERAL subquery `s`
/// refers to; empty for anything else.
fn lateral_deps<'a>(s: &Source, items: &[&'a Source]) -> Sources<'a> {
    let Source::Subquery(q) = s else {
        return Sources::new();
    };
    if !q.lateral {
        return Sources::new();
    }
    let mut referenced = Sources::new();
    select_outer_refs(&q.select, &mut referenced);
    items
        .iter()
        .copied()
        .filter(|item| !item.same(s) && referenced.iter().any(|r| r.same(item)))
        .collect()
}

/// Whether a LATERAL subquery is among `items`.
pub(crate) fn has_lateral<'s>(items: impl IntoIterator<Item = &'s Source>) -> bool {
    items
        .into_iter()
        .any(|s| matches!(s, Source::Subquery(q) if q.lateral))
}

/// The first LATERAL subquery of `order` (a FROM clause as written: each item with the
/// join that brings it in) that reads an item of `all` it cannot see, with that item and
/// whether it reads through a RIGHT / FULL join; it sees only the items before it, and
/// nothing through such a join.
pub(crate) fn lateral_misread<'a>(
    order: &[(&'a Source, Option<JoinKind>)],
    all: &[&'a Source],
) -> Option<(&'a Source, &'a Source, bool)> {
    order.iter().enumerate().find_map(|(k, &(x, kind))| {
        let deps = lateral_deps(x, all);
        let outer_join = matches!(kind, Some(JoinKind::Right | JoinKind::Full));
        deps.iter()
            .find(|d| outer_join || !order[..k].iter().any(|(y, _)| y.same(d)))
            .map(|d| (x, *d, outer_join))
    })
}

/// Moves each LATERAL subquery after the FROM items it refers to (a comma-separated
/// FROM list means the same in any order, but a LATERAL item sees only the items before
/// it). Items that refer to each other in a cycle stay; the SQL walk reports them.
fn order_laterals(items: &mut Sources<'_>) {
    if !has_lateral(items.iter().copied()) {
        return;
    }
    // Each pass moves one item later; n * n passes bound a cycle.
    for _ in 0..items.len() * items.len() {
        let misplaced = (0..items.len()).find_map(|i| {
            let deps = lateral_deps(items[i], items);
            let last = items.iter().rposition(|x| deps.iter().any(|d| d.same(x)))?;
            (last > i).then_some((i, last))
        });
        match misplaced {
            Some((i, last)) => {
                let item = items.remove(i);
                items.insert(last, item);
            }
            None => return,
        }
    }
}

/// Whether a SELECT of `c` (at any depth, its subqueries included) refers to a table of
/// an enclosing query.
pub(crate) fn compound_refers_outward(c: &crate::stmt::CompoundCore, scopes: &Scopes<'_>) -> bool {
    c.any_select(&mut |core| {
        let mut referenced = Sources::new();
        select_outer_refs(core, &mut referenced);
        referenced.iter().any(|s| scopes.visible(s))
    })
}

/// Puts the left side of the joins first and checks every ON clause.
///
/// The joins form one chain: `left JOIN a ON .. JOIN b ON ..`, the other FROM items
/// follow it. Like SQLAlchemy, the left side is the FROM item the first ON clause refers
/// to (the first item when it refers to none). An ON clause may refer to the chain
/// before it, its own target, and enclosing queries; referring to another FROM item of
/// the same SELECT, or to a later join, would be rejected by the server (or silently
/// mean something else), so it is an error here.
fn order_for_joins<'a>(items: &mut Sources<'a>, joins: &'a [Join]) -> Result<(), CompileError> {
    let Some(first) = joins.first() else {
        return Ok(());
    };
    let mut first_refs = Sources::new();
    collect_sources(&first.on, &mut first_refs);
    let mut left = first_refs
        .iter()
        .filter_map(|s| items.iter().position(|x| x.same(s)));
    if let (Some(i), second) = (left.next(), left.next()) {
        if let Some(j) = second {
            return Err(CompileError::invalid(format!(
                "the ON clause of the JOIN to {} refers to both {} and {}, which are separate FROM items; join one to the other first",
                first.target.describe(),
                items[i.min(j)].describe(),
                items[i.max(j)].describe()
            )));
        }
        let item = items.remove(i);
        items.insert(0, item);
    }
    let mut chain: Sources<'a> = Sources::new();
    chain.push(items[0]);
    let mut refs = Sources::new();
    for (k, j) in joins.iter().enumerate() {
        let refs = if k == 0 {
            &first_refs
        } else {
            refs.clear();
            collect_sources(&j.on, &mut refs);
            &refs
        };
        for s in refs.iter() {
            if s.same(&j.target) || chain.iter().any(|x| x.same(s)) {
                continue;
            }
            let problem = if items.iter().any(|x| x.same(s)) {
                "a separate FROM item, not joined before it"
            } else if joins[k + 1..].iter().any(|x| x.target.same(s)) {
                "joined only after it"
            } else {
                // An enclosing query's table, or one missing from FROM: the column
                // check reports the latter.
                continue;
            };
            return Err(CompileError::invalid(format!(
                "the ON clause of the JOIN to {} refers to {}, {problem}; reorder the joins or start from it with .select_from()",
                j.target.describe(),
                s.describe()
            )));
        }
        chain.push(&j.target);
    }
    Ok(())
}

/// The FROM items an outer join can fill with NULLs, each with the join responsible: a
/// LEFT JOIN's target, everything joined before a RIGHT JOIN, both sides of a FULL JOIN.
/// `left` is the left side of the join chain.
pub(crate) fn nullable_by_joins<'a>(
    left: &'a Source,
    joins: &'a [Join],
) -> SmallVec<[(&'a Source, &'a Join); 4]> {
    let mut out: SmallVec<[(&'a Source, &'a Join); 4]> = SmallVec::new();
    let mut chain: Sources<'a> = Sources::new();
    chain.push(left);
    for j in joins {
        if matches!(j.kind, JoinKind::Right | JoinKind::Full) {
            for s in chain.iter() {
                if !out.iter().any(|(x, _)| x.same(s)) {
                    out.push((s, j));
                }
            }
        }
        if matches!(j.kind, JoinKind::Left | JoinKind::Full) {
            out.push((&j.target, j));
        }
        chain.push(&j.target);
    }
    out
}

/// Distinct FROM items must have distinct exposed names.
pub(crate) fn check_names<'a>(
    all: impl Iterator<Item = &'a Source> + Clone,
) -> Result<(), CompileError> {
    for (i, a) in all.clone().enumerate() {
        for b in all.clone().skip(i + 1) {
            if a.exposed_name() == b.exposed_name() {
                return Err(if a.same(b) {
                    CompileError::invalid(format!(
                        "{} appears twice in FROM; alias one of them",
                        a.describe()
                    ))
                } else {
                    CompileError::DuplicateFromName {
                        name: a.exposed_name().to_owned(),
                    }
                });
            }
        }
    }
    Ok(())
}

/// The extra FROM items of an UPDATE (FROM) or DELETE (USING): explicit ones, then the
/// tables its WHERE (and SET values) refer to, minus the target.
pub(crate) fn dml_froms<'a>(
    target: &'a Source,
    explicit: &'a [Source],
    where_: Option<&'a Node>,
    values: impl Iterator<Item = &'a Node>,
) -> Result<Sources<'a>, CompileError> {
    let mut items = Sources::new();
    for s in explicit {
        push_unique(&mut items, s);
    }
    let mut referenced = Sources::new();
    if let Some(w) = where_ {
        collect_sources(w, &mut referenced);
    }
    for v in values {
        collect_sources(v, &mut referenced);
    }
    for s in referenced {
        if !s.same(target) {
            push_unique(&mut items, s);
        }
    }
    order_laterals(&mut items);
    check_names(std::iter::once(target).chain(items.iter().copied()))?;
    Ok(items)
}
