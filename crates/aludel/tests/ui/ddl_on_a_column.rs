use aludel::prelude::*;
use aludel::stmt::ddl::create_table;

#[derive(Table)]
struct Notes {
    #[aludel(primary_key)]
    id: i64,
}

fn main() {
    let _ = create_table(notes::id);
}
