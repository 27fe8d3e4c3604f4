use aludel::prelude::*;

#[derive(Table)]
#[aludel(primary_key(id, id))]
struct Users {
    id: i64,
    name: String,
}

fn main() {}
