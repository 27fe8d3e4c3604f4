//! A bounded cache of compiled statements, keyed by dialect and structural key.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use hashbrown::HashTable;

use super::shape::{Shape, Values, hash_words};
use super::{BoundSql, CacheKey, CompiledStatement, KeyFrom, Params, Statement, compile_stmt};
use crate::dialect::{AsDialect, Dialect};
use crate::error::CompileError;
use crate::value::Value;

/// At most this many shards (independently locked parts) ...
const MAX_SHARDS: usize = 8;
/// ... and at least this many entries in each, so that eviction has room to choose.
const MIN_PER_SHARD: usize = 64;

struct Entry {
    dialect: Dialect,
    statement: Arc<CompiledStatement>,
    /// The CLOCK bit: set on every hit, cleared as the hand passes.
    referenced: bool,
}

impl Entry {
    fn key(&self) -> &CacheKey {
        self.statement.cache_key()
    }
}

#[derive(Default)]
struct Shard {
    /// Indices into `entries`.
    table: HashTable<usize>,
    entries: Vec<Entry>,
    hand: usize,
}

/// A bounded, thread-safe cache of [`CompiledStatement`]s keyed by dialect and
/// [`CacheKey`], with CLOCK (second-chance) eviction.
///
/// [`StatementCache::prepare`] is the hot path of a repeated statement: one shape walk
/// (key words and values, no allocation for typical statements), a hash, a lookup
/// comparing the keys exactly, and an `Arc` clone. A miss compiles and inserts.
///
/// ```
/// use aludel_core::prelude::*;
/// use aludel_core::StatementCache;
/// let cache = StatementCache::new(100);
/// for id in [1i64, 2, 3] {
///     let stmt = select(literal(id).label("id"));
///     let prepared = cache.prepare(&stmt, &Postgres).unwrap();
///     let bound = prepared.bind(&Params::new()).unwrap();
///     assert_eq!(bound.sql(), "SELECT $1::BIGINT AS id");
///     assert_eq!(*bound.params()[0], Value::I64(id));
/// }
/// assert_eq!((cache.hits(), cache.misses()), (2, 1));
/// ```
pub struct StatementCache {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for StatementCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementCache")
            .field("len", &self.len())
            .field("capacity", &(self.per_shard * self.shards.len()))
            .field("hits", &self.hits())
            .field("misses", &self.misses())
            .finish()
    }
}

/// A statement looked up in a [`StatementCache`]: its compiled form and its values.
///
/// ```
/// use aludel_core::prelude::*;
/// let cache = aludel_core::StatementCache::new(10);
/// let s = select(literal(1i64));
/// let p = cache.prepare(&s, &Sqlite).unwrap();
/// assert!(!p.cache_hit());
/// assert_eq!(p.values(), [&Value::I64(1)]);
/// assert_eq!(p.statement().sql(), "SELECT ?");
/// ```
pub struct Prepared<'s> {
    statement: Arc<CompiledStatement>,
    values: Values<'s>,
    hit: bool,
}

impl<'s> Prepared<'s> {
    /// The compiled statement.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// let s = select(literal(1i64));
    /// assert_eq!(cache.prepare(&s, &MySql).unwrap().statement().sql(), "SELECT ?");
    /// ```
    pub fn statement(&self) -> &Arc<CompiledStatement> {
        &self.statement
    }

    /// The statement's bound values, canonical order.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// let s = select(literal("v"));
    /// assert_eq!(cache.prepare(&s, &Sqlite).unwrap().values(), [&Value::from("v")]);
    /// ```
    pub fn values(&self) -> &[&'s Value] {
        &self.values
    }

    /// Whether the compiled statement came from the cache.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// let s = select(literal(1i64));
    /// assert!(!cache.prepare(&s, &Sqlite).unwrap().cache_hit());
    /// assert!(cache.prepare(&s, &Sqlite).unwrap().cache_hit());
    /// ```
    pub fn cache_hit(&self) -> bool {
        self.hit
    }

    /// Binds the values (and named parameters): SQL and parameters for the driver.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// let s = select(literal(1i64).in_([1, 2]));
    /// let p = cache.prepare(&s, &Sqlite).unwrap();
    /// assert_eq!(p.bind(&Params::new()).unwrap().sql(), "SELECT ? IN (?, ?)");
    /// ```
    pub fn bind<'a>(&'a self, named: &Params) -> Result<BoundSql<'a>, CompileError> {
        self.statement.bind(&self.values, named)
    }
}

fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    // A panic while holding the lock cannot leave a shard inconsistent in a way that
    // matters (entries are replaced whole), so poisoning is ignored.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn full_hash(dialect: &Dialect, key_hash: u64) -> u64 {
    let v = dialect.version();
    let d = (dialect.kind() as u64) << 48
        | u64::from(v.major) << 32
        | u64::from(v.minor) << 16
        | u64::from(v.patch);
    let x = (key_hash ^ d.rotate_left(23)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 31)
}

impl StatementCache {
    /// A cache holding up to about `capacity` compiled statements (0 disables caching).
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// assert!(cache.is_empty());
    /// ```
    pub fn new(capacity: usize) -> StatementCache {
        let shards = (capacity / MIN_PER_SHARD).clamp(1, MAX_SHARDS);
        StatementCache {
            shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
            per_shard: capacity.div_ceil(shards),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Looks `stmt` up (compiling it on a miss) and extracts its values.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// let s = select(literal(1i64));
    /// let p = cache.prepare(&s, &Postgres).unwrap();
    /// assert_eq!(p.statement().sql(), "SELECT $1::BIGINT");
    /// ```
    pub fn prepare<'s, S: Statement + ?Sized, D: AsDialect + ?Sized>(
        &self,
        stmt: &'s S,
        dialect: &D,
    ) -> Result<Prepared<'s>, CompileError> {
        let dialect = dialect.dialect();
        let shape = Shape::of(stmt.stmt_ref().0);
        let hash = full_hash(&dialect, hash_words(&shape.key));
        let shard = &self.shards[(hash >> 32) as usize % self.shards.len()];
        {
            let mut guard = lock(shard);
            let s = &mut *guard;
            let entries = &s.entries;
            let found = s.table.find(hash, |&i| {
                let e = &entries[i];
                e.dialect == dialect && e.key().words() == &shape.key[..]
            });
            if let Some(&i) = found {
                let e = &mut s.entries[i];
                e.referenced = true;
                let statement = e.statement.clone();
                drop(guard);
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Prepared {
                    statement,
                    values: shape.values,
                    hit: true,
                });
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let (compiled, values) =
            compile_stmt(stmt.stmt_ref().0, dialect, KeyFrom::Words(&shape.key))?;
        // Both walks must agree on the canonical order of values, or a cached statement
        // would bind another statement's values to the wrong placeholders.
        if values.len() != shape.values.len()
            || values
                .iter()
                .zip(&shape.values)
                .any(|(a, b)| !std::ptr::eq(*a, *b))
        {
            return Err(CompileError::invalid(format!(
                "internal error: the SQL walk and the shape walk disagree on the order of the {} bound values",
                shape.values.len()
            )));
        }
        let statement = Arc::new(compiled);
        if self.per_shard > 0 {
            self.insert(shard, hash, dialect, statement.clone());
        }
        Ok(Prepared {
            statement,
            values: shape.values,
            hit: false,
        })
    }

    fn insert(
        &self,
        shard: &Mutex<Shard>,
        hash: u64,
        dialect: Dialect,
        statement: Arc<CompiledStatement>,
    ) {
        let mut guard = lock(shard);
        let s = &mut *guard;
        // Another thread may have inserted it meanwhile.
        let key = statement.cache_key();
        let entries = &s.entries;
        if s.table
            .find(hash, |&i| {
                entries[i].dialect == dialect && entries[i].key() == key
            })
            .is_some()
        {
            return;
        }
        let entry = Entry {
            dialect,
            statement,
            referenced: false,
        };
        if s.entries.len() < self.per_shard {
            let i = s.entries.len();
            s.entries.push(entry);
            let entries = &s.entries;
            s.table.insert_unique(hash, i, |&j| {
                full_hash(&entries[j].dialect, entries[j].key().hash)
            });
            return;
        }
        // CLOCK: advance the hand past referenced entries, clearing their bit.
        let victim = loop {
            let i = s.hand % s.entries.len();
            s.hand = i + 1;
            if s.entries[i].referenced {
                s.entries[i].referenced = false;
            } else {
                break i;
            }
        };
        let old = &s.entries[victim];
        let old_hash = full_hash(&old.dialect, old.key().hash);
        if let Ok(slot) = s.table.find_entry(old_hash, |&j| j == victim) {
            slot.remove();
        }
        s.entries[victim] = entry;
        let entries = &s.entries;
        s.table.insert_unique(hash, victim, |&j| {
            full_hash(&entries[j].dialect, entries[j].key().hash)
        });
    }

    /// How many compiled statements are cached.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// cache.prepare(&select(literal(1i64)), &Sqlite).unwrap();
    /// assert_eq!(cache.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).entries.len()).sum()
    }

    /// Whether the cache is empty.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// assert!(cache.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lookups answered from the cache.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// let s = select(literal(1i64));
    /// cache.prepare(&s, &Sqlite).unwrap();
    /// cache.prepare(&s, &Sqlite).unwrap();
    /// assert_eq!(cache.hits(), 1);
    /// ```
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Lookups that compiled.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// cache.prepare(&select(literal(1i64)), &Sqlite).unwrap();
    /// assert_eq!(cache.misses(), 1);
    /// ```
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// Empties the cache.
    ///
    /// ```
    /// use aludel_core::{prelude::*, StatementCache};
    /// let cache = StatementCache::new(16);
    /// cache.prepare(&select(literal(1i64)), &Sqlite).unwrap();
    /// cache.clear();
    /// assert!(cache.is_empty());
    /// ```
    pub fn clear(&self) {
        for s in self.shards.iter() {
            *lock(s) = Shard::default();
        }
    }
}
