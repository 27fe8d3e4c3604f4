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
    let _ = update(users::table).set(users::name.set(users::fullname));
}
