//! Numbers with units ("6cm", "150 lbs", "300K", "0.01 m²", "10 meters/second"): the number in
//! the unit the parameter names when it names one of the same kind ("weight_kg" and "150 lbs" ->
//! 68.04), else the number as written ("height" and "180 cm" -> 180: the tool's unit is not
//! known, and the number the user wrote is the one they would check).
//!
//! Unit symbols, names and conversion factors are `uom`'s (the SI units crate): this file only
//! finds the unit in the text and in the parameter, and adds the spellings people type that uom
//! does not list ("lbs", "metres", "mph", "sq ft", "celsius"). Durations are not here: they have
//! their own words and rules (`time.rs`).

use uom::si::f64 as q;

/// The kinds of quantity a parameter may take. Time is left to `time.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Length,
    Mass,
    Temperature,
    Area,
    Volume,
    Velocity,
    Acceleration,
    Force,
    Energy,
    Power,
    Pressure,
    Charge,
    Current,
    Voltage,
    Resistance,
    Capacitance,
    Inductance,
    Frequency,
    MagneticField,
    Angle,
    Information,
}

const KINDS: [Kind; 21] = [
    Kind::Length,
    Kind::Mass,
    Kind::Temperature,
    Kind::Area,
    Kind::Volume,
    Kind::Velocity,
    Kind::Acceleration,
    Kind::Force,
    Kind::Energy,
    Kind::Power,
    Kind::Pressure,
    Kind::Charge,
    Kind::Current,
    Kind::Voltage,
    Kind::Resistance,
    Kind::Capacitance,
    Kind::Inductance,
    Kind::Frequency,
    Kind::MagneticField,
    Kind::Angle,
    Kind::Information,
];

/// `value unit` in the kind's base unit (metres, kilograms, kelvin ...), when uom knows `unit`
/// (its symbol, singular or plural name, exactly) as a unit of `kind`.
fn base(kind: Kind, value: f64, unit: &str) -> Option<f64> {
    let text = format!("{value} {unit}");
    macro_rules! parse {
        ($t:ty) => {
            text.parse::<$t>().ok().map(|x| x.value)
        };
    }
    match kind {
        Kind::Length => parse!(q::Length),
        Kind::Mass => parse!(q::Mass),
        Kind::Temperature => parse!(q::ThermodynamicTemperature),
        Kind::Area => parse!(q::Area),
        Kind::Volume => parse!(q::Volume),
        Kind::Velocity => parse!(q::Velocity),
        Kind::Acceleration => parse!(q::Acceleration),
        Kind::Force => parse!(q::Force),
        Kind::Energy => parse!(q::Energy),
        Kind::Power => parse!(q::Power),
        Kind::Pressure => parse!(q::Pressure),
        Kind::Charge => parse!(q::ElectricCharge),
        Kind::Current => parse!(q::ElectricCurrent),
        Kind::Voltage => parse!(q::ElectricPotential),
        Kind::Resistance => parse!(q::ElectricalResistance),
        Kind::Capacitance => parse!(q::Capacitance),
        Kind::Inductance => parse!(q::Inductance),
        Kind::Frequency => parse!(q::Frequency),
        Kind::MagneticField => parse!(q::MagneticFluxDensity),
        Kind::Angle => parse!(q::Angle),
        Kind::Information => parse!(q::Information),
    }
}

/// Spellings people type, as uom writes them.
fn spelled_as_uom(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "lbs" | "lbs." | "lb." => "lb",
        "kgs" | "kilo" | "kilos" => "kg",
        "gr" | "gm" | "gms" => "g",
        "metre" => "meter",
        "metres" => "meters",
        "kilometre" => "kilometer",
        "kilometres" => "kilometers",
        "centimetre" => "centimeter",
        "centimetres" => "centimeters",
        "millimetre" => "millimeter",
        "millimetres" => "millimeters",
        "litre" => "liter",
        "litres" => "liters",
        "l" => "L",
        "ml" => "mL",
        "mph" => "mi/h",
        "kph" | "kmh" | "kmph" | "km/hr" | "kilometers/hour" | "km per hour" => "km/h",
        "m/sec" | "meters/second" | "meters/sec" | "metres/second" | "meter/second" | "mps" => "m/s",
        "m/s^2" | "m/s2" | "meters/second^2" | "meters/second squared" | "m/sec^2" | "m/sec2" => "m/s²",
        "sq m" | "sq. m" | "sqm" | "m^2" | "m2" | "square metre" | "square metres" | "sq meters" | "sq metres" => "m²",
        "sq ft" | "sq. ft" | "sq. ft." | "sqft" | "ft^2" | "ft2" | "sq feet" => "ft²",
        "sq km" | "km^2" | "km2" | "square kilometres" => "km²",
        "m^3" | "m3" | "cubic metres" => "m³",
        "°c" | "celsius" | "degrees celsius" | "degree celsius" | "deg c" | "degrees c" | "degree c" | "℃" => "°C",
        "°f" | "fahrenheit" | "degrees fahrenheit" | "degree fahrenheit" | "deg f" | "degrees f" | "degree f" | "℉" => "°F",
        "kelvin" | "kelvins" | "degrees kelvin" => "K",
        "hz" => "Hz",
        "khz" => "kHz",
        "mhz" => "MHz",
        "ghz" => "GHz",
        "kb" => "kB",
        "mb" => "MB",
        "gb" => "GB",
        "tb" => "TB",
        "kw" => "kW",
        "kwh" => "kW · h",
        "kj" => "kJ",
        "kn" => "kN",
        "kpa" => "kPa",
        "hpa" => "hPa",
        "coulomb" => "C",
        _ => return None,
    })
}

/// Symbols uom has that, after a number, mean something else more often: "M" and "MM" are
/// million (uom: nautical mile, millimetre), "b" billion (barn), "mil" million (a thousandth of
/// an inch), "in" the preposition (inch), "am"/"pm" a clock time (attometre, picometre),
/// "st"/"nd"/"rd"/"th" an ordinal (stone, rod), "e" an exponent cut short (elementary charge),
/// "t" and "a" words.
fn not_a_unit(unit: &str) -> bool {
    ["M", "MM", "b", "mil"].contains(&unit) || ["in", "am", "pm", "st", "nd", "rd", "th", "t", "a", "e"].contains(&unit.to_lowercase().as_str())
}

/// The kind of `unit` and one of it in base units, as written, then lowercased, then as people
/// spell it.
fn unit_kind(unit: &str) -> Option<(Kind, String)> {
    // The Greek mu people type for micro, as uom's micro sign.
    let unit = unit.trim().replace('\u{3bc}', "\u{b5}");
    let unit = unit.as_str();
    if unit.is_empty() || not_a_unit(unit) {
        return None;
    }
    let lower = unit.to_lowercase();
    // A bare C or F after a number is a temperature far more often than coulombs or farads.
    let unit = match unit {
        "C" => "°C",
        "F" => "°F",
        other => other,
    };
    // As written, then as people spell it ("KB" is kilobytes, not uom's lowercase kilobits),
    // then lowercased.
    let spellings = [Some(unit), spelled_as_uom(&lower), Some(lower.as_str())];
    for s in spellings.into_iter().flatten() {
        if let Some(&kind) = KINDS.iter().find(|&&k| base(k, 1.0, s).is_some()) {
            return Some((kind, s.to_string()));
        }
    }
    None
}

/// A number with a unit, read from text.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The number as written ("6" of "6cm").
    pub value: f64,
    pub kind: Kind,
    /// The unit as uom spells it ("lb" for "lbs").
    pub unit: String,
}

/// "6cm", "150 lbs", "-40 °F", "0.01m²", "10 meters/second": digits (a sign, a decimal point,
/// thousands commas) then a unit, with or without a space.
pub fn parse_quantity(text: &str) -> Option<Quantity> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || c == ',' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    let (number, unit) = t.split_at(end);
    let value = super::numbers::parse_digits(number)?;
    let (kind, unit) = unit_kind(unit)?;
    Some(Quantity { value, kind, unit })
}

/// The unit a parameter names, from its name's last word ("weight_kg", "heightCm") or its
/// description ("Weight in pounds", "Distance (km)", "in degrees Celsius").
pub fn parameter_unit(name: &str, description: &str) -> Option<(Kind, String)> {
    let words = super::name_words(name);
    let last = words.last().map_or("", String::as_str);
    // A one-letter last word names a unit only as a symbol people put in names ("height_m",
    // "temp_c").
    let temperature = name.to_lowercase().contains("temp");
    let last = match last {
        "c" | "C" if temperature => "°C",
        "f" | "F" if temperature => "°F",
        other => other,
    };
    if last.chars().count() > 1 || ["m", "g", "K"].contains(&last) {
        if let Some(found) = unit_kind(last) {
            return Some(found);
        }
    }
    // In the description: the words after "in", "(", "unit:" or "units of", longest first. A
    // description that names two units ("in kg or lbs") names none: the tool takes either.
    let words: Vec<&str> = description
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    let opens = |i: usize, w: &str| {
        let lw = w.to_lowercase();
        lw == "in" || lw == "or" || lw == "unit:" || lw == "units:" || (lw == "of" && i > 0 && words[i - 1].eq_ignore_ascii_case("units"))
    };
    let bracketed: Vec<usize> = description
        .match_indices('(')
        .map(|(at, _)| description[..at].split(|c: char| c.is_whitespace() || "(),;".contains(c)).filter(|w| !w.is_empty()).count())
        .collect();
    let mut found: Option<(Kind, String)> = None;
    for i in 0..words.len() {
        let start = if opens(i, words[i]) {
            i + 1
        } else if bracketed.contains(&i) {
            i
        } else {
            continue;
        };
        for n in (1..=3).rev() {
            if start + n > words.len() {
                continue;
            }
            let phrase = words[start..start + n].join(" ");
            let phrase = phrase.trim_end_matches(['.', ':']);
            if phrase.chars().count() > 1 || phrase == "m" || phrase == "g" || phrase == "K" {
                if let Some(unit) = unit_kind(phrase) {
                    match &found {
                        Some(seen) if seen.1 != unit.1 => return None,
                        Some(_) => {}
                        None => found = Some(unit),
                    }
                    break;
                }
            }
        }
    }
    found
}

/// `quantity` in `unit` (of the same kind): affine, so temperatures convert too.
pub fn convert(quantity: &Quantity, unit: &str) -> Option<f64> {
    let b = base(quantity.kind, quantity.value, &quantity.unit)?;
    let zero = base(quantity.kind, 0.0, unit)?;
    let one = base(quantity.kind, 1.0, unit)?;
    let v = (b - zero) / (one - zero);
    // Factors like 0.3048 leave float dust ("180 cm" in m: 1.7999999999999998): twelve
    // significant digits.
    let rounded: f64 = format!("{v:.11e}").parse().ok()?;
    rounded.is_finite().then_some(rounded)
}
