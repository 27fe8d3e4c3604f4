use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
    fullname: Option<String>,
    active: bool,
}

fn main() {
    let _s: Select<(i64, i64)> = select((users::id, users::name));
}
