//! Type-erased (`Dyn`) rows, whose column count the types cannot check: the compiler
//! counts the columns where a subquery's place fixes them.

use aludel::DataType;
use aludel::prelude::*;
use aludel::schema::TableBuilder;

#[test]
fn column_aliases_of_a_type_erased_row_are_counted() {
    let t = TableBuilder::new("t")
        .column("a", DataType::Integer)
        .column("b", DataType::Integer)
        .build()
        .unwrap();
    let sq = select(&t).subquery("sq").column_aliases(["x"]);
    let e = select(sq.column_dyn("x").unwrap())
        .compile(&Sqlite)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("subquery sq is given 1 column names for its 2 columns"),
        "{e}"
    );
}

#[test]
fn type_erased_subqueries_must_have_the_columns_their_place_takes() {
    let t = TableBuilder::new("t")
        .column("a", DataType::BigInt)
        .column("b", DataType::BigInt)
        .build()
        .unwrap();
    let a = t.column::<i64>("a").unwrap();
    let two = select(&t);
    fn err<R>(s: &Select<R>) -> String {
        s.compile(&Sqlite).unwrap_err().to_string()
    }
    let e = err(&select(a.clone()).where_(a.in_(&two)));
    assert!(
        e.contains("IN (SELECT ...) compares 1 value(s) with a subquery of 2 columns"),
        "{e}"
    );
    let e = err(&select(a.clone()).where_(a.in_(&two.union(&select(&t)))));
    assert!(e.contains("with a subquery of 2 columns"), "{e}");
    let e = err(&select(two.scalar_subquery()).select_from(&t));
    assert!(
        e.contains("a scalar subquery must have one column, not 2"),
        "{e}"
    );
}
