//! Creates per second through the local gateway (JWT check, Lambda emulation, moto), for
//! information: it measures the local stack as much as the functions.

use anyhow::{bail, Context, Result};
use local_gateway::template::{Bindings, Template};
use std::path::Path;
use std::time::Instant;

pub struct Throughput {
    pub clients: usize,
    pub creates: usize,
    pub per_second: f64,
}

pub async fn creates_per_second(
    root: &Path,
    bin_dir: &Path,
    function_output: &Path,
    clients: usize,
    per_client: usize,
) -> Result<Throughput> {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        bail!(
            "the throughput figure needs moto: run the bench through tools/with-moto (make bench)"
        );
    }
    let template_path = root.join("template.yaml");
    let template = Template::load(&template_path)?;
    // The template leaves the token issuer and audience to the deployer.
    let mut bindings = Bindings::default();
    bindings.parameters.extend([
        (
            "JwtIssuer".to_owned(),
            "http://127.0.0.1/bench-issuer".to_owned(),
        ),
        ("JwtAudience".to_owned(), "customers-api".to_owned()),
    ]);
    local_gateway::create_resources(&template, &bindings).await?;
    // The fingerprint key create-resources made in moto (these creates carry no document).
    let bindings = local_gateway::bind_created_keys(&template, bindings).await;
    let gateway = local_gateway::start(local_gateway::Options {
        template: template_path,
        bin_dir: bin_dir.to_owned(),
        port: 0,
        // As many execution environments as clients, as Lambda would scale to.
        instances: clients,
        bindings,
        // The local authorizer refuses secrets shorter than 32 bytes.
        jwt_secret: "bench-jwt-secret-of-at-least-32-bytes".to_owned(),
        environment: Default::default(),
        function_output: Some(function_output.to_owned()),
    })
    .await?;
    let mut claims = gateway.jwt.claims("bench", 3600);
    claims.insert("tenant_id".into(), "bench-tenant".into());
    claims.insert("scope".into(), "customers.read customers.write".into());
    let token = gateway.jwt.mint(&claims)?;
    let url = format!("{}/customers", gateway.url());
    let http = reqwest::Client::new();

    // One request per client first: every environment is warm before the clock starts.
    run(&http, &url, &token, clients, 1, "warm").await?;
    let started = Instant::now();
    run(&http, &url, &token, clients, per_client, "run").await?;
    let elapsed = started.elapsed().as_secs_f64();
    gateway.stop().await;
    let creates = clients * per_client;
    Ok(Throughput {
        clients,
        creates,
        per_second: creates as f64 / elapsed,
    })
}

async fn run(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    clients: usize,
    per_client: usize,
    phase: &str,
) -> Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let (http, url, token, phase) = (
            http.clone(),
            url.to_owned(),
            token.to_owned(),
            phase.to_owned(),
        );
        tasks.spawn(async move {
            for n in 0..per_client {
                let body = serde_json::json!({
                    "first_name": "Bench",
                    "email": format!("{phase}-{client}-{n}@bench.example.com"),
                    "mobile": format!("+9665{:08}", client * 100_000 + n + if phase == "warm" { 50_000 } else { 0 }),
                });
                let response = http.post(&url).bearer_auth(&token).json(&body).send().await?;
                if response.status() != reqwest::StatusCode::CREATED {
                    bail!("a create answered {}: {}", response.status(), response.text().await?);
                }
            }
            Ok(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.context("client task")??;
    }
    Ok(())
}
