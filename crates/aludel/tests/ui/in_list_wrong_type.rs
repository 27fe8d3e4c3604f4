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
    let _ = users::id.in_(["a", "b"]);
}
