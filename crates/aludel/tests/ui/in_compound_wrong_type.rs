use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    // A compound of text cannot be the right side of IN for an integer column.
    let names = select(users::name).union(&select(users::name));
    let _ = users::id.in_(&names);
}
