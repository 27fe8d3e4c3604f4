//! Awkward identifiers (reserved words, spaces, `%`, `?`, `:`, `.`, quotes, backticks,
//! mixed case) and awkward string values, as binds and as inline literals.

use aludel::dialect::Dialect;
use aludel::prelude::*;
use aludel_dialect_tests::schema::*;
use aludel_dialect_tests::{Cell, Kind, Outcome, check, on_mysql_server, on_postgres};

/// Strings that break naive escaping or placeholder handling.
const AWKWARD: &[(&str, &str)] = &[
    ("single_quote", "it's"),
    ("doubled_quotes", "''"),
    ("backslash", r"back\slash"),
    ("backslash_quote", r"\'"),
    ("trailing_backslash", r"ends\"),
    ("injection", "'; DROP TABLE users; --"),
    ("percent", "100% _real_"),
    ("question_mark", "why? who?"),
    ("colon_name", "a :name and ::cast"),
    ("dollar_param", "$1 and $$ quoted $$"),
    ("double_quote", "say \"hi\""),
    ("backtick", "back`tick"),
    ("newline_tab", "line1\nline2\ttab\r"),
    ("unicode", "naïve café ✓ 🦀 日本"),
    ("empty", ""),
    ("comment_like", "/* not */ -- a comment"),
];

#[test]
fn awkward_identifiers() {
    check(
        "quoting_select_all",
        &select(order_t::table).order_by(order_t::select_),
    );
    check(
        "quoting_where",
        &select((order_t::select_, order_t::has_spaces)).where_(
            order_t::per_cent
                .ge(50)
                .and(order_t::q_marks.eq("why?"))
                .and(order_t::col_ons.eq("a:b")),
        ),
    );
    check(
        "quoting_group_order",
        &select((order_t::group_, func::count(order_t::dot_s)))
            .group_by(order_t::group_)
            .order_by(order_t::group_.desc()),
    );
    check(
        "quoting_insert",
        &insert(order_t::table).values((
            order_t::select_.set(3),
            order_t::has_spaces.set(Some("a b")),
            order_t::per_cent.set(Some(5)),
            order_t::q_marks.set(Some("?")),
            order_t::col_ons.set(Some(":x")),
            order_t::dot_s.set(Some(".")),
            order_t::quoted.set(Some("\"")),
            order_t::back_tick.set(Some("`")),
            order_t::mixed_case.set(Some("MiX")),
            order_t::group_.set(Some(9)),
        )),
    );
    check(
        "quoting_update",
        &update(order_t::table)
            .set((
                order_t::quoted.set(Some("new")),
                order_t::back_tick.set_null(),
            ))
            .where_(order_t::mixed_case.eq("Mixed")),
    );
    check(
        "quoting_delete_returning",
        &delete(order_t::table)
            .where_(order_t::col_ons.like(":%"))
            .returning((order_t::select_, order_t::col_ons)),
    );
    check(
        "quoting_mixed_table",
        &select((mixed_table::id, mixed_table::value))
            .where_(mixed_table::value.ne("two"))
            .order_by(mixed_table::id),
    );
    check(
        "quoting_labels",
        &select((
            users::id.label("has space"),
            users::name.label("select"),
            users::age.label("MiXed"),
            users::active.label("back`tick\"quote"),
        ))
        .where_(users::id.eq(1)),
    );
    let the = users::table.alias("the users");
    check(
        "quoting_alias",
        &select(the.col(users::name)).where_(the.col(users::id).eq(2)),
    );
    let sel = users::table.alias("select");
    check(
        "quoting_alias_reserved",
        &select((users::name, sel.col(users::name)))
            .join(&sel, sel.col(users::id).nullable().eq(users::manager_id))
            .order_by(users::id),
    );
    let sq = select((order_t::select_, order_t::q_marks)).subquery("sub query?");
    let (a, b) = sq.columns();
    check("quoting_subquery", &select((a, b)).order_by(sq.columns().0));
    check(
        "quoting_text_with_quoted_colon",
        &select(text("'x:y'").as_expr::<String>().label("c"))
            .where_(text("'a:b' = :v").bind("v", "a:b")),
    );
}

#[test]
fn awkward_values() {
    for (name, value) in AWKWARD {
        check(
            &format!("value_bind_{name}"),
            &select(literal(*value).label("v")),
        );
        check(
            &format!("value_inline_{name}"),
            &select(inline(*value).label("v")),
        );
    }
    let all: Vec<&str> = AWKWARD.iter().map(|(_, v)| *v).collect();
    check(
        "value_in_list",
        &select(posts::title)
            .where_(posts::body.in_(all.clone()))
            .order_by(posts::id),
    );
    check(
        "value_insert_and_return",
        &insert(posts::table)
            .values_many(AWKWARD.iter().enumerate().map(|(i, (_, v))| {
                (
                    posts::id.set(200 + i as i64),
                    posts::user_id.set(1),
                    posts::title.set(*v),
                )
            }))
            .returning((posts::id, posts::title)),
    );
}

/// The first column of `outcome`'s rows, as text.
fn words(outcome: Outcome) -> Vec<String> {
    match outcome {
        Outcome::Rows(rows) => rows
            .into_iter()
            .filter_map(|r| match r.into_iter().next() {
                Some(Cell::Text(t)) => Some(t.to_lowercase()),
                _ => None,
            })
            .collect(),
        Outcome::Affected(_) | Outcome::Rejected => Vec::new(),
    }
}

fn quoted(d: &Dialect, word: &str) -> bool {
    let mut s = String::new();
    d.quote_ident_into(&mut s, word);
    s != word
}

/// Every keyword the servers themselves reserve is quoted: PostgreSQL's reserved,
/// column-name and type/function-name keywords, and every keyword the MariaDB / MySQL
/// server rejects as a bare alias.
#[test]
fn server_keywords_are_quoted() {
    if let Some(r) = on_postgres(
        "SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'",
        Kind::Query,
    ) {
        let list = words(r.expect("pg_get_keywords"));
        assert!(list.len() > 100, "{} keywords", list.len());
        let missing: Vec<_> = list
            .iter()
            .filter(|w| !quoted(&Dialect::postgres(), w))
            .collect();
        assert!(
            missing.is_empty(),
            "PostgreSQL keywords left unquoted: {missing:?}"
        );
    }
    if let Some(r) = on_mysql_server("SELECT word FROM information_schema.KEYWORDS", Kind::Query) {
        let list = words(r.expect("information_schema.KEYWORDS (MariaDB 10.6+, MySQL 8)"));
        assert!(list.len() > 500, "{} keywords", list.len());
        let mut reserved = 0;
        for w in &list {
            let bare = w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !bare
                || on_mysql_server(&format!("SELECT 1 AS {w}"), Kind::Query)
                    .is_some_and(|r| r.is_ok())
            {
                continue;
            }
            reserved += 1;
            for d in [Dialect::mariadb(), Dialect::mysql()] {
                assert!(quoted(&d, w), "{d}: the reserved word {w} is not quoted");
            }
        }
        assert!(reserved > 200, "only {reserved} reserved words found");
    }
}
