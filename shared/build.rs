//! Compiles libphonenumber's metadata (as shipped by `phonenumber`, 9.0.33) into static tables,
//! so that reading a phone number at run time compiles no regex and builds nothing.
//!
//! Every digit pattern becomes a deterministic automaton over the ten digits (regex-automata,
//! anchored); all automata share one state table, minimised together, so that the many
//! patterns ending in the same `\d{7}` share those states. The table and one `Entity` per
//! region (and per non-geographic calling code) are written to `$OUT_DIR/phone_metadata.rs`,
//! which `domain/phone/metadata.rs` includes.

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Flags of a state: the digits read so far match (end of input next / more digits next).
const ACCEPT_END: u8 = 1;
const ACCEPT_MID: u8 = 2;

struct Pool {
    trans: Vec<[u32; 10]>,
    flags: Vec<u8>,
}

impl Pool {
    fn new() -> Self {
        // State 0 is dead: no digit leads anywhere and nothing matches.
        Pool {
            trans: vec![[0; 10]],
            flags: vec![0],
        }
    }

    /// Adds a pattern's automaton; returns its start state. `prefix` compiles it with
    /// leftmost-first semantics (Java's `lookingAt`, whose match end matters); otherwise every
    /// match is kept, as a full match (Java's `matches`) needs.
    fn add(&mut self, pattern: &str, prefix: bool) -> u32 {
        let pattern: String = pattern.chars().filter(|c| !c.is_whitespace()).collect();
        let kind = if prefix {
            MatchKind::LeftmostFirst
        } else {
            MatchKind::All
        };
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Anchored)
                    .match_kind(kind),
            )
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .build(&pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .unwrap();
        let mut ids: HashMap<usize, u32> = HashMap::new();
        let mut queue = Vec::new();
        let id = |s: regex_automata::util::primitives::StateID,
                  ids: &mut HashMap<usize, u32>,
                  queue: &mut Vec<_>,
                  pool: &mut Pool| {
            if dfa.is_dead_state(s) {
                return 0;
            }
            *ids.entry(s.as_usize()).or_insert_with(|| {
                pool.trans.push([0; 10]);
                pool.flags.push(0);
                queue.push(s);
                (pool.trans.len() - 1) as u32
            })
        };
        let first = id(start, &mut ids, &mut queue, self);
        while let Some(s) = queue.pop() {
            let me = ids[&s.as_usize()] as usize;
            let mut flags = 0;
            if dfa.is_match_state(dfa.next_eoi_state(s)) {
                flags |= ACCEPT_END;
            }
            // regex-automata delays matches by one byte: the state after any next digit
            // tells whether the digits read so far match when more follow.
            if dfa.is_match_state(dfa.next_state(s, b'0')) {
                flags |= ACCEPT_MID;
            }
            self.flags[me] = flags;
            for d in 0..10u8 {
                let next = dfa.next_state(s, b'0' + d);
                let t = id(next, &mut ids, &mut queue, self);
                self.trans[me][d as usize] = t;
            }
        }
        first
    }

    /// Merges equivalent states (Moore's partition refinement) across every automaton;
    /// returns the new number of each old state. The dead state stays 0.
    fn minimise(&mut self) -> Vec<u32> {
        let n = self.trans.len();
        let mut class: Vec<u32> = self.flags.iter().map(|&f| f as u32).collect();
        let mut count = 0;
        loop {
            let mut seen: HashMap<(u32, [u32; 10]), u32> = HashMap::new();
            // The dead state's signature first, so that it becomes class 0.
            let mut next = vec![0u32; n];
            for s in 0..n {
                let sig = (class[s], self.trans[s].map(|t| class[t as usize]));
                let len = seen.len() as u32;
                next[s] = *seen.entry(sig).or_insert(len);
            }
            class = next;
            if seen.len() == count {
                break;
            }
            count = seen.len();
        }
        let mut trans = vec![[0u32; 10]; count];
        let mut flags = vec![0u8; count];
        for s in 0..n {
            let c = class[s] as usize;
            trans[c] = self.trans[s].map(|t| class[t as usize]);
            flags[c] = self.flags[s];
        }
        self.trans = trans;
        self.flags = flags;
        class
    }
}

/// A number type's description: its automaton and its possible national lengths.
struct Desc {
    start: u32,
    lengths: u32,
}

struct Entity {
    id: String,
    code: u16,
    general: Desc,
    local_lengths: u32,
    /// In libphonenumber's order of `getNumberTypeHelper`, then fixed line and mobile.
    types: Vec<Option<Desc>>,
    same_mobile_and_fixed_line: bool,
    leading_digits: Option<u32>,
    international_prefix: Option<u32>,
    national_prefix: NationalPrefix,
    example_mobile: Option<String>,
}

enum NationalPrefix {
    None,
    Strip(u32),
    Transform(String, String),
}

fn mask(lengths: &[u16]) -> u32 {
    lengths.iter().fold(0, |m, &l| m | (1 << l))
}

fn strip(pattern: &str) -> String {
    pattern.chars().filter(|c| !c.is_whitespace()).collect()
}

fn entity(meta: &Metadata, pool: &mut Pool) -> Entity {
    let d = meta.descriptors();
    // Java's order in getNumberTypeHelper, then the two it tests last.
    let typed: [Option<&Descriptor>; 10] = [
        d.premium_rate(),
        d.toll_free(),
        d.shared_cost(),
        d.voip(),
        d.personal_number(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.fixed_line(),
        d.mobile(),
    ];
    // libphonenumber derives the general description's lengths from every type's (but
    // "no international dialling"); `phonenumber` keeps the XML's, where the general has none.
    let general_lengths = typed
        .iter()
        .flatten()
        .fold(0, |m, t| m | mask(t.possible_length()));
    // A length local-only for one type but whole for another is whole (BuildMetadataFromXml).
    let local_lengths = typed
        .iter()
        .flatten()
        .fold(0, |m, t| m | mask(t.possible_local_length()))
        & !general_lengths;
    let general = Desc {
        start: pool.add(d.general().national_number().as_str(), false),
        lengths: general_lengths,
    };
    let types = typed
        .iter()
        .map(|t| {
            t.map(|t| Desc {
                start: pool.add(t.national_number().as_str(), false),
                lengths: match mask(t.possible_length()) {
                    0 => general_lengths,
                    own => own,
                },
            })
        })
        .collect();
    let pattern = |t: Option<&Descriptor>| t.map(|t| strip(t.national_number().as_str()));
    let national_prefix = match (
        meta.national_prefix_for_parsing().map(|r| r.as_str()),
        meta.national_prefix_transform_rule(),
    ) {
        (Some(p), Some(rule)) if !rule.is_empty() => {
            NationalPrefix::Transform(strip(p), rule.to_string())
        }
        (Some(p), _) => NationalPrefix::Strip(pool.add(p, true)),
        // libphonenumber parses with the national prefix when there is no pattern for it.
        (None, _) => match meta.national_prefix() {
            Some(np) if !np.is_empty() => NationalPrefix::Strip(pool.add(np, true)),
            _ => NationalPrefix::None,
        },
    };
    Entity {
        id: meta.id().to_string(),
        code: meta.country_code(),
        general,
        local_lengths,
        types,
        same_mobile_and_fixed_line: pattern(d.mobile()).unwrap_or_default()
            == pattern(d.fixed_line()).unwrap_or_default(),
        leading_digits: meta.leading_digits().map(|r| pool.add(r.as_str(), true)),
        international_prefix: meta
            .international_prefix()
            .map(|r| pool.add(r.as_str(), true)),
        national_prefix,
        // In E.164: the examples are national significant numbers.
        example_mobile: d
            .mobile()
            .and_then(|m| m.example())
            .map(|national| format!("+{}{national}", meta.country_code())),
    }
}

fn desc(out: &mut String, d: &Desc, map: &[u32]) {
    write!(
        out,
        "Desc {{ start: {}, lengths: {:#x} }}",
        map[d.start as usize], d.lengths
    )
    .unwrap();
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut pool = Pool::new();
    let mut entities = Vec::new();
    for code in 1..1000u16 {
        if let Some(metas) = DATABASE.by_code(&code) {
            for meta in metas {
                entities.push(entity(meta, &mut pool));
            }
        }
    }
    let map = pool.minimise();
    let states = pool.trans.len();
    assert!(states < u16::MAX as usize, "{states} states do not fit u16");

    let mut out = String::new();
    writeln!(
        out,
        "pub(super) static TRANSITIONS: [[u16; 10]; {states}] = ["
    )
    .unwrap();
    for t in &pool.trans {
        writeln!(out, "{t:?},").unwrap();
    }
    writeln!(
        out,
        "];\npub(super) static FLAGS: [u8; {states}] = {:?};",
        pool.flags
    )
    .unwrap();
    writeln!(
        out,
        "pub(super) static ENTITIES: [Entity; {}] = [",
        entities.len()
    )
    .unwrap();
    let mut transforms = 0;
    for e in &entities {
        write!(out, "Entity {{ id: {:?}, code: {}, general: ", e.id, e.code).unwrap();
        desc(&mut out, &e.general, &map);
        write!(out, ", local_lengths: {:#x}, types: [", e.local_lengths).unwrap();
        for t in &e.types {
            match t {
                Some(t) => {
                    out.push_str("Some(");
                    desc(&mut out, t, &map);
                    out.push_str("), ");
                }
                None => out.push_str("None, "),
            }
        }
        let opt = |s: Option<u32>| match s {
            Some(s) => format!("Some({})", map[s as usize]),
            None => "None".into(),
        };
        let national_prefix = match &e.national_prefix {
            NationalPrefix::None => "NationalPrefix::None".to_string(),
            NationalPrefix::Strip(s) => format!("NationalPrefix::Strip({})", map[*s as usize]),
            NationalPrefix::Transform(pattern, rule) => {
                regex_lite::Regex::new(&format!("^(?:{pattern})"))
                    .unwrap_or_else(|err| panic!("{}: {pattern}: {err}", e.id));
                transforms += 1;
                format!(
                    "NationalPrefix::Transform {{ slot: {}, pattern: {pattern:?}, rule: {rule:?} }}",
                    transforms - 1
                )
            }
        };
        writeln!(
            out,
            "], same_mobile_and_fixed_line: {}, leading_digits: {}, international_prefix: {}, \
             national_prefix: {national_prefix}, example_mobile: {:?} }},",
            e.same_mobile_and_fixed_line,
            opt(e.leading_digits),
            opt(e.international_prefix),
            e.example_mobile,
        )
        .unwrap();
    }
    writeln!(out, "];\nconst TRANSFORMS: usize = {transforms};").unwrap();
    // Calling codes in order, each with its plans (main region first, as the metadata lists them).
    let mut codes: Vec<(u16, usize, usize)> = Vec::new();
    for (i, e) in entities.iter().enumerate() {
        match codes.last_mut() {
            Some(last) if last.0 == e.code => last.2 += 1,
            _ => codes.push((e.code, i, 1)),
        }
    }
    writeln!(
        out,
        "static CODES: [(u16, u16, u16); {}] = {codes:?};",
        codes.len()
    )
    .unwrap();
    let mut ids: Vec<(&str, usize)> = entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.id != "001")
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    ids.sort();
    writeln!(out, "static IDS: [(&str, u16); {}] = {ids:?};", ids.len()).unwrap();
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("phone_metadata.rs");
    std::fs::write(path, out).unwrap();
}
