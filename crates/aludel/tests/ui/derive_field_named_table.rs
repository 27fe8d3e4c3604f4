use aludel::prelude::*;

#[derive(Table)]
struct Things {
    #[aludel(primary_key)]
    id: i64,
    table: String,
}

fn main() {}
