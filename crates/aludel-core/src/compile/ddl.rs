//! Rendering DDL statements for a dialect. DDL has no bind parameters: what a table
//! definition holds as SQL text (server defaults, CHECK conditions, generation
//! expressions) is written as it is.

use crate::dialect::{Dialect, DialectKind, Feature};
use crate::error::CompileError;
use crate::schema::{ColumnDef, Constraint, FkTarget, ForeignKeyDef, IndexDef, NameList, TableDef};
use crate::stmt::ddl::{DdlNode, IndexSpec};
use crate::types::DataType;

type Result<T = ()> = std::result::Result<T, CompileError>;

/// Appends the SQL of `node` for `d`.
pub(crate) fn render(d: Dialect, node: &DdlNode, out: &mut String) -> Result {
    match node {
        DdlNode::CreateTable {
            table,
            if_not_exists,
            skip,
        } => create_table(d, table.def(), *if_not_exists, skip, out),
        DdlNode::DropTable {
            table,
            if_exists,
            cascade,
        } => {
            out.push_str("DROP TABLE ");
            if *if_exists {
                out.push_str("IF EXISTS ");
            }
            d.table_name_into(out, table.def());
            if *cascade {
                d.require(Feature::DropTableCascade)?;
                out.push_str(" CASCADE");
            }
            Ok(())
        }
        DdlNode::CreateIndex {
            table,
            index,
            if_not_exists,
        } => {
            let t = table.def();
            let found;
            let ix: &IndexDef = match index {
                IndexSpec::Def(ix) => ix,
                IndexSpec::Named(name) => {
                    let all = t.all_indexes();
                    found = all.into_iter().find(|i| i.name == *name).ok_or_else(|| {
                        let declared: Vec<String> =
                            t.all_indexes().iter().map(|i| i.name.to_string()).collect();
                        CompileError::invalid(format!(
                            "table {} declares no index named {name:?} (it declares: {})",
                            t.qualified_name(),
                            if declared.is_empty() {
                                "none".to_owned()
                            } else {
                                declared.join(", ")
                            }
                        ))
                    })?;
                    &found
                }
            };
            create_index(d, t, ix, *if_not_exists, out)
        }
        DdlNode::DropIndex {
            table,
            name,
            if_exists,
        } => {
            let t = table.def();
            out.push_str("DROP INDEX ");
            if *if_exists {
                d.require(Feature::DropIndexIfExists)?;
                out.push_str("IF EXISTS ");
            }
            if d.is_mysql_family() {
                d.quote_ident_into(out, name);
                out.push_str(" ON ");
                d.table_name_into(out, t);
            } else {
                schema_prefix(d, t, out);
                d.quote_ident_into(out, name);
            }
            Ok(())
        }
        DdlNode::AddConstraint { table, constraint } => {
            let t = table.def();
            d.require(Feature::AlterTableConstraints)?;
            out.push_str("ALTER TABLE ");
            d.table_name_into(out, t);
            out.push_str(" ADD ");
            constraint_element(d, t, constraint, out)
        }
        DdlNode::DropConstraint {
            table,
            constraint,
            if_exists,
        } => drop_constraint(d, table.def(), constraint, *if_exists, out),
        DdlNode::DeferForeignKeys(on) => {
            if d.kind() != DialectKind::Sqlite {
                return Err(d.unsupported("PRAGMA defer_foreign_keys (SQLite only)"));
            }
            out.push_str(if *on {
                "PRAGMA defer_foreign_keys = ON"
            } else {
                "PRAGMA defer_foreign_keys = OFF"
            });
            Ok(())
        }
    }
}

/// `feature` is required for `what` (a column or table, named in the error).
fn need(d: Dialect, feature: Feature, what: impl FnOnce() -> String) -> Result {
    if d.supports(feature) {
        Ok(())
    } else {
        Err(d.unsupported(format!("{} ({})", feature.name(), what())))
    }
}

/// `schema.` of the table, where the dialect puts the schema on the index name
/// (PostgreSQL's DROP INDEX, SQLite's CREATE / DROP INDEX).
fn schema_prefix(d: Dialect, t: &TableDef, out: &mut String) {
    if let Some(s) = &t.schema {
        d.ident_masked(out, s, t.schema_quote);
        out.push('.');
    }
}

fn column_name(d: Dialect, c: &ColumnDef, out: &mut String) {
    d.ident_masked(out, &c.name, c.quote);
}

/// Whether MySQL / MariaDB store the type as a LONGTEXT / LONGBLOB (a key over it
/// needs a prefix length, or on MariaDB a hash).
fn unbounded(ty: DataType) -> bool {
    matches!(ty, DataType::Text | DataType::Bytes | DataType::Json)
}

/// What a list of key columns is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Primary,
    Unique,
    Index,
    Foreign,
}

impl Key {
    fn what(self) -> &'static str {
        match self {
            Key::Primary => "the PRIMARY KEY",
            Key::Unique => "a UNIQUE constraint",
            Key::Index => "an index",
            Key::Foreign => "a FOREIGN KEY",
        }
    }
}

/// `(a, b)`, each a column of `t`. On MySQL / MariaDB a key over an unbounded type is
/// refused where the server would need a prefix length it cannot be given here
/// (MariaDB >= 10.4 hashes UNIQUE keys and takes a prefix for a plain index).
fn key_columns(d: Dialect, t: &TableDef, names: &NameList, key: Key, out: &mut String) -> Result {
    let what = key.what();
    if names.is_empty() {
        return Err(CompileError::invalid(format!(
            "{what} of table {} has no columns",
            t.qualified_name()
        )));
    }
    out.push('(');
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let c = t.column(name).ok_or_else(|| {
            CompileError::invalid(format!(
                "{what} names column {name:?}, which table {} does not have",
                t.qualified_name()
            ))
        })?;
        let hashable =
            matches!(key, Key::Unique | Key::Index) && d.supports(Feature::UnboundedKeys);
        if d.is_mysql_family() && unbounded(c.data_type) && !hashable {
            return Err(d.unsupported(format!(
                "{what} over column {}.{} of unbounded type {} (MySQL and MariaDB need a length: declare it VARCHAR(n))",
                t.qualified_name(),
                c.name,
                c.data_type
            )));
        }
        column_name(d, c, out);
    }
    out.push(')');
    Ok(())
}

fn create_table(
    d: Dialect,
    t: &TableDef,
    if_not_exists: bool,
    skip: &[usize],
    out: &mut String,
) -> Result {
    if if_not_exists {
        d.require(Feature::CreateTableIfNotExists)?;
    }
    out.push_str("CREATE TABLE ");
    if if_not_exists {
        out.push_str("IF NOT EXISTS ");
    }
    d.table_name_into(out, t);
    out.push_str(" (");
    let auto = t.autoincrement_column().map(|(i, _)| i);
    let pk: Vec<&ColumnDef> = t.primary_key_columns().collect();
    for (i, c) in t.columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        column(d, t, c, auto == Some(i), pk.len(), out)?;
    }
    if !pk.is_empty() {
        out.push_str(", PRIMARY KEY ");
        let names = NameList::from(pk.iter().map(|c| c.name.to_string()).collect::<Vec<_>>());
        key_columns(d, t, &names, Key::Primary, out)?;
    }
    if let Some(a) = auto.map(|a| &t.columns[a])
        && d.is_mysql_family()
        && pk.first().is_none_or(|p| p.name != a.name)
    {
        // InnoDB: the AUTO_INCREMENT column must lead an index.
        out.push_str(", KEY (");
        column_name(d, a, out);
        out.push(')');
    }
    for c in t.columns.iter().filter(|c| c.unique && !c.index) {
        out.push_str(", UNIQUE ");
        let names = NameList::from(vec![c.name.to_string()]);
        key_columns(d, t, &names, Key::Unique, out)?;
    }
    for (i, con) in t.constraints.iter().enumerate() {
        if skip.contains(&i) {
            continue;
        }
        out.push_str(", ");
        constraint_element(d, t, con, out)?;
    }
    out.push(')');
    Ok(())
}

/// One column definition.
fn column(
    d: Dialect,
    t: &TableDef,
    c: &ColumnDef,
    is_auto: bool,
    pk_len: usize,
    out: &mut String,
) -> Result {
    let col = || format!("column {}.{}", t.qualified_name(), c.name);
    column_name(d, c, out);
    out.push(' ');
    if c.data_type == DataType::Any {
        return Err(d.unsupported(format!(
            "a column of a type-erased (Dyn) type in CREATE TABLE ({}: give it a DataType)",
            col()
        )));
    }
    if is_auto && !c.data_type.is_integer() {
        return Err(CompileError::invalid(format!(
            "{} is auto-incrementing but of type {}: auto-increment keys are integers",
            col(),
            c.data_type
        )));
    }
    let kind = d.kind();
    let identity = is_auto && kind == DialectKind::Postgres;
    match kind {
        DialectKind::Sqlite if is_auto => {
            // Only a single-column `INTEGER` primary key is the rowid (auto-incrementing).
            if !(c.primary_key && pk_len == 1) {
                return Err(d.unsupported(format!(
                    "an auto-increment column that is not the table's single-column primary key ({}; SQLite auto-increments only its rowid)",
                    col()
                )));
            }
            out.push_str("INTEGER");
        }
        DialectKind::Postgres if identity && !d.supports(Feature::IdentityColumns) => {
            out.push_str(match c.data_type {
                DataType::SmallInt => "SMALLSERIAL",
                DataType::Integer => "SERIAL",
                _ => "BIGSERIAL",
            });
        }
        _ => out.push_str(&d.ddl_type(c.data_type)?),
    }
    if let Some(g) = &c.computed {
        let feature = if g.stored {
            Feature::GeneratedColumns
        } else {
            Feature::VirtualGeneratedColumns
        };
        need(d, feature, col)?;
        if !c.nullable {
            need(d, Feature::GeneratedColumnNotNull, col)?;
        }
        out.push_str(" GENERATED ALWAYS AS (");
        out.push_str(&g.sql);
        out.push_str(if g.stored { ") STORED" } else { ") VIRTUAL" });
    }
    if identity && d.supports(Feature::IdentityColumns) {
        out.push_str(" GENERATED BY DEFAULT AS IDENTITY");
    }
    if let Some(text) = c.server_default.as_ref().and_then(|s| s.sql_text()) {
        out.push_str(" DEFAULT ");
        server_default(d, c, text, &col, out)?;
    }
    if let Some(text) = c.server_onupdate.as_ref().and_then(|s| s.sql_text()) {
        if !(d.is_mysql_family() && c.data_type == DataType::Timestamp && is_now(text)) {
            return Err(d.unsupported(format!(
                "an ON UPDATE clause for server_onupdate = {text:?} ({}): only MySQL and MariaDB have one, setting a DATETIME (Timestamp) column to the session's CURRENT_TIMESTAMP — a TimestampTz, stored in UTC, cannot take it; elsewhere maintain the column with a trigger and declare it server_onupdate without SQL",
                col()
            )));
        }
        out.push_str(" ON UPDATE CURRENT_TIMESTAMP(6)");
    }
    if !c.nullable {
        out.push_str(" NOT NULL");
    }
    if is_auto && d.is_mysql_family() {
        out.push_str(" AUTO_INCREMENT");
    }
    Ok(())
}

/// `CURRENT_TIMESTAMP` and its synonyms, with or without a precision: `NOW()`,
/// `CURRENT_TIMESTAMP(6)`, `LOCALTIMESTAMP`, ...
fn is_now(text: &str) -> bool {
    let t = text.trim().to_ascii_uppercase();
    let name = match t.split_once('(') {
        Some((name, rest)) => {
            let digits = rest.strip_suffix(')').unwrap_or("x");
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            name.trim_end()
        }
        None => t.as_str(),
    };
    matches!(name, "CURRENT_TIMESTAMP" | "NOW" | "LOCALTIMESTAMP")
}

/// The DEFAULT clause's expression.
///
/// The current time, on a `Timestamp` / `TimestampTz` column: MySQL / MariaDB write
/// `CURRENT_TIMESTAMP(6)` (MySQL requires the column's precision; both keep the
/// microseconds the other databases keep), or for a `TimestampTz` — stored as UTC in a
/// DATETIME — `(UTC_TIMESTAMP(6))` (the session's time zone may be any); SQLite's
/// `CURRENT_TIMESTAMP` is UTC without an offset, so a `TimestampTz` gets the same time
/// with `+00` (how aludel stores one there), and `now()` / `CURRENT_TIMESTAMP(6)` on a
/// `Timestamp` is its `CURRENT_TIMESTAMP`. MySQL takes a default for a LONGTEXT /
/// LONGBLOB / JSON column only as an expression in parentheses.
fn server_default(
    d: Dialect,
    c: &ColumnDef,
    text: &str,
    col: &dyn Fn() -> String,
    out: &mut String,
) -> Result {
    let now = is_now(text);
    let tz = c.data_type == DataType::TimestampTz;
    if d.is_mysql_family() && now && tz {
        let expressions = match d.kind() {
            DialectKind::MySql => crate::dialect::Version::new(8, 0, 13),
            _ => crate::dialect::Version::new(10, 2, 1),
        };
        if d.version() < expressions {
            return Err(d.unsupported(format!(
                "the current UTC time as the default of a TimestampTz ({}: DATETIME in UTC needs DEFAULT (UTC_TIMESTAMP(6)))",
                col()
            )));
        }
        out.push_str("(UTC_TIMESTAMP(6))");
    } else if d.is_mysql_family() && now && c.data_type == DataType::Timestamp {
        out.push_str("CURRENT_TIMESTAMP(6)");
    } else if d.kind() == DialectKind::Sqlite && now && tz {
        // aludel's own text form: no trailing zeros in the fraction, no '.' without one.
        out.push_str("(rtrim(rtrim(strftime('%Y-%m-%d %H:%M:%f', 'now'), '0'), '.') || '+00')");
    } else if d.kind() == DialectKind::Sqlite && now && c.data_type == DataType::Timestamp {
        // SQLite knows no NOW() nor a precision.
        out.push_str("CURRENT_TIMESTAMP");
    } else if d.kind() == DialectKind::MySql && unbounded(c.data_type) {
        if d.version() < crate::dialect::Version::new(8, 0, 13) {
            return Err(d.unsupported(format!(
                "a DEFAULT on a LONGTEXT, LONGBLOB or JSON column ({})",
                col()
            )));
        }
        out.push('(');
        out.push_str(text);
        out.push(')');
    } else {
        out.push_str(text);
    }
    Ok(())
}

/// A table constraint: `[CONSTRAINT name] UNIQUE (..)` / `CHECK (..)` / `FOREIGN KEY ..`.
fn constraint_element(d: Dialect, t: &TableDef, con: &Constraint, out: &mut String) -> Result {
    if let Some(name) = con.name() {
        out.push_str("CONSTRAINT ");
        d.quote_ident_into(out, name);
        out.push(' ');
    }
    match con {
        Constraint::Unique { columns, .. } => {
            out.push_str("UNIQUE ");
            key_columns(d, t, columns, Key::Unique, out)
        }
        Constraint::Check { sql, .. } => {
            need(d, Feature::CheckConstraints, || {
                format!("CHECK ({sql}) on table {}", t.qualified_name())
            })?;
            out.push_str("CHECK (");
            out.push_str(sql);
            out.push(')');
            Ok(())
        }
        Constraint::ForeignKey(fk) => foreign_key(d, t, fk, out),
    }
}

fn foreign_key(d: Dialect, t: &TableDef, fk: &ForeignKeyDef, out: &mut String) -> Result {
    if fk.columns.len() != fk.ref_columns.len() {
        return Err(CompileError::invalid(format!(
            "a foreign key of table {} has {} columns referring to {} columns of {}",
            t.qualified_name(),
            fk.columns.len(),
            fk.ref_columns.len(),
            fk.target.table_name()
        )));
    }
    out.push_str("FOREIGN KEY ");
    key_columns(d, t, &fk.columns, Key::Foreign, out)?;
    out.push_str(" REFERENCES ");
    let (schema, name): (Option<&str>, &str) = match &fk.target {
        FkTarget::Static(f) => {
            let def = f();
            (def.schema.as_deref(), &def.name)
        }
        FkTarget::Named { schema, table } => (schema.as_deref(), table),
    };
    match schema {
        // SQLite: a foreign key refers to a table of its own database, unqualified.
        Some(s) if d.kind() == DialectKind::Sqlite && t.schema.as_deref() != Some(s) => {
            return Err(d.unsupported(format!(
                "a foreign key from table {} to {s}.{name} in another database",
                t.qualified_name()
            )));
        }
        Some(_) if d.kind() == DialectKind::Sqlite => {}
        Some(s) => {
            d.quote_ident_into(out, s);
            out.push('.');
        }
        None => {}
    }
    d.quote_ident_into(out, name);
    out.push_str(" (");
    for (i, c) in fk.ref_columns.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        d.quote_ident_into(out, c);
    }
    out.push(')');
    for (word, action) in [(" ON DELETE ", fk.on_delete), (" ON UPDATE ", fk.on_update)] {
        let Some(a) = action else { continue };
        if a == crate::schema::FkAction::SetDefault {
            need(d, Feature::ForeignKeySetDefault, || {
                format!(
                    "{}SET DEFAULT on table {}",
                    word.trim_start(),
                    t.qualified_name()
                )
            })?;
        }
        out.push_str(word);
        out.push_str(a.sql());
    }
    Ok(())
}

fn create_index(
    d: Dialect,
    t: &TableDef,
    ix: &IndexDef,
    if_not_exists: bool,
    out: &mut String,
) -> Result {
    out.push_str(if ix.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    });
    if if_not_exists {
        d.require(Feature::CreateIndexIfNotExists)?;
        out.push_str("IF NOT EXISTS ");
    }
    match d.kind() {
        DialectKind::Sqlite => {
            schema_prefix(d, t, out);
            d.quote_ident_into(out, &ix.name);
            out.push_str(" ON ");
            d.ident_masked(out, &t.name, t.name_quote);
        }
        _ => {
            d.quote_ident_into(out, &ix.name);
            out.push_str(" ON ");
            d.table_name_into(out, t);
        }
    }
    out.push(' ');
    let key = if ix.unique { Key::Unique } else { Key::Index };
    key_columns(d, t, &ix.columns, key, out)
}

fn drop_constraint(
    d: Dialect,
    t: &TableDef,
    con: &Constraint,
    if_exists: bool,
    out: &mut String,
) -> Result {
    d.require(Feature::AlterTableConstraints)?;
    let name = con.name().ok_or_else(|| {
        CompileError::invalid(format!(
            "drop_constraint() on table {} needs the constraint's name (Constraint::named)",
            t.qualified_name()
        ))
    })?;
    if if_exists {
        d.require(Feature::DropConstraintIfExists)?;
    }
    out.push_str("ALTER TABLE ");
    d.table_name_into(out, t);
    let word = match (d.kind(), con) {
        (DialectKind::MySql | DialectKind::MariaDb, Constraint::ForeignKey(_)) => {
            " DROP FOREIGN KEY "
        }
        (DialectKind::MySql | DialectKind::MariaDb, Constraint::Unique { .. }) => " DROP INDEX ",
        (DialectKind::MySql, Constraint::Check { .. }) => " DROP CHECK ",
        _ => " DROP CONSTRAINT ",
    };
    out.push_str(word);
    if if_exists {
        out.push_str("IF EXISTS ");
    }
    d.quote_ident_into(out, name);
    Ok(())
}
