//! The type rules, proved: each file in tests/ui/ must fail to compile with the message
//! in its .stderr (regenerate with `TRYBUILD=overwrite` after reviewing a change).

#[test]
fn type_rules() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
