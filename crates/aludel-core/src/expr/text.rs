//! `text()`: literal SQL with named `:name` bind parameters.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use super::{Expr, N, Node, Predicate};
use crate::types::SqlType;
use crate::value::Value;

/// The parsed form of a text fragment, shared by every copy.
pub(crate) struct ParsedText {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) pieces: Vec<TextPiece>,
    /// Distinct parameter names in order of first occurrence.
    pub(crate) names: Vec<String>,
    /// Byte offset of a bare `?` outside quotes and comments, if any.
    pub(crate) bare_qmark: Option<usize>,
    /// Byte offset of a bare `$1`-style placeholder, if any.
    pub(crate) bare_dollar: Option<usize>,
    /// Byte offset of an unterminated quote or comment, if any.
    pub(crate) unterminated: Option<usize>,
    /// Byte offset of a backslash inside a `'...'` string (not `E'...'`), if any.
    pub(crate) backslash_in_single: Option<usize>,
    /// Byte offset of a backslash inside a `"..."` run, if any.
    pub(crate) backslash_in_double: Option<usize>,
    /// Byte offset of a `:name` parameter after a `#` on the same line (inside a
    /// comment on MySQL), if any.
    pub(crate) after_hash: Option<usize>,
}

pub(crate) enum TextPiece {
    /// Literal SQL (a byte range of `sql`, with `\:` already handled by splitting).
    Sql(Range<usize>),
    /// The parameter `names[i]`.
    Param(usize),
}

/// A text node: the parsed SQL and the values bound so far (`None`: supplied at
/// execution).
pub(crate) struct TextNode {
    pub(crate) parsed: Arc<ParsedText>,
    pub(crate) values: Vec<Option<Value>>,
    /// A `.bind()` name that does not occur in the text.
    pub(crate) unknown_bind: Option<String>,
}

/// Literal SQL with named parameters written `:name`, usable as a whole statement or as a
/// condition / expression fragment.
///
/// Parameters get the dialect's placeholders (`$n` or `?`). `::` (a PostgreSQL cast) and
/// `\:` (an escaped colon) are not parameters, and quoted strings, quoted identifiers,
/// dollar-quoted strings and comments are skipped. A bare `?` on MySQL / SQLite or a bare
/// `$1` on PostgreSQL is a compile error, since it would shift the parameters.
///
/// ```
/// use aludel_core::prelude::*;
/// let t = text("SELECT id FROM users WHERE name = :name AND id > :min AND note = 'a:b'")
///     .bind("name", "ed")
///     .bind("min", 5i64);
/// let c = t.compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "SELECT id FROM users WHERE name = $1 AND id > $2 AND note = 'a:b'");
/// assert_eq!(c.params().len(), 2);
/// ```
#[derive(Clone)]
pub struct Text {
    pub(crate) node: Arc<TextNode>,
}

/// Parses `sql` into a [`Text`].
///
/// ```
/// use aludel_core::prelude::*;
/// let cond = text("x::int > :v").bind("v", 1i64);
/// let c = select(literal(1i64)).where_(cond).compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "SELECT $1::BIGINT WHERE x::int > $2");
/// ```
pub fn text(sql: impl Into<Cow<'static, str>>) -> Text {
    let parsed = parse(sql.into());
    let values = vec![None; parsed.names.len()];
    Text {
        node: Arc::new(TextNode {
            parsed: Arc::new(parsed),
            values,
            unknown_bind: None,
        }),
    }
}

impl Text {
    /// Binds the parameter `:name` to `value` (a parameter left unbound is supplied at
    /// execution). Binding a name the text does not contain is a compile error.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert!(text("SELECT :a").bind("b", 1i64).compile(&Sqlite).is_err());
    /// ```
    pub fn bind(&self, name: &str, value: impl Into<Value>) -> Text {
        let mut values = self.node.values.clone();
        let mut unknown_bind = self.node.unknown_bind.clone();
        match self.node.parsed.names.iter().position(|n| n == name) {
            Some(i) => values[i] = Some(value.into()),
            None => unknown_bind = unknown_bind.or_else(|| Some(name.to_owned())),
        }
        Text {
            node: Arc::new(TextNode {
                parsed: self.node.parsed.clone(),
                values,
                unknown_bind,
            }),
        }
    }

    /// The parameter names, in order of first occurrence.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(text("SELECT :a, :b, :a").param_names(), ["a", "b"]);
    /// ```
    pub fn param_names(&self) -> Vec<&str> {
        self.node.parsed.names.iter().map(String::as_str).collect()
    }

    /// The fragment as a typed expression (the type is taken on trust).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e: Expr<i64> = text("1 + 1").as_expr();
    /// assert_eq!(select(e.label("two")).compile(&Sqlite).unwrap().sql(), "SELECT 1 + 1 AS two");
    /// ```
    pub fn as_expr<T: SqlType>(&self) -> Expr<T> {
        Expr::new(self.to_node())
    }

    pub(crate) fn to_node(&self) -> Node {
        Node(N::Text(self.node.clone()))
    }
}

impl Predicate for Text {
    type Nullability = crate::types::MaybeNull;
    fn into_predicate(self) -> Node {
        self.to_node()
    }
}

impl Predicate for &Text {
    type Nullability = crate::types::MaybeNull;
    fn into_predicate(self) -> Node {
        self.to_node()
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn parse(sql: Cow<'static, str>) -> ParsedText {
    let b = sql.as_bytes();
    let mut pieces = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut bare_qmark = None;
    let mut bare_dollar = None;
    let mut unterminated = None;
    let mut backslash_in_single = None;
    let mut backslash_in_double = None;
    let mut after_hash = None;
    let mut hash_line = false;
    let mut start = 0; // start of the pending literal piece
    let mut i = 0;
    // Skips to just past the closing `close` of a quoted run that starts at `i`; doubled
    // quotes stay inside. Returns None when unterminated.
    let skip_quoted = |i: usize, close: u8| -> Option<usize> {
        let mut j = i + 1;
        while j < b.len() {
            if b[j] == close {
                if b.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return Some(j + 1);
            }
            j += 1;
        }
        None
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' | b'`' => {
                // PostgreSQL E'...' strings use backslash escapes.
                let e_string = c == b'\''
                    && i > 0
                    && (b[i - 1] == b'E' || b[i - 1] == b'e')
                    && (i < 2 || !is_ident(b[i - 2]));
                let end = if e_string {
                    let mut j = i + 1;
                    let mut found = None;
                    while j < b.len() {
                        match b[j] {
                            b'\\' => j += 2,
                            b'\'' if b.get(j + 1) == Some(&b'\'') => j += 2,
                            b'\'' => {
                                found = Some(j + 1);
                                break;
                            }
                            _ => j += 1,
                        }
                    }
                    found
                } else {
                    let end = skip_quoted(i, c);
                    let inner = &b[i + 1..end.map_or(b.len(), |e| e - 1)];
                    let seen = match c {
                        b'\'' => Some(&mut backslash_in_single),
                        b'"' => Some(&mut backslash_in_double),
                        _ => None,
                    };
                    if let (Some(seen), Some(p)) = (seen, inner.iter().position(|&x| x == b'\\')) {
                        seen.get_or_insert(i + 1 + p);
                    }
                    end
                };
                match end {
                    Some(e) => i = e,
                    None => {
                        unterminated.get_or_insert(i);
                        i = b.len();
                    }
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| i + p + 1);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => match sql[i + 2..].find("*/") {
                Some(p) => i = i + 2 + p + 2,
                None => {
                    unterminated.get_or_insert(i);
                    i = b.len();
                }
            },
            b'$' => {
                // `$1`: a bare placeholder; `$tag$ ... $tag$`: a dollar-quoted string.
                if b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    bare_dollar.get_or_insert(i);
                    i += 1;
                    continue;
                }
                let tag_end = b[i + 1..]
                    .iter()
                    .position(|&x| !is_ident(x))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(te) if b[te] == b'$' && (te == i + 1 || is_ident_start(b[i + 1])) => {
                        let tag = &sql[i..=te];
                        match sql[te + 1..].find(tag) {
                            Some(p) => i = te + 1 + p + tag.len(),
                            None => {
                                unterminated.get_or_insert(i);
                                i = b.len();
                            }
                        }
                    }
                    _ => i += 1,
                }
            }
            b'?' => {
                bare_qmark.get_or_insert(i);
                i += 1;
            }
            b'#' => {
                hash_line = true;
                i += 1;
            }
            b'\n' => {
                hash_line = false;
                i += 1;
            }
            b'\\' if b.get(i + 1) == Some(&b':') => {
                // `\:` is a literal colon: end the piece before the backslash.
                pieces.push(TextPiece::Sql(start..i));
                start = i + 1;
                i += 2;
            }
            b':' => {
                if b.get(i + 1) == Some(&b':') {
                    i += 2; // `::` cast
                } else if b.get(i + 1).is_some_and(|&x| is_ident_start(x))
                    && (i == 0 || !is_ident(b[i - 1]))
                {
                    let end = b[i + 1..]
                        .iter()
                        .position(|&x| !is_ident(x))
                        .map_or(b.len(), |p| i + 1 + p);
                    let name = &sql[i + 1..end];
                    let idx = match names.iter().position(|n| n == name) {
                        Some(idx) => idx,
                        None => {
                            names.push(name.to_owned());
                            names.len() - 1
                        }
                    };
                    if hash_line {
                        after_hash.get_or_insert(i);
                    }
                    if start < i {
                        pieces.push(TextPiece::Sql(start..i));
                    }
                    pieces.push(TextPiece::Param(idx));
                    start = end;
                    i = end;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    if start < b.len() {
        pieces.push(TextPiece::Sql(start..b.len()));
    }
    ParsedText {
        sql,
        pieces,
        names,
        bare_qmark,
        bare_dollar,
        unterminated,
        backslash_in_single,
        backslash_in_double,
        after_hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(sql: &'static str) -> (String, Vec<String>) {
        let p = parse(Cow::Borrowed(sql));
        let mut out = String::new();
        for piece in &p.pieces {
            match piece {
                TextPiece::Sql(r) => out.push_str(&p.sql[r.clone()]),
                TextPiece::Param(i) => {
                    out.push('<');
                    out.push_str(&p.names[*i]);
                    out.push('>');
                }
            }
        }
        (out, p.names)
    }

    #[test]
    fn params_and_skips() {
        assert_eq!(
            render("a = :x AND b = :y_2 OR c = :x").0,
            "a = <x> AND b = <y_2> OR c = <x>"
        );
        assert_eq!(render("a = :x AND b = :y_2 OR c = :x").1, ["x", "y_2"]);
        assert_eq!(
            render("x::int, '::a :b', \":c\", `:d`").0,
            "x::int, '::a :b', \":c\", `:d`"
        );
        assert_eq!(render("-- :a\n:b /* :c */").0, "-- :a\n<b> /* :c */");
        assert_eq!(
            render("$$ :a $$ || $t$ :b $t$ || :c").0,
            "$$ :a $$ || $t$ :b $t$ || <c>"
        );
        assert_eq!(render(r"a\:b :c").0, "a:b <c>");
        assert_eq!(render("E'it\\'s :a' :b").0, "E'it\\'s :a' <b>");
        assert_eq!(render("'it''s :a' :b").0, "'it''s :a' <b>");
        assert_eq!(render("x:=1").0, "x:=1");
        assert_eq!(render("a:b").0, "a:b");
    }

    #[test]
    fn bare_placeholders_and_unterminated() {
        assert_eq!(parse(Cow::Borrowed("a = ? and '?'")).bare_qmark, Some(4));
        assert_eq!(parse(Cow::Borrowed("'?' \"?\"")).bare_qmark, None);
        assert_eq!(parse(Cow::Borrowed("a = $1")).bare_dollar, Some(4));
        assert_eq!(parse(Cow::Borrowed("'abc")).unterminated, Some(0));
        assert_eq!(parse(Cow::Borrowed("/* x")).unterminated, Some(0));
    }

    #[test]
    fn backslashes_and_hash_comments_are_recorded() {
        let p = parse(Cow::Borrowed(r#"SELECT 'C:\d', "e\f", E'\n' :p"#));
        assert_eq!(
            (p.backslash_in_single, p.backslash_in_double),
            (Some(10), Some(17))
        );
        assert_eq!(parse(Cow::Borrowed(r"E'\n'")).backslash_in_single, None);
        assert_eq!(parse(Cow::Borrowed("a # b :p\n:q")).after_hash, Some(6));
        assert_eq!(parse(Cow::Borrowed(":p # b\n:q")).after_hash, None);
        assert_eq!(parse(Cow::Borrowed("'#' :p -- # :q")).after_hash, None);
    }

    /// Where the server's settings decide whether a backslash escapes, the parameter
    /// positions are uncertain: an error, never a guess.
    #[test]
    fn session_dependent_text_is_an_error() {
        use crate::dialect::Dialect;
        use crate::prelude::*;
        let t = text(r"SELECT 'C:\dir' AS path, :p AS n").bind("p", 1i64);
        assert_eq!(
            t.compile(&Sqlite).unwrap().sql(),
            r"SELECT 'C:\dir' AS path, ? AS n"
        );
        for d in [Dialect::postgres(), Dialect::mysql(), Dialect::mariadb()] {
            let e = t.compile(&d).unwrap_err().to_string();
            assert!(
                e.contains("backslash inside a quoted string at byte 10"),
                "{d}: {e}"
            );
        }
        // Without parameters the text goes through as written.
        assert!(text(r"SELECT 'C:\dir'").compile(&MySql).is_ok());
        // A double-quoted run is a string on MySQL, an identifier on PostgreSQL.
        let t = text(r#"SELECT "a\b", :p"#).bind("p", 1i64);
        assert!(t.compile(&MySql).is_err());
        assert!(t.compile(&Postgres).is_ok());

        let t = text("SELECT :a AS x # and :b\n")
            .bind("a", 1i64)
            .bind("b", 2i64);
        let e = t.compile(&MariaDb).unwrap_err().to_string();
        assert!(e.contains("follows a '#'"), "{e}");
        assert!(t.compile(&Sqlite).is_ok());
    }
}
