use aludel::prelude::*;

#[derive(Table)]
#[aludel(primary_key(id, missing))]
struct Users {
    id: i64,
    name: String,
}

fn main() {}
