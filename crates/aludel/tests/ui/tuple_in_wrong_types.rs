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
    // (i64, String) against rows of (i64, i64).
    let _ = tuple_((users::id, users::name)).in_([(1i64, 2i64)]);
}
