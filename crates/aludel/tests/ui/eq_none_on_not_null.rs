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
    // `id` is NOT NULL: comparing it with NULL is always false; `is_null()` is not
    // offered either.
    let _ = users::id.eq(None::<i64>);
}
