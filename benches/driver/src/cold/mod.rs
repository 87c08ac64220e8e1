//! Cold starts of every function, of hello-world and of the SDK floors: the init (process start
//! to the first poll of the Runtime API), the first request after it, and the two together,
//! the cold request a first client waits for; each timed and counted in instructions, which do
//! not move with the machine's load as times do, and modelled at 128 MB (crate::model).

mod starts;
mod subjects;

use crate::events::Events;
use crate::floor;
use crate::measure::Bench;
use crate::model::Model;
use crate::per_request::Case;
use crate::process::Binary;
use crate::report::{Goal, Report, Row};
use anyhow::Result;
use starts::{ColdInstructions, ColdTimes};
use subjects::Role;

/// One binary's cold starts, timed and counted.
struct Cold {
    times: ColdTimes,
    instructions: ColdInstructions,
}

type Of = fn(&Cold) -> f64;

/// A figure of the cold starts: its title, whether its rows name the request, its unit, how it
/// is read, which instructions model it, and its goals against hello-world and the floor.
struct Figure {
    title: &'static str,
    names_request: bool,
    unit: &'static str,
    value: Of,
    modelled: Of,
    goal: Goal,
    floor_goal: Goal,
}

const FIGURES: [Figure; 5] = [
    Figure {
        title: "cold init",
        names_request: false,
        unit: "µs",
        value: |c| c.times.init,
        modelled: |c| c.instructions.init,
        goal: Goal::RatioAtMost(1.3),
        // Times of a function and its floor moved apart from run to run at equal
        // instructions (docs/performance.md): the floor's goal is held in instructions.
        floor_goal: Goal::Report,
    },
    Figure {
        title: "instructions at init",
        names_request: false,
        unit: "instr",
        value: |c| c.instructions.init,
        modelled: |c| c.instructions.init,
        goal: Goal::Report,
        floor_goal: Goal::RatioAtMost(1.1),
    },
    Figure {
        title: "first request after init",
        names_request: true,
        unit: "µs",
        value: |c| c.times.first_request,
        modelled: |c| c.instructions.first_request(),
        goal: Goal::Report,
        floor_goal: Goal::Report,
    },
    Figure {
        title: "instructions of the first request after init",
        names_request: true,
        unit: "instr",
        value: |c| c.instructions.first_request(),
        modelled: |c| c.instructions.first_request(),
        goal: Goal::Report,
        floor_goal: Goal::RatioAtMost(1.5),
    },
    Figure {
        title: "cold request",
        names_request: true,
        unit: "µs",
        value: |c| c.times.request,
        modelled: |c| c.instructions.request,
        goal: Goal::RatioAtMost(1.5),
        floor_goal: Goal::Report,
    },
];

pub async fn figures(
    bench: &Bench,
    baseline: &Binary,
    functions: &[Binary],
    cases: &[Case<'_>],
    events: &Events,
    options: &crate::Options,
    report: &mut Report,
) -> Result<()> {
    let subjects = subjects::of(bench, baseline, functions, cases, events, &options.case).await?;
    eprintln!(
        "cold starts: {} alternating runs of {} binaries, each with its first request",
        options.runs,
        subjects.len()
    );
    let pairs: Vec<_> = subjects.iter().map(|s| (s.binary, &s.workload)).collect();
    let times = bench.cold_starts(&pairs, options.runs).await?;
    eprintln!("instructions of the cold starts (callgrind)");
    let mut cold = Vec::with_capacity(subjects.len());
    let mut plans = Vec::new();
    for (subject, times) in subjects.iter().zip(times) {
        let mut instructions = bench
            .cold_instructions(subject.binary, subject.label, &subject.workload)
            .await?;
        if subject.role == Role::Floor {
            let plan = floor::plan_instructions(bench, subject.binary).await?;
            instructions.request -= plan;
            plans.push(format!("{} {plan:.0}", subject.label));
        }
        cold.push(Cold {
            times,
            instructions,
        });
    }
    let functions_measured = || {
        subjects
            .iter()
            .zip(&cold)
            .filter(|(s, _)| s.role == Role::Function)
    };
    // The rate is measured on requests: a stream batch is one long computation over a large
    // event, which runs at a rate of its own (5.7 G instructions per CPU second in a trial run,
    // a page of events 2.5 G) and, being large, would move every request's model.
    let model = Model::measured(
        functions_measured()
            .filter(|(s, _)| !s.batch)
            .map(|(_, c)| (c.instructions.request, c.times.cpu)),
    );
    if let Some(model) = model {
        report.header(model.describe(functions_measured().filter(|(s, _)| !s.batch).count()));
    }
    if !plans.is_empty() {
        report.note(format!(
            "A floor parses the plan it replays on its first request: the bench's work, taken out of its first request's and cold request's instructions (instructions: {}).",
            plans.join(", ")
        ));
    }
    let hello = &cold[0];
    for figure in &FIGURES {
        for (subject, measured) in functions_measured() {
            let name = if figure.names_request {
                format!(
                    "{}, {}: {}",
                    figure.title, subject.binary.name, subject.label
                )
            } else {
                format!("{}, {}", figure.title, subject.binary.name)
            };
            let value = figure.value;
            // A hundred changes are not one request: a request's goals are not a batch's.
            let goal = if subject.batch && figure.names_request {
                Goal::Report
            } else {
                figure.goal
            };
            let mut row = Row::ratio(name, value(measured), value(hello), figure.unit, goal);
            if let Some(floor) = subject.floor {
                row = row.with_floor(value(&cold[floor]), figure.floor_goal);
            }
            if let Some(model) = model {
                row = row.with_model(model.milliseconds((figure.modelled)(measured)));
            }
            report.push(row);
        }
    }
    Ok(())
}
