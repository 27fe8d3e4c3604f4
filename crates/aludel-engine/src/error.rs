//! The engine's error type: one enum, classified the same way on every database.

use std::fmt;

use aludel_core::CompileError;

/// A driver's own error, kept as the [`source`](std::error::Error::source) of an [`Error`].
///
/// ```
/// use aludel_engine::{DbContext, DriverError, Error};
/// let source: DriverError = "the driver's words".into();
/// let e = Error::Database { context: DbContext::new(None, None, "boom"), source };
/// assert_eq!(std::error::Error::source(&e).unwrap().to_string(), "the driver's words");
/// ```
pub type DriverError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Which integrity constraint a statement violated.
///
/// ```
/// use aludel_engine::IntegrityKind;
/// assert_eq!(IntegrityKind::Unique.to_string(), "unique");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IntegrityKind {
    /// A UNIQUE or PRIMARY KEY constraint.
    Unique,
    /// A FOREIGN KEY constraint.
    ForeignKey,
    /// A NOT NULL column.
    NotNull,
    /// A CHECK constraint.
    Check,
}

impl fmt::Display for IntegrityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntegrityKind::Unique => "unique",
            IntegrityKind::ForeignKey => "foreign key",
            IntegrityKind::NotNull => "not null",
            IntegrityKind::Check => "check",
        })
    }
}

/// What the database said, and about which statement: carried by every error that
/// comes from the server or the driver.
///
/// ```
/// use aludel_engine::DbContext;
/// let c = DbContext::new(Some("SELECT 1".into()), Some("42601".into()), "syntax error");
/// assert_eq!(c.code(), Some("42601"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbContext {
    sql: Option<String>,
    code: Option<String>,
    message: String,
}

impl DbContext {
    /// A context: the SQL (when a statement was being run), the SQLSTATE or vendor code,
    /// and the server's or driver's message.
    ///
    /// ```
    /// use aludel_engine::DbContext;
    /// assert_eq!(DbContext::new(None, None, "gone").message(), "gone");
    /// ```
    pub fn new(sql: Option<String>, code: Option<String>, message: impl Into<String>) -> Self {
        DbContext {
            sql,
            code,
            message: message.into(),
        }
    }

    /// The SQL that failed, if a statement was being run.
    ///
    /// ```
    /// use aludel_engine::DbContext;
    /// assert_eq!(DbContext::new(Some("COMMIT".into()), None, "x").sql(), Some("COMMIT"));
    /// ```
    pub fn sql(&self) -> Option<&str> {
        self.sql.as_deref()
    }

    /// The SQLSTATE (PostgreSQL, MySQL) or vendor code (SQLite extended result code,
    /// MySQL error number) of the failure.
    ///
    /// ```
    /// use aludel_engine::DbContext;
    /// assert_eq!(DbContext::new(None, Some("2067".into()), "x").code(), Some("2067"));
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The server's or driver's message.
    ///
    /// ```
    /// use aludel_engine::DbContext;
    /// assert_eq!(DbContext::new(None, None, "boom").message(), "boom");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DbContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(f, " [code {code}]")?;
        }
        if let Some(sql) = &self.sql {
            write!(f, " [SQL: {sql}]")?;
        }
        Ok(())
    }
}

/// Every error the engine returns.
///
/// Errors from the database are classified the same way on SQLite, PostgreSQL and
/// MySQL / MariaDB; each carries a [`DbContext`] (SQL, SQLSTATE or vendor code, message)
/// and the driver's own error as its [`source`](std::error::Error::source).
///
/// ```
/// use aludel_engine::Error;
/// let e = Error::InvalidRequest { message: "this transaction is inactive".into() };
/// assert_eq!(e.to_string(), "invalid request: this transaction is inactive");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A constraint was violated.
    #[error("integrity error ({kind}{}): {context}", constraint.as_deref().map(|c| format!(" `{c}`")).unwrap_or_default())]
    Integrity {
        /// Which kind of constraint.
        kind: IntegrityKind,
        /// The constraint's (or, for NOT NULL, the column's) name, when the database says.
        constraint: Option<String>,
        /// What the database said.
        context: DbContext,
        /// The driver's error.
        #[source]
        source: DriverError,
    },
    /// The transaction could not be serialized with concurrent ones; retry it.
    #[error("serialization failure: {context}")]
    SerializationFailure {
        /// What the database said.
        context: DbContext,
        /// The driver's error.
        #[source]
        source: DriverError,
    },
    /// A deadlock was detected and this transaction was chosen as the victim; retry it.
    #[error("deadlock: {context}")]
    Deadlock {
        /// What the database said.
        context: DbContext,
        /// The driver's error.
        #[source]
        source: DriverError,
    },
    /// The connection to the server was lost. The connection is invalidated (the pool
    /// replaces it); an open transaction stays inactive until rolled back, and nothing of
    /// it was committed.
    #[error("disconnected: {context}")]
    Disconnect {
        /// What the driver said.
        context: DbContext,
        /// The driver's error.
        #[source]
        source: DriverError,
    },
    /// The server gave up waiting (a lock wait or statement timeout).
    #[error("timeout: {context}")]
    Timeout {
        /// What the database said.
        context: DbContext,
        /// The driver's error.
        #[source]
        source: DriverError,
    },
    /// No connection could be checked out of the pool in time.
    #[error("timed out waiting for a pooled connection ({message})")]
    PoolTimeout {
        /// Which wait timed out.
        message: String,
    },
    /// The connection is on an inactive transaction (an inner transaction was rolled
    /// back, a statement was cancelled mid-flight, or the connection was lost): roll back
    /// fully before proceeding.
    #[error("pending rollback: {message}")]
    PendingRollback {
        /// What happened.
        message: String,
    },
    /// The request makes no sense in the connection's current state (committing a
    /// finished transaction, changing the isolation level inside one, ...).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What was asked, and why it cannot be done.
        message: String,
    },
    /// `one()` or `scalar_one()` found no row.
    #[error("no row was found when one was required")]
    NoResultFound,
    /// `one()` or `one_or_none()` found more than one row.
    #[error("more than one row was found when one was required")]
    MultipleResultsFound,
    /// A value could not be decoded into the requested Rust type.
    #[error("cannot decode column {column}: {message}")]
    Decode {
        /// The column's name (or `#index` when it has none).
        column: String,
        /// What did not fit.
        message: String,
    },
    /// The statement could not be compiled for this database.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The URL or the configuration is not usable.
    #[error("configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// Any other database error.
    #[error("database error: {context}")]
    Database {
        /// What the database said.
        context: DbContext,
        /// The driver's error.
        #[source]
        source: DriverError,
    },
}

impl Error {
    /// The database context (SQL, code, message) of an error that came from the database.
    ///
    /// ```
    /// use aludel_engine::Error;
    /// assert!(Error::NoResultFound.context().is_none());
    /// ```
    pub fn context(&self) -> Option<&DbContext> {
        match self {
            Error::Integrity { context, .. }
            | Error::SerializationFailure { context, .. }
            | Error::Deadlock { context, .. }
            | Error::Disconnect { context, .. }
            | Error::Timeout { context, .. }
            | Error::Database { context, .. } => Some(context),
            _ => None,
        }
    }

    /// The SQL that failed, when the error came from running a statement.
    ///
    /// ```
    /// use aludel_engine::Error;
    /// assert_eq!(Error::NoResultFound.sql(), None);
    /// ```
    pub fn sql(&self) -> Option<&str> {
        self.context().and_then(DbContext::sql)
    }

    /// The SQLSTATE or vendor code, when the error came from the database.
    ///
    /// ```
    /// use aludel_engine::Error;
    /// assert_eq!(Error::NoResultFound.code(), None);
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.context().and_then(DbContext::code)
    }

    /// Whether the connection was lost.
    ///
    /// ```
    /// use aludel_engine::Error;
    /// assert!(!Error::NoResultFound.is_disconnect());
    /// ```
    pub fn is_disconnect(&self) -> bool {
        matches!(self, Error::Disconnect { .. })
    }

    /// Whether retrying the whole transaction may succeed (serialization failure or
    /// deadlock).
    ///
    /// ```
    /// use aludel_engine::Error;
    /// assert!(!Error::NoResultFound.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::SerializationFailure { .. } | Error::Deadlock { .. }
        )
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    pub(crate) fn pending(message: impl Into<String>) -> Error {
        Error::PendingRollback {
            message: message.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::Config {
            message: message.into(),
        }
    }
}

/// The engine's result type.
///
/// ```
/// fn answer() -> aludel_engine::Result<i64> {
///     Err(aludel_engine::Error::NoResultFound)
/// }
/// assert!(answer().is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;
