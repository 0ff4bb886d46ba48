//! Per-category tallies of scored rows, in first-seen order.

use serde_json::Value;

/// Per-category tallies, in first-seen order.
#[derive(Default, Debug, Clone)]
pub struct Accumulator {
    cats: Vec<(String, usize, usize)>, // (category, correct, total)
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryScore {
    pub category: String,
    pub correct: usize,
    pub total: usize,
    pub accuracy: f64,
}

impl Accumulator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, category: &str, passed: bool) {
        let i = match self.cats.iter().position(|(c, _, _)| c == category) {
            Some(i) => i,
            None => {
                self.cats.push((category.to_string(), 0, 0));
                self.cats.len() - 1
            }
        };
        self.cats[i].1 += passed as usize;
        self.cats[i].2 += 1;
    }

    pub fn categories(&self) -> Vec<CategoryScore> {
        self.cats
            .iter()
            .map(|(c, ok, n)| CategoryScore {
                category: c.clone(),
                correct: *ok,
                total: *n,
                accuracy: if *n == 0 { 0.0 } else { *ok as f64 / *n as f64 },
            })
            .collect()
    }

    pub fn correct(&self) -> usize {
        self.cats.iter().map(|c| c.1).sum()
    }

    pub fn total(&self) -> usize {
        self.cats.iter().map(|c| c.2).sum()
    }

    /// Unweighted mean of per-category accuracies (0 when empty).
    pub fn macro_accuracy(&self) -> f64 {
        let cats = self.categories();
        if cats.is_empty() {
            0.0
        } else {
            cats.iter().map(|c| c.accuracy).sum::<f64>() / cats.len() as f64
        }
    }

    /// Correct rows over all rows (0 when empty).
    pub fn micro_accuracy(&self) -> f64 {
        let n = self.total();
        if n == 0 {
            0.0
        } else {
            self.correct() as f64 / n as f64
        }
    }

    /// Human table: one line per category, then both overall figures (percentages).
    pub fn table(&self) -> String {
        let width = self.cats.iter().map(|c| c.0.len()).max().unwrap_or(0).max("overall (micro)".len());
        let mut s = format!("{:<width$}  {:>8}  {:>6}  {:>6}\n", "category", "accuracy", "correct", "total");
        for c in self.categories() {
            s += &format!("{:<width$}  {:>7.2}%  {:>7}  {:>6}\n", c.category, 100.0 * c.accuracy, c.correct, c.total);
        }
        s += &format!("{:<width$}  {:>7.2}%  {:>7}  {:>6}\n", "overall (macro)", 100.0 * self.macro_accuracy(), "", "");
        s += &format!(
            "{:<width$}  {:>7.2}%  {:>7}  {:>6}\n",
            "overall (micro)",
            100.0 * self.micro_accuracy(),
            self.correct(),
            self.total()
        );
        s
    }

    /// Machine summary (fractions in [0, 1]).
    pub fn to_json(&self) -> Value {
        let cats: Vec<Value> = self
            .categories()
            .into_iter()
            .map(|c| {
                serde_json::json!({
                    "category": c.category, "correct": c.correct, "total": c.total, "accuracy": c.accuracy
                })
            })
            .collect();
        serde_json::json!({
            "categories": cats,
            "overall": {
                "macro_accuracy": self.macro_accuracy(),
                "micro_accuracy": self.micro_accuracy(),
                "correct": self.correct(),
                "total": self.total(),
            }
        })
    }
}
