//! What one warm request costs a function (CPU time, instructions), side by side with its two
//! baselines: hello-world echoing the same event (what any `lambda_http` function costs) and
//! the function's SDK floor (the same DynamoDB calls through the same client: what the SDK
//! costs). Above the floor is our own code.

use crate::events::Events;
use crate::floor;
use crate::measure::{Bench, Workload};
use crate::process::Binary;
use crate::report::{Goal, Report, Row};
use anyhow::Result;
use std::path::Path;

const CREATE_CALLS: &[(&str, usize)] = &[("DynamoDB.TransactWriteItems", 1)];
/// A keyed create reads its key's record first; so do a patch and an erasure their customer.
const READ_THEN_WRITE: &[(&str, usize)] =
    &[("DynamoDB.GetItem", 1), ("DynamoDB.TransactWriteItems", 1)];
const GET_CALLS: &[(&str, usize)] = &[("DynamoDB.GetItem", 1)];
/// Instructions per request of a create and a get: no higher than in the report of 3512773
/// (issue 23 changes what they call at init and on a document, not what they do per request).
const CREATE_INSTRUCTIONS: Goal = Goal::AtMost(1_161_562.0);
const GET_INSTRUCTIONS: Goal = Goal::AtMost(930_132.0);
const PAGE_CALLS: &[(&str, usize)] = &[("DynamoDB.BatchGetItem", 1), ("DynamoDB.Query", 8)];

pub struct Functions<'a> {
    pub create: &'a Binary,
    pub get: &'a Binary,
    pub list: &'a Binary,
    pub update: &'a Binary,
    pub delete: &'a Binary,
    pub list_events: &'a Binary,
}

/// One request to measure, with its baselines.
pub struct Case<'a> {
    pub label: &'static str,
    pub function: &'a Binary,
    pub subject: Workload<'a>,
    /// hello-world's workload: the same event, echoed.
    pub echo: Workload<'a>,
    pub floor: Binary,
    pub hello_goal: Goal,
    /// The goal of the instructions per request: against hello-world's, or a count.
    pub instructions_goal: Goal,
    /// The goal of the ratio to the floor, per request.
    pub floor_goal: Goal,
    /// Whether callgrind measures it too (it runs code some 50 times slower).
    pub instructions: bool,
}

/// The cases whose label contains `only` (all of them for ""), their floors built and checked.
/// The stub holds the customer that a real create wrote, for the requests that read one (and
/// the event item a real publisher wrote: crate::change_events::prepare).
pub async fn cases<'a>(
    bench: &Bench,
    f: &Functions<'a>,
    events: &'a Events,
    release_dir: &Path,
    only: &str,
) -> Result<Vec<Case<'a>>> {
    crate::lifecycle::hold_a_customer(bench, f.create, events).await?;
    let within = Goal::RatioAtMost(1.2);
    let three = Goal::RatioAtMost(3.0);
    let specs = [
        (
            "create (no document)",
            f.create,
            &events.create,
            201,
            CREATE_CALLS,
            (three, CREATE_INSTRUCTIONS),
            within,
            true,
        ),
        (
            "create with an Idempotency-Key",
            f.create,
            &events.create_keyed,
            201,
            READ_THEN_WRITE,
            (Goal::Report, Goal::Report),
            Goal::Report,
            true,
        ),
        (
            "get",
            f.get,
            &events.get,
            200,
            GET_CALLS,
            (three, GET_INSTRUCTIONS),
            within,
            true,
        ),
        (
            "patch moving the email",
            f.update,
            &events.patch_unique,
            200,
            READ_THEN_WRITE,
            (three, three),
            Goal::Report,
            true,
        ),
        (
            "list, a page of 20",
            f.list,
            &events.list,
            200,
            PAGE_CALLS,
            (three, three),
            Goal::Report,
            true,
        ),
        (
            "GET /events, a page of 20",
            f.list_events,
            &events.list_events,
            200,
            crate::change_events::EVENTS_PAGE_CALLS,
            (Goal::Report, Goal::Report),
            Goal::Report,
            true,
        ),
        (
            "delete",
            f.delete,
            &events.delete,
            204,
            READ_THEN_WRITE,
            (three, three),
            Goal::Report,
            false,
        ),
    ];
    let mut cases = Vec::new();
    for (label, function, event, status, calls, goals, floor_goal, instructions) in specs {
        let (hello_goal, instructions_goal) = goals;
        if !label.contains(only) {
            continue;
        }
        let subject = Workload {
            event,
            status,
            calls_per_request: calls,
        };
        let floor = floor::of(bench, function, &subject, release_dir, label).await?;
        cases.push(Case {
            label,
            function,
            subject,
            echo: Workload {
                event,
                status: 200,
                calls_per_request: &[],
            },
            floor,
            hello_goal,
            instructions_goal,
            floor_goal,
            instructions,
        });
    }
    Ok(cases)
}

pub async fn cpu(
    bench: &Bench,
    cases: &[Case<'_>],
    baseline: &Binary,
    requests: usize,
    rounds: usize,
    report: &mut Report,
) -> Result<()> {
    for case in cases {
        let measured = bench
            .cpu_alternating(
                &[
                    (case.function, &case.subject),
                    (baseline, &case.echo),
                    (&case.floor, &case.subject),
                ],
                20,
                requests,
                rounds,
            )
            .await?;
        report.push(
            Row::ratio(
                format!("CPU per request, {}", case.label),
                measured[0],
                measured[1],
                "µs",
                case.hello_goal,
            )
            .with_floor(measured[2], case.floor_goal),
        );
    }
    Ok(())
}

pub async fn instructions(
    bench: &Bench,
    cases: &[Case<'_>],
    baseline: &Binary,
    report: &mut Report,
) -> Result<()> {
    for case in cases.iter().filter(|c| c.instructions) {
        let function = bench
            .instructions_per_request(case.function, case.label, &case.subject, 3, 30)
            .await?;
        let echo = bench
            .instructions_per_request(baseline, case.label, &case.echo, 3, 30)
            .await?;
        let floor = bench
            .instructions_per_request(&case.floor, case.label, &case.subject, 3, 30)
            .await?;
        report.push(
            Row::ratio(
                format!("instructions per request, {}", case.label),
                function,
                echo,
                "instr",
                case.instructions_goal,
            )
            .with_floor(floor, case.floor_goal),
        );
    }
    Ok(())
}

/// What X-Ray tracing costs: the same function with the daemon's address set (as
/// `Tracing: Active` sets it), at init and per request, every invocation sampled (Lambda
/// samples the first request of each second and 5% of the rest: this is the worst case). The
/// subsegments go to a socket of the bench's that reads none of them.
pub async fn tracing(bench: &Bench, cases: &[Case<'_>], report: &mut Report) -> Result<()> {
    let daemon = std::net::UdpSocket::bind("127.0.0.1:0")?;
    let address = daemon.local_addr()?.to_string();
    for case in cases
        .iter()
        .filter(|c| c.label == "get" || c.label == "create (no document)")
    {
        let mut traced = case.function.clone();
        traced
            .environment
            .insert("AWS_XRAY_DAEMON_ADDRESS".to_owned(), address.clone());
        let plain = bench
            .instructions_per_request(case.function, case.label, &case.subject, 3, 30)
            .await?;
        let label = format!("{} traced", case.label);
        let with_traces = bench
            .instructions_per_request(&traced, &label, &case.subject, 3, 30)
            .await?;
        let cold = bench
            .cold_instructions(case.function, case.label, &case.subject)
            .await?;
        let cold_traced = bench
            .cold_instructions(&traced, &label, &case.subject)
            .await?;
        report.push(Row::value(
            format!(
                "tracing's cost at cold init, {} ({} instr against {} untraced)",
                case.function.name,
                cold_traced.init.round(),
                cold.init.round()
            ),
            (cold_traced.init / cold.init - 1.0) * 100.0,
            "%",
            Goal::Report,
        ));
        report.push(Row::value(
            format!(
                "tracing's cost per request, {} (every invocation sampled: {} instr against {} untraced)",
                case.label,
                with_traces.round(),
                plain.round()
            ),
            (with_traces / plain - 1.0) * 100.0,
            "%",
            Goal::Report,
        ));
    }
    Ok(())
}
