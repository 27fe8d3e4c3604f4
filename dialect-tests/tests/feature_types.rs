//! Column types from chrono, time, uuid, rust_decimal and serde_json (behind features).

use aludel::prelude::*;
use aludel_dialect_tests::schema::*;
use aludel_dialect_tests::{Case, check};

fn chrono_ts() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2024, 5, 6)
        .and_then(|d| d.and_hms_opt(7, 8, 9))
        .expect("a valid timestamp")
}

#[test]
fn chrono_uuid_decimal_json() {
    check(
        "feature_chrono_where",
        &select(typed_ext::id).where_(
            typed_ext::d
                .eq(chrono::NaiveDate::from_ymd_opt(2024, 5, 6))
                .and(typed_ext::t.eq(chrono::NaiveTime::from_hms_opt(7, 8, 9)))
                .and(typed_ext::ts.eq(Some(chrono_ts())))
                .and(
                    typed_ext::uuid
                        .eq(uuid::Uuid::parse_str("67e55044-10b1-426f-9247-bb680e5fe0c8").ok()),
                )
                .and(typed_ext::dec.eq(Some(rust_decimal::Decimal::new(12_345_678, 4)))),
        ),
    );
    use chrono::TimeZone;
    Case::new("feature_chrono_insert")
        .results_differ("JSON text is each server's own")
        .run(
            &insert(typed_ext::table)
                .values((
                    typed_ext::id.set(3),
                    typed_ext::dec.set(Some(rust_decimal::Decimal::new(-5, 1))),
                    typed_ext::d.set(chrono::NaiveDate::from_ymd_opt(1999, 12, 31)),
                    typed_ext::ts.set(Some(chrono_ts())),
                    typed_ext::tstz.set(Some(chrono::Utc.from_utc_datetime(&chrono_ts()))),
                    typed_ext::uuid.set(Some(uuid::Uuid::from_u128(42))),
                    typed_ext::json.set(Some(serde_json::json!({"k": [1, true, null]}))),
                ))
                .returning((
                    typed_ext::id,
                    typed_ext::dec,
                    typed_ext::d,
                    typed_ext::ts,
                    typed_ext::tstz,
                    typed_ext::uuid,
                )),
        );
}

#[test]
fn time_crate() {
    use time::{Date, Month, PrimitiveDateTime, Time};
    let d = Date::from_calendar_date(2024, Month::May, 6).expect("a valid date");
    let t = Time::from_hms(7, 8, 9).expect("a valid time");
    check(
        "feature_time_where",
        &select(typed_time::id).where_(
            typed_time::d
                .eq(Some(d))
                .and(typed_time::t.eq(Some(t)))
                .and(typed_time::ts.eq(Some(PrimitiveDateTime::new(d, t)))),
        ),
    );
    check(
        "feature_time_update",
        &update(typed_time::table)
            .set(typed_time::tstz.set(Some(PrimitiveDateTime::new(d, t).assume_utc())))
            .where_(typed_time::id.eq(1)),
    );
}
