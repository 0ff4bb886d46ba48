//! A tool's arguments from the heads' outputs for one (request, tool) pair: per parameter the
//! status the schema allows (`Status`), the words of the request its span tags point at
//! (`SpanTags`, one set of words per parameter, widened to whole words by `widen`), an enum
//! member or a boolean; values go through the value normaliser (`crate::values`).

use serde_json::{Map, Value};

use super::{argmax, softmax};
use crate::model::sequence::Param;
use crate::model::{HeadsOut, N_STATUS, N_TAGS};
use crate::values::{inside_word, normalize, Context, ParamSchema, QUOTE_MARKS};

/// A required top-level parameter: its call is invalid without it (a nested one is required
/// only once its parent is given).
fn must_have_value(param: &Param) -> bool {
    param.required && !param.path.contains('.')
}

/// What the status head can say about a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Absent,
    Span,
    Member,
    True,
    False,
}

impl Status {
    const ALL: [Status; N_STATUS] = [Status::Absent, Status::Span, Status::Member, Status::True, Status::False];

    /// Whether the parameter's schema lets this status give it a value: true / false only for a
    /// boolean, a member only where there are members, a span for anything but a boolean, and
    /// absent only where the parameter need not have a value (`must_have_value`).
    fn fits(self, param: &Param) -> bool {
        let any = param.kind == "any";
        match self {
            Status::Absent => !must_have_value(param),
            Status::Span => param.kind != "boolean",
            Status::Member => !param.members.is_empty(),
            Status::True | Status::False => param.kind == "boolean" || any,
        }
    }

    /// The status head's choice among the statuses the schema allows (see `fits`).
    fn choose(logits: &[f32], param: &Param) -> Status {
        Status::ALL
            .iter()
            .zip(logits)
            .filter(|(status, _)| status.fits(param))
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(status, _)| *status)
            .unwrap_or(Status::Absent)
    }
}

/// A span tag over the request's pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Outside,
    Begin,
    Inside,
}

/// The arguments of `n` calls of one tool from its row `bi` of the heads' outputs: each
/// parameter's status, then its value (words of the request through the value normaliser,
/// a member, a boolean). Repeated calls take the spans in order; one value serves every call.
///
/// `continue_at`: a piece right after a span continues it when its P(inside) is at least this
/// (None: when "inside" is its likeliest tag; the manifest's `span_continue_threshold`).
#[allow(clippy::too_many_arguments)]
pub fn arguments(
    query: &str,
    offsets: &[(usize, usize)],
    params: &[Param],
    out: &HeadsOut,
    bi: usize,
    n: usize,
    continue_at: Option<f32>,
    context: &Context,
) -> Vec<Map<String, Value>> {
    let statuses: Vec<Status> = (0..params.len())
        .map(|pi| {
            let row = (bi * out.p + pi) * N_STATUS;
            Status::choose(&out.status[row..row + N_STATUS], &params[pi])
        })
        .collect();
    let tags = SpanTags::new(out, bi, offsets.len(), continue_at);
    let span_params: Vec<usize> = (0..params.len()).filter(|&pi| statuses[pi] == Status::Span).collect();
    let mut spans = tags.assign(&span_params, |pi| must_have_value(&params[pi]));
    let mut calls = vec![Map::new(); n];
    for (pi, param) in params.iter().enumerate() {
        let values: Vec<Value> = match statuses[pi] {
            Status::Absent => continue,
            Status::True | Status::False => vec![Value::Bool(statuses[pi] == Status::True)],
            Status::Member => {
                let base = (bi * out.p + pi) * out.m;
                let scores = &out.members[base..base + param.members.len()];
                let member = param.members[argmax(scores)].clone();
                vec![if param.kind == "array" { Value::Array(vec![member]) } else { member }]
            }
            Status::Span => {
                let texts: Vec<&str> = spans
                    .remove(&pi)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(a, b)| {
                        let (a, b) = quoted(query, widen(query, offsets[a].0, offsets[b].1));
                        &query[a..b]
                    })
                    .filter(|text| !FUNCTION_WORDS.contains(text))
                    .collect();
                let schema = ParamSchema::new(&param.path, &param.schema);
                if param.kind == "array" && n == 1 && texts.len() > 1 {
                    // Several spans for one list: each an item, normalised by `items`.
                    let items = param.schema.get("items").cloned().unwrap_or(Value::Object(Map::new()));
                    let item = ParamSchema::new(&param.path, &items);
                    let vals: Vec<Value> = texts.iter().filter_map(|s| normalize(s, &item, context).ok()).collect();
                    if vals.is_empty() { continue } else { vec![Value::Array(vals)] }
                } else {
                    texts.iter().filter_map(|s| normalize(s, &schema, context).ok()).collect()
                }
            }
        };
        if values.is_empty() {
            continue;
        }
        for (ci, call) in calls.iter_mut().enumerate() {
            // Repeated calls take the spans in order; one value serves every call.
            let v = if values.len() >= n { &values[ci] } else { &values[0] };
            insert_path(call, &param.path, v.clone());
        }
    }
    calls
}

/// The span head's O / B / I probabilities of one (request, tool) row, per parameter and
/// request piece, computed once.
struct SpanTags {
    /// `probs[pi * n + ti]`: parameter `pi`, request piece `ti`.
    probs: Vec<[f32; N_TAGS]>,
    /// Request pieces.
    n: usize,
    /// P(inside) at which a piece right after a span continues it (None: argmax only).
    continue_at: Option<f32>,
}

/// A span: the first and last request piece it covers (inclusive).
type Range = (usize, usize);

impl SpanTags {
    /// Row `bi` of the heads' outputs, whose request has `n` pieces (sequence positions 1..=n).
    fn new(out: &HeadsOut, bi: usize, n: usize, continue_at: Option<f32>) -> SpanTags {
        let probs = (0..out.p)
            .flat_map(|pi| (0..n).map(move |ti| ((bi * out.p + pi) * out.t + 1 + ti) * N_TAGS))
            .map(|at| {
                let mut p = [0f32; N_TAGS];
                p.copy_from_slice(&softmax(&out.spans[at..at + N_TAGS]));
                p
            })
            .collect();
        SpanTags { probs, n, continue_at }
    }

    /// O / B / I probabilities of request piece `ti` for parameter `pi`.
    fn probs(&self, pi: usize, ti: usize) -> &[f32; N_TAGS] {
        &self.probs[pi * self.n + ti]
    }

    fn tag(&self, pi: usize, ti: usize) -> Tag {
        match argmax(self.probs(pi, ti)) {
            1 => Tag::Begin,
            2 => Tag::Inside,
            _ => Tag::Outside,
        }
    }

    /// Whether piece `ti`, right after a span of parameter `pi`, continues it: its likeliest
    /// tag is I, or (with `continue_at`) its P(I) reaches the threshold and B is not likelier.
    /// The threshold only ever adds pieces: a piece the argmax continues stays in.
    fn continues(&self, pi: usize, ti: usize) -> bool {
        let p = self.probs(pi, ti);
        self.tag(pi, ti) == Tag::Inside || self.continue_at.is_some_and(|at| p[2] >= at && p[2] >= p[1])
    }

    /// Parameter `pi`'s spans as its tags read: B starts a span, I continues it (an I after O
    /// starts one too); each with how sure the head is of it (the mean, over its pieces, of the
    /// probability that the piece is in a span).
    fn ranges(&self, pi: usize) -> Vec<(Range, f32)> {
        let mut ranges: Vec<Range> = Vec::new();
        for ti in 0..self.n {
            let open = ranges.last().is_some_and(|r| r.1 + 1 == ti);
            match self.tag(pi, ti) {
                Tag::Begin => ranges.push((ti, ti)),
                _ if open && self.continues(pi, ti) => ranges.last_mut().expect("an open span").1 = ti,
                Tag::Inside => ranges.push((ti, ti)),
                Tag::Outside => {}
            }
        }
        ranges
            .into_iter()
            .map(|(a, b)| {
                let inside: f32 = (a..=b).map(|ti| 1.0 - self.probs(pi, ti)[0]).sum();
                ((a, b), inside / (b + 1 - a) as f32)
            })
            .collect()
    }

    /// The span most likely to begin at a piece no other parameter took, continued while the
    /// next free piece reads I: for a parameter whose status said "span" but whose tags found
    /// none that was free.
    fn best_free(&self, pi: usize, taken: &[bool]) -> Option<Range> {
        let begin = (0..self.n).filter(|&ti| !taken[ti]).max_by(|&a, &b| self.probs(pi, a)[1].total_cmp(&self.probs(pi, b)[1]))?;
        let mut end = begin;
        while end + 1 < self.n && !taken[end + 1] && self.continues(pi, end + 1) {
            end += 1;
        }
        Some((begin, end))
    }

    /// The spans of the parameters `params`, one set of words per parameter: where two
    /// parameters' spans overlap, the one the head is surer of keeps the words and the other
    /// loses that span (a request rarely gives one value to two parameters: "from Paris to
    /// Oslo" is an origin and a destination, not two Oslos). A parameter left without a span
    /// gets the likeliest free one when it must have a value (`must`), none otherwise.
    fn assign(&self, params: &[usize], must: impl Fn(usize) -> bool) -> std::collections::HashMap<usize, Vec<Range>> {
        let mut candidates: Vec<(usize, Range, f32)> =
            params.iter().flat_map(|&pi| self.ranges(pi).into_iter().map(move |(r, score)| (pi, r, score))).collect();
        candidates.sort_by(|a, b| b.2.total_cmp(&a.2));
        let mut owner: Vec<Option<usize>> = vec![None; self.n];
        let mut spans: std::collections::HashMap<usize, Vec<Range>> = std::collections::HashMap::new();
        for (pi, (a, b), _) in candidates {
            if (a..=b).any(|ti| owner[ti].is_some_and(|o| o != pi)) {
                continue;
            }
            (a..=b).for_each(|ti| owner[ti] = Some(pi));
            spans.entry(pi).or_default().push((a, b));
        }
        for &pi in params {
            if spans.contains_key(&pi) {
                continue;
            }
            let taken: Vec<bool> = owner.iter().map(Option::is_some).collect();
            // A parameter the tags gave no span (or only taken ones) keeps the old behaviour
            // when it must have a value: the likeliest free start.
            if must(pi) || self.ranges(pi).is_empty() {
                if let Some((a, b)) = self.best_free(pi, &taken) {
                    (a..=b).for_each(|ti| owner[ti] = Some(pi));
                    spans.insert(pi, vec![(a, b)]);
                }
            }
        }
        for ranges in spans.values_mut() {
            ranges.sort();
        }
        spans
    }
}

/// Words that are never a value on their own: a span of just one of them is the head marking the
/// start of a phrase and stopping there (`city: "in"`, `book: "of"`, `accessToken: "the"`), so
/// the parameter is left without a value rather than given that word. Lowercase as written, so a
/// state code `IN` or a substance `A` stays; words that can be a value alone are not here (`my`
/// for a playlist's owner, `here`, `near`, `this`, `on`).
const FUNCTION_WORDS: [&str; 18] =
    ["a", "an", "the", "in", "at", "to", "for", "of", "from", "by", "with", "and", "or", "into", "onto", "about", "as", "is"];

/// The byte range `a..b` of `query` widened to whole words: a span that starts or ends inside a word (a WordPiece
/// boundary) takes the rest of the word, where a word is letters and digits joined by the
/// characters that join the parts of an id, path, address or number (`cus_8Hx2`, `/srv/data`,
/// `anna@company.org`, `Suthep-Pui`, `9:30`, `3.5`): WordPiece splits at each of them, and a
/// value cut there is never what the user meant. A joiner ends the word unless a letter or
/// digit follows it, so "Oslo." keeps its full stop out.
fn widen(query: &str, mut a: usize, mut b: usize) -> (usize, usize) {
    const JOINERS: &[u8] = b"_-./@:#+~%";
    let bytes = query.as_bytes();
    let word = |i: usize| bytes[i].is_ascii_alphanumeric() || bytes[i] >= 0x80;
    let joins = |i: usize| JOINERS.contains(&bytes[i]);
    if a >= b || b > bytes.len() {
        return (0, 0);
    }
    loop {
        if a > 0 && word(a - 1) && (word(a) || joins(a)) {
            a -= 1;
        } else if a > 1 && joins(a - 1) && word(a - 2) && word(a) {
            a -= 2;
        } else if a > 0 && b"/~#@".contains(&bytes[a - 1]) && (a == 1 || !word(a - 2)) && word(a) {
            a -= 1; // a path's root, a handle's @, a number's # ("/srv", "@maria", "#4521")
            break;
        } else {
            break;
        }
    }
    // A number keeps its thousands groups ("$200,000": a comma and exactly three digits) and a
    // minus sign that stands before it ("b=-3", " -37.18"), not a hyphen that joins words.
    let digit = |i: usize| i < bytes.len() && bytes[i].is_ascii_digit();
    let number = |a: usize, b: usize| (a..b).all(|i| digit(i) || bytes[i] == b'.' || bytes[i] == b',') && digit(a);
    loop {
        if b < bytes.len() && word(b) && (word(b - 1) || joins(b - 1)) {
            b += 1;
        } else if b + 1 < bytes.len() && joins(b) && word(b + 1) && word(b - 1) {
            b += 2;
        } else if bytes.get(b) == Some(&b',') && number(a, b) && (b + 1..b + 4).all(digit) && !digit(b + 4) {
            b += 4;
        } else {
            break;
        }
    }
    if a > 0 && bytes[a - 1] == b'-' && number(a, b) && (a == 1 || !word(a - 2)) {
        a -= 1;
    }
    while !query.is_char_boundary(a) {
        a -= 1;
    }
    while !query.is_char_boundary(b) {
        b += 1;
    }
    (a, b)
}

/// A span that starts a quoted stretch of the request and ends inside it takes all of it, the
/// quote marks included, so the normaliser keeps the quoted text exactly as written: the span
/// head stops at a word's end and leaves out what the user quoted after it ("Passw0rd!", "How
/// are you?"), or takes the closing quote without the opening one ("BRCA1'"). A quoted stretch
/// opens after a space or punctuation and closes before one, so "Let's" is not a quote.
fn quoted(query: &str, (a, b): (usize, usize)) -> (usize, usize) {
    let letter = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    // The opening mark is the span's first character or the one just before it.
    let at = query[a..].chars().next().map(|c| (a, c));
    let before = query[..a].char_indices().next_back();
    for (open_at, open) in [at, before].into_iter().flatten() {
        let Some(&(_, close)) = QUOTE_MARKS.iter().find(|(o, _)| *o == open) else { continue };
        let inner = open_at + open.len_utf8();
        if letter(query[..open_at].chars().next_back()) || query[inner..].starts_with(char::is_whitespace) {
            continue;
        }
        // The next quote mark that is not an apostrophe inside a word must close the stretch,
        // after a character that is not a space and before one that is not a letter or digit
        // (so "the '90s and 'Hey Jude'" has no stretch starting at '90s).
        let next = query[inner..]
            .char_indices()
            .map(|(i, c)| (inner + i, c))
            .find(|&(i, c)| i > inner && (c == open || c == close) && !inside_word(query, i, c));
        let Some((close_at, _)) = next.filter(|&(i, c)| {
            c == close && !query[..i].ends_with(char::is_whitespace) && !letter(query[i + c.len_utf8()..].chars().next())
        }) else {
            continue;
        };
        let end = close_at + close.len_utf8();
        // The span ends inside the stretch (its closing mark at most).
        if b > inner && b <= end {
            return (open_at, end);
        }
    }
    (a, b)
}

/// Sets `call[a][b]... = value` for the dotted path `a.b`.
fn insert_path(call: &mut Map<String, Value>, path: &str, value: Value) {
    let mut node = call;
    let parts: Vec<&str> = path.split('.').collect();
    for key in &parts[..parts.len() - 1] {
        let entry = node.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        node = entry.as_object_mut().unwrap();
    }
    node.insert(parts[parts.len() - 1].to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::N_COUNT;

    #[test]
    fn widen_takes_whole_words_only() {
        // (request, the piece a span covers (its first occurrence), the widened text)
        let cases = [
            ("email cus_8Hx2 about Oslo.", "cus", "cus_8Hx2"),
            ("email cus_8Hx2 about Oslo.", "8H", "cus_8Hx2"),
            ("email cus_8Hx2 about Oslo.", "Os", "Oslo"),
            ("email cus_8Hx2 about Oslo.", "Oslo", "Oslo"),
            ("mail anna@company.org, then", "anna", "anna@company.org"),
            ("mail anna@company.org, then", "company", "anna@company.org"),
            ("read /srv/data/a.csv at 9:30", "srv", "/srv/data/a.csv"),
            ("read /srv/data/a.csv at 9:30", "9", "9:30"),
            ("near Doi Suthep-Pui, Zürich.", "Suthep", "Suthep-Pui"),
            ("near Doi Suthep-Pui, Zürich.", "Z", "Zürich"),
            ("mail anna@company.org", "mail", "mail"),
            // Numbers: thousands groups and a standing minus sign; a list's comma and a joining
            // hyphen are left out.
            ("costing $200,000 or more", "200", "200,000"),
            ("costing 1,250,000.5 in all", "1", "1,250,000.5"),
            ("a=1, b=-3, c=2", "3", "-3"),
            ("lat -37.18 long 2", "37", "-37.18"),
            ("at 5,10 and 15", "5", "5"),
            ("at 5,10 and 15", "10", "10"),
            ("in Suthep-3 now", "3", "Suthep-3"),
        ];
        for (q, piece, want) in cases {
            let (a, b) = covering(q, piece);
            let (a, b) = widen(q, a, b);
            assert_eq!(&q[a..b], want, "{q:?} from {piece:?}");
        }
    }

    #[test]
    fn a_span_that_starts_a_quote_takes_all_of_it() {
        // (request, the text the span covers (its first occurrence), the text it becomes)
        let cases = [
            ("set the password to 'Passw0rd!' now", "Passw0rd", "'Passw0rd!'"),
            ("text her \"How are you?\" tonight", "How are you", "\"How are you?\""),
            ("the human gene 'BRCA1'.", "BRCA1'", "'BRCA1'"),
            ("the human gene 'BRCA1'.", "'BRCA1", "'BRCA1'"),
            ("body 'Let's meet at 10' please", "Let's meet", "'Let's meet at 10'"),
            ("say “hi there” to him", "hi", "“hi there”"),
            // Not the start of the quote, past its end, or no quote at all: unchanged.
            ("body 'Let's meet at 10' please", "meet at 10", "meet at 10"),
            ("'tea', 'coffee'", "tea', 'coffee", "tea', 'coffee"),
            ("Let's go to Oslo's harbour", "s go", "s go"),
            ("hits from the '90s and 'Hey Jude'", "90s", "90s"),
            ("remind me 'til Friday to call 'Mom'", "til Friday", "til Friday"),
            ("{'name':'John Doe'}", "John", "'John Doe'"),
            ("call Anna", "Anna", "Anna"),
        ];
        for (q, covered, want) in cases {
            let (a, b) = quoted(q, covering(q, covered));
            assert_eq!(&q[a..b], want, "{q:?} covering {covered:?}");
        }
    }

    /// The byte range of `text`'s first occurrence in `q`.
    fn covering(q: &str, text: &str) -> (usize, usize) {
        let a = q.find(text).expect("the text is in the request");
        (a, a + text.len())
    }

    #[test]
    fn nested_paths_make_objects() {
        let mut call = Map::new();
        insert_path(&mut call, "filter.status", Value::from("open"));
        insert_path(&mut call, "filter.owner", Value::from("me"));
        insert_path(&mut call, "limit", Value::from(3));
        assert_eq!(Value::Object(call), serde_json::json!({"filter": {"status": "open", "owner": "me"}, "limit": 3}));
    }

    fn param(path: &str, kind: &str, required: bool, members: Vec<Value>) -> Param {
        Param { path: path.into(), schema: serde_json::json!({"type": kind}), required, kind: kind.into(), members }
    }

    #[test]
    fn status_follows_the_schema() {
        // logits in Status::ALL order: absent, span, member, true, false
        let absent_first = [3.0, 1.0, 2.0, 0.5, 0.0];
        let page = param("page", "string", true, vec![Value::from("wifi"), Value::from("storage")]);
        assert_eq!(Status::choose(&absent_first, &page), Status::Member, "a required enum gets its likeliest member");
        let optional = param("page", "string", false, vec![Value::from("wifi")]);
        assert_eq!(Status::choose(&absent_first, &optional), Status::Absent);
        let nested = param("filter.page", "string", true, vec![]);
        assert_eq!(Status::choose(&absent_first, &nested), Status::Absent, "nested: required only with its parent");
        let flag = param("subtitles", "boolean", true, vec![]);
        assert_eq!(Status::choose(&absent_first, &flag), Status::True, "a boolean is never a span");
        let true_first = [0.0, 1.0, 0.5, 3.0, 0.0];
        let text = param("title", "string", false, vec![]);
        assert_eq!(Status::choose(&true_first, &text), Status::Span, "true / false only for a boolean");
        assert_eq!(Status::choose(&true_first, &param("x", "any", false, vec![])), Status::True);
    }

    /// Heads' outputs for one tool with `tags[pi][ti]` = (O, B, I) logits of request piece ti.
    fn heads_with_tags(tags: &[Vec<[f32; 3]>]) -> HeadsOut {
        let (p, n) = (tags.len(), tags[0].len());
        let t = n + 2; // [CLS] request [SEP]
        let mut spans = vec![0f32; p * t * N_TAGS];
        for (pi, row) in tags.iter().enumerate() {
            for (ti, logits) in row.iter().enumerate() {
                let at = (pi * t + 1 + ti) * N_TAGS;
                spans[at..at + N_TAGS].copy_from_slice(logits);
            }
        }
        HeadsOut { count: vec![0.0; N_COUNT], status: vec![0.0; p * N_STATUS], spans, members: vec![0.0; p], p, m: 1, t }
    }

    #[test]
    fn two_parameters_do_not_take_the_same_words() {
        const O: [f32; 3] = [4.0, 0.0, 0.0];
        let (b_sure, i_sure, b_unsure, i_unsure) = ([0.0, 4.0, 0.0], [0.0, 0.0, 4.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]);
        // "Yoakum SC next week": city is sure of pieces 0-1, state less sure of the same pieces,
        // and state's next likeliest start is piece 1.
        let out = heads_with_tags(&[
            vec![b_sure, i_sure, O, O],
            vec![b_unsure, i_unsure, O, O],
        ]);
        let tags = SpanTags::new(&out, 0, 4, None);
        let optional = tags.assign(&[0, 1], |_| false);
        assert_eq!(optional.get(&0), Some(&vec![(0, 1)]));
        assert_eq!(optional.get(&1), None, "an optional parameter loses words another took");
        let required = tags.assign(&[0, 1], |pi| pi == 1);
        assert_eq!(required.get(&0), Some(&vec![(0, 1)]));
        assert!(matches!(required.get(&1).map(|r| r[0]), Some((a, _)) if a >= 2), "a required one takes free words");
        // Two spans of one parameter (two calls, or a list) stay together.
        let out = heads_with_tags(&[vec![b_sure, O, b_sure, i_sure]]);
        let tags = SpanTags::new(&out, 0, 4, None);
        assert_eq!(tags.assign(&[0], |_| false).get(&0), Some(&vec![(0, 0), (2, 3)]));
    }

    #[test]
    fn a_span_continues_through_a_doubtful_inside_piece_only_with_a_threshold() {
        const O: [f32; 3] = [4.0, 0.0, 0.0];
        let (b, i) = ([0.0, 4.0, 0.0], [0.0, 0.0, 4.0]);
        // "Dr . Johnson today": the head is sure of "Dr" and "Johnson", and splits "." between
        // O (0.53) and I (0.39).
        let doubtful = [1.0, -1.0, 0.7];
        let out = heads_with_tags(&[vec![b, doubtful, i, O]]);
        assert_eq!(SpanTags::new(&out, 0, 4, None).assign(&[0], |_| false).get(&0), Some(&vec![(0, 0), (2, 2)]));
        assert_eq!(SpanTags::new(&out, 0, 4, Some(0.3)).assign(&[0], |_| false).get(&0), Some(&vec![(0, 2)]));
        assert_eq!(SpanTags::new(&out, 0, 4, Some(0.5)).assign(&[0], |_| false).get(&0), Some(&vec![(0, 0), (2, 2)]));
        // A piece likelier to begin a span than to continue one starts the next ("Paris Tokyo"),
        // and one whose O is likeliest but whose B beats I continues nothing.
        let out = heads_with_tags(&[vec![b, [0.0, 1.0, 0.8], O, O]]);
        assert_eq!(SpanTags::new(&out, 0, 4, Some(0.1)).assign(&[0], |_| false).get(&0), Some(&vec![(0, 0), (1, 1)]));
        let out = heads_with_tags(&[vec![b, [1.0, 0.5, 0.4], O, O]]);
        assert_eq!(SpanTags::new(&out, 0, 4, Some(0.1)).assign(&[0], |_| false).get(&0), Some(&vec![(0, 0)]));
        // A piece the argmax continues stays in at any threshold ("New York": York at O 0.30,
        // B 0.32, I 0.38 is below 0.5 and still I's).
        let york = [0.30f32.ln(), 0.32f32.ln(), 0.38f32.ln()];
        let out = heads_with_tags(&[vec![b, york, O, O]]);
        assert_eq!(SpanTags::new(&out, 0, 4, Some(0.5)).assign(&[0], |_| false).get(&0), Some(&vec![(0, 1)]));
        // Nor does a piece after O continue anything.
        let out = heads_with_tags(&[vec![b, O, doubtful, O]]);
        assert_eq!(SpanTags::new(&out, 0, 4, Some(0.3)).assign(&[0], |_| false).get(&0), Some(&vec![(0, 0)]));
    }
}
