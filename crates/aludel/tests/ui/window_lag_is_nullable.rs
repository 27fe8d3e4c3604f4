use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    // lag() is NULL on a partition's first row: its type is Option<i64>, not i64.
    let w = Window::new().order_by(users::id);
    let _: Expr<i64> = window::lag(users::id).over(&w);
}
