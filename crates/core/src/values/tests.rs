//! Table tests, written from how people type. Every date is resolved against a pinned day,
//! Monday 2026-12-07; nothing reads the real clock.

use serde_json::{json, Value};

use super::*;

fn ctx() -> Context {
    Context::on("2026-12-07").unwrap()
}

/// `Ok(value)` or the refusal's kind.
fn run(text: &str, name: &str, schema: Value) -> Result<Value, String> {
    normalize(text, &ParamSchema::new(name, &schema), &ctx()).map_err(|e| {
        match e {
            NotAValue::Empty => "empty",
            NotAValue::Unreadable { .. } => "unreadable",
            NotAValue::AmbiguousUnit(_) => "ambiguous-unit",
            NotAValue::ImpossibleDate(_) => "impossible-date",
            NotAValue::NotAMember(_) => "not-a-member",
            NotAValue::UnknownCode { .. } => "unknown-code",
            NotAValue::Invalid { .. } => "invalid",
        }
        .to_string()
    })
}

fn table(kind: &str, name: &str, schema: Value, cases: &[(&str, Result<Value, &str>)]) -> usize {
    let mut failed = Vec::new();
    for (text, want) in cases {
        let got = run(text, name, schema.clone());
        let want = want.clone().map_err(str::to_string);
        if got != want {
            failed.push(format!("  {kind} {name} {text:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failed.is_empty(), "{} of {} cases failed:\n{}", failed.len(), cases.len(), failed.join("\n"));
    cases.len()
}

#[test]
fn numbers() {
    let int = json!({"type": "integer"});
    let num = json!({"type": "number"});
    let n = table("number", "quantity", int.clone(), &[
        ("3", Ok(json!(3))), ("-3", Ok(json!(-3))), ("+7", Ok(json!(7))), ("1,000", Ok(json!(1000))),
        ("12,345,678", Ok(json!(12345678))), ("2.5k", Ok(json!(2500))), ("3M", Ok(json!(3000000))),
        ("1.2 million", Ok(json!(1200000))), ("twenty", Ok(json!(20))), ("twenty-one", Ok(json!(21))),
        ("twenty one", Ok(json!(21))), ("a dozen", Ok(json!(12))), ("dozen", Ok(json!(12))), ("two dozen", Ok(json!(24))),
        ("one hundred and five", Ok(json!(105))), ("a hundred", Ok(json!(100))), ("three hundred", Ok(json!(300))),
        ("two thousand three hundred", Ok(json!(2300))), ("third", Ok(json!(3))), ("1st", Ok(json!(1))),
        ("22nd", Ok(json!(22))), ("fifth", Ok(json!(5))), ("twentieth", Ok(json!(20))), ("zero", Ok(json!(0))),
        ("a couple", Ok(json!(2))), ("ten", Ok(json!(10))), ("Eleven", Ok(json!(11))), ("nineteen", Ok(json!(19))),
        ("ninety-nine", Ok(json!(99))), ("1 million", Ok(json!(1000000))), ("4.", Ok(json!(4))), ("\"42\"", Ok(json!(42))),
        ("2.5", Err("unreadable")), ("kitchen", Err("unreadable")), ("1,00", Err("unreadable")), ("a", Err("unreadable")),
        ("three and a half", Err("unreadable")), ("", Err("empty")), ("12abc", Err("unreadable")), ("1.2.3", Err("unreadable")),
        ("$40", Ok(json!(40))), ("forty two", Ok(json!(42))), ("seventy", Ok(json!(70))),
    ]) + table("number", "amount", num.clone(), &[
        ("2.5", Ok(json!(2.5))), ("-0.75", Ok(json!(-0.75))), ("three and a half", Ok(json!(3.5))), ("half", Ok(json!(0.5))),
        ("a half", Ok(json!(0.5))), ("a quarter", Ok(json!(0.25))), ("three quarters", Ok(json!(0.75))),
        ("two point five", Ok(json!(2.5))), ("12.75", Ok(json!(12.75))), ("1,234.5", Ok(json!(1234.5))),
        ("7e+19", Ok(json!(7e19))), ("1e-9", Ok(json!(1e-9))), ("6.02E23", Ok(json!(6.02e23))), ("2e", Err("unreadable")), ("10", Ok(json!(10))), ("$12.50", Ok(json!(12.5))), ("€30", Ok(json!(30))),
        ("one and a half", Ok(json!(1.5))), ("0.001", Ok(json!(0.001))), (".5", Ok(json!(0.5))), ("five", Ok(json!(5))),
        ("about", Err("unreadable")), ("3.14159", Ok(json!(3.14159))),
    ]) + table("percent", "discount_percent", num.clone(), &[
        ("15%", Ok(json!(15))), ("15 percent", Ok(json!(15))), ("12.5%", Ok(json!(12.5))), ("20", Ok(json!(20))),
        ("fifty percent", Ok(json!(50))),
    ]) + table("fraction", "ratio", json!({"type": "number", "description": "A fraction between 0 and 1"}), &[
        ("15%", Ok(json!(0.15))), ("50 percent", Ok(json!(0.5))), ("0.3", Ok(json!(0.3))),
    ]) + table("bounded", "volume", json!({"type": "integer", "minimum": 0, "maximum": 100}), &[
        ("40", Ok(json!(40))), ("150", Err("invalid")), ("-1", Err("invalid")), ("a hundred", Ok(json!(100))),
    ]);
    assert!(n >= 70);
}

#[test]
fn numbers_with_units() {
    let num = json!({"type": "number"});
    let n = table("unit", "height", num.clone(), &[
        // No unit named by the parameter: the number as written.
        ("180 cm", Ok(json!(180))), ("6cm", Ok(json!(6))), ("1.75m", Ok(json!(1.75))), ("5m", Ok(json!(5))),
        ("100g", Ok(json!(100))), ("0.01m²", Ok(json!(0.01))), ("10 meters/second", Ok(json!(10))),
        ("5 Tesla", Ok(json!(5))), ("5C", Ok(json!(5))), ("30 degrees", Ok(json!(30))), ("5 Hz", Ok(json!(5))),
        ("3M", Ok(json!(3000000))), ("2.5k", Ok(json!(2500))), ("300K", Ok(json!(300000))), ("12abc", Err("unreadable")),
        // A count said with its noun.
        ("100 trees", Ok(json!(100))), ("2 bathrooms", Ok(json!(2))), ("5 PM", Err("unreadable")),
        ("1.2 million", Ok(json!(1200000))),
    ]) + table("unit", "weight_kg", num.clone(), &[
        ("150 lbs", Ok(json!(68.03886))), ("70kg", Ok(json!(70))), ("500 g", Ok(json!(0.5))), ("80", Ok(json!(80))),
        ("6 feet", Ok(json!(6))),
    ]) + table("unit", "distance", json!({"type": "number", "description": "Distance in kilometers"}), &[
        ("5 miles", Ok(json!(8.04672))), ("300 m", Ok(json!(0.3))), ("12", Ok(json!(12))), ("3 km", Ok(json!(3))),
    ]) + table("unit", "temperature", json!({"type": "number", "description": "Temperature (in degrees Celsius)"}), &[
        ("212°F", Ok(json!(100))), ("300K", Ok(json!(26.85))), ("-40 fahrenheit", Ok(json!(-40))), ("21", Ok(json!(21))),
    ]) + table("unit", "temp", json!({"type": "integer"}), &[
        ("300K", Ok(json!(300))), ("298 kelvin", Ok(json!(298))),
    ]) + table("unit", "budget", json!({"type": "integer"}), &[
        ("5m", Ok(json!(5000000))), ("$2m", Ok(json!(2000000))), ("2B", Ok(json!(2000000000))),
    ]) + table("unit", "file_size", json!({"type": "integer", "description": "Size in MB"}), &[
        ("2GB", Ok(json!(2000))), ("1.5 gb", Ok(json!(1500))), ("512 kb", Err("unreadable")), ("300 MB", Ok(json!(300))),
    ]) + table("unit", "capacitance", json!({"type": "number", "description": "Capacitance in farads"}), &[
        ("100µF", Ok(json!(0.0001))), ("100 μF", Ok(json!(0.0001))), ("2 nF", Ok(json!(2e-9))),
    ]) + table("unit", "inductance", json!({"type": "number"}), &[("50mH", Ok(json!(50)))])
    + table("clock", "hour", json!({"type": "integer", "minimum": 0, "maximum": 23}), &[
        ("5 PM", Ok(json!(17))), ("3:30 pm", Ok(json!(15))), ("7 am", Ok(json!(7))), ("midnight", Ok(json!(0))), ("9", Ok(json!(9))),
    ]) + table("clock", "alarm_minutes", json!({"type": "integer"}), &[("3:30 PM", Ok(json!(30))), ("45", Ok(json!(45)))])
    + table("clock", "startMinute", json!({"type": "integer"}), &[("8:15 am", Ok(json!(15)))])
    + table("clock", "count", json!({"type": "integer"}), &[("5 PM", Err("unreadable"))])
    + table("clock", "duration_minutes", json!({"type": "integer"}), &[("1:30", Err("unreadable"))])
    + table("clock", "hour", json!({"type": "integer"}), &[("7 in the evening", Ok(json!(19)))])
    // Words that change the number, or say the unit is another, are refused, not dropped.
    + table("unit", "amount", json!({"type": "number"}), &[
        ("5 thousand dollars", Err("unreadable")), ("2 and a half", Err("unreadable")), ("5 degrees below zero", Err("unreadable")),
        ("20 percent off", Err("unreadable")), ("5 miles away", Err("unreadable")), ("10 grand", Err("unreadable")),
        ("5 dozen", Err("unreadable")), ("5 mil", Err("unreadable")),
    ]) + table("unit", "delay", json!({"type": "integer"}), &[("15 minutes from now", Err("unreadable"))])
    + table("unit", "temperature", json!({"type": "number", "description": "Temperature in Celsius"}), &[
        ("72F", Ok(json!(22.2222222222))), ("72 F", Ok(json!(22.2222222222))),
    ]) + table("unit", "temp_f", json!({"type": "number"}), &[("20C", Ok(json!(68))), ("75°F", Ok(json!(75)))])
    + table("unit", "charge", json!({"type": "number"}), &[("5C", Ok(json!(5)))])
    + table("unit", "valuation", json!({"type": "number"}), &[("2b", Ok(json!(2000000000))), ("5MM", Err("unreadable"))])
    + table("unit", "active_users", json!({"type": "integer"}), &[("5m", Ok(json!(5000000)))])
    + table("unit", "size", json!({"type": "number", "description": "Size in KB"}), &[("2 MB", Ok(json!(2000)))])
    + table("unit", "sizeMB", json!({"type": "number"}), &[("4GB", Ok(json!(4000)))])
    + table("unit", "weightKG", json!({"type": "number"}), &[("150 lbs", Ok(json!(68.03886)))])
    + table("unit", "weight", json!({"type": "number", "description": "Weight in kg or lbs (see unit)"}), &[("150 lbs", Ok(json!(150)))])
    + table("unit", "speed", json!({"type": "number", "description": "Speed in m/s"}), &[
        ("36 km/h", Ok(json!(10))), ("10 mph", Ok(json!(4.4704))),
    ]) + table("unit", "area_sqft", json!({"type": "number"}), &[
        ("1800 sq ft", Ok(json!(1800))), ("100 m2", Ok(json!(1076.39104167))),
    ]);
    assert!(n >= 40);
}

#[test]
fn durations() {
    let secs = json!({"type": "integer", "description": "Duration in seconds"});
    let n = table("duration", "duration", secs.clone(), &[
        ("15 minutes", Ok(json!(900))), ("two and a half hours", Ok(json!(9000))), ("90 sec", Ok(json!(90))),
        ("90 seconds", Ok(json!(90))), ("2h30", Ok(json!(9000))), ("1h 30m", Ok(json!(5400))), ("1h30m", Ok(json!(5400))),
        ("1:30:00", Ok(json!(5400))), ("a quarter of an hour", Ok(json!(900))), ("half an hour", Ok(json!(1800))),
        ("an hour and a half", Ok(json!(5400))), ("an hour", Ok(json!(3600))), ("1 hour", Ok(json!(3600))),
        ("2 hours and 15 minutes", Ok(json!(8100))), ("3 mins", Ok(json!(180))), ("5min", Ok(json!(300))),
        ("45 s", Ok(json!(45))), ("a minute", Ok(json!(60))), ("ten minutes", Ok(json!(600))), ("1 day", Ok(json!(86400))),
        ("2 weeks", Ok(json!(1209600))), ("300", Ok(json!(300))), ("for 20 minutes", Ok(json!(1200))),
        ("1.5 hours", Ok(json!(5400))), ("500 ms", Err("unreadable")), ("three minutes", Ok(json!(180))),
        ("twenty-five minutes", Ok(json!(1500))), ("1 hr", Ok(json!(3600))), ("2 hrs", Ok(json!(7200))),
        ("an hour and 20 minutes", Ok(json!(4800))), ("1:75:00", Err("unreadable")), ("minutes", Err("unreadable")),
    ]) + table("duration", "duration_seconds", json!({"type": "integer"}), &[
        ("15 minutes", Ok(json!(900))), ("2 minutes", Ok(json!(120))), ("60", Ok(json!(60))),
    ]) + table("duration", "timeoutMs", json!({"type": "integer"}), &[
        ("2 seconds", Ok(json!(2000))), ("500 ms", Ok(json!(500))), ("1.5 s", Ok(json!(1500))), ("a minute", Ok(json!(60000))),
    ]) + table("duration", "minutes", json!({"type": "integer"}), &[
        ("2 hours", Ok(json!(120))), ("half an hour", Ok(json!(30))), ("90 seconds", Err("unreadable")), ("45", Ok(json!(45))),
        ("10 minutes", Ok(json!(10))), ("an hour and a half", Ok(json!(90))),
    ]) + table("duration", "hours", json!({"type": "number"}), &[
        ("90 minutes", Ok(json!(1.5))), ("2 days", Ok(json!(48))), ("30 min", Ok(json!(0.5))),
    ]) + table("duration", "duration", json!({"type": "integer", "description": "How long"}), &[
        ("15 minutes", Err("ambiguous-unit")), ("2 hours", Err("ambiguous-unit")), ("20", Ok(json!(20))),
    ]) + table("duration", "days", json!({"type": "integer", "description": "Number of days"}), &[
        ("2 weeks", Ok(json!(14))), ("a week", Ok(json!(7))), ("3", Ok(json!(3))), ("five days", Ok(json!(5))),
    ]);
    assert!(n >= 50);
}

#[test]
fn clock_times() {
    let hhmm = json!({"type": "string", "description": "Time in HH:MM, 24-hour format"});
    let n = table("clock", "time", hhmm.clone(), &[
        ("8:15 pm", Ok(json!("20:15"))), ("8:15 PM", Ok(json!("20:15"))), ("8:15pm", Ok(json!("20:15"))),
        ("8 pm", Ok(json!("20:00"))), ("8pm", Ok(json!("20:00"))), ("8 p.m.", Ok(json!("20:00"))), ("7:05", Ok(json!("07:05"))),
        ("07:05", Ok(json!("07:05"))), ("noon", Ok(json!("12:00"))), ("midnight", Ok(json!("00:00"))),
        ("half past six", Ok(json!("06:30"))), ("quarter past 6", Ok(json!("06:15"))), ("quarter to seven", Ok(json!("06:45"))),
        ("ten to five", Ok(json!("04:50"))), ("18h", Ok(json!("18:00"))), ("18h30", Ok(json!("18:30"))), ("19.30", Ok(json!("19:30"))),
        ("12 am", Ok(json!("00:00"))), ("12 pm", Ok(json!("12:00"))), ("12:30 am", Ok(json!("00:30"))), ("6am", Ok(json!("06:00"))),
        ("6 in the morning", Ok(json!("06:00"))), ("7 in the evening", Ok(json!("19:00"))), ("seven thirty", Ok(json!("07:30"))),
        ("seven", Ok(json!("07:00"))), ("seven pm", Ok(json!("19:00"))), ("9 o'clock", Ok(json!("09:00"))), ("at 10", Ok(json!("10:00"))),
        ("0730", Ok(json!("07:30"))), ("23:59", Ok(json!("23:59"))), ("24:30", Err("unreadable")), ("13 pm", Err("unreadable")),
        ("8:75", Err("unreadable")), ("soon", Err("unreadable")), ("half past six pm", Ok(json!("18:30"))),
        ("11:45 a.m.", Ok(json!("11:45"))), ("midday", Ok(json!("12:00"))), ("twenty past four", Ok(json!("04:20"))),
    ]) + table("clock", "start", json!({"type": "string", "format": "time"}), &[
        ("8:15 pm", Ok(json!("20:15:00Z"))), ("noon", Ok(json!("12:00:00Z"))), ("7:05", Ok(json!("07:05:00Z"))),
    ]) + table("clock", "time", json!({"type": "string", "description": "When"}), &[
        ("8:15 pm", Ok(json!("8:15 pm"))), ("7:05", Ok(json!("7:05"))),
    ]);
    assert!(n >= 40);
}

#[test]
fn dates() {
    let date = json!({"type": "string", "format": "date"});
    let iso = json!({"type": "string", "description": "Date in YYYY-MM-DD"});
    let n = table("date", "date", date.clone(), &[
        ("2026-12-25", Ok(json!("2026-12-25"))), ("December 25", Ok(json!("2026-12-25"))), ("25 December 2027", Ok(json!("2027-12-25"))),
        ("Dec 25th, 2027", Ok(json!("2027-12-25"))), ("12/25/2026", Ok(json!("2026-12-25"))), ("25/12/2026", Ok(json!("2026-12-25"))),
        ("25.12.2026", Ok(json!("2026-12-25"))), ("today", Ok(json!("2026-12-07"))), ("tomorrow", Ok(json!("2026-12-08"))),
        ("yesterday", Ok(json!("2026-12-06"))), ("tonight", Ok(json!("2026-12-07"))), ("the day after tomorrow", Ok(json!("2026-12-09"))),
        ("Friday", Ok(json!("2026-12-11"))), ("next Friday", Ok(json!("2026-12-11"))), ("this Friday", Ok(json!("2026-12-11"))),
        ("on Friday", Ok(json!("2026-12-11"))), ("Monday", Ok(json!("2026-12-07"))), ("next Monday", Ok(json!("2026-12-14"))),
        ("Sunday", Ok(json!("2026-12-13"))), ("in 3 days", Ok(json!("2026-12-10"))), ("in two weeks", Ok(json!("2026-12-21"))),
        ("in a week", Ok(json!("2026-12-14"))), ("next week", Ok(json!("2026-12-14"))),
        ("3 days from now", Ok(json!("2026-12-10"))), ("January 5", Ok(json!("2027-01-05"))), ("Jan 5", Ok(json!("2027-01-05"))),
        ("5 Jan", Ok(json!("2027-01-05"))), ("the 3rd of May", Ok(json!("2027-05-03"))), ("May 3rd", Ok(json!("2027-05-03"))),
        ("December 7", Ok(json!("2026-12-07"))), ("December 6", Ok(json!("2027-12-06"))), ("February 30", Err("impossible-date")),
        ("February 29, 2027", Err("impossible-date")), ("February 29, 2028", Ok(json!("2028-02-29"))), ("2026-13-01", Err("impossible-date")),
        ("sometime", Err("unreadable")), ("next month", Ok(json!("2027-01-07"))), ("Sept 9", Ok(json!("2027-09-09"))),
        ("3/4/2027", Ok(json!("2027-03-04"))), ("2027-01-05.", Ok(json!("2027-01-05"))), ("tue", Ok(json!("2026-12-08"))),
        ("in 2 months", Ok(json!("2027-02-07"))), ("31 April", Err("impossible-date")), ("March 1st 2027", Ok(json!("2027-03-01"))),
    ]) + table("date", "due", iso.clone(), &[
        ("tomorrow", Ok(json!("2026-12-08"))), ("Christmas", Err("unreadable")), ("Dec 31", Ok(json!("2026-12-31"))),
    ]) + table("date", "date", json!({"type": "string", "description": "The date of the stock price. Format: %Y-%m-%d"}), &[
        ("March 11, 2022", Ok(json!("2022-03-11"))), ("October 10th", Ok(json!("2027-10-10"))), ("in", Err("unreadable")),
    ]) + table("date", "start_date", json!({"type": "string", "description": "Start date (e.g., '2021-08-10')"}), &[
        ("January 19, 2020", Ok(json!("2020-01-19"))), ("tomorrow", Ok(json!("2026-12-08"))),
    ]) + table("date-time", "at", json!({"type": "string", "description": "When, e.g. 2021-08-10T10:00:00Z"}), &[
        ("tomorrow at 5pm", Ok(json!("2026-12-08T17:00:00Z"))),
    ]) + table("date", "at", json!({"type": "string", "description": "When, e.g. 2021-08-10 10:00 (local)"}), &[
        ("tomorrow at 5pm", Ok(json!("tomorrow at 5pm"))),
    ]) + table("date", "ref", json!({"type": "string", "description": "Order number, e.g. 12021-08-101"}), &[
        ("March 11", Ok(json!("March 11"))),
    ]) + table("date", "log", json!({"type": "string", "description": "Log file, e.g. /var/log/app/2021-08-10.log"}), &[
        ("March 11", Ok(json!("March 11"))),
    ]) + table("date", "tag", json!({"type": "string", "description": "Build tag like 2021-08-10-rc1."}), &[
        ("March 11", Ok(json!("March 11"))),
    ]) + table("date", "when", json!({"type": "string", "description": "Format: %Y-%m-%d %H:%M:%S"}), &[
        ("tomorrow at 5pm", Ok(json!("tomorrow at 5pm"))),
    ]) + table("date", "when", json!({"type": "string", "description": "When, as %d/%m/%Y %H:%M"}), &[
        ("tomorrow at 5pm", Ok(json!("tomorrow at 5pm"))),
    ]) + table("date", "day", json!({"type": "string", "description": "The day (like 2021-08-10)."}), &[
        ("March 11, 2022", Ok(json!("2022-03-11"))),
    ]) + table("clock", "time", json!({"type": "string", "description": "Time, format %H:%M"}), &[
        ("5pm", Ok(json!("17:00"))),
    ]) + table("date", "day", json!({"type": "string", "description": "The day"}), &[
        ("tomorrow", Ok(json!("tomorrow"))), ("next Friday", Ok(json!("next Friday"))),
    ]) + table("date-time", "start", json!({"type": "string", "format": "date-time"}), &[
        ("tomorrow at 5pm", Ok(json!("2026-12-08T17:00:00Z"))), ("December 25 at 18:00", Ok(json!("2026-12-25T18:00:00Z"))),
        ("next Friday 9am", Ok(json!("2026-12-11T09:00:00Z"))), ("2026-12-25T10:00", Ok(json!("2026-12-25T10:00:00Z"))),
        ("tomorrow", Ok(json!("2026-12-08T00:00:00Z"))), ("5pm", Ok(json!("2026-12-07T17:00:00Z"))),
        ("Friday at noon", Ok(json!("2026-12-11T12:00:00Z"))), ("at 9am tomorrow", Ok(json!("2026-12-08T09:00:00Z"))),
        ("February 30 at 5pm", Err("unreadable")),
    ]);
    assert!(n >= 55);
}

#[test]
fn date_times_carry_the_offset() {
    let schema = json!({"type": "string", "format": "date-time"});
    let c = Context { today: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), utc_offset_minutes: 60 };
    assert_eq!(normalize("tomorrow at 5pm", &ParamSchema::new("start", &schema), &c), Ok(json!("2026-12-08T17:00:00+01:00")));
    let c = Context { utc_offset_minutes: -330, ..c };
    assert_eq!(normalize("noon", &ParamSchema::new("t", &json!({"type": "string", "format": "time"})), &c), Ok(json!("12:00:00-05:30")));
}

#[test]
fn codes() {
    let cur = json!({"type": "string", "description": "ISO 4217 currency code"});
    let n = table("currency", "from_currency", cur.clone(), &[
        ("dollars", Ok(json!("USD"))), ("USD", Ok(json!("USD"))), ("usd", Ok(json!("USD"))), ("$", Ok(json!("USD"))),
        ("euros", Ok(json!("EUR"))), ("euro", Ok(json!("EUR"))), ("€", Ok(json!("EUR"))), ("yen", Ok(json!("JPY"))),
        ("Japanese yen", Ok(json!("JPY"))), ("Swiss francs", Ok(json!("CHF"))), ("pounds", Ok(json!("GBP"))), ("£", Ok(json!("GBP"))),
        ("Pound sterling", Ok(json!("GBP"))), ("Canadian dollars", Ok(json!("CAD"))), ("Australian dollar", Ok(json!("AUD"))),
        ("rupees", Ok(json!("INR"))), ("yuan", Ok(json!("CNY"))), ("Mexican pesos", Ok(json!("MXN"))), ("bucks", Ok(json!("USD"))),
        ("Swedish krona", Ok(json!("SEK"))), ("gbp", Ok(json!("GBP"))), ("zorkmids", Err("unknown-code")), ("krone", Err("unknown-code")),
        ("Brazilian real", Ok(json!("BRL"))), ("Hong Kong dollars", Ok(json!("HKD"))),
    ]) + table("currency", "currency", json!({"type": "string", "description": "3-letter currency"}), &[
        ("euros", Ok(json!("EUR"))), ("yen", Ok(json!("JPY"))),
    ]) + table("currency", "currency", json!({"type": "string", "description": "The currency"}), &[
        ("euros", Ok(json!("euros"))),
    ]) + table("language", "target_language", json!({"type": "string", "description": "ISO 639-1 language code"}), &[
        ("French", Ok(json!("fr"))), ("french", Ok(json!("fr"))), ("German", Ok(json!("de"))), ("Spanish", Ok(json!("es"))),
        ("Japanese", Ok(json!("ja"))), ("fr", Ok(json!("fr"))), ("Klingonese", Err("unknown-code")), ("Italian", Ok(json!("it"))),
        ("Chinese", Ok(json!("zh"))), ("Portuguese", Ok(json!("pt"))), ("Brazilian Portuguese", Ok(json!("pt"))), ("Dutch", Ok(json!("nl"))),
        ("english", Ok(json!("en"))), ("Korean", Ok(json!("ko"))), ("Russian", Ok(json!("ru"))), ("Arabic", Ok(json!("ar"))),
    ]) + table("language", "lang", json!({"type": "string", "description": "Language code, ISO 639-3 (3-letter)"}), &[
        ("French", Ok(json!("fra"))), ("German", Ok(json!("deu"))),
    ]) + table("language", "language", json!({"type": "string", "description": "Language to translate to"}), &[
        ("French", Ok(json!("French"))),
    ]) + table("country", "country", json!({"type": "string", "description": "ISO 3166-1 alpha-2 country code"}), &[
        ("Germany", Ok(json!("DE"))), ("germany", Ok(json!("DE"))), ("Japan", Ok(json!("JP"))), ("the UK", Ok(json!("GB"))),
        ("UK", Ok(json!("GB"))), ("USA", Ok(json!("US"))), ("United States", Ok(json!("US"))), ("France", Ok(json!("FR"))),
        ("de", Ok(json!("DE"))), ("Atlantis", Err("unknown-code")), ("South Korea", Ok(json!("KR"))), ("Brazil", Ok(json!("BR"))),
        ("Netherlands", Ok(json!("NL"))), ("Russia", Ok(json!("RU"))), ("India", Ok(json!("IN"))), ("Canada", Ok(json!("CA"))),
    ]) + table("country", "country", json!({"type": "string", "description": "Country code (alpha-3)"}), &[
        ("Germany", Ok(json!("DEU"))), ("Japan", Ok(json!("JPN"))), ("UK", Ok(json!("GBR"))),
    ]) + table("country", "country", json!({"type": "string", "description": "Country name"}), &[
        ("Germany", Ok(json!("Germany"))),
    ]) + table("currency-enum", "currency", json!({"type": "string", "enum": ["USD", "EUR", "JPY"]}), &[
        ("usd", Ok(json!("USD"))), ("EUR", Ok(json!("EUR"))), ("GBP", Err("not-a-member")),
    ]);
    assert!(n >= 70);
}

#[test]
fn enums() {
    let unit = json!({"type": "string", "enum": ["celsius", "fahrenheit"]});
    let prio = json!({"type": "string", "enum": ["low", "medium", "high_priority"]});
    let mode = json!({"type": "string", "enum": ["driving", "walking", "transit", "cycling"]});
    let n = table("enum", "unit", unit.clone(), &[
        ("Fahrenheit", Ok(json!("fahrenheit"))), ("fahrenheit", Ok(json!("fahrenheit"))), ("FAHRENHEIT", Ok(json!("fahrenheit"))),
        ("C", Ok(json!("celsius"))), ("F", Ok(json!("fahrenheit"))), ("cel", Ok(json!("celsius"))), ("kelvin", Err("not-a-member")),
        ("\"celsius\"", Ok(json!("celsius"))), ("celsius.", Ok(json!("celsius"))),
    ]) + table("enum", "priority", prio.clone(), &[
        ("high-priority", Ok(json!("high_priority"))), ("High Priority", Ok(json!("high_priority"))), ("high", Ok(json!("high_priority"))),
        ("LOW", Ok(json!("low"))), ("med", Ok(json!("medium"))), ("urgent", Err("not-a-member")), ("priority", Ok(json!("high_priority"))),
    ]) + table("enum", "mode", mode.clone(), &[
        ("walking", Ok(json!("walking"))), ("Transit", Ok(json!("transit"))), ("drive", Ok(json!("driving"))), ("walk", Ok(json!("walking"))),
        ("cycle", Ok(json!("cycling"))), ("train", Err("not-a-member")),
    ]) + table("enum", "size", json!({"type": "string", "enum": ["small", "medium", "large"]}), &[
        ("Large", Ok(json!("large"))), ("smalls", Ok(json!("small"))), ("m", Ok(json!("medium"))), ("xl", Err("not-a-member")),
    ]) + table("enum", "kind", json!({"type": "string", "enum": ["movies", "series"]}), &[
        ("movie", Ok(json!("movies"))), ("Series", Ok(json!("series"))), ("films", Err("not-a-member")),
    ]) + table("enum", "status", json!({"type": "string", "enum": ["in_progress", "done", "to_do"]}), &[
        ("in progress", Ok(json!("in_progress"))), ("In-Progress", Ok(json!("in_progress"))), ("to do", Ok(json!("to_do"))),
        ("todo", Err("not-a-member")), ("Done!", Ok(json!("done"))),
    ]) + table("enum", "stars", json!({"type": "integer", "enum": [1, 2, 3, 4, 5]}), &[
        ("3", Ok(json!(3))), ("three", Ok(json!(3))), ("seven", Err("not-a-member")), ("5", Ok(json!(5))),
    ]) + table("enum", "sort", json!({"enum": ["asc", "desc"]}), &[
        ("desc", Ok(json!("desc"))), ("ascending", Err("not-a-member")), ("DESC", Ok(json!("desc"))),
    ]) + table("enum", "region", json!({"type": "string", "enum": ["us-east-1", "eu-west-1"]}), &[
        ("us east 1", Ok(json!("us-east-1"))), ("eu-west-1", Ok(json!("eu-west-1"))), ("us", Ok(json!("us-east-1"))),
    ]);
    assert!(n >= 40);
}

#[test]
fn booleans() {
    let b = json!({"type": "boolean"});
    let n = table("boolean", "enabled", b.clone(), &[
        ("yes", Ok(json!(true))), ("Yes", Ok(json!(true))), ("on", Ok(json!(true))), ("enabled", Ok(json!(true))),
        ("true", Ok(json!(true))), ("TRUE", Ok(json!(true))), ("y", Ok(json!(true))), ("1", Ok(json!(true))),
        ("enable", Ok(json!(true))), ("no", Ok(json!(false))), ("off", Ok(json!(false))), ("disabled", Ok(json!(false))),
        ("false", Ok(json!(false))), ("0", Ok(json!(false))), ("nope", Ok(json!(false))), ("maybe", Err("unreadable")),
        ("with", Ok(json!(true))), ("without", Ok(json!(false))), ("sure", Ok(json!(true))), ("kitchen", Err("unreadable")),
    ]);
    assert!(n >= 20);
}

#[test]
fn lists() {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let ints = json!({"type": "array", "items": {"type": "integer"}});
    let n = table("list", "items", strings.clone(), &[
        ("milk, butter and flour", Ok(json!(["milk", "butter", "flour"]))), ("milk, butter, and flour", Ok(json!(["milk", "butter", "flour"]))),
        ("Oslo or Rome", Ok(json!(["Oslo", "Rome"]))), ("a; b; c", Ok(json!(["a", "b", "c"]))), ("eggs", Ok(json!(["eggs"]))),
        ("apples & pears", Ok(json!(["apples", "pears"]))), ("[\"x\", \"y\"]", Ok(json!(["x", "y"]))), ("\"tea\", \"coffee\"", Ok(json!(["tea", "coffee"]))),
        ("red, green, blue", Ok(json!(["red", "green", "blue"]))), ("", Err("empty")),
    ]) + table("list", "ids", ints.clone(), &[
        ("1, 2 and 3", Ok(json!([1, 2, 3]))), ("four and five", Ok(json!([4, 5]))), ("7", Ok(json!([7]))), ("1, two, x", Err("unreadable")),
        ("[1,2]", Ok(json!([1, 2]))),
    ]) + table("list", "days", json!({"type": "array", "items": {"type": "string", "enum": ["mon", "tue", "wed"]}}), &[
        ("Mon and Tue", Ok(json!(["mon", "tue"]))), ("wed", Ok(json!(["wed"]))), ("mon, fri", Err("not-a-member")),
    ]) + table("list", "languages", json!({"type": "array", "items": {"type": "string", "description": "ISO 639-1 language code"}}), &[
        ("French and German", Ok(json!(["fr", "de"]))),
    ]) + table("list", "tags", json!({"type": "array", "items": {"type": "string"}, "maxItems": 2}), &[
        ("a, b, c", Err("invalid")), ("a, b", Ok(json!(["a", "b"]))),
    ]);
    assert!(n >= 20);
}

#[test]
fn strings() {
    let s = json!({"type": "string"});
    let n = table("string", "message", s.clone(), &[
        ("\"Running late\"", Ok(json!("Running late"))), ("'hi there'", Ok(json!("hi there"))), ("“quoted”", Ok(json!("quoted"))),
        ("Oslo.", Ok(json!("Oslo"))), ("  padded  ", Ok(json!("padded"))), ("Hello, world!", Ok(json!("Hello, world"))),
        ("/srv/data/a/b", Ok(json!("/srv/data/a/b"))), ("owner/repo", Ok(json!("owner/repo"))), ("cus_8Hx2", Ok(json!("cus_8Hx2"))),
        ("SELECT * FROM users WHERE id = 3", Ok(json!("SELECT * FROM users WHERE id = 3"))), ("`ls -la`", Ok(json!("ls -la"))),
        ("New York", Ok(json!("New York"))), ("e-mail@example.com", Ok(json!("e-mail@example.com"))), ("...", Err("empty")),
        ("\"\"", Err("empty")), ("U07QW3ERT", Ok(json!("U07QW3ERT"))), ("it's", Ok(json!("it's"))), ("3 apples", Ok(json!("3 apples"))),
        ("https://example.com/a?b=c", Ok(json!("https://example.com/a?b=c"))), ("«salut»", Ok(json!("salut"))),
        // Quoted text as written; a stray quote mark or bracket at one end left out.
        ("'Passw0rd!'", Ok(json!("Passw0rd!"))), ("\"How are you?\".", Ok(json!("How are you?"))),
        ("BRCA1'", Ok(json!("BRCA1"))), ("'BRCA1", Ok(json!("BRCA1"))), ("Glucose (", Ok(json!("Glucose"))),
        ("C6H12O6)", Ok(json!("C6H12O6"))), ("Glucose (C6H12O6)", Ok(json!("Glucose (C6H12O6)"))),
        ("“quoted", Ok(json!("quoted"))), ("the 'x' factor", Ok(json!("the 'x' factor"))),
        ("'Let's meet at 10'", Ok(json!("Let's meet at 10"))), ("‘It’s fine’", Ok(json!("It’s fine"))),
        ("'Let's meet", Ok(json!("Let's meet"))), ("f(x)", Ok(json!("f(x)"))), ("[1, 2]", Ok(json!("[1, 2]"))),
    ]) + table("string", "email", json!({"type": "string", "format": "email"}), &[
        ("bob@example.com", Ok(json!("bob@example.com"))), ("bob at example", Err("invalid")),
    ]) + table("string", "code", json!({"type": "string", "pattern": "^[A-Z]{3}$"}), &[
        ("ABC", Ok(json!("ABC"))), ("abcd", Err("invalid")),
    ]) + table("any", "value", json!({}), &[("anything", Ok(json!("anything")))]);
    assert!(n >= 25);
}

#[test]
fn decoder_values_that_already_fit_are_kept() {
    let secs = json!({"type": "integer", "description": "seconds"});
    let p = ParamSchema::new("duration", &secs);
    assert_eq!(normalize_value(&json!(15), &p, &ctx()), Ok(json!(15)));
    assert_eq!(normalize_value(&json!("15 minutes"), &p, &ctx()), Ok(json!(900)));
    let cur = json!({"type": "string", "description": "ISO 4217 code"});
    assert_eq!(normalize_value(&json!("yen"), &ParamSchema::new("to", &cur), &ctx()), Ok(json!("yen")));
}

#[test]
fn today_must_be_a_date() {
    assert!(Context::on("2026-02-30").is_err());
    assert!(Context::on("tomorrow").is_err());
    assert_eq!(Context::on(" 2026-12-07 ").unwrap().today.to_string(), "2026-12-07");
}

/// Property: for many schemas and texts made from pieces people type (and junk), `normalize`
/// never panics, gives the same answer twice, and every `Ok` validates against the schema.
#[test]
fn every_value_validates_and_nothing_panics() {
    let schemas = [
        json!({"type": "integer"}), json!({"type": "number", "minimum": 0, "maximum": 1}),
        json!({"type": "integer", "description": "Duration in seconds", "minimum": 1}),
        json!({"type": "string", "format": "date"}), json!({"type": "string", "format": "date-time"}),
        json!({"type": "string", "format": "time"}), json!({"type": "string", "description": "HH:MM"}),
        json!({"type": "string", "description": "ISO 4217 currency code"}),
        json!({"type": "string", "description": "ISO 639-1 language code"}),
        json!({"type": "string", "description": "country code, alpha-3"}),
        json!({"type": "string", "enum": ["low", "high_priority", "in-progress"]}),
        json!({"type": "integer", "enum": [1, 2, 3]}), json!({"enum": ["a", 1, true, null]}),
        json!({"type": "boolean"}), json!({"type": "array", "items": {"type": "integer"}, "maxItems": 3}),
        json!({"type": "array", "items": {"type": "string", "enum": ["x", "y"]}}),
        json!({"type": "string", "pattern": "^[a-z]+$"}), json!({"type": "string", "format": "email"}),
        json!({"type": ["string", "null"]}), json!({"type": "object"}), json!({}),
    ];
    let pieces = [
        "15", "minutes", "two", "and", "a", "half", "hours", "8:15", "pm", "noon", "tomorrow", "next", "Friday",
        "February", "30", "2026-12-25", "euros", "$", "French", "the UK", "high", "yes", "off", ",", "or", "\"",
        "'", "1,000", "-3", "2.5k", "%", "percent", "quarter", "past", "six", "1:30:00", "é", "日本", "", " ",
        ".", "[1,2]", "{", "9999999999999999999999", "1e308", "zero", "third", "Dec", "31st", "ms", "h",
    ];
    let mut seed: u64 = 0x9E3779B97F4A7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut oks = 0;
    for _ in 0..20_000 {
        let schema = &schemas[(next() % schemas.len() as u64) as usize];
        let n = 1 + next() % 5;
        let text: Vec<&str> = (0..n).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
        let text = text.join(if next() % 3 == 0 { "" } else { " " });
        let p = ParamSchema::new("value", schema);
        let first = normalize(&text, &p, &ctx());
        assert_eq!(first, normalize(&text, &p, &ctx()), "not deterministic: {text:?} for {schema}");
        if let Ok(v) = first {
            let validator = jsonschema::options().should_validate_formats(true).build(schema).unwrap();
            assert!(validator.is_valid(&v), "{v} from {text:?} does not validate against {schema}");
            oks += 1;
        }
    }
    assert!(oks > 1000, "only {oks} texts gave a value: the generator is not exercising the rules");
}
