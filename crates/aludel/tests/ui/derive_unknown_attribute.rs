use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary)]
    id: i64,
}

fn main() {}
