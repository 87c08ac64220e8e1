//! Cold init: process start to the first poll of the Runtime API, for every function, the
//! create with its key in the environment, and each route's SDK floor; and the instructions of
//! the init, which do not move with the machine's load as times do.

use crate::floor;
use crate::measure::Bench;
use crate::per_request::Case;
use crate::process::Binary;
use crate::report::{Goal, Report, Row};
use anyhow::Result;
use std::collections::BTreeMap;

pub async fn figures(
    bench: &Bench,
    baseline: &Binary,
    functions: &[Binary],
    create: &Binary,
    cases: &[Case<'_>],
    runs: usize,
    report: &mut Report,
) -> Result<()> {
    let mut binaries = vec![baseline.clone()];
    binaries.extend(functions.iter().cloned());
    // The create as it would start with its key in the environment: the difference is
    // what reading the key from Secrets Manager at init costs (on loopback: our side of
    // it, not AWS's network).
    let mut key_in_environment = create.clone();
    key_in_environment.name = format!("{} (key in the environment)", create.name);
    key_in_environment
        .environment
        .remove("DOCUMENT_HASH_KEY_SECRET");
    key_in_environment.environment.insert(
        "DOCUMENT_HASH_KEY".into(),
        "bench-stand-in-for-the-document-hash-key-of-64-characters-----".into(),
    );
    binaries.push(key_in_environment);
    // A function's floor starts as it does (the same client, the same secrets read): the
    // plan a floor replays is read on its first request, so any of its cases will do.
    let mut floors = BTreeMap::new();
    for case in cases {
        floors.entry(case.function.name.clone()).or_insert_with(|| {
            binaries.push(case.floor.clone());
            binaries.len() - 1
        });
    }
    eprintln!(
        "cold init: {} alternating runs of {} binaries",
        runs,
        binaries.len()
    );
    let inits = bench.cold_init(&binaries, runs).await?;
    for (binary, init) in binaries.iter().zip(&inits).skip(1) {
        if binary.path.ends_with(floor::FLOOR) {
            continue;
        }
        let mut row = Row::ratio(
            format!("cold init, {}", binary.name),
            *init,
            inits[0],
            "µs",
            Goal::RatioAtMost(1.3),
        );
        if let Some(&floor) = floors.get(&binary.name) {
            row = row.with_floor(inits[floor], Goal::RatioAtMost(1.1));
        }
        report.push(row);
    }
    eprintln!("instructions at init (callgrind)");
    let hello = bench.instructions_at_init(baseline).await?;
    for (name, &floor) in &floors {
        let function = crate::find(functions, name)?;
        report.push(
            Row::ratio(
                format!("instructions at init, {name}"),
                bench.instructions_at_init(function).await?,
                hello,
                "instr",
                Goal::Report,
            )
            .with_floor(
                bench.instructions_at_init(&binaries[floor]).await?,
                Goal::RatioAtMost(1.1),
            ),
        );
    }
    Ok(())
}
