use aludel::FromRow;

#[derive(FromRow)]
struct Event {
    id: i64,
    elapsed: std::time::Duration,
}

fn main() {}
