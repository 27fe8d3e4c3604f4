use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let _ = select((users::id, users::name)).subquery("t").column_aliases(["only_one"]);
}
