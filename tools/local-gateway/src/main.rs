//! `local-gateway`: the local stack's command line.
//!
//!   local-gateway serve          API Gateway + Lambda emulation for the template's routes
//!   local-gateway create-resources  the template's DynamoDB tables, S3 buckets and KMS HMAC
//!                                keys, at AWS_ENDPOINT_URL (`created key <id> <arn>` per key)
//!   local-gateway token          a signed development token
//!   local-gateway functions      the template's functions and their routes, as JSON lines
//!
//! Common options: --template FILE (template.yaml), --parameter-overrides "K=V K=V",
//! --resource-name LOGICAL_ID=NAME (repeatable), --resource-arn LOGICAL_ID=ARN (repeatable:
//! what `!GetAtt LOGICAL_ID.Arn` gives). `serve` also takes --port (GATEWAY_PORT, 3000),
//! --bin-dir DIR (target/debug), --instances N (4),
//! --env NAME=VALUE (repeatable: values for variables the template resolves only in AWS); it
//! finds the keys create-resources made by their aliases. `token` takes --sub, --tenant,
//! --scope, --tenant-claim, --ttl. The signing secret is JWT_SECRET.

use anyhow::{bail, Context, Result};
use local_gateway::template::{Bindings, Template};
use local_gateway::{jwt, start, Options};
use serde_json::Value;
use std::path::PathBuf;

struct Args {
    command: String,
    flags: Vec<(String, String)>,
}

impl Args {
    fn parse() -> Result<Self> {
        let mut raw = std::env::args().skip(1);
        let command = raw.next().unwrap_or_else(|| "serve".into());
        let mut flags = Vec::new();
        while let Some(flag) = raw.next() {
            let Some(name) = flag.strip_prefix("--") else {
                bail!("unexpected argument {flag}");
            };
            let value = raw
                .next()
                .with_context(|| format!("--{name} needs a value"))?;
            flags.push((name.to_owned(), value));
        }
        Ok(Self { command, flags })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.flags
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn bindings(&self) -> Result<Bindings> {
        let mut bindings = Bindings::default();
        for pair in self
            .all("parameter-overrides")
            .flat_map(str::split_whitespace)
        {
            let (k, v) = pair
                .split_once('=')
                .with_context(|| format!("bad override {pair}"))?;
            bindings.parameters.insert(k.to_owned(), v.to_owned());
        }
        for pair in self.all("resource-name") {
            let (k, v) = pair
                .split_once('=')
                .with_context(|| format!("bad resource name {pair}"))?;
            bindings.resource_names.insert(k.to_owned(), v.to_owned());
        }
        for pair in self.all("resource-arn") {
            let (k, v) = pair
                .split_once('=')
                .with_context(|| format!("bad resource ARN {pair}"))?;
            bindings.arns.insert(k.to_owned(), v.to_owned());
        }
        Ok(bindings)
    }

    fn template_path(&self) -> PathBuf {
        PathBuf::from(self.get("template").unwrap_or("template.yaml"))
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse()?;
    match args.command.as_str() {
        "serve" => serve(&args).await,
        "create-resources" => create_resources(&args).await,
        "token" => token(&args),
        "functions" => functions(&args),
        other => bail!("unknown command {other}: use serve, create-resources, token or functions"),
    }
}

async fn serve(args: &Args) -> Result<()> {
    let port = match args.get("port") {
        Some(p) => p.parse()?,
        None => std::env::var("GATEWAY_PORT")
            .ok()
            .map(|p| p.parse())
            .transpose()?
            .unwrap_or(3000),
    };
    let gateway = start(Options {
        template: args.template_path(),
        bin_dir: PathBuf::from(args.get("bin-dir").unwrap_or("target/debug")),
        port,
        instances: args
            .get("instances")
            .map(str::parse)
            .transpose()?
            .unwrap_or(4),
        bindings: args.bindings()?,
        jwt_secret: jwt::secret_from_env(),
        // Functions inherit this process's environment (AWS_ENDPOINT_URL and friends); --env
        // sets what the template leaves to AWS and the local stack cannot resolve.
        environment: args
            .all("env")
            .map(|pair| {
                pair.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .with_context(|| format!("bad --env {pair}"))
            })
            .collect::<Result<_>>()?,
        function_output: None,
    })
    .await?;
    tracing::info!(url = %gateway.url(), "gateway listening");
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("stopping");
    gateway.stop().await;
    Ok(())
}

async fn create_resources(args: &Args) -> Result<()> {
    let template = Template::load(&args.template_path())?;
    for created in local_gateway::create_resources(&template, &args.bindings()?).await? {
        println!("created {created}");
    }
    Ok(())
}

fn token(args: &Args) -> Result<()> {
    let template = Template::load(&args.template_path())?;
    let bindings = args.bindings()?;
    let config = local_gateway::jwt_config(&template, &bindings, jwt::secret_from_env())?;
    let tenant_claim = args
        .get("tenant-claim")
        .map(str::to_owned)
        .or_else(|| template.parameter("TenantClaim", &bindings))
        .unwrap_or_else(|| "tenant_id".into());
    let ttl: i64 = args
        .get("ttl")
        .map(str::parse)
        .transpose()?
        .unwrap_or(12 * 3600);
    let mut claims = config.claims(args.get("sub").unwrap_or("dev-user"), ttl);
    claims.insert(
        tenant_claim,
        Value::from(args.get("tenant").unwrap_or("dev-tenant")),
    );
    claims.insert(
        "scope".into(),
        Value::from(
            args.get("scope")
                .unwrap_or("customers.read customers.write"),
        ),
    );
    println!("{}", config.mint(&claims)?);
    Ok(())
}

/// One line per function: `{"id": "CreateCustomerFunction", "routes": ["POST /customers"]}`,
/// for tools that drive functions by their routes (tools/sam-local).
fn functions(args: &Args) -> Result<()> {
    let template = Template::load(&args.template_path())?;
    for function in template.functions(&args.bindings()?)? {
        let routes: Vec<String> = function
            .routes
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "id": function.logical_id, "routes": routes })
        );
    }
    Ok(())
}
