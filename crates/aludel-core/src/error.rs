//! Compile errors: everything a statement can get wrong before it reaches a database.

use std::borrow::Cow;

use crate::dialect::Dialect;

/// Why a statement could not be compiled or bound. Every variant names what went wrong
/// and where; none of them is a panic.
///
/// ```
/// use aludel_core::prelude::*;
/// use aludel_core::CompileError;
/// let err = select(literal(1i64)).distinct_on(literal(1i64)).compile(&MySql).unwrap_err();
/// assert!(matches!(err, CompileError::Unsupported { dialect, .. } if dialect.kind() == aludel_core::dialect::DialectKind::MySql));
/// assert_eq!(err.to_string(), "SELECT DISTINCT ON is not supported by MySQL 8.0.36");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The dialect (at its version) cannot express a construct.
    #[error("{feature} is not supported by {dialect}")]
    Unsupported {
        /// The construct.
        feature: Cow<'static, str>,
        /// The dialect and its server version (displayed as e.g. `MySQL 8.0.36`).
        dialect: Dialect,
    },
    /// A selected column can be NULL because it comes from the nullable side of an outer
    /// join, but the row type expects a value.
    #[error(
        "column {column} can be NULL (it is on the nullable side of {join}) but the row type expects a value; select it with .nullable()"
    )]
    NullableByJoin {
        /// The column.
        column: String,
        /// The outer join, e.g. `LEFT OUTER JOIN posts`.
        join: String,
    },
    /// A column refers to a FROM item the query does not have.
    #[error(
        "column {column} refers to {source_desc}, which is not in the FROM clause of this query (nor of an enclosing one); add it with .select_from() or a join"
    )]
    MissingFrom {
        /// The column.
        column: String,
        /// The FROM item it belongs to.
        source_desc: String,
    },
    /// Two different FROM items expose the same name.
    #[error("two different FROM items are named {name}; give one of them an alias")]
    DuplicateFromName {
        /// The name.
        name: String,
    },
    /// A subquery's derived FROM was entirely correlated to the enclosing query.
    #[error(
        "the subquery's FROM ({tables}) also appears in the enclosing query, so it was correlated away and the subquery would have no FROM of its own; add .select_from(..) to the subquery for an independent one"
    )]
    CorrelatedAway {
        /// The tables.
        tables: String,
    },
    /// A column of a subquery cannot be referred to.
    #[error("column #{index} of subquery {subquery}: {problem}")]
    SubqueryColumn {
        /// The subquery.
        subquery: String,
        /// The column position (0-based).
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// The statement was built in a way that cannot be compiled.
    #[error("invalid statement: {message}")]
    InvalidStatement {
        /// What is wrong.
        message: String,
    },
    /// A named parameter has no value.
    #[error("no value was supplied for the named parameter {name:?}")]
    MissingParameter {
        /// The parameter.
        name: String,
    },
    /// An identifier is not acceptable where it is used.
    #[error("{what} {name:?} is not a valid identifier (letters, digits and _ only)")]
    InvalidIdentifier {
        /// What it names (function, ...).
        what: &'static str,
        /// The identifier.
        name: String,
    },
    /// A `text()` fragment cannot be used as written.
    #[error("text() fragment: {message}")]
    Text {
        /// What is wrong.
        message: String,
    },
    /// A value cannot be written inline as an SQL literal.
    #[error("{dialect} cannot take a {value} value written inline: {reason}")]
    InlineValue {
        /// The dialect and its server version.
        dialect: Dialect,
        /// The value's kind.
        value: &'static str,
        /// Why not.
        reason: String,
    },
    /// The values supplied for a compiled statement do not fit it.
    #[error("parameter values do not match the compiled statement: {message}")]
    BindMismatch {
        /// What does not fit.
        message: String,
    },
}

impl CompileError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        CompileError::InvalidStatement {
            message: message.into(),
        }
    }
}
