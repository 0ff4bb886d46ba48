//! Durations, clock times and dates as people say them, read with `chrono`'s calendar.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};

use super::numbers::parse_number;

/// A unit of time, smallest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
}

impl Unit {
    pub fn seconds(self) -> f64 {
        match self {
            Unit::Millisecond => 0.001,
            Unit::Second => 1.0,
            Unit::Minute => 60.0,
            Unit::Hour => 3600.0,
            Unit::Day => 86400.0,
            Unit::Week => 604800.0,
        }
    }

    /// A unit word as written after a number ("min", "hrs", "seconds", "h").
    pub fn from_word(w: &str) -> Option<Unit> {
        Some(match w.trim_end_matches('.') {
            "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => Unit::Millisecond,
            "s" | "sec" | "secs" | "second" | "seconds" => Unit::Second,
            "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minute,
            "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
            "d" | "day" | "days" => Unit::Day,
            "w" | "wk" | "wks" | "week" | "weeks" => Unit::Week,
            _ => return None,
        })
    }
}

/// The unit a parameter counts in, from its name and description ("duration_seconds", "Delay in
/// ms", "timeout (minutes)"); `None` when neither names one.
pub fn parameter_unit(name: &str, description: &str) -> Option<Unit> {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let from = |ws: Vec<String>| {
        ws.iter().find_map(|w| match w.as_str() {
            "ms" | "millis" | "milliseconds" | "millisecond" => Some(Unit::Millisecond),
            "s" | "sec" | "secs" | "seconds" | "second" => Some(Unit::Second),
            "min" | "mins" | "minutes" | "minute" => Some(Unit::Minute),
            "h" | "hr" | "hrs" | "hours" | "hour" => Some(Unit::Hour),
            "days" | "day" => Some(Unit::Day),
            "weeks" | "week" => Some(Unit::Week),
            _ => None,
        })
    };
    // camelCase names: "timeoutMs" -> "timeout Ms"
    let mut spaced = String::new();
    for (i, c) in name.chars().enumerate() {
        if i > 0 && c.is_uppercase() {
            spaced.push(' ');
        }
        spaced.push(c);
    }
    from(words(&spaced)).or_else(|| from(words(description)))
}

/// A duration in seconds: "15 minutes", "two and a half hours", "90 sec", "2h30", "1h 30m",
/// "1:30:00", "a quarter of an hour", "an hour and a half", "half an hour". `None` when the text
/// names no unit (a bare number) or is not a duration.
pub fn parse_duration(text: &str) -> Option<f64> {
    let t = text.trim().to_lowercase();
    let t = t.strip_prefix("for ").unwrap_or(&t).trim();
    // h:mm:ss
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
        let n: Vec<f64> = parts.iter().map(|p| p.parse().unwrap()).collect();
        if n[1] < 60.0 && n[2] < 60.0 {
            return Some(n[0] * 3600.0 + n[1] * 60.0 + n[2]);
        }
        return None;
    }
    // "2h30", "1h30m", "1h 30m", "90s", "5min"
    let compact: String = t.replace(' ', "");
    if compact.chars().next()?.is_ascii_digit() && compact.chars().any(|c| c.is_ascii_alphabetic()) {
        if let Some(total) = parse_compact(&compact) {
            return Some(total);
        }
    }
    // "half an hour", "a quarter of an hour", "three quarters of an hour"
    for (phrase, secs) in [("half an hour", 1800.0), ("half a minute", 30.0), ("a quarter of an hour", 900.0),
        ("quarter of an hour", 900.0), ("three quarters of an hour", 2700.0), ("half a day", 43200.0)] {
        if t == phrase {
            return Some(secs);
        }
    }
    // "<number> <unit> [and] <number> <unit> ...", "an hour and a half", "<number> and a half <unit>"
    let words: Vec<&str> = t.split_whitespace().collect();
    let mut total = 0.0;
    let mut pending: Vec<&str> = Vec::new();
    let mut any = false;
    let mut last_unit: Option<Unit> = None;
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if let Some(unit) = Unit::from_word(w) {
            let amount = match pending.as_slice() {
                [] => return None,
                ["a"] | ["an"] => 1.0,
                words => parse_number(&words.join(" "))?.value,
            };
            total += amount * unit.seconds();
            last_unit = Some(unit);
            pending.clear();
            any = true;
        } else if w == "and" && pending.is_empty() && any {
            // "an hour and a half": the half is of the last unit
            if words.get(i + 1..) == Some(&["a", "half"][..]) {
                total += 0.5 * last_unit?.seconds();
                i += 3;
                continue;
            }
        } else if w == "," {
        } else {
            pending.push(w);
        }
        i += 1;
    }
    (any && pending.is_empty()).then_some(total)
}

fn parse_compact(t: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut num = String::new();
    let mut unit = String::new();
    let mut last: Option<Unit> = None;
    let flush = |num: &mut String, unit: &mut String, total: &mut f64, last: &mut Option<Unit>| -> Option<()> {
        if num.is_empty() {
            return if unit.is_empty() { Some(()) } else { None };
        }
        let n: f64 = num.parse().ok()?;
        let u = if unit.is_empty() {
            // "2h30": a bare number after hours is minutes, after minutes seconds
            match (*last)? {
                Unit::Hour => Unit::Minute,
                Unit::Minute => Unit::Second,
                _ => return None,
            }
        } else {
            Unit::from_word(unit)?
        };
        *total += n * u.seconds();
        *last = Some(u);
        num.clear();
        unit.clear();
        Some(())
    };
    for c in t.chars() {
        if c.is_ascii_digit() || c == '.' {
            if !unit.is_empty() {
                flush(&mut num, &mut unit, &mut total, &mut last)?;
            }
            num.push(c);
        } else if c.is_ascii_alphabetic() {
            unit.push(c);
        } else {
            return None;
        }
    }
    flush(&mut num, &mut unit, &mut total, &mut last)?;
    last.map(|_| total)
}

/// A time of day: "8:15 pm", "8pm", "8 p.m.", "noon", "midnight", "half past six", "quarter to
/// seven", "18h", "18h30", "7:05", "seven thirty", "19.30".
pub fn parse_clock(text: &str) -> Option<NaiveTime> {
    let t = text.trim().to_lowercase().replace("a.m.", "am").replace("p.m.", "pm").replace("a.m", "am").replace("p.m", "pm");
    let t = t.trim().trim_start_matches("at ").trim();
    match t {
        "noon" | "midday" | "12 noon" => return NaiveTime::from_hms_opt(12, 0, 0),
        "midnight" => return NaiveTime::from_hms_opt(0, 0, 0),
        _ => {}
    }
    let (body, meridiem) = if let Some(b) = t.strip_suffix("am") {
        (b.trim(), Some(false))
    } else if let Some(b) = t.strip_suffix("pm") {
        (b.trim(), Some(true))
    } else if let Some(b) = t.strip_suffix("in the morning") {
        (b.trim(), Some(false))
    } else if let Some(b) = t.strip_suffix("in the evening").or_else(|| t.strip_suffix("in the afternoon")).or_else(|| t.strip_suffix("at night")) {
        (b.trim(), Some(true))
    } else {
        (t.trim_end_matches("o'clock").trim(), None)
    };
    let (h, m) = clock_parts(body)?;
    let h = match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return None;
            }
            (h % 12) + if pm { 12 } else { 0 }
        }
        None => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

fn clock_parts(body: &str) -> Option<(u32, u32)> {
    let body = body.trim();
    if body.is_empty() {
        return None;
    }
    // "half past six", "quarter past 6", "quarter to seven", "ten to five", "20 past 4"
    for (word, sign) in [(" past ", 1i32), (" after ", 1), (" to ", -1)] {
        if let Some((a, b)) = body.split_once(word) {
            let minutes = match a.trim() {
                "half" => 30,
                "quarter" | "a quarter" => 15,
                other => parse_number(other.trim_end_matches(" minutes"))?.value as i32,
            };
            let hour = hour_word(b)? as i32;
            let total = hour * 60 + sign * minutes;
            if !(0..60).contains(&minutes) || total < 0 {
                return None;
            }
            return Some(((total / 60) as u32 % 24, (total % 60) as u32));
        }
    }
    // "8:15", "19.30", "18h30", "18h"
    for sep in [':', '.', 'h'] {
        if let Some((a, b)) = body.split_once(sep) {
            if a.is_empty() || !a.chars().all(|c| c.is_ascii_digit()) || a.len() > 2 {
                continue;
            }
            let m = if b.is_empty() && sep == 'h' { 0 } else {
                if b.len() != 2 || !b.chars().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                b.parse().ok()?
            };
            return Some((a.parse().ok()?, m));
        }
    }
    // "8", "seven", "seven thirty", "seven fifteen", "0730"
    if body.len() == 4 && body.chars().all(|c| c.is_ascii_digit()) {
        return Some((body[..2].parse().ok()?, body[2..].parse().ok()?));
    }
    let words: Vec<&str> = body.split_whitespace().collect();
    match words.as_slice() {
        [h] => Some((hour_word(h)?, 0)),
        [h, rest @ ..] => {
            let m = parse_number(&rest.join(" "))?.value;
            (m.fract() == 0.0 && (0.0..60.0).contains(&m)).then(|| Some((hour_word(h)?, m as u32)))?
        }
        _ => None,
    }
}

fn hour_word(w: &str) -> Option<u32> {
    let n = parse_number(w.trim())?.value;
    (n.fract() == 0.0 && (0.0..=24.0).contains(&n)).then_some(n as u32 % 24)
}

const MONTHS: [&str; 12] =
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

fn month_word(w: &str) -> Option<u32> {
    let w = w.trim_end_matches('.').to_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|m| *m == w || (m.starts_with(&w) && (w.len() == 3 || w == "sept"))).map(|i| i as u32 + 1)
}

fn weekday_word(w: &str) -> Option<Weekday> {
    let w = w.to_lowercase();
    let names = [
        ("monday", Weekday::Mon), ("tuesday", Weekday::Tue), ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu), ("friday", Weekday::Fri), ("saturday", Weekday::Sat), ("sunday", Weekday::Sun),
    ];
    names.iter().find(|(n, _)| *n == w || (w.len() >= 3 && n.starts_with(&w))).map(|(_, d)| *d)
}

fn day_number(w: &str) -> Option<u32> {
    let w = w.trim_end_matches(',').to_lowercase();
    let digits = w.trim_end_matches("st").trim_end_matches("nd").trim_end_matches("rd").trim_end_matches("th");
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && digits.len() <= 2 {
        return digits.parse().ok();
    }
    let n = super::numbers::parse_words(&w)?;
    (n.fract() == 0.0 && (1.0..=31.0).contains(&n)).then_some(n as u32)
}

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum DateError {
    NotADate,
    /// Looks like a date but does not exist ("February 30").
    Impossible(String),
}

/// A calendar date: ISO "2026-12-25", "December 25", "25 December 2026", "Dec 25th, 2027",
/// "12/25/2026" (month first unless the first number is above 12), "25.12.2026" (day first),
/// "today", "tomorrow", "yesterday", "tonight", "the day after tomorrow", "Friday", "next
/// Friday", "this Friday", "in 3 days", "in two weeks", "next week", "next month". A date
/// without a year is the next one on or after `today`.
pub fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let t = text.trim().trim_end_matches(['.', ',']).to_lowercase();
    let t = t.strip_prefix("on ").unwrap_or(&t).trim().to_string();
    let t = t.strip_prefix("the ").map(str::to_string).unwrap_or(t);
    let impossible = || DateError::Impossible(text.trim().to_string());
    match t.as_str() {
        "today" | "tonight" | "this evening" | "this morning" | "this afternoon" | "now" => return Ok(today),
        "tomorrow" | "tomorrow morning" | "tomorrow evening" | "tomorrow night" => return Ok(today + Duration::days(1)),
        "yesterday" => return Ok(today - Duration::days(1)),
        "day after tomorrow" => return Ok(today + Duration::days(2)),
        "next week" => return Ok(today + Duration::days(7)),
        "next month" => return today.checked_add_months(chrono::Months::new(1)).ok_or(DateError::NotADate),
        _ => {}
    }
    let words: Vec<&str> = t.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    // weekdays
    let weekday = match words.as_slice() {
        [d] => weekday_word(d).map(|d| (d, false)),
        ["this" | "on" | "coming" | "this coming", d] => weekday_word(d).map(|d| (d, false)),
        ["next", d] => weekday_word(d).map(|d| (d, true)),
        _ => None,
    };
    if let Some((day, next)) = weekday {
        let ahead = (day.num_days_from_monday() as i64 - today.weekday().num_days_from_monday() as i64).rem_euclid(7);
        // "Friday" on a Friday is today; "next Friday" is always at least a day away, and on
        // the same week's days before Friday still means that Friday (the common reading).
        let ahead = if next && ahead == 0 { 7 } else { ahead };
        return Ok(today + Duration::days(ahead));
    }
    // "in 3 days", "in two weeks", "3 days from now"
    let rel = match words.as_slice() {
        ["in", rest @ ..] => Some(rest.to_vec()),
        [rest @ .., "from", "now"] | [rest @ .., "from", "today"] => Some(rest.to_vec()),
        _ => None,
    };
    if let Some(rest) = rel {
        if let Some((unit, amount)) = rest.split_last() {
            let n = match amount {
                [] | ["a"] | ["an"] => 1.0,
                words => parse_number(&words.join(" ")).ok_or(DateError::NotADate)?.value,
            };
            if n.fract() != 0.0 || n < 0.0 {
                return Err(DateError::NotADate);
            }
            let n = n as i64;
            return match *unit {
                "day" | "days" => Ok(today + Duration::days(n)),
                "week" | "weeks" => Ok(today + Duration::days(7 * n)),
                "month" | "months" => today.checked_add_months(chrono::Months::new(n as u32)).ok_or(DateError::NotADate),
                "year" | "years" => today.checked_add_months(chrono::Months::new(12 * n as u32)).ok_or(DateError::NotADate),
                _ => Err(DateError::NotADate),
            };
        }
    }
    // numeric forms
    if words.len() == 1 {
        let w = words[0];
        for (sep, order) in [('-', "ymd"), ('/', "mdy"), ('.', "dmy")] {
            let parts: Vec<&str> = w.split(sep).collect();
            if parts.len() < 2 || parts.len() > 3 || !parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
                continue;
            }
            let n: Vec<i64> = parts.iter().map(|p| p.parse().unwrap_or(-1)).collect();
            let (y, m, d) = if parts[0].len() == 4 {
                (Some(n[0] as i32), n[1], *n.get(2).ok_or(DateError::NotADate)?)
            } else {
                let year = n.get(2).map(|&y| if y < 100 { 2000 + y as i32 } else { y as i32 });
                match order {
                    "dmy" => (year, n[1], n[0]),
                    // month first (US) unless the first number cannot be a month
                    _ if n[0] > 12 => (year, n[1], n[0]),
                    _ => (year, n[0], n[1]),
                }
            };
            return make_date(y, m as u32, d as u32, today).ok_or_else(impossible);
        }
    }
    // month names: "December 25", "25 December 2026", "Dec 25th, 2027", "the 3rd of May"
    let words: Vec<&str> = words.into_iter().filter(|w| *w != "of" && *w != "the").collect();
    let month_at = words.iter().position(|w| month_word(w).is_some()).ok_or(DateError::NotADate)?;
    let month = month_word(words[month_at]).unwrap();
    let others: Vec<&str> = words.iter().enumerate().filter(|(i, _)| *i != month_at).map(|(_, w)| *w).collect();
    let (day, year) = match others.as_slice() {
        [d] => (day_number(d).ok_or(DateError::NotADate)?, None),
        [d, y] | [y, d] if y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) => {
            (day_number(d).ok_or(DateError::NotADate)?, Some(y.parse::<i32>().map_err(|_| DateError::NotADate)?))
        }
        _ => return Err(DateError::NotADate),
    };
    make_date(year, month, day, today).ok_or_else(impossible)
}

/// A date; without a year, the next occurrence on or after `today` (a day that exists in no
/// year, such as February 30, is `None`).
fn make_date(year: Option<i32>, month: u32, day: u32, today: NaiveDate) -> Option<NaiveDate> {
    match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day),
        None => (0..9).find_map(|k| NaiveDate::from_ymd_opt(today.year() + k, month, day).filter(|d| *d >= today)),
    }
}

/// A date and a time in one text: "tomorrow at 5pm", "December 25 at 18:00", "next Friday
/// 9am", "2026-12-25T10:00". The time is `None` when only a date is given; "tonight" alone
/// gives no time either.
pub fn parse_date_time(text: &str, today: NaiveDate) -> Result<(NaiveDate, Option<NaiveTime>), DateError> {
    let t = text.trim().to_lowercase();
    if let Some((d, tm)) = t.split_once('t').filter(|(d, _)| d.len() == 10 && d.chars().nth(4) == Some('-')) {
        let date = parse_date(d, today)?;
        let time = NaiveTime::parse_from_str(tm.trim_end_matches('z'), "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(tm.trim_end_matches('z'), "%H:%M"))
            .map_err(|_| DateError::NotADate)?;
        return Ok((date, Some(time)));
    }
    if let Ok(d) = parse_date(&t, today) {
        return Ok((d, None));
    }
    for sep in [" at ", ", ", " "] {
        // split at each occurrence: the date on one side, the time on the other
        let mut start = 0;
        while let Some(i) = t[start..].find(sep) {
            let cut = start + i;
            let (a, b) = (&t[..cut], &t[cut + sep.len()..]);
            if let (Ok(d), Some(tm)) = (parse_date(a, today), parse_clock(b)) {
                return Ok((d, Some(tm)));
            }
            if let (Some(tm), Ok(d)) = (parse_clock(a), parse_date(b, today)) {
                return Ok((d, Some(tm)));
            }
            start = cut + sep.len();
        }
    }
    if let Some(tm) = parse_clock(&t) {
        return Ok((today, Some(tm)));
    }
    Err(DateError::NotADate)
}
