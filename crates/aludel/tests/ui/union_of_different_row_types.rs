use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    // The operands of a set operation must have the same row type.
    let _ = select(users::id).union(&select(users::name));
}
