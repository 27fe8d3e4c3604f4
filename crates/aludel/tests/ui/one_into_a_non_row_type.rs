fn main() {
    let mut conn = aludel::blocking::Connection::open("sqlite::memory:").unwrap();
    let r = conn.execute(&aludel::text("SELECT 1")).unwrap();
    let _: std::time::Duration = r.one().unwrap();
}
