//! Dialects: PostgreSQL, MySQL, MariaDB, SQLite — what each supports (by server version),
//! how it quotes, and how it spells types and literals.
//!
//! ```
//! use aludel_core::dialect::{Dialect, Feature};
//! let old_sqlite = Dialect::sqlite().with_version(3, 31, 0);
//! assert!(!old_sqlite.supports(Feature::InsertReturning));
//! assert!(Dialect::sqlite().supports(Feature::InsertReturning));
//! assert_eq!(Dialect::mariadb().to_string(), "MariaDB 10.11.0");
//! ```

pub(crate) mod reserved;

use std::fmt;

use crate::error::CompileError;
use crate::types::DataType;
use crate::value::Value;

/// The database family.
///
/// ```
/// use aludel_core::dialect::{Dialect, DialectKind};
/// assert_eq!(Dialect::postgres().kind(), DialectKind::Postgres);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DialectKind {
    /// PostgreSQL.
    Postgres,
    /// MySQL.
    MySql,
    /// MariaDB (MySQL's protocol and most of its syntax, with its own features).
    MariaDb,
    /// SQLite.
    Sqlite,
}

/// A server version `major.minor.patch`.
///
/// ```
/// use aludel_core::dialect::Version;
/// assert!(Version::new(3, 35, 0) > Version::new(3, 9, 9));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major.
    pub major: u16,
    /// Minor.
    pub minor: u16,
    /// Patch.
    pub patch: u16,
}

impl Version {
    /// `major.minor.patch`.
    ///
    /// ```
    /// use aludel_core::dialect::Version;
    /// assert_eq!(Version::new(10, 11, 2).to_string(), "10.11.2");
    /// ```
    pub const fn new(major: u16, minor: u16, patch: u16) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    const fn at_least(&self, major: u16, minor: u16, patch: u16) -> bool {
        self.major > major
            || (self.major == major
                && (self.minor > minor || (self.minor == minor && self.patch >= patch)))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A dialect: a database family at a server version. The compiler asks it what the
/// server accepts, so a statement the server would reject is a compile error instead.
///
/// The constructors assume a current server (PostgreSQL 16, MySQL 8.0, MariaDB 10.11,
/// SQLite 3.45); use [`Dialect::with_version`] for another one. The engine sets the
/// version it reads from the server.
///
/// ```
/// use aludel_core::dialect::Dialect;
/// let d = Dialect::mysql().with_version(5, 7, 44);
/// assert_eq!(d.to_string(), "MySQL 5.7.44");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dialect {
    kind: DialectKind,
    version: Version,
}

/// A construct whose support depends on the dialect and version.
///
/// ```
/// use aludel_core::dialect::{Dialect, Feature};
/// assert!(!Dialect::mysql().supports(Feature::FullJoin));
/// assert_eq!(Feature::FullJoin.to_string(), "FULL OUTER JOIN");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// `INSERT ... RETURNING`.
    InsertReturning,
    /// `UPDATE ... RETURNING`.
    UpdateReturning,
    /// `DELETE ... RETURNING`.
    DeleteReturning,
    /// RETURNING in a DELETE with USING / an UPDATE with FROM.
    MultiTableReturning,
    /// `RIGHT OUTER JOIN`.
    RightJoin,
    /// `FULL OUTER JOIN`.
    FullJoin,
    /// `NULLS FIRST` / `NULLS LAST` written natively (emulated where missing).
    NullsOrdering,
    /// `SELECT DISTINCT ON (...)`.
    DistinctOn,
    /// `FOR UPDATE`.
    ForUpdate,
    /// `FOR SHARE` (or `LOCK IN SHARE MODE`).
    ForShare,
    /// `NOWAIT` on a row lock.
    LockNoWait,
    /// `SKIP LOCKED` on a row lock.
    LockSkipLocked,
    /// `FOR UPDATE OF table`.
    LockOf,
    /// `UPDATE ... FROM` (or MySQL's multi-table UPDATE).
    UpdateFrom,
    /// `DELETE ... USING` (or MySQL's multi-table DELETE).
    DeleteUsing,
    /// Row values: `(a, b) IN (...)`.
    RowValues,
    /// LIMIT inside an `IN (SELECT ...)` subquery.
    LimitInInSubquery,
    /// `INSERT ... ON CONFLICT` (PostgreSQL >= 9.5, SQLite >= 3.24).
    OnConflict,
    /// `INSERT ... ON DUPLICATE KEY UPDATE` (MySQL, MariaDB).
    OnDuplicateKeyUpdate,
    /// A row alias for the proposed row in `ON DUPLICATE KEY UPDATE`
    /// (`INSERT ... VALUES (..) AS new`, MySQL >= 8.0.19); `VALUES(col)` elsewhere.
    InsertRowAlias,
    /// Window functions: `f(..) OVER (...)` (SQLite >= 3.25, MySQL >= 8.0,
    /// MariaDB >= 10.2).
    WindowFunctions,
    /// A `GROUPS` window frame (PostgreSQL >= 11, SQLite >= 3.28).
    WindowGroupsFrame,
    /// A `WINDOW name AS (..)` clause, `OVER name` and `OVER (name ORDER BY ..)`
    /// (SQLite >= 3.28; wherever window functions are elsewhere).
    NamedWindows,
    /// `EXCLUDE CURRENT ROW | GROUP | TIES | NO OTHERS` in a window frame (PostgreSQL >=
    /// 11, SQLite >= 3.28).
    WindowFrameExclusion,
    /// The default argument of `lag(e, n, default)` / `lead(..)` (not MariaDB).
    WindowOffsetDefault,
    /// `WITH name AS (...)` (SQLite >= 3.8.3, MySQL >= 8.0, MariaDB >= 10.2).
    Cte,
    /// `WITH RECURSIVE` (SQLite >= 3.8.3, MySQL >= 8.0, MariaDB >= 10.2.2).
    RecursiveCte,
    /// `name AS [NOT] MATERIALIZED (...)` (PostgreSQL >= 12, SQLite >= 3.35).
    CteMaterialized,
    /// `WITH ... UPDATE` / `WITH ... DELETE` (SQLite >= 3.8.3, MySQL >= 8.0; not MariaDB).
    CteInDml,
    /// A `LATERAL` subquery in FROM (PostgreSQL >= 9.3, MySQL >= 8.0.14).
    Lateral,
    /// `INTERSECT` and `EXCEPT` (MySQL >= 8.0.31, MariaDB >= 10.3).
    IntersectExcept,
    /// `INTERSECT ALL` and `EXCEPT ALL` (PostgreSQL, MySQL >= 8.0.31, MariaDB >= 10.5).
    IntersectExceptAll,
    /// `CREATE TABLE IF NOT EXISTS` (PostgreSQL >= 9.1, MySQL, MariaDB, SQLite).
    CreateTableIfNotExists,
    /// `CREATE INDEX IF NOT EXISTS` (PostgreSQL >= 9.5, MariaDB >= 10.1.4, SQLite; not
    /// MySQL).
    CreateIndexIfNotExists,
    /// `DROP INDEX IF EXISTS` (PostgreSQL, MariaDB >= 10.1.4, SQLite; not MySQL).
    DropIndexIfExists,
    /// `DROP TABLE ... CASCADE`, dropping what depends on the table (PostgreSQL; MySQL and
    /// MariaDB accept the word and ignore it).
    DropTableCascade,
    /// `ALTER TABLE ... ADD CONSTRAINT` / `DROP CONSTRAINT` (not SQLite).
    AlterTableConstraints,
    /// `ALTER TABLE ... DROP CONSTRAINT IF EXISTS` (PostgreSQL, MariaDB; not MySQL).
    DropConstraintIfExists,
    /// `GENERATED ALWAYS AS (...) STORED` columns (PostgreSQL >= 12, MySQL >= 5.7.6,
    /// MariaDB >= 10.2.1, SQLite >= 3.31).
    GeneratedColumns,
    /// `GENERATED ALWAYS AS (...) VIRTUAL` columns (PostgreSQL >= 18, MySQL >= 5.7.6,
    /// MariaDB >= 10.2.1, SQLite >= 3.31).
    VirtualGeneratedColumns,
    /// `NOT NULL` on a generated column (not MariaDB).
    GeneratedColumnNotNull,
    /// `CHECK` constraints that are enforced (MySQL >= 8.0.16 — earlier ones parse and
    /// ignore them —, MariaDB >= 10.2.1, PostgreSQL, SQLite).
    CheckConstraints,
    /// `ON DELETE / ON UPDATE SET DEFAULT` on a foreign key (PostgreSQL, SQLite; MySQL
    /// and MariaDB's InnoDB drop the action without a word).
    ForeignKeySetDefault,
    /// UNIQUE constraints and indexes over unbounded TEXT / BLOB / JSON columns
    /// (PostgreSQL, SQLite, MariaDB >= 10.4 — a hash for UNIQUE, a prefix for an index —;
    /// not MySQL, which needs a prefix length; a PRIMARY KEY or FOREIGN KEY over such a
    /// column is refused on MySQL and MariaDB alike).
    UnboundedKeys,
    /// `GENERATED BY DEFAULT AS IDENTITY` columns (PostgreSQL >= 10; earlier versions
    /// get `SERIAL` types, MySQL and MariaDB `AUTO_INCREMENT`, SQLite its rowid).
    IdentityColumns,
}

impl Feature {
    /// How errors name the feature.
    ///
    /// ```
    /// use aludel_core::dialect::Feature;
    /// assert_eq!(Feature::FullJoin.name(), "FULL OUTER JOIN");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Feature::InsertReturning => "RETURNING on INSERT",
            Feature::UpdateReturning => "RETURNING on UPDATE",
            Feature::DeleteReturning => "RETURNING on DELETE",
            Feature::MultiTableReturning => "RETURNING in a multi-table UPDATE or DELETE",
            Feature::RightJoin => "RIGHT OUTER JOIN",
            Feature::FullJoin => "FULL OUTER JOIN",
            Feature::NullsOrdering => "NULLS FIRST / NULLS LAST",
            Feature::DistinctOn => "SELECT DISTINCT ON",
            Feature::ForUpdate => "SELECT ... FOR UPDATE",
            Feature::ForShare => "SELECT ... FOR SHARE",
            Feature::LockNoWait => "NOWAIT",
            Feature::LockSkipLocked => "SKIP LOCKED",
            Feature::LockOf => "FOR UPDATE OF",
            Feature::UpdateFrom => "UPDATE ... FROM (multi-table UPDATE)",
            Feature::DeleteUsing => "DELETE ... USING (multi-table DELETE)",
            Feature::RowValues => "row values ((a, b) IN ...)",
            Feature::LimitInInSubquery => "LIMIT in an IN (SELECT ...) subquery",
            Feature::OnConflict => {
                "INSERT ... ON CONFLICT (on MySQL and MariaDB use on_duplicate_key_update())"
            }
            Feature::OnDuplicateKeyUpdate => {
                "INSERT ... ON DUPLICATE KEY UPDATE (on PostgreSQL and SQLite use on_conflict())"
            }
            Feature::InsertRowAlias => "a row alias in INSERT ... ON DUPLICATE KEY UPDATE",
            Feature::WindowFunctions => "window functions (OVER)",
            Feature::WindowGroupsFrame => "a GROUPS window frame",
            Feature::NamedWindows => "a WINDOW clause (named windows)",
            Feature::WindowFrameExclusion => "EXCLUDE in a window frame",
            Feature::WindowOffsetDefault => "the default argument of lag() / lead()",
            Feature::Cte => "WITH (common table expressions)",
            Feature::RecursiveCte => "WITH RECURSIVE",
            Feature::CteMaterialized => "MATERIALIZED / NOT MATERIALIZED on a CTE",
            Feature::CteInDml => "WITH on UPDATE / DELETE",
            Feature::Lateral => "a LATERAL subquery",
            Feature::IntersectExcept => "INTERSECT / EXCEPT",
            Feature::IntersectExceptAll => "INTERSECT ALL / EXCEPT ALL",
            Feature::CreateTableIfNotExists => "CREATE TABLE IF NOT EXISTS",
            Feature::CreateIndexIfNotExists => "CREATE INDEX IF NOT EXISTS",
            Feature::DropIndexIfExists => "DROP INDEX IF EXISTS",
            Feature::DropTableCascade => "DROP TABLE ... CASCADE",
            Feature::AlterTableConstraints => "ALTER TABLE ... ADD / DROP CONSTRAINT",
            Feature::DropConstraintIfExists => "ALTER TABLE ... DROP CONSTRAINT IF EXISTS",
            Feature::GeneratedColumns => "generated (computed) columns",
            Feature::VirtualGeneratedColumns => "VIRTUAL generated columns",
            Feature::GeneratedColumnNotNull => {
                "NOT NULL on a generated column (make the Rust type an Option)"
            }
            Feature::CheckConstraints => "enforced CHECK constraints",
            Feature::IdentityColumns => "GENERATED BY DEFAULT AS IDENTITY",
            Feature::ForeignKeySetDefault => "SET DEFAULT as a foreign key's action",
            Feature::UnboundedKeys => {
                "a UNIQUE constraint or index over an unbounded TEXT / BLOB column"
            }
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Dialect {
    /// PostgreSQL 16.
    ///
    /// ```
    /// use aludel_core::dialect::Dialect;
    /// assert_eq!(Dialect::postgres().name(), "postgresql");
    /// ```
    pub const fn postgres() -> Dialect {
        Dialect {
            kind: DialectKind::Postgres,
            version: Version::new(16, 0, 0),
        }
    }

    /// MySQL 8.0.
    ///
    /// ```
    /// use aludel_core::dialect::Dialect;
    /// assert_eq!(Dialect::mysql().name(), "mysql");
    /// ```
    pub const fn mysql() -> Dialect {
        Dialect {
            kind: DialectKind::MySql,
            version: Version::new(8, 0, 36),
        }
    }

    /// MariaDB 10.11.
    ///
    /// ```
    /// use aludel_core::dialect::Dialect;
    /// assert_eq!(Dialect::mariadb().name(), "mariadb");
    /// ```
    pub const fn mariadb() -> Dialect {
        Dialect {
            kind: DialectKind::MariaDb,
            version: Version::new(10, 11, 0),
        }
    }

    /// SQLite 3.45 (the bundled build).
    ///
    /// ```
    /// use aludel_core::dialect::Dialect;
    /// assert_eq!(Dialect::sqlite().name(), "sqlite");
    /// ```
    pub const fn sqlite() -> Dialect {
        Dialect {
            kind: DialectKind::Sqlite,
            version: Version::new(3, 45, 0),
        }
    }

    /// The same dialect at another server version.
    ///
    /// ```
    /// use aludel_core::dialect::{Dialect, Feature};
    /// assert!(!Dialect::mariadb().with_version(10, 4, 0).supports(Feature::InsertReturning));
    /// ```
    pub const fn with_version(self, major: u16, minor: u16, patch: u16) -> Dialect {
        Dialect {
            kind: self.kind,
            version: Version::new(major, minor, patch),
        }
    }

    /// The database family.
    ///
    /// ```
    /// use aludel_core::dialect::{Dialect, DialectKind};
    /// assert_eq!(Dialect::mysql().kind(), DialectKind::MySql);
    /// ```
    pub fn kind(&self) -> DialectKind {
        self.kind
    }

    /// The server version.
    ///
    /// ```
    /// use aludel_core::dialect::{Dialect, Version};
    /// assert_eq!(Dialect::postgres().with_version(12, 1, 0).version(), Version::new(12, 1, 0));
    /// ```
    pub fn version(&self) -> Version {
        self.version
    }

    /// The family's name: `postgresql`, `mysql`, `mariadb`, `sqlite`.
    ///
    /// ```
    /// assert_eq!(aludel_core::dialect::Dialect::mariadb().name(), "mariadb");
    /// ```
    pub fn name(&self) -> &'static str {
        match self.kind {
            DialectKind::Postgres => "postgresql",
            DialectKind::MySql => "mysql",
            DialectKind::MariaDb => "mariadb",
            DialectKind::Sqlite => "sqlite",
        }
    }

    pub(crate) fn is_mysql_family(&self) -> bool {
        matches!(self.kind, DialectKind::MySql | DialectKind::MariaDb)
    }

    /// Whether this dialect at this version supports `feature`.
    ///
    /// ```
    /// use aludel_core::dialect::{Dialect, Feature};
    /// assert!(Dialect::postgres().supports(Feature::DistinctOn));
    /// assert!(!Dialect::sqlite().supports(Feature::ForUpdate));
    /// ```
    pub fn supports(&self, feature: Feature) -> bool {
        use DialectKind::*;
        let v = &self.version;
        match (feature, self.kind) {
            (Feature::OnDuplicateKeyUpdate | Feature::InsertRowAlias, Postgres | Sqlite) => false,
            (Feature::OnConflict, Postgres) => v.at_least(9, 5, 0),
            (Feature::WindowGroupsFrame | Feature::WindowFrameExclusion, Postgres) => {
                v.at_least(11, 0, 0)
            }
            (Feature::CteMaterialized, Postgres) => v.at_least(12, 0, 0),
            (Feature::Lateral, Postgres) => v.at_least(9, 3, 0),
            (Feature::CreateTableIfNotExists, Postgres) => v.at_least(9, 1, 0),
            (Feature::CreateIndexIfNotExists, Postgres) => v.at_least(9, 5, 0),
            (Feature::GeneratedColumns | Feature::GeneratedColumnNotNull, Postgres) => {
                v.at_least(12, 0, 0)
            }
            (Feature::VirtualGeneratedColumns, Postgres) => v.at_least(18, 0, 0),
            (Feature::IdentityColumns, Postgres) => v.at_least(10, 0, 0),
            (_, Postgres) => true,
            (Feature::OnConflict, Sqlite) => v.at_least(3, 24, 0),
            (
                Feature::InsertReturning | Feature::UpdateReturning | Feature::DeleteReturning,
                Sqlite,
            ) => v.at_least(3, 35, 0),
            (Feature::MultiTableReturning, Sqlite) => v.at_least(3, 35, 0),
            (Feature::RightJoin | Feature::FullJoin, Sqlite) => v.at_least(3, 39, 0),
            (Feature::NullsOrdering, Sqlite) => v.at_least(3, 30, 0),
            (Feature::UpdateFrom, Sqlite) => v.at_least(3, 33, 0),
            (Feature::RowValues, Sqlite) => v.at_least(3, 15, 0),
            (Feature::LimitInInSubquery | Feature::IntersectExcept, Sqlite) => true,
            (Feature::Cte | Feature::RecursiveCte | Feature::CteInDml, Sqlite) => {
                v.at_least(3, 8, 3)
            }
            (Feature::CteMaterialized, Sqlite) => v.at_least(3, 35, 0),
            (Feature::WindowFunctions | Feature::WindowOffsetDefault, Sqlite) => {
                v.at_least(3, 25, 0)
            }
            (
                Feature::WindowGroupsFrame | Feature::NamedWindows | Feature::WindowFrameExclusion,
                Sqlite,
            ) => v.at_least(3, 28, 0),
            (
                Feature::CreateTableIfNotExists
                | Feature::CreateIndexIfNotExists
                | Feature::DropIndexIfExists
                | Feature::CheckConstraints
                | Feature::UnboundedKeys
                | Feature::ForeignKeySetDefault,
                Sqlite,
            ) => true,
            (
                Feature::GeneratedColumns
                | Feature::VirtualGeneratedColumns
                | Feature::GeneratedColumnNotNull,
                Sqlite,
            ) => v.at_least(3, 31, 0),
            (_, Sqlite) => false,
            (Feature::InsertReturning, MariaDb) => v.at_least(10, 5, 0),
            (Feature::DeleteReturning, MariaDb) => v.at_least(10, 0, 5),
            (Feature::LockNoWait, MariaDb) => v.at_least(10, 3, 0),
            (Feature::LockSkipLocked, MariaDb) => v.at_least(10, 6, 0),
            (Feature::OnDuplicateKeyUpdate, MySql | MariaDb) => true,
            (Feature::InsertRowAlias, MySql) => v.at_least(8, 0, 19),
            (
                Feature::WindowFunctions | Feature::WindowOffsetDefault | Feature::NamedWindows,
                MySql,
            ) => v.at_least(8, 0, 0),
            (Feature::WindowFunctions | Feature::NamedWindows, MariaDb) => v.at_least(10, 2, 0),
            (Feature::Cte | Feature::RecursiveCte | Feature::CteInDml, MySql) => {
                v.at_least(8, 0, 0)
            }
            (Feature::Cte, MariaDb) => v.at_least(10, 2, 1),
            (Feature::RecursiveCte, MariaDb) => v.at_least(10, 2, 2),
            (Feature::IntersectExcept | Feature::IntersectExceptAll, MySql) => v.at_least(8, 0, 31),
            (Feature::IntersectExcept, MariaDb) => v.at_least(10, 3, 0),
            (Feature::Lateral, MySql) => v.at_least(8, 0, 14),
            (Feature::IntersectExceptAll, MariaDb) => v.at_least(10, 5, 0),
            (Feature::CreateIndexIfNotExists | Feature::DropIndexIfExists, MariaDb) => {
                v.at_least(10, 1, 4)
            }
            (Feature::DropConstraintIfExists, MariaDb) => v.at_least(10, 2, 1),
            (Feature::UnboundedKeys, MariaDb) => v.at_least(10, 4, 0),
            (
                Feature::GeneratedColumns
                | Feature::VirtualGeneratedColumns
                | Feature::CheckConstraints,
                MariaDb,
            ) => v.at_least(10, 2, 1),
            (
                Feature::GeneratedColumns
                | Feature::VirtualGeneratedColumns
                | Feature::GeneratedColumnNotNull,
                MySql,
            ) => v.at_least(5, 7, 6),
            (Feature::CheckConstraints, MySql) => v.at_least(8, 0, 16),
            (Feature::CreateTableIfNotExists | Feature::AlterTableConstraints, MySql | MariaDb) => {
                true
            }
            (Feature::LockNoWait | Feature::LockSkipLocked | Feature::LockOf, MySql) => {
                v.at_least(8, 0, 1)
            }
            (
                Feature::RightJoin
                | Feature::ForUpdate
                | Feature::ForShare
                | Feature::UpdateFrom
                | Feature::DeleteUsing
                | Feature::RowValues,
                MySql | MariaDb,
            ) => true,
            (_, MySql | MariaDb) => false,
        }
    }

    /// `Ok` if `feature` is supported, else the [`CompileError::Unsupported`] naming it.
    ///
    /// ```
    /// use aludel_core::dialect::{Dialect, Feature};
    /// let err = Dialect::mysql().require(Feature::InsertReturning).unwrap_err();
    /// assert_eq!(err.to_string(), "RETURNING on INSERT is not supported by MySQL 8.0.36");
    /// ```
    pub fn require(&self, feature: Feature) -> Result<(), CompileError> {
        if self.supports(feature) {
            Ok(())
        } else {
            Err(self.unsupported(feature.name()))
        }
    }

    pub(crate) fn unsupported(
        &self,
        feature: impl Into<std::borrow::Cow<'static, str>>,
    ) -> CompileError {
        CompileError::Unsupported {
            feature: feature.into(),
            dialect: *self,
        }
    }

    /// Whether `ident` must be quoted: not all lowercase letters, digits and `_` (not
    /// starting with a digit), or a reserved word of this dialect.
    ///
    /// ```
    /// use aludel_core::dialect::Dialect;
    /// let pg = Dialect::postgres();
    /// assert!(!pg.needs_quotes("user_id"));
    /// assert!(pg.needs_quotes("order"));
    /// assert!(pg.needs_quotes("Users"));
    /// assert!(pg.needs_quotes("has spaces"));
    /// ```
    pub fn needs_quotes(&self, ident: &str) -> bool {
        reserved::quote_mask(ident) & self.quote_bit() != 0
    }

    /// This dialect family's bit in a quoting mask.
    pub(crate) fn quote_bit(&self) -> u8 {
        match self.kind {
            DialectKind::Postgres => reserved::QUOTE_PG,
            DialectKind::MySql | DialectKind::MariaDb => reserved::QUOTE_MY,
            DialectKind::Sqlite => reserved::QUOTE_LITE,
        }
    }

    /// Appends `ident` whose quoting mask (from [`reserved::quote_mask`]) is known.
    pub(crate) fn ident_masked(&self, out: &mut String, ident: &str, mask: u8) {
        if mask & self.quote_bit() == 0 {
            out.push_str(ident);
        } else {
            self.push_quoted(out, ident);
        }
    }

    /// Appends the table's name, qualified by its schema, each quoted if needed.
    pub(crate) fn table_name_into(&self, out: &mut String, t: &crate::schema::TableDef) {
        if let Some(s) = &t.schema {
            self.ident_masked(out, s, t.schema_quote);
            out.push('.');
        }
        self.ident_masked(out, &t.name, t.name_quote);
    }

    /// Appends `ident`, quoted if needed, with the quote character doubled inside.
    ///
    /// ```
    /// use aludel_core::dialect::Dialect;
    /// let mut s = String::new();
    /// Dialect::mysql().quote_ident_into(&mut s, "back`tick");
    /// assert_eq!(s, "`back``tick`");
    /// ```
    pub fn quote_ident_into(&self, out: &mut String, ident: &str) {
        if self.needs_quotes(ident) {
            self.push_quoted(out, ident);
        } else {
            out.push_str(ident);
        }
    }

    fn push_quoted(&self, out: &mut String, ident: &str) {
        let q = if self.is_mysql_family() { '`' } else { '"' };
        out.reserve(ident.len() + 2);
        out.push(q);
        for c in ident.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
    }

    /// The dialect's name for `ty` in `CAST(x AS ty)`; an error where it has none.
    ///
    /// ```
    /// use aludel_core::{dialect::Dialect, DataType};
    /// assert_eq!(Dialect::mysql().cast_type(DataType::BigInt).unwrap(), "SIGNED");
    /// assert_eq!(Dialect::sqlite().cast_type(DataType::Varchar(5)).unwrap(), "TEXT");
    /// assert!(Dialect::mysql().cast_type(DataType::Boolean).is_err());
    /// ```
    pub fn cast_type(&self, ty: DataType) -> Result<String, CompileError> {
        use DataType::*;
        let s: String = match self.kind {
            DialectKind::Postgres => match ty {
                Json => "JSONB".into(),
                Any => return Err(self.unsupported("CAST to a type-erased (Dyn) type")),
                other => other.to_string(),
            },
            DialectKind::MySql | DialectKind::MariaDb => match ty {
                SmallInt | Integer | BigInt => "SIGNED".into(),
                Real => "FLOAT".into(),
                Double => "DOUBLE".into(),
                Numeric(None) => "DECIMAL(65, 30)".into(),
                Numeric(Some((p, s))) => format!("DECIMAL({p}, {s})"),
                Text => "CHAR".into(),
                Varchar(n) => format!("CHAR({n})"),
                Bytes => "BINARY".into(),
                Date => "DATE".into(),
                Time => "TIME(6)".into(),
                Timestamp | TimestampTz => "DATETIME(6)".into(),
                Uuid => "CHAR(36)".into(),
                Json if self.kind == DialectKind::MySql => "JSON".into(),
                Json => "CHAR".into(),
                Boolean => return Err(self.unsupported("CAST to BOOLEAN")),
                Any => return Err(self.unsupported("CAST to a type-erased (Dyn) type")),
            },
            DialectKind::Sqlite => match ty {
                Boolean => return Err(self.unsupported("CAST to BOOLEAN")),
                SmallInt | Integer | BigInt => "INTEGER".into(),
                Real | Double => "REAL".into(),
                Numeric(_) => "NUMERIC".into(),
                Text | Varchar(_) | Date | Time | Timestamp | TimestampTz | Uuid | Json => {
                    "TEXT".into()
                }
                Bytes => "BLOB".into(),
                Any => return Err(self.unsupported("CAST to a type-erased (Dyn) type")),
            },
        };
        Ok(s)
    }

    /// The dialect's name for `ty` in a column definition (`CREATE TABLE`): the type
    /// that stores every value of the Rust type without loss. An error for
    /// [`DataType::Any`] (a type-erased runtime column has no SQL type).
    ///
    /// | `DataType` | PostgreSQL | MySQL / MariaDB | SQLite |
    /// |---|---|---|---|
    /// | `Text` | `TEXT` | `LONGTEXT` | `TEXT` |
    /// | `Numeric(None)` | `NUMERIC` | `DECIMAL(65, 30)` | `NUMERIC` |
    /// | `Bytes` | `BYTEA` | `LONGBLOB` | `BLOB` |
    /// | `Time` | `TIME` | `TIME(6)` | `TIME` |
    /// | `Timestamp` | `TIMESTAMP` | `DATETIME(6)` | `TIMESTAMP` |
    /// | `TimestampTz` | `TIMESTAMP WITH TIME ZONE` | `DATETIME(6)` (UTC) | `TIMESTAMP` |
    /// | `Uuid` | `UUID` | `CHAR(36)` | `TEXT` |
    /// | `Json` | `JSONB` | `JSON` | `TEXT` |
    ///
    /// ```
    /// use aludel_core::{dialect::Dialect, DataType};
    /// assert_eq!(Dialect::postgres().ddl_type(DataType::Double).unwrap(), "DOUBLE PRECISION");
    /// assert_eq!(Dialect::mysql().ddl_type(DataType::Timestamp).unwrap(), "DATETIME(6)");
    /// assert_eq!(Dialect::sqlite().ddl_type(DataType::Json).unwrap(), "TEXT");
    /// assert!(Dialect::sqlite().ddl_type(DataType::Any).is_err());
    /// ```
    pub fn ddl_type(&self, ty: DataType) -> Result<String, CompileError> {
        use DataType::*;
        if ty == Any {
            return Err(self.unsupported(
                "a column of a type-erased (Dyn) type in CREATE TABLE (give it a DataType)",
            ));
        }
        let s: String = match self.kind {
            DialectKind::Postgres => match ty {
                Json => "JSONB".into(),
                other => other.to_string(),
            },
            DialectKind::MySql | DialectKind::MariaDb => match ty {
                Real => "FLOAT".into(),
                Double => "DOUBLE".into(),
                Numeric(None) => "DECIMAL(65, 30)".into(),
                Numeric(Some((p, s))) => format!("DECIMAL({p}, {s})"),
                Text => "LONGTEXT".into(),
                Bytes => "LONGBLOB".into(),
                Time => "TIME(6)".into(),
                Timestamp | TimestampTz => "DATETIME(6)".into(),
                Uuid => "CHAR(36)".into(),
                other => other.to_string(),
            },
            DialectKind::Sqlite => match ty {
                Double => "DOUBLE".into(),
                Bytes => "BLOB".into(),
                TimestampTz => "TIMESTAMP".into(),
                Uuid | Json => "TEXT".into(),
                other => other.to_string(),
            },
        };
        Ok(s)
    }

    /// The dialect's literal for `TRUE` / `FALSE` (`1` / `0` on SQLite).
    ///
    /// ```
    /// use aludel_core::dialect::Dialect;
    /// assert_eq!(Dialect::sqlite().bool_literal(true), "1");
    /// assert_eq!(Dialect::postgres().bool_literal(false), "false");
    /// ```
    pub fn bool_literal(&self, v: bool) -> &'static str {
        match (self.kind, v) {
            (DialectKind::Sqlite, true) => "1",
            (DialectKind::Sqlite, false) => "0",
            (_, true) => "true",
            (_, false) => "false",
        }
    }

    /// Appends `v` as an SQL literal, escaped for this dialect. Strings are safe whatever
    /// the server's escaping mode (PostgreSQL `standard_conforming_strings`, MySQL
    /// `NO_BACKSLASH_ESCAPES`): backslashes force an `E''` string on PostgreSQL and a hex
    /// literal on MySQL.
    ///
    /// ```
    /// use aludel_core::{dialect::Dialect, Value};
    /// let lit = |d: Dialect, v: Value| { let mut s = String::new(); d.literal_into(&mut s, &v).unwrap(); s };
    /// assert_eq!(lit(Dialect::postgres(), "it's".into()), "'it''s'");
    /// assert_eq!(lit(Dialect::postgres(), r"a\b".into()), r"E'a\\b'");
    /// assert_eq!(lit(Dialect::mysql(), r"a\b".into()), "_utf8mb4 X'615C62'");
    /// assert_eq!(lit(Dialect::sqlite(), Value::I64(-5)), "(-5)");
    /// assert!(Dialect::postgres().literal_into(&mut String::new(), &"nul\0".into()).is_err());
    /// assert_eq!(lit(Dialect::sqlite(), r"a\b".into()), r"'a\b'");
    /// ```
    pub fn literal_into(&self, out: &mut String, v: &Value) -> Result<(), CompileError> {
        use std::fmt::Write;
        let pg = self.kind == DialectKind::Postgres;
        let my = self.is_mysql_family();
        let bad = |reason: &str| CompileError::InlineValue {
            dialect: *self,
            value: v.kind_name(),
            reason: reason.to_owned(),
        };
        let signed = |out: &mut String, neg: bool, text: std::fmt::Arguments<'_>| {
            if neg {
                out.push('(');
            }
            let _ = out.write_fmt(text);
            if neg {
                out.push(')');
            }
        };
        match v {
            Value::Null => out.push_str("NULL"),
            Value::Bool(b) => out.push_str(self.bool_literal(*b)),
            Value::I16(n) => signed(out, *n < 0, format_args!("{n}")),
            Value::I32(n) => signed(out, *n < 0, format_args!("{n}")),
            Value::I64(n) => signed(out, *n < 0, format_args!("{n}")),
            Value::F32(x) if !x.is_finite() => return Err(bad("not a finite number")),
            Value::F64(x) if !x.is_finite() => return Err(bad("not a finite number")),
            Value::F32(x) => signed(out, x.is_sign_negative(), format_args!("{x:?}")),
            Value::F64(x) => signed(out, x.is_sign_negative(), format_args!("{x:?}")),
            Value::Decimal(d) => signed(out, d.as_str().starts_with('-'), format_args!("{d}")),
            Value::Text(s) => self.string_literal(out, s).map_err(&bad)?,
            Value::Bytes(b) => {
                let hex: String = b.iter().map(|x| format!("{x:02X}")).collect();
                if pg {
                    // decode() reads the same under either standard_conforming_strings.
                    let _ = write!(out, "decode('{hex}', 'hex')");
                } else {
                    let _ = write!(out, "X'{hex}'");
                }
            }
            Value::Date(d) if !self.is_sqlite() => {
                let _ = write!(out, "DATE '{d}'");
            }
            Value::Time(t) if !self.is_sqlite() => {
                let _ = write!(out, "TIME '{t}'");
            }
            Value::Timestamp(t) if !self.is_sqlite() => {
                let _ = write!(out, "TIMESTAMP '{t}'");
            }
            Value::TimestampTz(t) if pg => {
                let _ = write!(out, "TIMESTAMP WITH TIME ZONE '{t}'");
            }
            Value::TimestampTz(t) if my => {
                let _ = write!(out, "TIMESTAMP '{}'", t.utc());
            }
            Value::Uuid(u) if pg => {
                let _ = write!(out, "'{u}'::UUID");
            }
            Value::Json(j) if pg => {
                self.string_literal(out, j.as_str()).map_err(&bad)?;
                out.push_str("::JSONB");
            }
            Value::Json(j) => self.string_literal(out, j.as_str()).map_err(&bad)?,
            Value::Date(_)
            | Value::Time(_)
            | Value::Timestamp(_)
            | Value::TimestampTz(_)
            | Value::Uuid(_) => {
                let _ = write!(out, "'{v}'");
            }
            Value::List(items) if pg => {
                if items.is_empty() {
                    out.push_str("'{}'");
                } else {
                    out.push_str("ARRAY[");
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        self.literal_into(out, item)?;
                    }
                    out.push(']');
                }
            }
            Value::List(_) => return Err(bad("a list cannot be written inline")),
        }
        Ok(())
    }

    fn is_sqlite(&self) -> bool {
        self.kind == DialectKind::Sqlite
    }

    fn string_literal(&self, out: &mut String, s: &str) -> Result<(), &'static str> {
        if s.contains('\0') && !self.is_mysql_family() {
            return Err("text containing NUL cannot be stored by this database");
        }
        let backslash = s.contains('\\');
        if self.is_mysql_family() && (backslash || s.bytes().any(|b| b < 0x20 || b == 0x7f)) {
            // A hex literal means the same under every sql_mode.
            out.push_str("_utf8mb4 X'");
            for b in s.bytes() {
                out.push_str(&format!("{b:02X}"));
            }
            out.push('\'');
            return Ok(());
        }
        // PostgreSQL: an E'' string reads backslashes the same whatever
        // standard_conforming_strings says; elsewhere a backslash is an ordinary character.
        let e_string = self.kind == DialectKind::Postgres && backslash;
        if e_string {
            out.push('E');
        }
        out.push('\'');
        for c in s.chars() {
            match c {
                '\'' => out.push_str("''"),
                '\\' if e_string => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push('\'');
        Ok(())
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.kind {
            DialectKind::Postgres => "PostgreSQL",
            DialectKind::MySql => "MySQL",
            DialectKind::MariaDb => "MariaDB",
            DialectKind::Sqlite => "SQLite",
        };
        write!(f, "{name} {}", self.version)
    }
}

/// Something that names a dialect: the [`Postgres`], [`MySql`], [`MariaDb`] and [`Sqlite`]
/// shorthands, or a [`Dialect`] with an explicit version.
///
/// ```
/// use aludel_core::dialect::{AsDialect, Dialect, Postgres};
/// assert_eq!(Postgres.dialect(), Dialect::postgres());
/// assert_eq!(Dialect::sqlite().dialect(), Dialect::sqlite());
/// ```
pub trait AsDialect {
    /// The dialect.
    ///
    /// ```
    /// use aludel_core::dialect::{AsDialect, Dialect, Sqlite};
    /// assert_eq!(Sqlite.dialect(), Dialect::sqlite());
    /// ```
    fn dialect(&self) -> Dialect;
}

impl AsDialect for Dialect {
    fn dialect(&self) -> Dialect {
        *self
    }
}

macro_rules! shorthand {
    ($(#[$doc:meta])* $name:ident => $ctor:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl AsDialect for $name {
            fn dialect(&self) -> Dialect {
                Dialect::$ctor()
            }
        }

                impl $name {
            /// This dialect at a given server version.
            ///
            #[doc = concat!("```\nuse aludel_core::dialect::", stringify!($name), ";\nlet d = ", stringify!($name), "::version(1, 2, 3);\nassert_eq!(d.version().to_string(), \"1.2.3\");\n```")]
            pub const fn version(major: u16, minor: u16, patch: u16) -> Dialect {
                Dialect::$ctor().with_version(major, minor, patch)
            }
        }
    };
}

shorthand!(
    /// PostgreSQL (latest): `stmt.compile(&Postgres)`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).compile(&Postgres).unwrap().sql(), "SELECT $1::BIGINT");
    /// assert_eq!(Postgres::version(12, 0, 0).to_string(), "PostgreSQL 12.0.0");
    /// ```
    Postgres => postgres
);
shorthand!(
    /// MySQL 8.0: `stmt.compile(&MySql)`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).compile(&MySql).unwrap().sql(), "SELECT ?");
    /// ```
    MySql => mysql
);
shorthand!(
    /// MariaDB 10.11: `stmt.compile(&MariaDb)`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).compile(&MariaDb).unwrap().sql(), "SELECT ?");
    /// ```
    MariaDb => mariadb
);
shorthand!(
    /// SQLite 3.45: `stmt.compile(&Sqlite)`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).compile(&Sqlite).unwrap().sql(), "SELECT ?");
    /// ```
    Sqlite => sqlite
);
