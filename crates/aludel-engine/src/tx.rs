//! The transaction state machine, without I/O (DESIGN.md, Transactions).
//!
//! A connection's open transaction handles form a stack of frames: a root (explicit from
//! `begin()`, or implicit from autobegin / `begin_nested()` when idle), markers (a
//! `begin()` inside a transaction: no SQL, joins the innermost real transaction) and
//! savepoints. Every method changes the state *first* and returns the SQL the caller
//! must then send, so a future cancelled while that SQL is in flight never leaves the
//! state claiming less than the server might have: the caller brackets its I/O with
//! [`TxState::start_io`] / [`TxState::end_io`], and an I/O that never ended means the
//! server's state is unknown: everything is rolled back before the next use.

use std::fmt;

use crate::error::{Error, Result};

/// A transaction handle's identity on its connection.
pub(crate) type FrameId = u64;

/// Transaction-control SQL, rendered per dialect by the driver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TxSql {
    Begin,
    Commit,
    Rollback,
    Savepoint(String),
    ReleaseSavepoint(String),
    RollbackToSavepoint(String),
    /// Roll back whatever may be open; not an error when nothing is (used after a
    /// cancelled operation, when the server's state is unknown).
    ResetRollback,
}

impl TxSql {
    /// The SQL text, with `quote` as the identifier quote character.
    pub(crate) fn render(&self, quote: char) -> String {
        match self {
            TxSql::Begin => "BEGIN".to_owned(),
            TxSql::Commit => "COMMIT".to_owned(),
            TxSql::Rollback | TxSql::ResetRollback => "ROLLBACK".to_owned(),
            TxSql::Savepoint(n) => format!("SAVEPOINT {quote}{n}{quote}"),
            TxSql::ReleaseSavepoint(n) => format!("RELEASE SAVEPOINT {quote}{n}{quote}"),
            TxSql::RollbackToSavepoint(n) => format!("ROLLBACK TO SAVEPOINT {quote}{n}{quote}"),
        }
    }
}

/// Which kind of transaction a handle is.
///
/// ```
/// use aludel_engine::TransactionKind;
/// assert_eq!(TransactionKind::Marker.to_string(), "marker");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionKind {
    /// The real database transaction (`BEGIN` ... `COMMIT` / `ROLLBACK`).
    Root,
    /// A `begin()` inside a transaction: no SQL; joins the enclosing transaction.
    Marker,
    /// A `SAVEPOINT`.
    Savepoint,
}

impl fmt::Display for TransactionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransactionKind::Root => "root",
            TransactionKind::Marker => "marker",
            TransactionKind::Savepoint => "savepoint",
        })
    }
}

/// Why a transaction is inactive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    /// An inner marker transaction was rolled back.
    MarkerRolledBack,
    /// An operation was cancelled while in flight (its future was dropped).
    Cancelled,
    /// The connection was lost.
    Disconnected,
    /// Releasing a savepoint failed.
    ReleaseFailed,
    /// Rolling back a dropped handle failed.
    RollbackFailed,
}

impl Why {
    fn text(self) -> &'static str {
        match self {
            Why::MarkerRolledBack => "an inner transaction (marker) was rolled back",
            Why::Cancelled => {
                "an operation on this connection was cancelled while in flight, so the server's state was unknown and the transaction was rolled back"
            }
            Why::Disconnected => "the connection to the server was lost",
            Why::ReleaseFailed => "releasing a savepoint failed",
            Why::RollbackFailed => {
                "rolling back a transaction handle that was dropped failed, so the whole transaction is rolled back"
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Frame {
    id: FrameId,
    kind: TransactionKind,
    /// Savepoint name.
    name: Option<String>,
    /// A root started by autobegin or by `begin_nested()` when idle: no handle owns it;
    /// `Connection::commit()` / `rollback()` end it.
    implicit: bool,
    inactive: Option<Why>,
    /// The handle was dropped without commit / rollback: roll back before the next use.
    dropped: bool,
    /// Whether the server-side effect was rolled back already (a root doomed by a
    /// marker rollback has no open transaction left on the server).
    server_open: bool,
}

/// The state of one connection's transactions.
#[derive(Debug)]
pub(crate) struct TxState {
    frames: Vec<Frame>,
    next_id: FrameId,
    savepoint_seq: u64,
    in_flight: bool,
    /// The server may be inside a transaction nobody tracks: `ResetRollback` first.
    needs_reset: bool,
    /// Frames pushed by the operation in flight, not yet handed to a handle.
    unclaimed: Vec<FrameId>,
    /// How many of `unclaimed` (from the front) the server has opened already.
    opened: usize,
    /// AUTOCOMMIT: statements outside `begin()` do not autobegin.
    pub(crate) autocommit: bool,
    /// The root [`TxState::begin_implicit`] opened for one operation (`create_all`):
    /// the operation's own, rolled back if the operation is cancelled.
    operation_root: Option<FrameId>,
}

impl Default for TxState {
    fn default() -> Self {
        TxState::new()
    }
}

impl TxState {
    pub(crate) fn new() -> TxState {
        TxState {
            frames: Vec::new(),
            next_id: 1,
            savepoint_seq: 0,
            in_flight: false,
            needs_reset: false,
            unclaimed: Vec::new(),
            opened: 0,
            operation_root: None,
            autocommit: false,
        }
    }

    /// The frames the last operation opened were handed to their handles.
    pub(crate) fn claim(&mut self) {
        self.unclaimed.clear();
        self.opened = 0;
    }

    /// The SQL that opened the next unclaimed frame succeeded: that frame is open on
    /// the server, whatever happens to the SQL after it (each transaction-control
    /// statement opens at most one frame, in order).
    pub(crate) fn opened_one(&mut self) {
        self.opened = (self.opened + 1).min(self.unclaimed.len());
    }

    /// The SQL that would have opened the remaining unclaimed frames failed: they never
    /// opened. Frames opened before the failure stay (an autobegun root is still open
    /// on the server, and `Connection::commit()` / `rollback()` end it).
    pub(crate) fn abandon(&mut self) {
        let gone = self
            .unclaimed
            .split_off(self.opened.min(self.unclaimed.len()));
        self.frames.retain(|f| !gone.contains(&f.id));
        self.claim();
    }

    /// COMMIT / ROLLBACK failed: the server may still be inside the transaction.
    pub(crate) fn needs_reset(&mut self) {
        self.needs_reset = true;
    }

    /// Marks the start of I/O that may change the server's transaction state.
    pub(crate) fn start_io(&mut self) {
        self.in_flight = true;
    }

    /// Marks the end of that I/O (successful or not: either way it completed).
    pub(crate) fn end_io(&mut self) {
        self.in_flight = false;
    }

    /// Whether [`TxState::cleanup`] has anything to do (a cancelled operation, a reset,
    /// a dropped handle).
    pub(crate) fn needs_cleanup(&self) -> bool {
        self.in_flight || self.needs_reset || self.frames.iter().any(|f| f.dropped)
    }

    /// Whether the next statement autobegins a transaction (sends BEGIN).
    pub(crate) fn would_autobegin(&self) -> bool {
        self.frames.is_empty() && !self.autocommit
    }

    /// Whether the connection holds nothing: no frames, nothing to clean up.
    pub(crate) fn is_clean(&self) -> bool {
        self.frames.is_empty() && !self.in_flight && !self.needs_reset
    }

    /// Whether any transaction (implicit or not) is open on the connection.
    pub(crate) fn in_transaction(&self) -> bool {
        !self.frames.is_empty()
    }

    /// Whether the handle `id` is still open and active.
    pub(crate) fn is_active(&self, id: FrameId) -> bool {
        self.frames
            .iter()
            .any(|f| f.id == id && f.inactive.is_none() && !f.dropped)
    }

    /// The connection was lost: every open handle becomes inactive, nothing needs to be
    /// rolled back on the server (the server rolled back when the session ended).
    pub(crate) fn disconnected(&mut self) {
        // Frames the operation in flight pushed have no handle, and the session that had
        // opened any of them is gone.
        self.opened = 0;
        self.abandon();
        // An operation's own transaction has no handle either: it ended with the session.
        if let Some(id) = self.operation_root.take() {
            self.frames.retain(|f| f.id != id);
        }
        self.in_flight = false;
        self.needs_reset = false;
        for f in &mut self.frames {
            f.inactive.get_or_insert(Why::Disconnected);
            f.server_open = false;
        }
    }

    /// Forgets everything after the connection was reset out of band (returned to the
    /// pool after a `ResetRollback`).
    pub(crate) fn reset(&mut self) {
        self.frames.clear();
        self.unclaimed.clear();
        self.opened = 0;
        self.in_flight = false;
        self.needs_reset = false;
    }

    /// The handle `id` was dropped without commit / rollback.
    pub(crate) fn dropped(&mut self, id: FrameId) {
        if let Some(f) = self.frames.iter_mut().find(|f| f.id == id) {
            f.dropped = true;
        }
    }

    /// The SQL to send before anything else: the rollbacks of dropped handles and, after
    /// a cancelled operation, a reset. Frames are updated already.
    pub(crate) fn cleanup(&mut self) -> Vec<TxSql> {
        let mut out = Vec::new();
        if self.in_flight {
            // The last operation's future was dropped mid-flight: the server may or may not
            // have carried it out. Roll back whatever is open; open handles stay inactive
            // until their owners roll them back.
            self.in_flight = false;
            self.needs_reset = true;
            // Frames the cancelled operation opened have no handle: nobody else closes them.
            for id in std::mem::take(&mut self.unclaimed) {
                self.dropped(id);
            }
            if let Some(id) = self.operation_root.take() {
                self.dropped(id);
            }
            self.opened = 0;
            for f in &mut self.frames {
                f.inactive.get_or_insert(Why::Cancelled);
            }
        }
        if self.needs_reset {
            self.needs_reset = false;
            for f in &mut self.frames {
                f.server_open = false;
            }
            out.push(TxSql::ResetRollback);
        }
        // A dropped handle drops everything above it too (a forgotten inner guard).
        if let Some(lowest) = self.frames.iter().position(|f| f.dropped) {
            for f in &mut self.frames[lowest..] {
                f.dropped = true;
            }
        }
        while self.frames.last().is_some_and(|f| f.dropped) {
            let top = self.frames.len() - 1;
            if let Some(sql) = self.close_rolled_back(top) {
                out.push(sql);
            }
        }
        out
    }

    /// Pops frame `index` (the top) as rolled back; the SQL that does it, if any.
    fn close_rolled_back(&mut self, index: usize) -> Option<TxSql> {
        let f = self.frames.remove(index);
        // `server_open` says whether the server still holds something of this frame to
        // undo: false once a marker, a reset or the server rolled it back; still true
        // for a frame made inactive by a failed RELEASE / ROLLBACK TO, whose rollback
        // must still be sent.
        match f.kind {
            TransactionKind::Root => f.server_open.then_some(TxSql::Rollback),
            TransactionKind::Savepoint => f
                .name
                .filter(|_| f.server_open)
                .map(TxSql::RollbackToSavepoint),
            TransactionKind::Marker if f.inactive.is_some() => None,
            TransactionKind::Marker => self.doom_enclosing(index),
        }
    }

    /// A marker at `index` (already removed) was rolled back: roll back the real
    /// transaction it joined (the innermost savepoint or root below it) and leave that
    /// one inactive until its owner rolls it back.
    fn doom_enclosing(&mut self, index: usize) -> Option<TxSql> {
        let below = self.frames[..index]
            .iter_mut()
            .rev()
            .find(|f| f.kind != TransactionKind::Marker)?;
        if below.inactive.is_some() {
            return None;
        }
        below.inactive = Some(Why::MarkerRolledBack);
        let sql = if !below.server_open {
            None
        } else if below.kind == TransactionKind::Root {
            // The whole transaction is gone on the server; savepoints inside it too.
            Some(TxSql::Rollback)
        } else {
            below.name.clone().map(TxSql::RollbackToSavepoint)
        };
        if sql == Some(TxSql::Rollback) {
            for f in &mut self.frames {
                f.server_open = false;
            }
        } else if sql.is_some() {
            // Rolled back to the savepoint: nothing of it is left to undo.
            below.server_open = false;
        }
        sql
    }

    fn inactive_error(&self) -> Option<Error> {
        let f = self.frames.iter().rev().find(|f| f.inactive.is_some())?;
        let what = if f.kind == TransactionKind::Savepoint {
            "savepoint"
        } else {
            "transaction"
        };
        Some(Error::pending(format!(
            "this connection is on an inactive {what} ({}); roll back fully before proceeding",
            f.inactive.map_or("", Why::text)
        )))
    }

    /// Before a statement (after [`TxState::cleanup`]): an error if a transaction is
    /// inactive, else the BEGIN to send when autobeginning.
    pub(crate) fn before_statement(&mut self) -> Result<Option<TxSql>> {
        if let Some(e) = self.inactive_error() {
            return Err(e);
        }
        if self.frames.is_empty() && !self.autocommit {
            self.push(TransactionKind::Root, None, true);
            return Ok(Some(TxSql::Begin));
        }
        Ok(None)
    }

    /// An implicit root transaction, as autobegin opens one, even in AUTOCOMMIT mode
    /// (for work that must be atomic: `create_all`): the BEGIN to send, if none is open.
    pub(crate) fn begin_implicit(&mut self) -> Result<Option<TxSql>> {
        if let Some(e) = self.inactive_error() {
            return Err(e);
        }
        if !self.frames.is_empty() {
            return Ok(None);
        }
        self.operation_root = Some(self.push(TransactionKind::Root, None, true));
        Ok(Some(TxSql::Begin))
    }

    /// The operation that called [`TxState::begin_implicit`] has ended (its transaction
    /// committed or rolled back, or left to the caller).
    pub(crate) fn end_operation(&mut self) {
        self.operation_root = None;
    }

    fn push(&mut self, kind: TransactionKind, name: Option<String>, implicit: bool) -> FrameId {
        let id = self.next_id;
        self.next_id += 1;
        self.unclaimed.push(id);
        self.frames.push(Frame {
            id,
            kind,
            name,
            implicit,
            inactive: None,
            dropped: false,
            server_open: kind != TransactionKind::Marker,
        });
        id
    }

    fn savepoint_name(&mut self) -> String {
        self.savepoint_seq += 1;
        format!("aludel_sp_{}", self.savepoint_seq)
    }

    /// `begin()`: a root when idle, a marker inside a transaction.
    pub(crate) fn begin(&mut self) -> Result<(FrameId, TransactionKind, Vec<TxSql>)> {
        if let Some(e) = self.inactive_error() {
            return Err(e);
        }
        if self.frames.is_empty() {
            let id = self.push(TransactionKind::Root, None, false);
            Ok((id, TransactionKind::Root, vec![TxSql::Begin]))
        } else {
            let id = self.push(TransactionKind::Marker, None, false);
            Ok((id, TransactionKind::Marker, Vec::new()))
        }
    }

    /// `begin_nested()`: a savepoint (inside an implicit root when idle).
    pub(crate) fn begin_nested(&mut self) -> Result<(FrameId, Vec<TxSql>)> {
        if let Some(e) = self.inactive_error() {
            return Err(e);
        }
        let mut sql = Vec::new();
        if self.frames.is_empty() {
            self.push(TransactionKind::Root, None, true);
            sql.push(TxSql::Begin);
        }
        let name = self.savepoint_name();
        sql.push(TxSql::Savepoint(name.clone()));
        let id = self.push(TransactionKind::Savepoint, Some(name), false);
        Ok((id, sql))
    }

    fn index_of(&self, id: FrameId, what: &str) -> Result<usize> {
        let i = self.frames.iter().position(|f| f.id == id).ok_or_else(|| {
            Error::invalid(format!("cannot {what}: this transaction is already closed"))
        })?;
        if i + 1 != self.frames.len() {
            return Err(Error::invalid(format!(
                "cannot {what}: an inner transaction opened from it is still open"
            )));
        }
        Ok(i)
    }

    /// `commit()` of handle `id`.
    pub(crate) fn commit(&mut self, id: FrameId) -> Result<Vec<TxSql>> {
        let i = self.index_of(id, "commit")?;
        let f = &self.frames[i];
        if let Some(why) = f.inactive {
            return Err(Error::invalid(format!(
                "cannot commit: this {} is inactive ({}); roll it back",
                f.kind,
                why.text()
            )));
        }
        let f = self.frames.remove(i);
        Ok(match f.kind {
            TransactionKind::Root => {
                // Whatever the COMMIT's outcome, the transaction is over on the server
                // (a failed COMMIT rolls back); a reset afterwards is harmless.
                vec![TxSql::Commit]
            }
            TransactionKind::Marker => Vec::new(),
            TransactionKind::Savepoint => f.name.map(TxSql::ReleaseSavepoint).into_iter().collect(),
        })
    }

    /// `rollback()` of handle `id`.
    pub(crate) fn rollback(&mut self, id: FrameId) -> Result<Vec<TxSql>> {
        let i = self.index_of(id, "roll back")?;
        Ok(self.close_rolled_back(i).into_iter().collect())
    }

    /// `Connection::commit()`: commits the implicit (autobegun) transaction, if any.
    pub(crate) fn commit_implicit(&mut self) -> Result<Vec<TxSql>> {
        match self.frames.first() {
            None => Ok(Vec::new()),
            Some(f) if f.implicit && self.frames.len() == 1 => {
                let id = f.id;
                self.commit(id)
            }
            Some(_) => Err(Error::invalid(
                "cannot commit the connection: a transaction handle is open on it; commit that handle",
            )),
        }
    }

    /// `Connection::rollback()`: rolls back the implicit transaction, if any.
    pub(crate) fn rollback_implicit(&mut self) -> Result<Vec<TxSql>> {
        match self.frames.first() {
            None => Ok(Vec::new()),
            Some(f) if f.implicit && self.frames.len() == 1 => {
                let id = f.id;
                self.rollback(id)
            }
            Some(_) => Err(Error::invalid(
                "cannot roll back the connection: a transaction handle is open on it; roll that handle back",
            )),
        }
    }

    /// A rollback that cleanup sent failed: what was still to be rolled back is not
    /// known. Everything open becomes inactive, and the whole transaction is rolled
    /// back (a reset) before the connection's next use.
    pub(crate) fn rollback_failed(&mut self) {
        for f in &mut self.frames {
            f.inactive.get_or_insert(Why::RollbackFailed);
        }
        self.needs_reset = true;
    }

    /// A savepoint RELEASE failed: the enclosing transaction is in an unknown state.
    pub(crate) fn release_failed(&mut self) {
        if let Some(f) = self.frames.last_mut() {
            f.inactive.get_or_insert(Why::ReleaseFailed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TxSql::*;

    fn sp(n: u64) -> String {
        format!("aludel_sp_{n}")
    }

    #[test]
    fn root_commit_and_rollback() {
        let mut s = TxState::new();
        let (root, kind, sql) = s.begin().unwrap();
        assert_eq!((kind, sql), (TransactionKind::Root, vec![Begin]));
        assert_eq!(s.before_statement().unwrap(), None);
        assert_eq!(s.commit(root).unwrap(), vec![Commit]);
        assert!(s.is_clean());
        let (root, _, _) = s.begin().unwrap();
        assert_eq!(s.rollback(root).unwrap(), vec![Rollback]);
        assert!(s.is_clean());
    }

    #[test]
    fn marker_rollback_dooms_the_root_until_it_is_rolled_back() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        let (m, kind, sql) = s.begin().unwrap();
        assert_eq!((kind, sql), (TransactionKind::Marker, vec![]));
        assert_eq!(s.rollback(m).unwrap(), vec![Rollback]);
        assert!(!s.is_active(root));
        let e = s.before_statement().unwrap_err();
        assert!(matches!(e, Error::PendingRollback { .. }), "{e}");
        assert!(e.to_string().contains("roll back fully"), "{e}");
        assert!(matches!(s.begin(), Err(Error::PendingRollback { .. })));
        assert!(matches!(s.commit(root), Err(Error::InvalidRequest { .. })));
        // The database transaction is gone already: no second ROLLBACK.
        assert_eq!(s.rollback(root).unwrap(), vec![]);
        assert!(s.is_clean());
    }

    #[test]
    fn marker_commit_only_closes_the_marker() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        let (m, _, _) = s.begin().unwrap();
        assert_eq!(s.commit(m).unwrap(), vec![]);
        assert!(s.is_active(root));
        assert_eq!(s.commit(root).unwrap(), vec![Commit]);
    }

    #[test]
    fn savepoints_roll_back_and_release() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        let (a, sql) = s.begin_nested().unwrap();
        assert_eq!(sql, vec![Savepoint(sp(1))]);
        assert_eq!(s.rollback(a).unwrap(), vec![RollbackToSavepoint(sp(1))]);
        assert!(s.is_active(root));
        assert_eq!(s.before_statement().unwrap(), None);
        let (b, sql) = s.begin_nested().unwrap();
        assert_eq!(sql, vec![Savepoint(sp(2))]);
        assert_eq!(s.commit(b).unwrap(), vec![ReleaseSavepoint(sp(2))]);
        assert_eq!(s.commit(root).unwrap(), vec![Commit]);
    }

    #[test]
    fn begin_nested_when_idle_autobegins_an_implicit_root() {
        let mut s = TxState::new();
        let (a, sql) = s.begin_nested().unwrap();
        assert_eq!(sql, vec![Begin, Savepoint(sp(1))]);
        assert_eq!(s.commit(a).unwrap(), vec![ReleaseSavepoint(sp(1))]);
        assert!(s.in_transaction());
        assert_eq!(s.commit_implicit().unwrap(), vec![Commit]);
        assert!(s.is_clean());
    }

    #[test]
    fn marker_inside_a_savepoint_dooms_the_savepoint_only() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        let (a, _) = s.begin_nested().unwrap();
        let (m, _, _) = s.begin().unwrap();
        assert_eq!(s.rollback(m).unwrap(), vec![RollbackToSavepoint(sp(1))]);
        let e = s.before_statement().unwrap_err();
        assert!(e.to_string().contains("inactive savepoint"), "{e}");
        assert!(matches!(s.commit(a), Err(Error::InvalidRequest { .. })));
        assert_eq!(s.rollback(a).unwrap(), vec![]);
        assert!(s.is_active(root));
        assert_eq!(s.before_statement().unwrap(), None);
        assert_eq!(s.commit(root).unwrap(), vec![Commit]);
    }

    #[test]
    fn dropped_handles_roll_back_at_the_next_use() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        let (a, _) = s.begin_nested().unwrap();
        s.dropped(a);
        assert_eq!(s.cleanup(), vec![RollbackToSavepoint(sp(1))]);
        assert!(s.is_active(root));
        let (m, _, _) = s.begin().unwrap();
        s.dropped(m);
        // A dropped marker counts as a marker rollback.
        assert_eq!(s.cleanup(), vec![Rollback]);
        assert!(!s.is_active(root));
        s.dropped(root);
        assert_eq!(s.cleanup(), vec![]);
        assert!(s.is_clean());
    }

    #[test]
    fn dropping_an_outer_handle_drops_forgotten_inner_ones() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        let (_a, _) = s.begin_nested().unwrap();
        s.dropped(root);
        assert_eq!(s.cleanup(), vec![RollbackToSavepoint(sp(1)), Rollback]);
        assert!(s.is_clean());
    }

    #[test]
    fn a_cancelled_operation_resets_and_dooms_open_handles() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        s.claim();
        let (_a, sql) = s.begin_nested().unwrap();
        assert_eq!(sql.len(), 1);
        s.start_io();
        // The begin_nested() future is dropped here: the savepoint has no handle.
        assert_eq!(s.cleanup(), vec![ResetRollback]);
        assert!(!s.is_active(root));
        assert!(matches!(
            s.before_statement(),
            Err(Error::PendingRollback { .. })
        ));
        assert_eq!(s.rollback(root).unwrap(), vec![]);
        assert!(s.is_clean());
    }

    #[test]
    fn a_cancelled_begin_leaves_nothing_open() {
        let mut s = TxState::new();
        let (_root, _, _) = s.begin().unwrap();
        s.start_io();
        // The begin() future is dropped: no handle ever owned the root.
        assert_eq!(s.cleanup(), vec![ResetRollback]);
        assert!(s.is_clean());
        assert_eq!(s.before_statement().unwrap(), Some(Begin));
    }

    #[test]
    fn autobegin_and_commit_as_you_go() {
        let mut s = TxState::new();
        assert_eq!(s.before_statement().unwrap(), Some(Begin));
        assert_eq!(s.before_statement().unwrap(), None);
        // begin() inside the autobegun transaction is a marker.
        let (m, kind, _) = s.begin().unwrap();
        assert_eq!(kind, TransactionKind::Marker);
        assert_eq!(s.commit(m).unwrap(), vec![]);
        assert_eq!(s.commit_implicit().unwrap(), vec![Commit]);
        assert_eq!(s.commit_implicit().unwrap(), vec![]);
        s.autocommit = true;
        assert_eq!(s.before_statement().unwrap(), None);
        assert!(s.is_clean());
    }

    #[test]
    fn a_failed_begin_opens_nothing() {
        let mut s = TxState::new();
        s.begin().unwrap();
        s.abandon();
        assert!(s.is_clean());
        let (root, _, _) = s.begin().unwrap();
        s.claim();
        s.begin_nested().unwrap();
        s.abandon();
        assert!(s.is_active(root));
        assert_eq!(s.commit(root).unwrap(), vec![Commit]);
    }

    #[test]
    fn a_failed_savepoint_after_an_autobegin_keeps_the_autobegun_root() {
        let mut s = TxState::new();
        let (_sp, sql) = s.begin_nested().unwrap();
        assert_eq!(sql, vec![Begin, Savepoint(sp(1))]);
        // BEGIN succeeded, SAVEPOINT failed: the server is inside the BEGIN.
        s.opened_one();
        s.abandon();
        assert!(s.in_transaction());
        assert!(!s.is_clean());
        assert_eq!(s.rollback_implicit().unwrap(), vec![Rollback]);
        assert!(s.is_clean());
    }

    #[test]
    fn a_begin_nested_cancelled_after_its_begin_leaves_nothing_open() {
        let mut s = TxState::new();
        s.begin_nested().unwrap();
        s.start_io();
        s.end_io();
        s.opened_one();
        s.start_io();
        // Dropped while the SAVEPOINT is in flight.
        assert_eq!(s.cleanup(), vec![ResetRollback]);
        assert!(s.is_clean());
    }

    #[test]
    fn disconnect_makes_handles_inactive_without_sql() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        s.claim();
        // A statement in flight when the connection is lost.
        s.start_io();
        s.disconnected();
        assert_eq!(s.cleanup(), vec![]);
        assert!(
            s.before_statement()
                .unwrap_err()
                .to_string()
                .contains("lost")
        );
        assert_eq!(s.rollback(root).unwrap(), vec![]);
        assert!(s.is_clean());
    }

    #[test]
    fn a_begin_lost_to_a_disconnect_leaves_no_orphan_frame() {
        let mut s = TxState::new();
        s.begin().unwrap();
        s.start_io();
        s.disconnected();
        assert_eq!(s.cleanup(), vec![]);
        assert!(s.is_clean());
    }

    #[test]
    fn a_failed_release_still_rolls_the_enclosing_transaction_back() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        s.claim();
        let (inner, _) = s.begin_nested().unwrap();
        s.claim();
        assert_eq!(s.commit(inner).unwrap(), vec![ReleaseSavepoint(sp(1))]);
        s.release_failed();
        assert!(!s.is_active(root));
        assert!(matches!(s.commit(root), Err(Error::InvalidRequest { .. })));
        // The server is still inside the transaction: the rollback must be sent.
        assert_eq!(s.rollback(root).unwrap(), vec![Rollback]);
        assert!(s.is_clean());
    }

    #[test]
    fn a_failed_cleanup_rollback_resets_the_whole_transaction() {
        let mut s = TxState::new();
        let (root, _, _) = s.begin().unwrap();
        s.claim();
        let (inner, _) = s.begin_nested().unwrap();
        s.claim();
        s.dropped(inner);
        assert_eq!(s.cleanup(), vec![RollbackToSavepoint(sp(1))]);
        // ... and that ROLLBACK TO failed.
        s.rollback_failed();
        assert!(!s.is_active(root));
        assert_eq!(s.cleanup(), vec![ResetRollback]);
        assert_eq!(s.rollback(root).unwrap(), vec![]);
        assert!(s.is_clean());
    }

    #[test]
    fn a_begin_nested_lost_to_a_disconnect_after_its_begin_leaves_nothing() {
        let mut s = TxState::new();
        s.begin_nested().unwrap();
        s.opened_one();
        s.start_io();
        s.disconnected();
        assert_eq!(s.cleanup(), vec![]);
        assert!(s.is_clean());
    }

    #[test]
    fn savepoint_names_are_unique_and_quoted() {
        let mut s = TxState::new();
        let (_, sql1) = s.begin_nested().unwrap();
        let (_, sql2) = s.begin_nested().unwrap();
        assert_ne!(sql1.last(), sql2.last());
        assert_eq!(sql2[0].render('`'), "SAVEPOINT `aludel_sp_2`");
        assert_eq!(
            RollbackToSavepoint(sp(1)).render('"'),
            "ROLLBACK TO SAVEPOINT \"aludel_sp_1\""
        );
    }
}
