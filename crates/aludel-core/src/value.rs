//! Runtime values: what a bind parameter carries to the driver.
//!
//! aludel-core owns small, dependency-free value types for dates, times, UUIDs, decimals
//! and JSON so that the core works without any optional crate; the `chrono`, `time`,
//! `uuid`, `rust_decimal` and `serde_json` features add conversions from those crates.

use std::fmt;
use std::str::FromStr;

/// A value bound to a statement parameter.
///
/// Every typed value (`i64`, `String`, [`Timestamp`], ...) converts into a `Value` when
/// it is bound; drivers turn a `Value` into their wire format.
///
/// ```
/// use aludel_core::Value;
/// assert_eq!(Value::from(5i64), Value::I64(5));
/// assert_eq!(Value::from("ed"), Value::Text("ed".into()));
/// assert_eq!(Value::from(None::<i32>), Value::Null);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// BOOLEAN.
    Bool(bool),
    /// SMALLINT.
    I16(i16),
    /// INTEGER.
    I32(i32),
    /// BIGINT.
    I64(i64),
    /// REAL.
    F32(f32),
    /// DOUBLE PRECISION.
    F64(f64),
    /// NUMERIC / DECIMAL.
    Decimal(Decimal),
    /// TEXT / VARCHAR.
    Text(String),
    /// BYTEA / BLOB.
    Bytes(Vec<u8>),
    /// DATE.
    Date(Date),
    /// TIME (without time zone).
    Time(Time),
    /// TIMESTAMP (without time zone).
    Timestamp(Timestamp),
    /// TIMESTAMP WITH TIME ZONE, normalised to UTC.
    TimestampTz(TimestampTz),
    /// UUID.
    Uuid(Uuid),
    /// JSON document (its text).
    Json(Json),
    /// A list of values: the value of an expanding `IN` parameter (a PostgreSQL array).
    List(Vec<Value>),
}

impl Value {
    /// Whether this is SQL NULL.
    ///
    /// ```
    /// assert!(aludel_core::Value::Null.is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the value's kind, for error messages.
    ///
    /// ```
    /// assert_eq!(aludel_core::Value::I64(1).kind_name(), "i64");
    /// ```
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::Decimal(_) => "decimal",
            Value::Text(_) => "text",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::Timestamp(_) => "timestamp",
            Value::TimestampTz(_) => "timestamptz",
            Value::Uuid(_) => "uuid",
            Value::Json(_) => "json",
            Value::List(_) => "list",
        }
    }
}

impl fmt::Display for Value {
    /// Renders the value for humans (snapshots, logs); this is not SQL literal syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::I16(v) => write!(f, "{v}"),
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F32(v) => write!(f, "{v:?}"),
            Value::F64(v) => write!(f, "{v:?}"),
            Value::Decimal(v) => write!(f, "{v}"),
            Value::Text(v) => write!(f, "{v:?}"),
            Value::Bytes(v) => {
                f.write_str("x'")?;
                for b in v {
                    write!(f, "{b:02x}")?;
                }
                f.write_str("'")
            }
            Value::Date(v) => write!(f, "{v}"),
            Value::Time(v) => write!(f, "{v}"),
            Value::Timestamp(v) => write!(f, "{v}"),
            Value::TimestampTz(v) => write!(f, "{v}"),
            Value::Uuid(v) => write!(f, "{v}"),
            Value::Json(v) => write!(f, "{}", v.as_str()),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(v)
            }
        }
    )*};
}

value_from! {
    bool => Bool, i16 => I16, i32 => I32, i64 => I64, f32 => F32, f64 => F64,
    Decimal => Decimal, String => Text, Vec<u8> => Bytes, Date => Date, Time => Time,
    Timestamp => Timestamp, TimestampTz => TimestampTz, Uuid => Uuid, Json => Json,
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Bytes(v.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Why a date, time, UUID or decimal could not be built or parsed.
///
/// ```
/// assert!(aludel_core::value::Date::new(2023, 2, 29).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {detail}")]
pub struct ValueError {
    kind: &'static str,
    detail: String,
}

impl ValueError {
    fn new(kind: &'static str, detail: impl Into<String>) -> Self {
        ValueError {
            kind,
            detail: detail.into(),
        }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A calendar date (proleptic Gregorian), SQL `DATE`.
///
/// ```
/// use aludel_core::value::Date;
/// let d = Date::new(2024, 2, 29).unwrap();
/// assert_eq!(d.to_string(), "2024-02-29");
/// assert_eq!("2024-02-29".parse::<Date>().unwrap(), d);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, checked: month 1-12, day valid for the month, year -4713..=294276.
    ///
    /// ```
    /// use aludel_core::value::Date;
    /// assert!(Date::new(2024, 2, 29).is_ok());
    /// assert!(Date::new(2024, 13, 1).is_err());
    /// ```
    pub fn new(year: i32, month: u8, day: u8) -> Result<Date, ValueError> {
        if !(-4713..=294_276).contains(&year) {
            return Err(ValueError::new("date", format!("year {year} out of range")));
        }
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(ValueError::new(
                "date",
                format!("{year:04}-{month:02}-{day:02} does not exist"),
            ));
        }
        Ok(Date { year, month, day })
    }

    /// The year.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Date::new(2024, 1, 2).unwrap().year(), 2024);
    /// ```
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, 1-12.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Date::new(2024, 1, 2).unwrap().month(), 1);
    /// ```
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1-31.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Date::new(2024, 1, 2).unwrap().day(), 2);
    /// ```
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    ///
    /// ```
    /// use aludel_core::value::Date;
    /// assert_eq!(Date::new(1970, 1, 2).unwrap().days_since_epoch(), 1);
    /// assert_eq!(Date::from_days_since_epoch(1).unwrap(), Date::new(1970, 1, 2).unwrap());
    /// ```
    pub fn days_since_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    ///
    /// ```
    /// use aludel_core::value::Date;
    /// assert_eq!(Date::from_days_since_epoch(0).unwrap().to_string(), "1970-01-01");
    /// ```
    pub fn from_days_since_epoch(days: i64) -> Result<Date, ValueError> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let year = i32::try_from(year)
            .map_err(|_| ValueError::new("date", format!("{days} days is out of range")))?;
        Date::new(year, month as u8, day as u8)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn parse_num<T: FromStr>(s: &str, kind: &'static str, input: &str) -> Result<T, ValueError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::new(kind, format!("cannot parse {input:?}")));
    }
    s.parse()
        .map_err(|_| ValueError::new(kind, format!("cannot parse {input:?}")))
}

impl FromStr for Date {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Date, ValueError> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let mut parts = body.splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ValueError::new("date", format!("cannot parse {s:?}")));
        };
        let year: i32 = parse_num(y, "date", s)?;
        Date::new(
            if neg { -year } else { year },
            parse_num(m, "date", s)?,
            parse_num(d, "date", s)?,
        )
    }
}

/// A time of day with nanosecond precision, SQL `TIME` (without time zone).
///
/// ```
/// use aludel_core::value::Time;
/// let t = Time::new(13, 5, 9, 250_000_000).unwrap();
/// assert_eq!(t.to_string(), "13:05:09.25");
/// assert_eq!("13:05:09.25".parse::<Time>().unwrap(), t);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    hour: u8,
    minute: u8,
    second: u8,
    nanosecond: u32,
}

impl Time {
    /// A time, checked: hour < 24, minute < 60, second < 60, nanosecond < 10^9.
    ///
    /// ```
    /// use aludel_core::value::Time;
    /// assert!(Time::new(23, 59, 59, 999_999_999).is_ok());
    /// assert!(Time::new(24, 0, 0, 0).is_err());
    /// ```
    pub fn new(hour: u8, minute: u8, second: u8, nanosecond: u32) -> Result<Time, ValueError> {
        if hour > 23 || minute > 59 || second > 59 || nanosecond >= 1_000_000_000 {
            return Err(ValueError::new(
                "time",
                format!("{hour:02}:{minute:02}:{second:02}.{nanosecond:09} does not exist"),
            ));
        }
        Ok(Time {
            hour,
            minute,
            second,
            nanosecond,
        })
    }

    /// Midnight.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Time::MIDNIGHT.to_string(), "00:00:00");
    /// ```
    pub const MIDNIGHT: Time = Time {
        hour: 0,
        minute: 0,
        second: 0,
        nanosecond: 0,
    };

    /// The hour, 0-23.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Time::new(1, 2, 3, 4).unwrap().hour(), 1);
    /// ```
    pub fn hour(&self) -> u8 {
        self.hour
    }
    /// The minute, 0-59.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Time::new(1, 2, 3, 4).unwrap().minute(), 2);
    /// ```
    pub fn minute(&self) -> u8 {
        self.minute
    }
    /// The second, 0-59.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Time::new(1, 2, 3, 4).unwrap().second(), 3);
    /// ```
    pub fn second(&self) -> u8 {
        self.second
    }
    /// The nanosecond within the second.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Time::new(1, 2, 3, 4).unwrap().nanosecond(), 4);
    /// ```
    pub fn nanosecond(&self) -> u32 {
        self.nanosecond
    }

    /// Nanoseconds since midnight.
    ///
    /// ```
    /// assert_eq!(aludel_core::value::Time::new(0, 0, 1, 5).unwrap().nanos_since_midnight(), 1_000_000_005);
    /// ```
    pub fn nanos_since_midnight(&self) -> i64 {
        ((i64::from(self.hour) * 60 + i64::from(self.minute)) * 60 + i64::from(self.second))
            * 1_000_000_000
            + i64::from(self.nanosecond)
    }

    fn from_nanos_since_midnight(n: i64) -> Time {
        let n = n.rem_euclid(86_400 * 1_000_000_000);
        let secs = n / 1_000_000_000;
        Time {
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
            nanosecond: (n % 1_000_000_000) as u32,
        }
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second)?;
        if self.nanosecond != 0 {
            let frac = format!("{:09}", self.nanosecond);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

impl FromStr for Time {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Time, ValueError> {
        let (hms, frac) = match s.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let mut parts = hms.splitn(3, ':');
        let (Some(h), Some(m), Some(sec)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ValueError::new("time", format!("cannot parse {s:?}")));
        };
        let nanos = match frac {
            None => 0,
            Some(f) if f.len() <= 9 => {
                let n: u32 = parse_num(f, "time", s)?;
                n * 10u32.pow(9 - f.len() as u32)
            }
            Some(_) => return Err(ValueError::new("time", format!("cannot parse {s:?}"))),
        };
        Time::new(
            parse_num(h, "time", s)?,
            parse_num(m, "time", s)?,
            parse_num(sec, "time", s)?,
            nanos,
        )
    }
}

/// A date and time without time zone, SQL `TIMESTAMP` / MySQL `DATETIME`.
///
/// ```
/// use aludel_core::value::{Date, Time, Timestamp};
/// let ts = Timestamp::new(Date::new(2024, 5, 1).unwrap(), Time::new(8, 30, 0, 0).unwrap());
/// assert_eq!(ts.to_string(), "2024-05-01 08:30:00");
/// assert_eq!("2024-05-01T08:30:00".parse::<Timestamp>().unwrap(), ts);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    date: Date,
    time: Time,
}

impl Timestamp {
    /// A timestamp from its date and time parts.
    ///
    /// ```
    /// use aludel_core::value::{Date, Time, Timestamp};
    /// let ts = Timestamp::new(Date::new(2024, 1, 2).unwrap(), Time::MIDNIGHT);
    /// assert_eq!(ts.to_string(), "2024-01-02 00:00:00");
    /// ```
    pub fn new(date: Date, time: Time) -> Timestamp {
        Timestamp { date, time }
    }

    /// The date part.
    ///
    /// ```
    /// # use aludel_core::value::*;
    /// let ts: Timestamp = "2024-05-01 08:30:00".parse().unwrap();
    /// assert_eq!(ts.date().day(), 1);
    /// ```
    pub fn date(&self) -> Date {
        self.date
    }

    /// The time part.
    ///
    /// ```
    /// # use aludel_core::value::*;
    /// let ts: Timestamp = "2024-05-01 08:30:00".parse().unwrap();
    /// assert_eq!(ts.time().hour(), 8);
    /// ```
    pub fn time(&self) -> Time {
        self.time
    }

    /// Nanoseconds since 1970-01-01 00:00:00 (`None` when it does not fit an `i64`).
    ///
    /// ```
    /// # use aludel_core::value::*;
    /// let ts: Timestamp = "1970-01-01 00:00:01".parse().unwrap();
    /// assert_eq!(ts.unix_nanos(), Some(1_000_000_000));
    /// ```
    pub fn unix_nanos(&self) -> Option<i64> {
        self.date
            .days_since_epoch()
            .checked_mul(86_400 * 1_000_000_000)?
            .checked_add(self.time.nanos_since_midnight())
    }

    /// The timestamp `nanos` nanoseconds after 1970-01-01 00:00:00.
    ///
    /// ```
    /// # use aludel_core::value::*;
    /// assert_eq!(Timestamp::from_unix_nanos(0).unwrap().to_string(), "1970-01-01 00:00:00");
    /// ```
    pub fn from_unix_nanos(nanos: i64) -> Result<Timestamp, ValueError> {
        let day_nanos = 86_400 * 1_000_000_000i64;
        let days = nanos.div_euclid(day_nanos);
        Ok(Timestamp {
            date: Date::from_days_since_epoch(days)?,
            time: Time::from_nanos_since_midnight(nanos.rem_euclid(day_nanos)),
        })
    }

    fn shifted_seconds(&self, seconds: i64) -> Result<Timestamp, ValueError> {
        let days = self.date.days_since_epoch();
        let total = self.time.nanos_since_midnight() + seconds * 1_000_000_000;
        let day_nanos = 86_400 * 1_000_000_000i64;
        Ok(Timestamp {
            date: Date::from_days_since_epoch(days + total.div_euclid(day_nanos))?,
            time: Time::from_nanos_since_midnight(total.rem_euclid(day_nanos)),
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.date, self.time)
    }
}

impl FromStr for Timestamp {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Timestamp, ValueError> {
        let (d, t) = s
            .split_once(['T', ' '])
            .ok_or_else(|| ValueError::new("timestamp", format!("cannot parse {s:?}")))?;
        Ok(Timestamp {
            date: d.parse()?,
            time: t.parse()?,
        })
    }
}

/// An instant in time, SQL `TIMESTAMP WITH TIME ZONE`, kept in UTC.
///
/// ```
/// use aludel_core::value::{Timestamp, TimestampTz};
/// let local: Timestamp = "2024-05-01 10:30:00".parse().unwrap();
/// let tz = TimestampTz::from_local(local, 2 * 3600).unwrap(); // 10:30 at UTC+2
/// assert_eq!(tz.to_string(), "2024-05-01 08:30:00+00");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimestampTz {
    utc: Timestamp,
}

impl TimestampTz {
    /// The instant whose UTC wall-clock time is `utc`.
    ///
    /// ```
    /// # use aludel_core::value::*;
    /// let utc: Timestamp = "2024-05-01 08:30:00".parse().unwrap();
    /// assert_eq!(TimestampTz::from_utc(utc).utc(), utc);
    /// ```
    pub fn from_utc(utc: Timestamp) -> TimestampTz {
        TimestampTz { utc }
    }

    /// The instant whose wall-clock time is `local` at `offset_seconds` east of UTC.
    ///
    /// ```
    /// use aludel_core::value::{Timestamp, TimestampTz};
    /// let local: Timestamp = "2024-01-01 01:00:00".parse().unwrap();
    /// let t = TimestampTz::from_local(local, 3600).unwrap(); // UTC+1
    /// assert_eq!(t.utc().to_string(), "2024-01-01 00:00:00");
    /// ```
    pub fn from_local(local: Timestamp, offset_seconds: i32) -> Result<TimestampTz, ValueError> {
        Ok(TimestampTz {
            utc: local.shifted_seconds(-i64::from(offset_seconds))?,
        })
    }

    /// The UTC wall-clock time of this instant.
    ///
    /// ```
    /// # use aludel_core::value::*;
    /// let utc: Timestamp = "2024-05-01 08:30:00".parse().unwrap();
    /// assert_eq!(TimestampTz::from_utc(utc).utc().to_string(), "2024-05-01 08:30:00");
    /// ```
    pub fn utc(&self) -> Timestamp {
        self.utc
    }
}

impl fmt::Display for TimestampTz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+00", self.utc)
    }
}

impl FromStr for TimestampTz {
    type Err = ValueError;
    /// Parses `2024-05-01 08:30:00+02`, `...+02:00`, `...Z` or `...+0200`.
    fn from_str(s: &str) -> Result<TimestampTz, ValueError> {
        let err = || ValueError::new("timestamptz", format!("cannot parse {s:?}"));
        if let Some(local) = s.strip_suffix('Z') {
            return Ok(TimestampTz::from_utc(local.parse()?));
        }
        // The offset sign is after the time part (a date's '-' comes before it).
        let time_start = s.find(['T', ' ']).ok_or_else(err)?;
        let sign_pos = s[time_start..]
            .rfind(['+', '-'])
            .map(|p| p + time_start)
            .ok_or_else(err)?;
        let (local, offset) = s.split_at(sign_pos);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let (h, m, sec) = match digits.len() {
            2 => (&digits[..2], "0", "0"),
            4 => (&digits[..2], &digits[2..4], "0"),
            6 => (&digits[..2], &digits[2..4], &digits[4..6]),
            _ => return Err(err()),
        };
        let secs = parse_num::<i32>(h, "timestamptz", s)? * 3600
            + parse_num::<i32>(m, "timestamptz", s)? * 60
            + parse_num::<i32>(sec, "timestamptz", s)?;
        TimestampTz::from_local(local.trim_end().parse()?, sign * secs)
    }
}

/// A UUID, SQL `UUID` (stored as `CHAR(36)` where the database has no UUID type).
///
/// ```
/// use aludel_core::value::Uuid;
/// let u: Uuid = "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap();
/// assert_eq!(u.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
/// assert_eq!(Uuid::from_bytes(*u.as_bytes()), u);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// A UUID from its 16 bytes.
    ///
    /// ```
    /// use aludel_core::value::Uuid;
    /// let u = Uuid::from_bytes([0; 16]);
    /// assert_eq!(u.to_string(), "00000000-0000-0000-0000-000000000000");
    /// ```
    pub const fn from_bytes(bytes: [u8; 16]) -> Uuid {
        Uuid(bytes)
    }

    /// The 16 bytes.
    ///
    /// ```
    /// use aludel_core::value::Uuid;
    /// assert_eq!(Uuid::from_bytes([7; 16]).as_bytes(), &[7; 16]);
    /// ```
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for Uuid {
    type Err = ValueError;
    /// Parses the hyphenated (`8-4-4-4-12`) or the 32-digit simple form.
    fn from_str(s: &str) -> Result<Uuid, ValueError> {
        let err = || ValueError::new("uuid", format!("cannot parse {s:?}"));
        let hex: Vec<u8> = match s.len() {
            36 => {
                let b = s.as_bytes();
                if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
                    return Err(err());
                }
                s.bytes().filter(|c| *c != b'-').collect()
            }
            32 => s.bytes().collect(),
            _ => return Err(err()),
        };
        if hex.len() != 32 {
            return Err(err());
        }
        let mut out = [0u8; 16];
        for (i, pair) in hex.chunks(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16).ok_or_else(err);
            out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
        }
        Ok(Uuid(out))
    }
}

/// A JSON document kept as its text, SQL `JSON` / `JSONB`.
///
/// The core does not parse JSON (no dependency); the `serde_json` feature converts
/// to and from `serde_json::Value`.
///
/// ```
/// use aludel_core::value::Json;
/// let j = Json::from_text(r#"{"a": 1}"#);
/// assert_eq!(j.as_str(), r#"{"a": 1}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Json(String);

impl Json {
    /// A JSON value from its text (not validated here; the database validates it).
    ///
    /// ```
    /// use aludel_core::value::Json;
    /// assert_eq!(Json::from_text("[1, 2]").as_str(), "[1, 2]");
    /// ```
    pub fn from_text(text: impl Into<String>) -> Json {
        Json(text.into())
    }

    /// The JSON text.
    ///
    /// ```
    /// use aludel_core::value::Json;
    /// assert_eq!(Json::from_text("{}").as_str(), "{}");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An exact decimal number, SQL `NUMERIC` / `DECIMAL`, kept as canonical text.
///
/// ```
/// use aludel_core::value::Decimal;
/// let d: Decimal = "+0012.50".parse().unwrap();
/// assert_eq!(d.to_string(), "12.50");
/// assert!("1e5".parse::<Decimal>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    /// The decimal's canonical text (`-` sign, no leading zeros, `.` separator).
    ///
    /// ```
    /// use aludel_core::value::Decimal;
    /// let d: Decimal = "-01.50".parse().unwrap();
    /// assert_eq!(d.as_str(), "-1.50");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Decimal {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Decimal, ValueError> {
        let err = || ValueError::new("decimal", format!("cannot parse {s:?}"));
        let (neg, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if !digits(int)
            || !frac.is_none_or(digits)
            || (int.is_empty() && frac.is_none_or(str::is_empty))
        {
            return Err(err());
        }
        let int = int.trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        let mut out = String::with_capacity(s.len() + 1);
        let is_zero = int == "0" && frac.is_none_or(|f| f.bytes().all(|b| b == b'0'));
        if neg && !is_zero {
            out.push('-');
        }
        out.push_str(int);
        if let Some(f) = frac.filter(|f| !f.is_empty()) {
            out.push('.');
            out.push_str(f);
        }
        Ok(Decimal(out))
    }
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::*;
    use chrono::{Datelike, Timelike};

    impl From<chrono::NaiveDate> for Date {
        fn from(d: chrono::NaiveDate) -> Date {
            // chrono's range is inside ours.
            Date {
                year: d.year(),
                month: d.month() as u8,
                day: d.day() as u8,
            }
        }
    }
    impl From<chrono::NaiveTime> for Time {
        fn from(t: chrono::NaiveTime) -> Time {
            // chrono represents a leap second as nanosecond >= 10^9; clamp it.
            Time {
                hour: t.hour() as u8,
                minute: t.minute() as u8,
                second: t.second() as u8,
                nanosecond: t.nanosecond().min(999_999_999),
            }
        }
    }
    impl From<chrono::NaiveDateTime> for Timestamp {
        fn from(t: chrono::NaiveDateTime) -> Timestamp {
            Timestamp::new(t.date().into(), t.time().into())
        }
    }
    impl<Tz: chrono::TimeZone> From<chrono::DateTime<Tz>> for TimestampTz {
        fn from(t: chrono::DateTime<Tz>) -> TimestampTz {
            TimestampTz::from_utc(t.naive_utc().into())
        }
    }
    impl From<chrono::NaiveDate> for Value {
        fn from(v: chrono::NaiveDate) -> Value {
            Value::Date(v.into())
        }
    }
    impl From<chrono::NaiveTime> for Value {
        fn from(v: chrono::NaiveTime) -> Value {
            Value::Time(v.into())
        }
    }
    impl From<chrono::NaiveDateTime> for Value {
        fn from(v: chrono::NaiveDateTime) -> Value {
            Value::Timestamp(v.into())
        }
    }
    impl<Tz: chrono::TimeZone> From<chrono::DateTime<Tz>> for Value {
        fn from(v: chrono::DateTime<Tz>) -> Value {
            Value::TimestampTz(v.into())
        }
    }
}

#[cfg(feature = "time")]
mod time_impls {
    use super::*;

    impl From<time::Date> for Date {
        fn from(d: time::Date) -> Date {
            Date {
                year: d.year(),
                month: d.month() as u8,
                day: d.day(),
            }
        }
    }
    impl From<time::Time> for Time {
        fn from(t: time::Time) -> Time {
            Time {
                hour: t.hour(),
                minute: t.minute(),
                second: t.second(),
                nanosecond: t.nanosecond(),
            }
        }
    }
    impl From<time::PrimitiveDateTime> for Timestamp {
        fn from(t: time::PrimitiveDateTime) -> Timestamp {
            Timestamp::new(t.date().into(), t.time().into())
        }
    }
    impl From<time::OffsetDateTime> for TimestampTz {
        fn from(t: time::OffsetDateTime) -> TimestampTz {
            let utc = t.to_offset(time::UtcOffset::UTC);
            TimestampTz::from_utc(Timestamp::new(utc.date().into(), utc.time().into()))
        }
    }
    impl From<time::Date> for Value {
        fn from(v: time::Date) -> Value {
            Value::Date(v.into())
        }
    }
    impl From<time::Time> for Value {
        fn from(v: time::Time) -> Value {
            Value::Time(v.into())
        }
    }
    impl From<time::PrimitiveDateTime> for Value {
        fn from(v: time::PrimitiveDateTime) -> Value {
            Value::Timestamp(v.into())
        }
    }
    impl From<time::OffsetDateTime> for Value {
        fn from(v: time::OffsetDateTime) -> Value {
            Value::TimestampTz(v.into())
        }
    }
}

#[cfg(feature = "uuid")]
mod uuid_impls {
    use super::*;
    impl From<uuid::Uuid> for Uuid {
        fn from(u: uuid::Uuid) -> Uuid {
            Uuid(*u.as_bytes())
        }
    }
    impl From<Uuid> for uuid::Uuid {
        fn from(u: Uuid) -> uuid::Uuid {
            uuid::Uuid::from_bytes(u.0)
        }
    }
    impl From<uuid::Uuid> for Value {
        fn from(v: uuid::Uuid) -> Value {
            Value::Uuid(v.into())
        }
    }
}

#[cfg(feature = "rust_decimal")]
mod decimal_impls {
    use super::*;
    impl From<rust_decimal::Decimal> for Decimal {
        fn from(d: rust_decimal::Decimal) -> Decimal {
            // rust_decimal's Display is plain decimal notation, which always parses.
            let text = d.to_string();
            text.parse().unwrap_or(Decimal(text))
        }
    }
    impl TryFrom<Decimal> for rust_decimal::Decimal {
        type Error = ValueError;
        fn try_from(d: Decimal) -> Result<rust_decimal::Decimal, ValueError> {
            d.0.parse()
                .map_err(|e| ValueError::new("decimal", format!("{}: {e}", d.0)))
        }
    }
    impl From<rust_decimal::Decimal> for Value {
        fn from(v: rust_decimal::Decimal) -> Value {
            Value::Decimal(v.into())
        }
    }
}

#[cfg(feature = "serde_json")]
mod json_impls {
    use super::*;
    impl From<serde_json::Value> for Json {
        fn from(v: serde_json::Value) -> Json {
            Json(v.to_string())
        }
    }
    impl TryFrom<Json> for serde_json::Value {
        type Error = serde_json::Error;
        fn try_from(j: Json) -> Result<serde_json::Value, serde_json::Error> {
            serde_json::from_str(&j.0)
        }
    }
    impl From<serde_json::Value> for Value {
        fn from(v: serde_json::Value) -> Value {
            Value::Json(v.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_days_round_trip() {
        for days in [-1_000_000, -719_468, -1, 0, 1, 59, 365, 11_016, 2_932_896] {
            let d = Date::from_days_since_epoch(days).unwrap();
            assert_eq!(d.days_since_epoch(), days, "{d}");
        }
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
    }

    #[test]
    fn timestamptz_offsets() {
        let t: TimestampTz = "2024-01-01 01:00:00+02:00".parse().unwrap();
        assert_eq!(t.to_string(), "2023-12-31 23:00:00+00");
        let t: TimestampTz = "2024-01-01 23:30:00-0130".parse().unwrap();
        assert_eq!(t.to_string(), "2024-01-02 01:00:00+00");
        let t: TimestampTz = "2024-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(t.utc().to_string(), "2024-01-01 00:00:00");
        assert!("2024-01-01".parse::<TimestampTz>().is_err());
        // Found by tests/no_panics.rs: a multi-byte character in the offset.
        assert!("2024-01-01 00:00:00+🦀1".parse::<TimestampTz>().is_err());
    }

    #[test]
    fn decimal_canonical() {
        assert_eq!("-0.00".parse::<Decimal>().unwrap().as_str(), "0.00");
        assert_eq!("-.5".parse::<Decimal>().unwrap().as_str(), "-0.5");
        assert_eq!("7.".parse::<Decimal>().unwrap().as_str(), "7");
        for bad in ["", ".", "-", "1.2.3", "abc", "1,5"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!("24:00:00".parse::<Time>().is_err());
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("x".parse::<Uuid>().is_err());
        assert!(
            "67e55044-10b1-426f-9247-bb680e5fe0cz"
                .parse::<Uuid>()
                .is_err()
        );
        assert!("12:00:00.1234567890".parse::<Time>().is_err());
    }
}
