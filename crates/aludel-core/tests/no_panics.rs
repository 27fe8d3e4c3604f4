//! Arbitrary text through every function that takes it from users: no panics, only
//! values or errors. Deterministic pseudo-random inputs (no extra dependency).

use aludel_core::dialect::Dialect;
use aludel_core::prelude::*;
use aludel_core::value::{Date, Decimal, Time, Timestamp, TimestampTz, Uuid};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn text(&mut self, max: usize) -> String {
        const PIECES: &[&str] = &[
            "'", "\"", "`", ":", "::", "\\", "$", "$$", "$1", "?", "--", "/*", "*/", "\n", "E'",
            "a", "Z", "_", "0", "9", " ", "-", "+", ".", "T", "é", "🦀", "日", "\0", ":name",
            "SELECT", "e", "x'", "%",
        ];
        let n = (self.next() % max as u64) as usize;
        (0..n)
            .map(|_| PIECES[(self.next() % PIECES.len() as u64) as usize])
            .collect()
    }
}

fn dialects() -> [Dialect; 4] {
    [
        Dialect::postgres(),
        Dialect::mysql(),
        Dialect::mariadb(),
        Dialect::sqlite(),
    ]
}

#[test]
fn arbitrary_text_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let s = rng.text(24);
        let _ = s.parse::<Date>();
        let _ = s.parse::<Time>();
        let _ = s.parse::<Timestamp>();
        let _ = s.parse::<TimestampTz>();
        let _ = s.parse::<Uuid>();
        let _ = s.parse::<Decimal>();
        let t = text(s.clone()).bind("name", 1i64);
        let stmt = select(t.as_expr::<i64>().label(s.clone())).where_(&t);
        for d in dialects() {
            let _ = t.compile(&d);
            let _ = stmt.compile(&d);
            let _ = stmt.compile_literal(&d, &Params::new());
            let mut out = String::new();
            d.quote_ident_into(&mut out, &s);
            let _ = d.literal_into(&mut out, &Value::from(s.as_str()));
        }
    }
}

#[test]
fn arbitrary_numbers_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..100_000 {
        let x = rng.next() as i64;
        let _ = Date::from_days_since_epoch(x);
        let _ = Date::from_days_since_epoch(x % 200_000_000);
        let _ = Timestamp::from_unix_nanos(x);
        let _ = Date::new((x % 400_000) as i32, (x % 20) as u8, (x % 40) as u8);
        let _ = Time::new(
            (x % 30) as u8,
            (x % 70) as u8,
            (x % 70) as u8,
            (x as u32) % 2_000_000_000,
        );
        for d in dialects() {
            let mut out = String::new();
            let _ = d.literal_into(&mut out, &Value::F64(f64::from_bits(x as u64)));
            let _ = d.literal_into(&mut out, &Value::I64(x));
        }
    }
}
