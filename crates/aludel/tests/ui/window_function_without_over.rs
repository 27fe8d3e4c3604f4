use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    // row_number() is SQL only with OVER (...): not an expression until .over(&window).
    let _ = select((users::id, window::row_number()));
}
