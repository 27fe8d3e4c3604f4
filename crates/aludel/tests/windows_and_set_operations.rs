//! Window functions and compound SELECTs run through the engine (blocking SQLite):
//! typed rows, and a second execution of the same shape with other values.

use aludel::blocking::Connection;
use aludel::prelude::*;

#[derive(Table)]
struct Scores {
    #[aludel(primary_key)]
    id: i64,
    team: String,
    points: i64,
}

fn conn() -> Connection {
    let mut conn = Connection::open("sqlite::memory:").unwrap();
    conn.execute(&text(
        "CREATE TABLE scores (id INTEGER PRIMARY KEY, team TEXT NOT NULL, points BIGINT NOT NULL)",
    ))
    .unwrap();
    for (team, points) in [("a", 3), ("a", 5), ("b", 1), ("b", 9), ("b", 4)] {
        conn.execute(
            &insert(scores::table).values((scores::team.set(team), scores::points.set(points))),
        )
        .unwrap();
    }
    conn
}

/// team, points, rank, previous points, team total.
type Ranked = (String, i64, i64, Option<i64>, Option<i64>);

#[test]
fn ranked_rows_decode_into_their_types() {
    let mut conn = conn();
    let w = Window::new()
        .partition_by(scores::team)
        .order_by(scores::points.desc());
    let stmt = select((
        scores::team,
        scores::points,
        window::rank().over(&w),
        window::lag(scores::points).over(&w),
        func::sum(scores::points).over(&Window::new().partition_by(scores::team)),
    ))
    .order_by((scores::team, scores::points.desc()));
    let rows: Vec<Ranked> = conn.execute(&stmt).unwrap().all().unwrap();
    assert_eq!(
        rows,
        [
            ("a".into(), 5, 1, None, Some(8)),
            ("a".into(), 3, 2, Some(5), Some(8)),
            ("b".into(), 9, 1, None, Some(14)),
            ("b".into(), 4, 2, Some(9), Some(14)),
            ("b".into(), 1, 3, Some(4), Some(14)),
        ]
    );
}

#[test]
fn compound_selects_execute_with_their_own_values() {
    let mut conn = conn();
    let top = |min: i64| {
        select(scores::points)
            .where_(scores::points.ge(min))
            .union(&select(scores::points).where_(scores::team.eq("a")))
            .order_by(scores::points.desc())
            .limit(3)
    };
    let first: Vec<i64> = conn.execute(&top(4)).unwrap().all().unwrap();
    assert_eq!(first, [9, 5, 4]);
    // Same shape, other values: the cached SQL with the new parameters.
    let second: Vec<i64> = conn.execute(&top(9)).unwrap().all().unwrap();
    assert_eq!(second, [9, 5, 3]);
    let only_b: Vec<i64> = conn
        .execute(
            &select(scores::points)
                .except(&select(scores::points).where_(scores::team.eq("a")))
                .order_by(scores::points),
        )
        .unwrap()
        .all()
        .unwrap();
    assert_eq!(only_b, [1, 4, 9]);
}
