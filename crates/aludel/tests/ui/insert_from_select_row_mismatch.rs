use aludel::prelude::*;

#[derive(Table)]
struct Users {
    #[aludel(primary_key)]
    id: i64,
    name: String,
}

#[derive(Table)]
struct Archive {
    #[aludel(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    // Target columns are (i64, String), the SELECT gives (String, i64).
    let _ = insert(archive::table).from_select((archive::id, archive::name), &select((users::name, users::id)));
}
