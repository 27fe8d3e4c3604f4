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
    let _ = insert(users::table).values(users::name.set(5));
}
