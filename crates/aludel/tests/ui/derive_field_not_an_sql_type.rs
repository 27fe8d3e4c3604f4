use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    tags: std::collections::HashMap<String, String>,
}

fn main() {}
