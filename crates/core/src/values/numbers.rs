//! Numbers as people type them: digits with separators, signs and suffixes ("1,000", "-3",
//! "2.5k", "15%"), number words ("twenty", "a dozen", "one hundred and five", "three and a
//! half"), ordinals ("third", "21st").

/// A number read from text, and whether it was written as a percentage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub value: f64,
    pub percent: bool,
}

/// The whole of `text` as a number (digits or words), or `None`.
pub fn parse_number(text: &str) -> Option<Number> {
    let t = text.trim().trim_end_matches('.').trim();
    if t.is_empty() {
        return None;
    }
    let (t, percent) = match t.strip_suffix('%').or_else(|| t.strip_suffix(" percent")).or_else(|| t.strip_suffix(" per cent")) {
        Some(rest) => (rest.trim(), true),
        None => (t, false),
    };
    let value = parse_digits(t).or_else(|| parse_words(t))?;
    value.is_finite().then_some(Number { value, percent })
}

/// "1,000", "-3", "+2.5", "2.5k", "3M", "1.2 million", "21st", "1e-9", "$40" (a leading currency sign
/// is dropped: the parameter's type says it is a number).
pub fn parse_digits(text: &str) -> Option<f64> {
    let mut t = text.trim();
    t = t.trim_start_matches(['$', '€', '£', '¥', '₹']);
    let (sign, rest) = match t.as_bytes().first()? {
        b'-' => (-1.0, &t[1..]),
        b'+' => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let rest = rest.trim_start_matches(['$', '€', '£', '¥', '₹']);
    let digits_end = rest.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.')).unwrap_or(rest.len());
    let (num, suffix) = rest.split_at(digits_end);
    if num.is_empty() || !num.as_bytes()[0].is_ascii_digit() && !num.starts_with('.') {
        return None;
    }
    let plain = if num.contains(',') {
        // Thousands separators only: groups of exactly three digits after the first.
        let int = num.split('.').next()?;
        let groups: Vec<&str> = int.split(',').collect();
        if groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
        num.replace(',', "")
    } else {
        num.to_string()
    };
    if plain.matches('.').count() > 1 || plain.ends_with('.') {
        return None;
    }
    let value: f64 = plain.parse().ok()?;
    // Scientific notation: "1e-9", "6.02E23", "7e+19".
    if let Some(exponent) = suffix.strip_prefix(['e', 'E']) {
        let digits = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        if !digits.is_empty() && digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit()) && !num.contains(',') {
            return Some(sign * format!("{plain}e{exponent}").parse::<f64>().ok()?);
        }
        return None;
    }
    let scale = match suffix.trim().to_ascii_lowercase().as_str() {
        "" => 1.0,
        "k" | "thousand" => 1e3,
        "m" | "mn" | "million" => 1e6,
        "b" | "bn" | "billion" => 1e9,
        "st" | "nd" | "rd" | "th" if !plain.contains('.') => 1.0,
        _ => return None,
    };
    Some(sign * value * scale)
}

const UNITS: [&str; 20] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
];
const TENS: [&str; 8] = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const ORDINAL_UNITS: [&str; 20] = [
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
    "nineteenth",
];
const ORDINAL_TENS: [&str; 8] =
    ["twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth", "eightieth", "ninetieth"];

/// The value of one number word (cardinal or ordinal), and whether it is a multiplier.
fn word_value(w: &str) -> Option<(f64, bool)> {
    if let Some(i) = UNITS.iter().position(|u| *u == w).or_else(|| ORDINAL_UNITS.iter().position(|u| *u == w)) {
        return Some((i as f64, false));
    }
    if let Some(i) = TENS.iter().position(|u| *u == w).or_else(|| ORDINAL_TENS.iter().position(|u| *u == w)) {
        return Some((20.0 + 10.0 * i as f64, false));
    }
    Some(match w {
        "a" | "an" => (1.0, false),
        "dozen" | "dozens" => (12.0, true),
        "couple" => (2.0, true),
        "hundred" | "hundredth" | "hundreds" => (100.0, true),
        "thousand" | "thousandth" | "thousands" => (1e3, true),
        "million" | "millionth" | "millions" => (1e6, true),
        "billion" | "billions" => (1e9, true),
        _ => return None,
    })
}

/// Number words: "twenty-one", "a dozen", "one hundred and five", "two thousand three hundred",
/// "three and a half", "half", "a quarter", "two point five", "third". Every word must be part
/// of the number (`None` otherwise).
pub fn parse_words(text: &str) -> Option<f64> {
    let lower = text.to_lowercase().replace('-', " ");
    let words: Vec<&str> = lower.split_whitespace().filter(|w| *w != "of").collect();
    if words.is_empty() {
        return None;
    }
    // "two point five"
    if let Some(p) = words.iter().position(|w| *w == "point") {
        let int = parse_words(&words[..p].join(" "))?;
        let digits: Option<String> =
            words[p + 1..].iter().map(|w| UNITS[..10].iter().position(|u| u == w).map(|d| d.to_string())).collect();
        let digits = digits.filter(|d| !d.is_empty())?;
        return format!("{int}.{digits}").parse().ok();
    }
    // fractions: "half", "a half", "a quarter", "three quarters", "N and a half"
    let last = *words.last()?;
    let fraction = match last {
        "half" => Some(0.5),
        "quarter" => Some(0.25),
        "quarters" => Some(0.25),
        _ => None,
    };
    if let Some(f) = fraction {
        let head = &words[..words.len() - 1];
        return match head {
            [] | ["a"] | ["one"] | ["an"] => Some(f),
            [.., "and", "a"] | [.., "and", "one"] => Some(parse_words(&head[..head.len() - 2].join(" "))? + f),
            [n] if last == "quarters" => Some(parse_words(n)? * f),
            _ => None,
        };
    }
    let mut total = 0.0;
    let mut current = 0.0;
    let mut seen = false;
    for (i, w) in words.iter().enumerate() {
        if *w == "and" && seen && i + 1 < words.len() {
            continue;
        }
        let (v, multiplier) = word_value(w)?;
        if (*w == "a" || *w == "an") && i + 1 == words.len() {
            return None;
        }
        if multiplier {
            let base = if current == 0.0 { 1.0 } else { current };
            if v >= 1000.0 {
                total += base * v;
                current = 0.0;
            } else {
                current = base * v;
            }
        } else if (*w == "a" || *w == "an") && seen {
            return None;
        } else {
            current += v;
        }
        seen = true;
    }
    seen.then_some(total + current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        for (text, want) in [
            ("twenty", 20.0),
            ("twenty-one", 21.0),
            ("a dozen", 12.0),
            ("one hundred and five", 105.0),
            ("three and a half", 3.5),
            ("half", 0.5),
            ("two thousand three hundred", 2300.0),
            ("third", 3.0),
            ("two point five", 2.5),
        ] {
            assert_eq!(parse_words(text), Some(want), "{text}");
        }
        for text in ["kitchen", "a", "one kitchen", "and"] {
            assert_eq!(parse_words(text), None, "{text}");
        }
    }
}
