//! `make bench`: measures the functions against two baselines run side by side, each built
//! with the same profile: lambda_http's hello world (what any function costs) and each
//! function's SDK floor (benches/sdk-floor: its DynamoDB calls alone, through the same SDK
//! client). Prints the table and writes docs/benchmarks.md. Absolute times on a shared machine
//! mean little; the ratios are the figures to read, and the cold figures are also modelled at
//! 128 MB (crate::model).

mod aws_stub;
mod capacity;
mod change_events;
mod cold;
mod events;
mod floor;
mod keyed;
mod lifecycle;
mod measure;
mod model;
mod per_request;
mod process;
mod report;
mod runtime_api;
mod size;
mod throughput;

use anyhow::{bail, Context, Result};
use aws_stub::AwsStub;
use events::Events;
use local_gateway::template::{Bindings, Template};
use measure::{Bench, Workload};
use process::Binary;
use report::{Goal, Report, Row};
use std::collections::BTreeMap;
use std::path::PathBuf;

const BASELINE: &str = "hello-world";
/// Rounds of the CPU-time figure; its median round is reported.
const CPU_ROUNDS: usize = 9;
const IMAGES: &str = "create with two 1 MB images";
const CREATE: &str = "create-customer";
const GET: &str = "get-customer";
const LIST: &str = "list-customers";
const UPDATE: &str = "update-customer";
const DELETE: &str = "delete-customer";
const LIST_EVENTS: &str = "list-events";

/// The template's variable that names the KMS key of document fingerprints.
const FINGERPRINT_KEY: &str = "DOCUMENT_FINGERPRINT_KEY";
/// Peak RSS of the create at the largest request: no higher than in the report of 3512773.
const PEAK_RSS_MB: f64 = 31.20;

const CREATE_WITH_DOCUMENT_CALLS: &[(&str, usize)] = &[
    ("DynamoDB.TransactWriteItems", 1),
    ("KMS.GenerateMac", 1),
    ("S3.DeleteObject", 2),
    ("S3.GetObject", 2),
    ("S3.PutObject", 2),
];

struct Options {
    root: PathBuf,
    release_dir: PathBuf,
    lambda_dir: PathBuf,
    out: Option<PathBuf>,
    runs: usize,
    requests: usize,
    /// Figures to measure (all when empty).
    only: Vec<String>,
    /// Per-request cases to measure: those whose label contains this (all when empty).
    case: String,
}

const USAGE: &str = "\
bench [--only FIGURES] [--case TEXT] [--runs N] [--requests N] [--out FILE]
      [--release-dir DIR] [--lambda-dir DIR]

  --only         comma-separated, all when absent: cold (every function's init, first request
                 and cold request, timed and under callgrind, modelled at 128 MB), cpu (CPU per
                 warm request), instructions (per warm request), memory, capacity, size,
                 throughput (needs moto: run inside tools/with-moto)
  --case         only the per-request cases and cold starts whose label or function contains TEXT
  --runs         cold starts per binary (30)
  --requests     requests per CPU round (200)
  --out          write the report there (docs/benchmarks.md in `make bench`)
  --release-dir  the binaries to run (target/release)
  --lambda-dir   the arm64 builds to size (target/lambda)";

const FIGURES: &[&str] = &[
    "cold",
    "cpu",
    "instructions",
    "memory",
    "capacity",
    "size",
    "throughput",
];

impl Options {
    fn parse() -> Result<Self> {
        let mut options = Self {
            root: std::env::current_dir()?,
            release_dir: PathBuf::from("target/release"),
            lambda_dir: PathBuf::from("target/lambda"),
            out: None,
            runs: 30,
            requests: 200,
            only: Vec::new(),
            case: String::new(),
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                println!("{USAGE}");
                std::process::exit(0);
            }
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--release-dir" => options.release_dir = value.into(),
                "--lambda-dir" => options.lambda_dir = value.into(),
                "--out" => options.out = Some(value.into()),
                "--runs" => options.runs = value.parse()?,
                "--requests" => options.requests = value.parse()?,
                "--case" => options.case = value,
                "--only" => {
                    options.only = value.split(',').map(str::to_owned).collect();
                    if let Some(unknown) = options.only.iter().find(|f| !FIGURES.contains(&f.as_str())) {
                        bail!("unknown figure {unknown}: one of {}", FIGURES.join(", "));
                    }
                }
                other => bail!("unknown option {other} (--release-dir, --lambda-dir, --out, --runs, --requests, --only, --case)"),
            }
        }
        if options.runs < 3 || options.requests < 10 {
            bail!("--runs must be at least 3 and --requests at least 10");
        }
        Ok(options)
    }

    fn wants(&self, figure: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|f| f == figure)
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let options = Options::parse()?;
    let root = &options.root;
    let mut events = Events::load(root)?;
    let template = Template::load(&root.join("template.yaml"))?;
    let functions = functions(&template, &options)?;
    let baseline = Binary::new(BASELINE, &options.release_dir, BTreeMap::new());
    let create = find(&functions, CREATE)?;
    let get = find(&functions, GET)?;
    let lifecycle = per_request::Functions {
        create,
        get,
        list: find(&functions, LIST)?,
        update: find(&functions, UPDATE)?,
        delete: find(&functions, DELETE)?,
        list_events: find(&functions, LIST_EVENTS)?,
    };
    let publisher = find(&functions, change_events::PUBLISHER)?;
    let logs = root.join("target/bench/functions.log");
    std::fs::create_dir_all(logs.parent().context("log path")?)?;
    let _ = std::fs::remove_file(&logs);
    let bench = Bench {
        aws: AwsStub::start(capacity::Tables::of(&template)?).await?,
        logs,
    };
    let mut report = Report::default();
    if ["cold", "cpu", "instructions", "capacity"]
        .iter()
        .any(|figure| options.wants(figure))
    {
        eprintln!("the publisher's stream batch, from a create and a patch");
        change_events::prepare(&bench, &lifecycle, publisher, &mut events).await?;
    }
    let events = events;
    let cases = if ["cold", "cpu", "instructions"]
        .iter()
        .any(|figure| options.wants(figure))
    {
        eprintln!("SDK floors: the functions' requests, captured and replayed");
        per_request::cases(
            &bench,
            &lifecycle,
            &events,
            &options.release_dir,
            &options.case,
        )
        .await?
    } else {
        Vec::new()
    };
    let images = Workload {
        event: &events.create_with_images,
        status: 201,
        calls_per_request: CREATE_WITH_DOCUMENT_CALLS,
    };
    let echo_images = Workload {
        event: &events.create_with_images,
        status: 200,
        calls_per_request: &[],
    };
    let largest = Workload {
        event: &events.create_largest,
        status: 201,
        calls_per_request: CREATE_WITH_DOCUMENT_CALLS,
    };
    let echo_largest = Workload {
        event: &events.create_largest,
        status: 200,
        calls_per_request: &[],
    };

    if options.wants("cold") {
        cold::figures(
            &bench,
            &baseline,
            &functions,
            &cases,
            &events,
            &options,
            &mut report,
        )
        .await?;
    }

    if options.wants("cpu") {
        let n = options.requests;
        eprintln!(
            "warm CPU time: {n} requests after 20, median of {CPU_ROUNDS} alternating rounds"
        );
        per_request::cpu(&bench, &cases, &baseline, n, CPU_ROUNDS, &mut report).await?;
        let cpu_images = bench
            .cpu_alternating(
                &[(create, &images), (&baseline, &echo_images)],
                5,
                n / 4,
                CPU_ROUNDS,
            )
            .await?;
        report.push(Row::ratio(
            "CPU per request, create with two 1 MB images",
            cpu_images[0],
            cpu_images[1],
            "µs",
            Goal::Report,
        ));
    }

    if options.wants("instructions") {
        eprintln!("instructions per request (callgrind)");
        per_request::instructions(&bench, &cases, &baseline, &mut report).await?;
        per_request::tracing(&bench, &cases, &mut report).await?;
        if change_events::PUBLISHER.contains(&options.case)
            || change_events::BATCH.contains(&options.case)
        {
            change_events::instructions(&bench, publisher, &events, &mut report).await?;
        }
        let ir_images = bench
            .instructions_per_request(create, IMAGES, &images, 2, 8)
            .await?;
        let ir_echo_images = bench
            .instructions_per_request(&baseline, IMAGES, &echo_images, 2, 8)
            .await?;
        report.push(Row::ratio(
            "instructions per request, create with two 1 MB images",
            ir_images,
            ir_echo_images,
            "instr",
            Goal::Report,
        ));
    }

    if options.wants("memory") {
        eprintln!("peak memory");
        let (peak, at_init) = bench.peak_memory(create, &largest).await?;
        let (echo_peak, _) = bench.peak_memory(&baseline, &echo_largest).await?;
        report.push(Row::ratio(
            format!(
                "peak RSS, create, {:.1} MB request",
                events.create_largest.len() as f64 / 1e6
            ),
            peak as f64 / 1e6,
            echo_peak as f64 / 1e6,
            "MB",
            Goal::AtMost(PEAK_RSS_MB),
        ));
        report.note(format!(
            "create-customer: {:.1} MB resident after init, {:.1} MB at the peak of the largest request ({:.1} MB event): the request adds {:.1} MB, {:.1}x its size.",
            at_init as f64 / 1e6,
            peak as f64 / 1e6,
            events.create_largest.len() as f64 / 1e6,
            (peak - at_init) as f64 / 1e6,
            (peak - at_init) as f64 / events.create_largest.len() as f64,
        ));
    }

    if options.wants("capacity") {
        eprintln!("DynamoDB capacity");
        lifecycle::create_and_get_capacity(&bench, create, get, &events, &mut report).await?;
        lifecycle::capacity(&bench, &lifecycle, &events, &mut report).await?;
        keyed::capacity(&bench, create, &events, &mut report).await?;
        change_events::capacity(&bench, publisher, &events, &mut report).await?;
        change_events::page_capacity(&bench, lifecycle.list_events, &events, &mut report).await?;
    }

    if options.wants("size") {
        eprintln!("sizes (arm64)");
        let hello_size = size::deployment(&options.lambda_dir, BASELINE)?;
        for function in &functions {
            let size = size::deployment(&options.lambda_dir, &function.name)?;
            report.push(Row::ratio(
                format!("binary, {} (arm64, stripped)", function.name),
                size.binary as f64 / 1e6,
                hello_size.binary as f64 / 1e6,
                "MB",
                Goal::AtMost(8.0),
            ));
            report.push(Row::ratio(
                format!("zip, {}", function.name),
                size.zip as f64 / 1e6,
                hello_size.zip as f64 / 1e6,
                "MB",
                Goal::Report,
            ));
        }
    }

    if options.wants("throughput") {
        eprintln!("throughput through the local gateway and moto");
        let throughput =
            throughput::creates_per_second(root, &options.release_dir, &bench.logs, 16, 10).await?;
        report.push(Row::value(
            format!(
                "creates/s, local gateway + moto, {} clients",
                throughput.clients
            ),
            throughput.per_second,
            "/s",
            Goal::Report,
        ));
        report.note(format!(
            "Throughput: {} creates by {} concurrent clients, all 201; moto serialises DynamoDB operations (tools/moto-server), so this is the local stack's ceiling, not Lambda's.",
            throughput.creates, throughput.clients
        ));
    }

    let markdown = report.markdown(root, options.runs)?;
    println!("{}", report.table());
    if let Some(out) = &options.out {
        std::fs::write(root.join(out), markdown)?;
        eprintln!("written to {}", out.display());
    }
    Ok(())
}

pub(crate) fn find<'a>(functions: &'a [Binary], name: &str) -> Result<&'a Binary> {
    functions
        .iter()
        .find(|f| f.name == name)
        .with_context(|| format!("template.yaml has no function built as {name}"))
}

/// Every function of the template, with its environment. What the template leaves to the
/// deployer (parameters without a default: the token's issuer and audience, read only under
/// `sam local`) gets a bench value; the fingerprint key is the stub's KMS key wherever the
/// template declares one (its ARN is AWS's to give).
fn functions(template: &Template, options: &Options) -> Result<Vec<Binary>> {
    let mut binaries = Vec::new();
    for function in template.functions(&Bindings::default())? {
        let mut environment = function.environment.clone();
        for name in function.unresolved.keys() {
            environment.insert(name.clone(), format!("bench-{}", name.to_lowercase()));
        }
        if let Some(key) = environment.get_mut(FINGERPRINT_KEY) {
            *key = aws_stub::KMS_KEY_ARN.to_owned();
        }
        binaries.push(Binary::new(
            &function.binary,
            &options.release_dir,
            environment,
        ));
    }
    Ok(binaries)
}
