//! The SDK floor of a function (benches/sdk-floor): the requests one run of the function sent
//! to the stub become the floor's plan, and one run of the floor must make the same calls at
//! init (none: neither reads a secret), send the same requests (the SDK's random
//! `ClientRequestToken` aside) and answer with a body of the same length, so that a floor can
//! never be cheaper by doing less network work than the function it stands for.

use crate::measure::{callgrind_instructions, Bench, Workload};
use crate::process::Binary;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub const FLOOR: &str = "sdk-floor";

/// The floor of `function` for `workload`, checked; `label` names it in the logs and profiles.
pub async fn of(
    bench: &Bench,
    function: &Binary,
    workload: &Workload<'_>,
    release_dir: &Path,
    label: &str,
) -> Result<Binary> {
    let function_run = bench
        .capture(function, workload)
        .await
        .with_context(|| format!("capturing the requests of {}", function.name))?;
    let calls: Vec<Value> = function_run
        .requests
        .iter()
        .map(|(operation, request)| json!({"operation": operation, "request": without_token(request)}))
        .collect();
    let plan =
        json!({"status": workload.status, "body_bytes": function_run.body_bytes, "calls": calls});
    let slug = crate::measure::slug(label);
    let path = bench.logs.with_file_name(format!("floor.{slug}.json"));
    std::fs::write(&path, plan.to_string())?;
    let mut environment = function.environment.clone();
    environment.insert("SDK_FLOOR_PLAN".into(), path.display().to_string());
    let floor = Binary {
        name: format!("{FLOOR}.{slug}"),
        path: release_dir.join(FLOOR),
        environment,
    };
    let floor_run = bench.capture(&floor, workload).await?;
    if floor_run.init_calls != function_run.init_calls {
        bail!(
            "{}'s init called {:?}, {}'s {:?}",
            floor.name,
            floor_run.init_calls,
            function.name,
            function_run.init_calls
        );
    }
    if floor_run.body_bytes != function_run.body_bytes {
        bail!(
            "{}: answered {} bytes, {} answered {}",
            floor.name,
            floor_run.body_bytes,
            function.name,
            function_run.body_bytes
        );
    }
    if same_requests(&function_run.requests) != same_requests(&floor_run.requests) {
        bail!(
            "{} did not send what {} sent (plan: {})",
            floor.name,
            function.name,
            path.display()
        );
    }
    Ok(floor)
}

/// The instructions of parsing `floor`'s plan, which the floor does on its first request: the
/// bench's work, to be taken out of that request's count. The floor run with
/// `SDK_FLOOR_PARSE_ONLY` (it parses the plan and exits) on its plan, less the same run on a
/// plan without calls; both under callgrind.
pub async fn plan_instructions(bench: &Bench, floor: &Binary) -> Result<f64> {
    let plan_path = PathBuf::from(
        floor
            .environment
            .get("SDK_FLOOR_PLAN")
            .with_context(|| format!("{} has no plan", floor.name))?,
    );
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_path)?)?;
    plan["calls"] = json!([]);
    let empty_path = plan_path.with_extension("empty.json");
    std::fs::write(&empty_path, plan.to_string())?;
    let full = parse_only(bench, floor, &plan_path, "plan").await?;
    let empty = parse_only(bench, floor, &empty_path, "empty-plan").await?;
    if full <= empty {
        bail!(
            "{}: parsing its plan cost nothing ({full} vs {empty})",
            floor.name
        );
    }
    Ok((full - empty) as f64)
}

async fn parse_only(bench: &Bench, floor: &Binary, plan: &Path, label: &str) -> Result<u64> {
    let out = bench
        .logs
        .with_file_name(format!("callgrind.{}.{label}.out", floor.name));
    let _ = std::fs::remove_file(&out);
    let wrapper = [
        "valgrind".to_owned(),
        "--tool=callgrind".to_owned(),
        format!("--callgrind-out-file={}", out.display()),
    ];
    // It exits before it would reach the Runtime API: any address will do.
    let status = floor
        .command(
            "127.0.0.1:9".parse()?,
            &bench.aws.endpoint(),
            &bench.logs,
            &wrapper,
        )?
        .env("SDK_FLOOR_PARSE_ONLY", "1")
        .env("SDK_FLOOR_PLAN", plan)
        .status()
        .await?;
    if !status.success() {
        bail!(
            "{} could not parse {}: {status}",
            floor.name,
            plan.display()
        );
    }
    callgrind_instructions(&out)
}

/// The SDK fills `ClientRequestToken` with a fresh UUID when a transaction has none.
fn without_token(request: &Value) -> Value {
    let mut request = request.clone();
    if let Some(fields) = request.as_object_mut() {
        fields.remove("ClientRequestToken");
    }
    request
}

/// Requests in a comparable form: concurrent ones (a page's shard queries) arrive in any order.
fn same_requests(requests: &[(String, Value)]) -> Vec<String> {
    let mut texts: Vec<String> = requests
        .iter()
        .map(|(operation, request)| format!("{operation} {}", without_token(request)))
        .collect();
    texts.sort();
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_compare_without_their_order_or_token() {
        let a = [
            ("Query".to_owned(), json!({"Limit": 1})),
            (
                "TransactWriteItems".to_owned(),
                json!({"ClientRequestToken": "x", "TransactItems": []}),
            ),
        ];
        let b = [
            (
                "TransactWriteItems".to_owned(),
                json!({"ClientRequestToken": "y", "TransactItems": []}),
            ),
            ("Query".to_owned(), json!({"Limit": 1})),
        ];
        assert_eq!(same_requests(&a), same_requests(&b));
        let fewer = [("Query".to_owned(), json!({"Limit": 1}))];
        assert_ne!(same_requests(&a), same_requests(&fewer));
        let smaller = [
            ("Query".to_owned(), json!({"Limit": 1})),
            (
                "TransactWriteItems".to_owned(),
                json!({"TransactItems": [{}]}),
            ),
        ];
        assert_ne!(same_requests(&a), same_requests(&smaller));
    }
}
