//! Codes from names: ISO 4217 currencies (`iso_currency`), ISO 639 languages (`isolang`),
//! ISO 3166 countries (`celes`). The tables are the crates'; only the everyday words they do not
//! carry (plurals, "bucks", a bare "dollar" meaning the US dollar) are written here.

use std::str::FromStr;

use iso_currency::{Currency, IntoEnumIterator};

fn singular(w: &str) -> String {
    let w = w.trim();
    for (plural, single) in [("pence", "penny"), ("euros", "euro"), ("yen", "yen"), ("francs", "franc")] {
        if w.ends_with(plural) {
            return format!("{}{single}", &w[..w.len() - plural.len()]);
        }
    }
    w.strip_suffix('s').filter(|s| s.len() > 2 && !w.ends_with("ss")).unwrap_or(w).to_string()
}

/// An ISO 4217 code for a currency code, symbol or name ("usd", "€", "euros", "Swiss francs",
/// "yen", "Japanese yen", "pounds", "dollars"); `None` when unknown or ambiguous ("krone").
pub fn currency_code(text: &str) -> Option<&'static str> {
    let t = text.trim().to_lowercase();
    if t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        if let Some(c) = Currency::from_code(&t.to_uppercase()) {
            return Some(c.code());
        }
    }
    // Symbols that everyday text uses for one currency (the crate's symbols are shared by many).
    let common = |code: &str| Currency::from_code(code).map(|c| c.code());
    match t.as_str() {
        "$" | "us$" | "bucks" | "buck" | "dollar" | "dollars" | "us dollars" | "american dollars" => return common("USD"),
        "€" | "euro" | "euros" => return common("EUR"),
        "£" | "pound" | "pounds" | "quid" | "british pounds" | "pounds sterling" | "sterling" => return common("GBP"),
        "¥" | "yen" => return common("JPY"),
        "₹" | "rupee" | "rupees" | "indian rupees" => return common("INR"),
        "yuan" | "renminbi" | "rmb" | "chinese yuan" => return common("CNY"),
        "₩" | "won" | "korean won" | "south korean won" => return common("KRW"),
        "franc" | "francs" => return common("CHF"),
        "₽" | "rubles" | "roubles" | "ruble" | "rouble" => return common("RUB"),
        "₺" | "lira" | "turkish lira" => return common("TRY"),
        "peso" | "pesos" => return common("MXN"),
        _ => {}
    }
    let want = singular(&t);
    // The crate's names, some with a plural after a slash ("Swedish krona/kronor").
    let mut found = Currency::iter().filter(|c| {
        let name = c.name().to_lowercase();
        name.split('/').map(str::trim).any(|n| n == want || n == t)
    });
    let first = found.next()?;
    found.next().is_none().then(|| first.code())
}

/// "french" -> "French" (isolang's names are capitalised); any script, by characters.
fn capitalized(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// An ISO 639 code for a language name or code ("French", "german", "fr", "deu"): two letters
/// (639-1), or three (639-3) when `three` is set.
pub fn language_code(text: &str, three: bool) -> Option<String> {
    let t = text.trim();
    let title = capitalized(t);
    let lang = isolang::Language::from_name(&title)
        .or_else(|| isolang::Language::from_639_1(&t.to_lowercase()))
        .or_else(|| isolang::Language::from_639_3(&t.to_lowercase()))
        .or_else(|| {
            // "Mandarin Chinese" -> "Chinese"; "Brazilian Portuguese" -> "Portuguese"
            isolang::Language::from_name(&capitalized(title.split_whitespace().last()?))
        })?;
    if three {
        Some(lang.to_639_3().to_string())
    } else {
        lang.to_639_1().map(str::to_string)
    }
}

/// An ISO 3166-1 code for a country name, alias or code ("Germany", "the UK", "USA", "de"):
/// alpha-2, or alpha-3 when `three` is set.
pub fn country_code(text: &str, three: bool) -> Option<String> {
    let t = text.trim();
    let t = t.strip_prefix("the ").or_else(|| t.strip_prefix("The ")).unwrap_or(t);
    let lower = t.to_lowercase();
    let alias = match lower.as_str() {
        "uk" | "u.k." | "britain" | "great britain" | "england" | "scotland" | "wales" => "GB",
        "us" | "u.s." | "u.s.a." | "america" | "united states" | "the states" => "US",
        "uae" => "AE",
        "south korea" | "korea" => "KR",
        "north korea" => "KP",
        "russia" => "RU",
        "czechia" | "czech republic" => "CZ",
        "holland" => "NL",
        _ => "",
    };
    let country = if alias.is_empty() {
        celes::Country::from_str(t)
            .or_else(|_| celes::Country::from_str(&lower))
            .or_else(|_| celes::Country::from_alpha2(&t.to_uppercase()))
            .or_else(|_| celes::Country::from_alpha3(&t.to_uppercase()))
            .ok()?
    } else {
        celes::Country::from_alpha2(alias).ok()?
    };
    Some(if three { country.alpha3.to_string() } else { country.alpha2.to_string() })
}
