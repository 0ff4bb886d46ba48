//! Values as the user means them: the words the model pointed at for a parameter (a span of the
//! request, an enum label) turned into the value the parameter's JSON Schema asks for. Pure functions: no model, no I/O; the reference date is in [`Context`].
//!
//! The rules, each with an example, and what is deliberately not handled: docs/values.md.

mod codes;
mod numbers;
mod time;
mod units;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{NaiveDate, NaiveTime};
use serde_json::{json, Number as JsonNumber, Value};

pub use numbers::{parse_number, parse_words};
pub use time::{parameter_unit, parse_clock, parse_date, parse_date_time, parse_duration, Unit};

/// What a value is resolved against: the reference date and the local offset from UTC.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub today: NaiveDate,
    /// Minutes east of UTC, for date-times and `format: time` (which carry an offset).
    pub utc_offset_minutes: i32,
}

impl Context {
    /// `NEEDLE_TODAY` (YYYY-MM-DD) when set, else the local clock.
    pub fn from_env() -> Result<Context, String> {
        let offset = chrono::Local::now().offset().local_minus_utc() / 60;
        match std::env::var("NEEDLE_TODAY") {
            Ok(day) => Context::on(&day).map(|c| Context { utc_offset_minutes: offset, ..c }),
            Err(_) => Ok(Context { today: chrono::Local::now().date_naive(), utc_offset_minutes: offset }),
        }
    }

    /// A fixed date (`--today`), at UTC.
    pub fn on(day: &str) -> Result<Context, String> {
        NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
            .map(|today| Context { today, utc_offset_minutes: 0 })
            .map_err(|_| format!("\"{day}\" is not a date of the form YYYY-MM-DD"))
    }

    fn offset(&self) -> String {
        let m = self.utc_offset_minutes;
        if m == 0 {
            "Z".into()
        } else {
            format!("{}{:02}:{:02}", if m < 0 { '-' } else { '+' }, m.abs() / 60, m.abs() % 60)
        }
    }
}

/// A parameter: its name (dotted for a nested one) and its JSON Schema (description included).
#[derive(Debug, Clone, Copy)]
pub struct ParamSchema<'a> {
    pub name: &'a str,
    pub schema: &'a Value,
}

impl<'a> ParamSchema<'a> {
    pub fn new(name: &'a str, schema: &'a Value) -> Self {
        ParamSchema { name, schema }
    }

    fn description(&self) -> &'a str {
        self.schema.get("description").and_then(Value::as_str).unwrap_or("")
    }

    /// The schema's type (the first that is not "null" of a list); "" when it has none.
    fn kind(&self) -> &'a str {
        match self.schema.get("type") {
            Some(Value::String(s)) => s,
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or(""),
            _ => "",
        }
    }

    fn format(&self) -> &'a str {
        self.schema.get("format").and_then(Value::as_str).unwrap_or("")
    }

    /// Name and description, lowercased, for the word rules.
    fn words(&self) -> String {
        format!("{} {}", self.name.replace(['_', '-', '.'], " "), self.description()).to_lowercase()
    }
}

/// Why no value could be made from the text.
#[derive(Debug, Clone, PartialEq)]
pub enum NotAValue {
    Empty,
    /// The text is not of the kind the parameter takes ("kitchen" for an integer).
    Unreadable { kind: &'static str, text: String },
    /// A duration whose unit cannot be told, or a parameter whose unit is unknown.
    AmbiguousUnit(String),
    /// A date that does not exist ("February 30").
    ImpossibleDate(String),
    /// No enum member means this text.
    NotAMember(String),
    /// No code for this name ("unknown currency").
    UnknownCode { kind: &'static str, text: String },
    /// A value was made but the parameter's schema rejects it (minimum, pattern, ...).
    Invalid { value: Value, reason: String },
}

impl fmt::Display for NotAValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAValue::Empty => f.write_str("no text"),
            NotAValue::Unreadable { kind, text } => write!(f, "\"{text}\" is not {kind}"),
            NotAValue::AmbiguousUnit(t) => write!(f, "the unit of \"{t}\" cannot be told"),
            NotAValue::ImpossibleDate(t) => write!(f, "\"{t}\" is not a date that exists"),
            NotAValue::NotAMember(t) => write!(f, "\"{t}\" is none of the allowed values"),
            NotAValue::UnknownCode { kind, text } => write!(f, "no {kind} code for \"{text}\""),
            NotAValue::Invalid { value, reason } => write!(f, "{value} does not fit the parameter: {reason}"),
        }
    }
}

impl std::error::Error for NotAValue {}

/// The text as the value `param` means, valid against its schema, or why not.
pub fn normalize(text: &str, param: &ParamSchema, ctx: &Context) -> Result<Value, NotAValue> {
    let value = shape(text, param, ctx)?;
    check(param.schema, value)
}

/// A value already written as JSON (a decoder's output): kept when it validates; a string is
/// normalised like a span when it does not (a number written as "15 minutes" for seconds).
pub fn normalize_value(value: &Value, param: &ParamSchema, ctx: &Context) -> Result<Value, NotAValue> {
    if let Ok(v) = check(param.schema, value.clone()) {
        return Ok(v);
    }
    match value {
        Value::String(s) => normalize(s, param, ctx),
        other => normalize(&other.to_string(), param, ctx),
    }
}

fn check(schema: &Value, value: Value) -> Result<Value, NotAValue> {
    match jsonschema::options().should_validate_formats(true).build(schema) {
        Ok(v) => match v.validate(&value) {
            Ok(()) => Ok(value),
            Err(e) => Err(NotAValue::Invalid { reason: e.to_string(), value }),
        },
        // A schema that cannot be compiled on its own ($ref into the tool): the whole call is
        // validated later anyway.
        Err(_) => Ok(value),
    }
}

/// Quote marks, each with the mark that closes it.
pub const QUOTE_MARKS: [(char, char); 6] = [('"', '"'), ('\'', '\''), ('“', '”'), ('‘', '’'), ('`', '`'), ('«', '»')];

/// Surrounding whitespace and trailing sentence punctuation removed; quoted text is taken as
/// written inside its quotes ("'Passw0rd!'" is "Passw0rd!"). A quote mark or bracket at one end
/// with no partner in the text is a stray piece of the request, not part of the value
/// ("BRCA1'", "Glucose (").
pub fn clean(text: &str) -> &str {
    let mut t = text.trim();
    loop {
        let before = t;
        t = t.trim_end_matches(['.', ',', '!', '?', ';', ':']).trim();
        for (open, close) in QUOTE_MARKS {
            // Only a pair that encloses the whole text: not the ends of `"tea", "coffee"`; an
            // apostrophe inside a word does not count (`'Let's meet'`).
            let inner = t.get(open.len_utf8()..t.len().saturating_sub(close.len_utf8())).unwrap_or("");
            let mark = |(i, c): (usize, char)| (c == open || c == close) && !inside_word(inner, i, c);
            if t.len() >= 2 && t.starts_with(open) && t.ends_with(close) && !inner.char_indices().any(mark) {
                return inner.trim();
            }
        }
        t = strays(t).trim();
        if t == before {
            return t;
        }
    }
}

/// Whether the character `c` at byte `i` of `s` stands between two letters or digits (an
/// apostrophe in "Let's", not a quote mark).
pub fn inside_word(s: &str, i: usize, c: char) -> bool {
    s[..i].chars().next_back().is_some_and(char::is_alphanumeric)
        && s[i + c.len_utf8()..].chars().next().is_some_and(char::is_alphanumeric)
}

/// `t` less a quote mark or bracket at either end that has no partner in it.
fn strays(mut t: &str) -> &str {
    for (open, close) in QUOTE_MARKS.into_iter().chain([('(', ')'), ('[', ']'), ('{', '}')]) {
        // A quote mark between two letters is an apostrophe; a bracket there is a bracket (`f(x)`).
        let quote = QUOTE_MARKS.contains(&(open, close));
        let marks = t.char_indices().filter(|&(i, c)| (c == open || c == close) && !(quote && inside_word(t, i, c))).count();
        if (t.ends_with(open) && open != close) || (t.ends_with(close) && marks == 1) {
            t = &t[..t.len() - t.chars().next_back().map_or(0, char::len_utf8)];
        } else if (t.starts_with(close) && open != close) || (t.starts_with(open) && marks == 1) {
            t = &t[t.chars().next().map_or(0, char::len_utf8)..];
        }
    }
    t
}

fn shape(text: &str, param: &ParamSchema, ctx: &Context) -> Result<Value, NotAValue> {
    let t = clean(text);
    if t.is_empty() {
        return Err(NotAValue::Empty);
    }
    if let Some(members) = param.schema.get("enum").and_then(Value::as_array) {
        return member(t, members, param, ctx);
    }
    match param.kind() {
        "boolean" => boolean(t).map(Value::Bool).ok_or_else(|| unreadable("a yes or no", t)),
        "integer" => number(t, param, true),
        "number" => number(t, param, false),
        "array" => list(t, param, ctx),
        "string" => Ok(string(t, param, ctx)?),
        "" => Ok(Value::String(t.to_string())),
        _ => Err(unreadable("an object", t)),
    }
}

fn unreadable(kind: &'static str, text: &str) -> NotAValue {
    NotAValue::Unreadable { kind, text: text.to_string() }
}

/// "yes", "on", "enabled", "true", ... and their opposites.
pub fn boolean(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "enable" | "enabled" | "1" | "yep" | "yeah" | "sure" | "ok" | "okay" | "active"
        | "with" => Some(true),
        "false" | "no" | "n" | "off" | "disable" | "disabled" | "0" | "nope" | "none" | "inactive" | "without" => {
            Some(false)
        }
        _ => None,
    }
}

fn number(t: &str, param: &ParamSchema, integer: bool) -> Result<Value, NotAValue> {
    let words = param.words();
    // A duration, in the parameter's unit when it names one ("5m" is then five minutes, and
    // otherwise five million).
    let unit = parameter_unit(param.name, param.description());
    let duration = parse_duration(t);
    if let (Some(seconds), Some(unit)) = (duration, unit) {
        return json_number(seconds / unit.seconds(), integer, t);
    }
    // A number with a unit of another kind ("6cm", "150 lbs", "300K"): in the parameter's unit
    // when it names one of the same kind, else as written.
    // A duration's words are not read as an angle's ("15 minutes" of arc).
    let unit_reading = units::parse_quantity(t).filter(|q| duration.is_none() || q.kind != units::Kind::Angle);
    if let Some(v) = unit_reading.and_then(|q| quantity_value(&q, t, param)) {
        return json_number(v, integer, t);
    }
    let Some(n) = parse_number(t) else {
        if duration.is_some() {
            return Err(NotAValue::AmbiguousUnit(t.to_string()));
        }
        // A clock time for an hour or a minute of the day ("5 PM" -> hour 17, "3:30 pm" -> minute 30).
        if let Some(v) = clock_part(t, param.name) {
            return json_number(v, integer, t);
        }
        // "100 trees", "2 bathrooms": the number the word counts.
        if let Some(v) = leading_number(t) {
            return json_number(v, integer, t);
        }
        return Err(unreadable(if integer { "an integer" } else { "a number" }, t));
    };
    let mut value = n.value;
    if n.percent {
        // "15%" for a fraction (0..1, or a description that says so) is 0.15; for a percent, 15.
        let max = param.schema.get("maximum").and_then(Value::as_f64);
        let fraction = max == Some(1.0) || words.contains("fraction") || words.contains("between 0 and 1")
            || words.contains("0 to 1") || words.contains("0-1") || words.contains("ratio");
        if fraction {
            value /= 100.0;
        }
    }
    json_number(value, integer, t)
}

/// The value of a number with a unit for `param`: converted to the parameter's unit when it
/// names one of the same kind; else the number as written, unless the symbol is more likely a
/// magnitude here ("$5m" and "5m" for a budget are five million, "300K" is three hundred
/// thousand unless the parameter is a temperature, "2B" two billion unless it is a size in bytes).
fn quantity_value(q: &units::Quantity, text: &str, param: &ParamSchema) -> Option<f64> {
    if let Some((kind, unit)) = units::parameter_unit(param.name, param.description()) {
        if kind == q.kind {
            return units::convert(q, &unit);
        }
    }
    let w = param.words();
    let any = |list: &[&str]| list.iter().any(|s| w.contains(s));
    let magnitude = match q.unit.as_str() {
        "m" => text.contains(['$', '€', '£', '¥', '₹']) || any(MONEY_WORDS),
        "K" => !any(&["temp", "kelvin"]),
        "B" => !any(&["byte", "size", "storage", "memory", "disk"]),
        _ => false,
    };
    (!magnitude).then_some(q.value)
}

/// Parameters whose numbers are sums of money or counts of people and things, where "5m" is
/// five million.
const MONEY_WORDS: &[&str] = &[
    "amount", "price", "cost", "budget", "revenue", "income", "salary", "fund", "population", "sales", "worth",
    "capital", "invest", "valuation", "profit", "balance", "fee", "spend", "money", "loan", "mortgage", "payment",
    "dollar", "usd", "eur", "market cap", "followers", "subscribers", "views", "downloads", "users", "members",
    "visitors", "impressions", "customers", "people", "employees", "streams", "plays", "clicks", "installs",
];

/// The number a word counts ("100 trees", "3 raised"): digits, then one word of letters that
/// is not itself part of a number ("5 thousand", "2 dozen", "20 percent"), a time unit ("15
/// minutes" has its own rules) or "am"/"pm" (a clock time is not a count). More words than one
/// ("5 miles away", "2 and a half") are refused: they may change the number.
fn leading_number(t: &str) -> Option<f64> {
    let (first, word) = t.split_once(' ')?;
    let word = word.trim().to_lowercase();
    let counted = !word.is_empty() && word.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'');
    if !counted || parse_words(&format!("one {word}")).is_some() || NOT_COUNTED.contains(&word.as_str()) {
        return None;
    }
    numbers::parse_digits(first)
}

/// Words after a number that change it or say it is not a count.
const NOT_COUNTED: &[&str] = &[
    "am", "pm", "grand", "k", "percent", "pc", "pct", "degrees", "degree", "sec", "secs", "second", "seconds", "min", "mins",
    "minute", "minutes", "hr", "hrs", "hour", "hours", "day", "days", "week", "weeks", "bn", "mn", "thousand", "million",
    "billion", "trillion", "mil", "bil", "dozen", "hundred", "half", "quarter", "quarters", "point",
];

/// The hour (0-23) or the minute of a clock time, for a parameter whose name's last word is
/// "hour" or "minute(s)" ("alarm_hour", "startMinute").
fn clock_part(t: &str, name: &str) -> Option<f64> {
    use chrono::Timelike;
    let last = name_words(name).pop()?.to_lowercase();
    let clock = parse_clock(t)?;
    let lower = t.to_lowercase();
    match last.as_str() {
        "hour" => Some(clock.hour() as f64),
        // Only a time said with am / pm: "1:30" for minutes may be a duration (90).
        "minute" | "minutes" if lower.contains("am") || lower.contains("pm") || lower.contains("a.m") || lower.contains("p.m") => {
            Some(clock.minute() as f64)
        }
        _ => None,
    }
}

/// A parameter name's words, as written: split at `_`, `.`, `-` and spaces, and where a
/// lowercase letter or a digit meets a capital ("heightCm", "sizeMB", "startMinute").
fn name_words(name: &str) -> Vec<String> {
    let mut spaced = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if previous_lower && c.is_uppercase() {
            spaced.push(' ');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        spaced.push(c);
    }
    spaced.split(['_', '-', '.', ' ']).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

fn json_number(v: f64, integer: bool, text: &str) -> Result<Value, NotAValue> {
    if integer {
        if v.fract() != 0.0 || v.abs() > 9.007e15 {
            return Err(unreadable("an integer", text));
        }
        return Ok(json!(v as i64));
    }
    if v.fract() == 0.0 && v.abs() < 9.007e15 {
        return Ok(json!(v as i64));
    }
    JsonNumber::from_f64(v).map(Value::Number).ok_or_else(|| unreadable("a number", text))
}

/// What kind of string a parameter wants, from its format and words.
#[derive(Debug, PartialEq)]
enum StringKind {
    Date,
    DateTime,
    /// `format: time`: HH:MM:SS with the offset.
    RfcTime,
    /// A time of day in 24-hour HH:MM (the description asks for one).
    Clock,
    Currency,
    Language { three: bool },
    Country { three: bool },
    Plain,
}

fn string_kind(param: &ParamSchema) -> StringKind {
    let w = param.words();
    let three = w.contains("alpha-3") || w.contains("alpha3") || w.contains("3-letter") || w.contains("three-letter")
        || w.contains("639-2") || w.contains("639-3") || w.contains("iso3");
    match param.format() {
        "date" => return StringKind::Date,
        "date-time" => return StringKind::DateTime,
        "time" => return StringKind::RfcTime,
        _ => {}
    }
    let has = |s: &str| w.contains(s);
    // The pattern as a person writes it ("YYYY-MM-DD"), as strftime does ("Format: %Y-%m-%d"), or
    // an example ("e.g., '2021-08-10'"); words are lowercased.
    let example = iso_date_example(&w);
    // A date and a time joined by a space ("YYYY-MM-DD HH:MM", "%d/%m/%Y %H:%M") is a format this
    // normaliser does not write: neither a date nor a clock time alone.
    let date_space_time = has("yyyy-mm-dd hh") || has("dd hh:mm") || (has("%h") && (has("%d") || has("%y")))
        || example == Some(IsoExample::DateSpaceTime);
    if has("yyyy-mm-ddthh") || has("%y-%m-%dt%h") || has("iso 8601 date-time") || has("iso 8601 datetime")
        || has("date and time in iso") || example == Some(IsoExample::DateTime)
    {
        StringKind::DateTime
    } else if date_space_time {
        StringKind::Plain
    } else if has("yyyy-mm-dd") || has("%y-%m-%d") || (has("iso 8601") && has("date")) || example == Some(IsoExample::Date) {
        StringKind::Date
    } else if has("hh:mm") || has("%h:%m") || has("24-hour") || has("24 hour") {
        StringKind::Clock
    } else if has("iso 4217") || has("currency code") || (has("currency") && (has("code") || three)) {
        StringKind::Currency
    } else if has("639") || has("language code") || (has("language") && has("code")) || has("locale code") {
        StringKind::Language { three }
    } else if has("3166") || has("country code") || (has("country") && (has("code") || has("alpha"))) {
        StringKind::Country { three }
    } else {
        StringKind::Plain
    }
}

/// What an ISO 8601 date written in a description is an example of.
#[derive(Debug, Clone, Copy, PartialEq)]
enum IsoExample {
    /// "2021-08-10" alone.
    Date,
    /// "2021-08-10T10:00:00".
    DateTime,
    /// "2021-08-10 10:00": a format this normaliser does not write.
    DateSpaceTime,
}

/// The first ISO date ("2021-08-10") standing as a word of its own in `words` (after the start,
/// a space, a quote or a bracket; before the end, a space, a quote, a bracket, a comma or a
/// full stop that ends a sentence), and what it is an example of. A date inside a path, a file
/// name or an id ("/var/log/2021-08-10.log", "2021-08-10-rc1") is none.
fn iso_date_example(words: &str) -> Option<IsoExample> {
    let b = words.as_bytes();
    let digits = |from: usize, n: usize| b.get(from..from + n).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let opens = |c: u8| b" '\"(`".contains(&c);
    let closes = |at: usize| match b.get(at) {
        None => true,
        Some(c) if b" '\")`,;".contains(c) => true,
        Some(b'.') => b.get(at + 1).is_none_or(|c| *c == b' '),
        _ => false,
    };
    (0..b.len()).find_map(|i| {
        let date = (i == 0 || opens(b[i - 1]))
            && digits(i, 4) && b.get(i + 4) == Some(&b'-') && digits(i + 5, 2) && b.get(i + 7) == Some(&b'-') && digits(i + 8, 2);
        if !date {
            return None;
        }
        match (b.get(i + 10), digits(i + 11, 2)) {
            (Some(b't'), true) => Some(IsoExample::DateTime),
            (Some(b' '), true) => Some(IsoExample::DateSpaceTime),
            _ if closes(i + 10) => Some(IsoExample::Date),
            _ => None,
        }
    })
}

fn string(t: &str, param: &ParamSchema, ctx: &Context) -> Result<Value, NotAValue> {
    let date = |t: &str| -> Result<NaiveDate, NotAValue> {
        parse_date(t, ctx.today).map_err(|e| match e {
            time::DateError::Impossible(s) => NotAValue::ImpossibleDate(s),
            time::DateError::NotADate => unreadable("a date", t),
        })
    };
    let clock = |t: &str| -> Result<NaiveTime, NotAValue> { parse_clock(t).ok_or_else(|| unreadable("a time of day", t)) };
    Ok(Value::String(match string_kind(param) {
        StringKind::Date => date(t)?.format("%Y-%m-%d").to_string(),
        StringKind::DateTime => {
            let (d, tm) = parse_date_time(t, ctx.today).map_err(|e| match e {
                time::DateError::Impossible(s) => NotAValue::ImpossibleDate(s),
                time::DateError::NotADate => unreadable("a date and time", t),
            })?;
            let tm = tm.unwrap_or(NaiveTime::MIN);
            format!("{}T{}{}", d.format("%Y-%m-%d"), tm.format("%H:%M:%S"), ctx.offset())
        }
        StringKind::RfcTime => format!("{}{}", clock(t)?.format("%H:%M:%S"), ctx.offset()),
        StringKind::Clock => clock(t)?.format("%H:%M").to_string(),
        StringKind::Currency => codes::currency_code(t)
            .map(str::to_string)
            .ok_or_else(|| NotAValue::UnknownCode { kind: "currency", text: t.to_string() })?,
        StringKind::Language { three } => codes::language_code(t, three)
            .ok_or_else(|| NotAValue::UnknownCode { kind: "language", text: t.to_string() })?,
        StringKind::Country { three } => codes::country_code(t, three)
            .ok_or_else(|| NotAValue::UnknownCode { kind: "country", text: t.to_string() })?,
        StringKind::Plain => t.to_string(),
    }))
}

/// Lowercase, with every run of spaces, hyphens, underscores and dots as one underscore.
fn fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

fn depluralize(s: &str) -> &str {
    s.strip_suffix("es").filter(|r| r.ends_with(['s', 'x', 'z', 'h'])).or_else(|| s.strip_suffix('s')).unwrap_or(s)
}

/// The enum member the text means: the same member up to case and punctuation, a plural or
/// singular of it, or (when exactly one member matches) a member the text abbreviates; the
/// members' own type's rules for non-string members ("two" for 2). Never a value that is not
/// a member.
fn member(t: &str, members: &[Value], param: &ParamSchema, ctx: &Context) -> Result<Value, NotAValue> {
    if let Some(m) = members.iter().find(|m| m.as_str() == Some(t)) {
        return Ok(m.clone());
    }
    let want = fold(t);
    let strings: Vec<(usize, String)> =
        members.iter().enumerate().filter_map(|(i, m)| m.as_str().map(|s| (i, fold(s)))).collect();
    let unique = |hits: Vec<usize>| (hits.len() == 1).then(|| members[hits[0]].clone());
    // "cycle" / "cycling", "drive" / "driving": the same stem
    let stem = |s: &str| -> String {
        let s = s.strip_suffix("ing").or_else(|| s.strip_suffix("ed")).or_else(|| s.strip_suffix('e')).or_else(|| s.strip_suffix('s')).unwrap_or(s);
        s.to_string()
    };
    for rule in 0..5 {
        let hits: Vec<usize> = strings
            .iter()
            .filter(|(_, m)| match rule {
                0 => *m == want,
                1 => depluralize(m) == depluralize(&want),
                // "C" -> "celsius", "high" -> "high_priority": the text starts the member
                2 => !want.is_empty() && m.starts_with(&want),
                3 => want.len() >= 4 && stem(m) == stem(&want),
                // "priority high" / "very high" -> members containing the text as a word
                _ => want.len() >= 3 && m.split('_').any(|w| w == want),
            })
            .map(|(i, _)| *i)
            .collect();
        if let Some(m) = unique(hits) {
            return Ok(m);
        }
    }
    // Non-string members: read the text as the members' type and look it up.
    for m in members.iter().filter(|m| !m.is_string()) {
        let as_param = match m {
            Value::Bool(_) => boolean(t).map(Value::Bool),
            Value::Number(_) => parse_number(t).and_then(|n| json_number(n.value, false, t).ok()),
            _ => None,
        };
        if as_param.as_ref().is_some_and(|v| same_number(v, m)) {
            return Ok(m.clone());
        }
    }
    let _ = (param, ctx);
    Err(NotAValue::NotAMember(t.to_string()))
}

fn same_number(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// An array from one span: "milk, butter and flour", "Oslo or Rome", "a; b; c", each item by
/// the `items` schema. A text that is already a JSON array is read as one.
fn list(t: &str, param: &ParamSchema, ctx: &Context) -> Result<Value, NotAValue> {
    let items_schema = param.schema.get("items").cloned().unwrap_or(json!({}));
    let item = ParamSchema { name: param.name, schema: &items_schema };
    if t.starts_with('[') {
        if let Ok(Value::Array(a)) = serde_json::from_str::<Value>(t) {
            return a.iter().map(|v| normalize_value(v, &item, ctx)).collect::<Result<Vec<_>, _>>().map(Value::Array);
        }
    }
    let mut parts: Vec<String> = vec![t.to_string()];
    for sep in [";", ",", " and ", " or ", " & ", " plus "] {
        parts = parts.iter().flat_map(|p| p.split(sep).map(str::to_string).collect::<Vec<_>>()).collect();
    }
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim())
        .map(|p| p.strip_prefix("and ").or_else(|| p.strip_prefix("or ")).unwrap_or(p).trim())
        .filter(|p| !p.is_empty())
        .collect();
    parts.iter().map(|p| normalize(p, &item, ctx)).collect::<Result<Vec<_>, _>>().map(Value::Array)
}
