use aludel::prelude::*;

#[derive(Table)]
struct Orders {
    #[aludel(primary_key)]
    id: i64,
    qty: i32,
    #[aludel(computed = "qty * 2", default = 0)]
    double_qty: i32,
}

fn main() {}
