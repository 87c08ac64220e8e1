//! Reads what the local stack needs from template.yaml, the single source of truth for routes,
//! functions, their environment, their stream event sources, and the definitions of the
//! tables, the bucket, the keys, the event bus and the queues.

mod intrinsics;

use crate::streams::mapping::EventSourceMapping;
use anyhow::{anyhow, Context, Result};
pub use intrinsics::get_att;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    /// As in the template: `/customers/{id}`.
    pub path: String,
    /// False for routes declared with `Auth: {Authorizer: NONE}`.
    pub authorized: bool,
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub logical_id: String,
    /// The cargo binary (`Metadata.BuildProperties.Binary`).
    pub binary: String,
    pub routes: Vec<Route>,
    pub environment: BTreeMap<String, String>,
    /// Variables a local stack cannot resolve (a `{{resolve:secretsmanager:...}}` reference, an
    /// intrinsic it does not evaluate), with why: they must be given locally.
    pub unresolved: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u64,
    /// Its `Type: DynamoDB` events: the streams it consumes.
    pub streams: Vec<EventSourceMapping>,
}

#[derive(Debug, Clone)]
pub struct TableDef {
    pub logical_id: String,
    /// The table's `Properties`, as written.
    pub properties: Value,
}

/// A KMS key of the template that makes MACs (`KeyUsage: GENERATE_VERIFY_MAC`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacKeyDef {
    pub logical_id: String,
    /// `HMAC_256` and the like, as written.
    pub key_spec: String,
    pub description: Option<String>,
}

/// The stack name `!Ref AWS::StackName` resolves to locally.
pub const LOCAL_STACK_NAME: &str = "customers-api-local";

/// The account of the ARNs the local stack makes up; moto's default account too.
pub const LOCAL_ACCOUNT: &str = "123456789012";

/// The property that names a resource of each type that has one, as CloudFormation reads it.
const NAME_PROPERTIES: [(&str, &str); 4] = [
    ("AWS::DynamoDB::Table", "TableName"),
    ("AWS::S3::Bucket", "BucketName"),
    ("AWS::Events::EventBus", "Name"),
    ("AWS::SQS::Queue", "QueueName"),
];

/// Local stand-ins for what CloudFormation would decide: parameter values, the physical names
/// of resources (which `!Ref` resolves to) and the ARNs of those whose ARN the local server
/// chose (which `!GetAtt <id>.Arn` resolves to: a KMS key's id and ARN exist only once created).
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    pub parameters: BTreeMap<String, String>,
    pub resource_names: BTreeMap<String, String>,
    pub arns: BTreeMap<String, String>,
}

impl Bindings {
    /// Binds a resource to what the local server made of it: `!Ref` gives `name`, `!GetAtt
    /// <logical_id>.Arn` gives `arn`.
    pub fn bind(&mut self, logical_id: &str, name: &str, arn: &str) {
        self.resource_names
            .insert(logical_id.to_owned(), name.to_owned());
        self.arns.insert(logical_id.to_owned(), arn.to_owned());
    }
}

#[derive(Debug, Clone)]
pub struct Template {
    root: Value,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self> {
        let root: Value = serde_yaml::from_str(text).context("parsing the template")?;
        Ok(Self { root })
    }

    fn resources(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.root
            .get("Resources")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
    }

    pub(crate) fn resource_type(&self, logical_id: &str) -> Option<&str> {
        self.resources()
            .find(|(id, _)| *id == logical_id)
            .and_then(|(_, r)| r.get("Type").and_then(Value::as_str))
    }

    fn resources_of_type<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.resources()
            .filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
    }

    pub fn tables(&self) -> Vec<TableDef> {
        self.resources_of_type("AWS::DynamoDB::Table")
            .map(|(id, r)| TableDef {
                logical_id: id.to_owned(),
                properties: r.get("Properties").cloned().unwrap_or(Value::Null),
            })
            .collect()
    }

    /// A parameter's value: the binding if given, else the template's default.
    pub fn parameter(&self, name: &str, bindings: &Bindings) -> Option<String> {
        if let Some(value) = bindings.parameters.get(name) {
            return Some(value.clone());
        }
        let default = self.root.get("Parameters")?.get(name)?.get("Default")?;
        scalar(default)
    }

    /// The local physical name of a resource: bound explicitly, or its `TableName`-style
    /// property, or its logical id.
    pub fn resource_name(&self, logical_id: &str, bindings: &Bindings) -> String {
        if let Some(name) = bindings.resource_names.get(logical_id) {
            return name.clone();
        }
        let kind = self.resource_type(logical_id);
        let named = NAME_PROPERTIES
            .iter()
            .find(|(of, _)| Some(*of) == kind)
            .and_then(|(_, property)| {
                let (_, resource) = self.resources().find(|(id, _)| *id == logical_id)?;
                resource.get("Properties")?.get(*property)
            });
        if let Some(Ok(name)) = named.map(|name| self.resolve(name, bindings)) {
            return name;
        }
        // S3 bucket names are lower case.
        if kind == Some("AWS::S3::Bucket") {
            logical_id.to_ascii_lowercase()
        } else {
            logical_id.to_owned()
        }
    }

    /// Logical ids of the template's EventBridge buses.
    pub fn event_buses(&self) -> Vec<String> {
        self.resources_of_type("AWS::Events::EventBus")
            .map(|(id, _)| id.to_owned())
            .collect()
    }

    /// Logical ids of the template's SQS queues.
    pub fn queues(&self) -> Vec<String> {
        self.resources_of_type("AWS::SQS::Queue")
            .map(|(id, _)| id.to_owned())
            .collect()
    }

    /// The ARN a local server gives a resource whose ARN is made from its name alone (a bus,
    /// a queue): what `!GetAtt <id>.Arn` is when nothing is bound.
    fn local_arn(&self, logical_id: &str, bindings: &Bindings) -> Option<String> {
        let region = self.reference("AWS::Region", bindings).ok()?;
        let name = self.resource_name(logical_id, bindings);
        match self.resource_type(logical_id)? {
            "AWS::Events::EventBus" => Some(format!(
                "arn:aws:events:{region}:{LOCAL_ACCOUNT}:event-bus/{name}"
            )),
            "AWS::SQS::Queue" => Some(format!("arn:aws:sqs:{region}:{LOCAL_ACCOUNT}:{name}")),
            _ => None,
        }
    }

    /// The template's KMS keys that make MACs (HMAC keys); other keys are not emulated.
    pub fn mac_keys(&self) -> Vec<MacKeyDef> {
        self.resources_of_type("AWS::KMS::Key")
            .filter_map(|(id, r)| {
                let props = r.get("Properties")?;
                let text = |key: &str| props.get(key).and_then(Value::as_str).map(str::to_owned);
                (text("KeyUsage").as_deref() == Some("GENERATE_VERIFY_MAC")).then(|| MacKeyDef {
                    logical_id: id.to_owned(),
                    key_spec: text("KeySpec").unwrap_or_else(|| "HMAC_256".to_owned()),
                    description: text("Description"),
                })
            })
            .collect()
    }

    /// Logical ids of the template's S3 buckets.
    pub fn buckets(&self) -> Vec<String> {
        self.resources_of_type("AWS::S3::Bucket")
            .map(|(id, _)| id.to_owned())
            .collect()
    }

    pub fn functions(&self, bindings: &Bindings) -> Result<Vec<FunctionDef>> {
        let globals = self
            .root
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut functions = Vec::new();
        for (id, resource) in self.resources_of_type("AWS::Serverless::Function") {
            let props = resource.get("Properties").unwrap_or(&Value::Null);
            let binary = resource
                .get("Metadata")
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("{id}: Metadata.BuildProperties.Binary is missing"))?
                .to_owned();
            let mut environment = BTreeMap::new();
            let mut unresolved = BTreeMap::new();
            for source in [&globals, props] {
                let vars = source
                    .get("Environment")
                    .and_then(|e| e.get("Variables"))
                    .and_then(Value::as_mapping);
                for (k, v) in vars.into_iter().flatten() {
                    let key = k
                        .as_str()
                        .ok_or_else(|| anyhow!("{id}: bad variable name"))?;
                    match self.resolve(v, bindings) {
                        Ok(value) if value.contains("{{resolve:") => {
                            environment.remove(key);
                            unresolved
                                .insert(key.to_owned(), format!("a dynamic reference ({value})"));
                        }
                        // Declared but empty is unset, as the functions read it: the value
                        // the gateway's own environment passes on (an endpoint) stands.
                        Ok(value) if value.is_empty() => {
                            unresolved.remove(key);
                            environment.remove(key);
                        }
                        Ok(value) => {
                            unresolved.remove(key);
                            environment.insert(key.to_owned(), value);
                        }
                        Err(e) => {
                            environment.remove(key);
                            unresolved.insert(key.to_owned(), format!("{e:#}"));
                        }
                    }
                }
            }
            let number = |key: &str, default: u64| {
                props
                    .get(key)
                    .or_else(|| globals.get(key))
                    .and_then(Value::as_u64)
                    .unwrap_or(default)
            };
            let events = || {
                props
                    .get("Events")
                    .and_then(Value::as_mapping)
                    .into_iter()
                    .flatten()
            };
            let of_type = |kind: &'static str| {
                move |(_, e): &(&Value, &Value)| e.get("Type").and_then(Value::as_str) == Some(kind)
            };
            let routes = events()
                .filter(of_type("HttpApi"))
                .map(|(_, e)| route(e))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("{id}: HttpApi events"))?;
            let streams = events()
                .filter(of_type("DynamoDB"))
                .map(|(name, e)| {
                    let name = name.as_str().unwrap_or_default();
                    EventSourceMapping::read(name, e, self, bindings)
                        .with_context(|| format!("{id}: event {name}"))
                })
                .collect::<Result<Vec<_>>>()?;
            functions.push(FunctionDef {
                logical_id: id.to_owned(),
                binary,
                routes,
                environment,
                unresolved,
                // Lambda's defaults when a template says nothing.
                timeout: Duration::from_secs(number("Timeout", 3)),
                memory_mb: number("MemorySize", 128),
                streams,
            });
        }
        Ok(functions)
    }

    /// Issuer and audiences of the HTTP API's default JWT authorizer.
    pub fn jwt_authorizer(&self, bindings: &Bindings) -> Result<(String, Vec<String>)> {
        let (id, api) = self
            .resources_of_type("AWS::Serverless::HttpApi")
            .next()
            .ok_or_else(|| anyhow!("no AWS::Serverless::HttpApi in the template"))?;
        let auth = api
            .get("Properties")
            .and_then(|p| p.get("Auth"))
            .ok_or_else(|| anyhow!("{id}: no Auth"))?;
        let name = auth
            .get("DefaultAuthorizer")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("{id}: no DefaultAuthorizer"))?;
        let config = auth
            .get("Authorizers")
            .and_then(|a| a.get(name))
            .and_then(|a| a.get("JwtConfiguration"))
            .ok_or_else(|| anyhow!("{id}: authorizer {name} has no JwtConfiguration"))?;
        let field = |key: &str| {
            config
                .get(key)
                .ok_or_else(|| anyhow!("{id}: JwtConfiguration.{key} is missing"))
                .and_then(|v| self.resolve(v, bindings))
                .with_context(|| format!("{id}: JwtConfiguration.{key}"))
        };
        let issuer = field("issuer")?;
        let audiences = field("audience")?
            .split(',')
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        Ok((issuer, audiences))
    }
}

fn route(event: &Value) -> Result<Route> {
    let props = event.get("Properties").unwrap_or(&Value::Null);
    let text = |key: &str| {
        props
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("HttpApi event without {key}"))
    };
    let authorized = props
        .get("Auth")
        .and_then(|a| a.get("Authorizer"))
        .and_then(Value::as_str)
        != Some("NONE");
    Ok(Route {
        method: text("Method")?.to_ascii_uppercase(),
        path: text("Path")?,
        authorized,
    })
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  TenantClaim: {Type: String, Default: tenant_id}
  Issuer: {Type: String}
  Audiences: {Type: CommaDelimitedList, Default: "a, b"}
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        TENANT_CLAIM: !Ref TenantClaim
        AWS_ENDPOINT_URL: ""
        AUDIENCES: !Join ["|", !Ref Audiences]
        PAIR: {"Fn::Join": ["-", [!Ref TenantClaim, "x"]]}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {KeySchema: [{AttributeName: pk, KeyType: HASH}]}
  MacKey:
    Type: AWS::KMS::Key
    Properties: {KeySpec: HMAC_256, KeyUsage: GENERATE_VERIFY_MAC, Description: macs}
  EncryptionKey:
    Type: AWS::KMS::Key
    Properties: {EnableKeyRotation: true}
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: do-thing}}
    Properties:
      MemorySize: 256
      Environment:
        Variables:
          GREETING: !Sub "hello-${TenantClaim}"
          LONG: {"Fn::Sub": "${Table}-x"}
          SECRET: !Sub "{{resolve:secretsmanager:${Table}}}"
          ODD: !GetAtt Table.Arn
          KEY_ARN: !GetAtt MacKey.Arn
          KEY_ARN_LONG: {"Fn::GetAtt": [MacKey, Arn]}
          KEY_ID: !Ref MacKey
          KEY_OTHER: !GetAtt MacKey.KeyId
      Events:
        A: {Type: HttpApi, Properties: {Method: get, Path: "/things/{id}"}}
        B: {Type: HttpApi, Properties: {Method: POST, Path: /open, Auth: {Authorizer: NONE}}}
        C: {Type: SQS, Properties: {Queue: q}}
"#;

    #[test]
    fn reads_functions_routes_and_environment() {
        let t = Template::parse(TEMPLATE).unwrap();
        let mut bindings = Bindings::default();
        bindings
            .resource_names
            .insert("Table".into(), "local-table".into());
        let f = &t.functions(&bindings).unwrap()[0];
        assert_eq!(f.binary, "do-thing");
        assert_eq!(f.timeout, Duration::from_secs(10));
        assert_eq!(f.memory_mb, 256);
        assert_eq!(f.environment["TABLE_NAME"], "local-table");
        assert_eq!(f.environment["TENANT_CLAIM"], "tenant_id");
        assert_eq!(f.environment["GREETING"], "hello-tenant_id");
        assert_eq!(f.environment["LONG"], "local-table-x");
        assert!(f.unresolved["SECRET"].contains("dynamic reference"));
        assert!(f.unresolved.contains_key("ODD"));
        assert!(!f.environment.contains_key("SECRET"));
        // Declared empty: unset, so that the gateway's own endpoint reaches the function.
        assert!(!f.environment.contains_key("AWS_ENDPOINT_URL"));
        assert!(!f.unresolved.contains_key("AWS_ENDPOINT_URL"));
        assert_eq!(f.environment["AUDIENCES"], "a|b");
        assert_eq!(f.environment["PAIR"], "tenant_id-x");
        assert_eq!(
            f.routes,
            vec![
                Route {
                    method: "GET".into(),
                    path: "/things/{id}".into(),
                    authorized: true
                },
                Route {
                    method: "POST".into(),
                    path: "/open".into(),
                    authorized: false
                },
            ]
        );
    }

    #[test]
    fn parameter_bindings_override_defaults() {
        let t = Template::parse(TEMPLATE).unwrap();
        let mut bindings = Bindings::default();
        bindings
            .parameters
            .insert("TenantClaim".into(), "org".into());
        assert_eq!(
            t.functions(&bindings).unwrap()[0].environment["TENANT_CLAIM"],
            "org"
        );
        assert!(t.parameter("Issuer", &bindings).is_none());
    }

    const MESSAGING: &str = r#"
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: !Sub "${AWS::StackName}-changes"}
  Failures:
    Type: AWS::SQS::Queue
  Named:
    Type: AWS::SQS::Queue
    Properties: {QueueName: the-queue}
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: do-thing}}
    Properties:
      Environment:
        Variables:
          BUS: !Ref Bus
          BUS_ARN: !GetAtt Bus.Arn
          QUEUE_ARN: !GetAtt Failures.Arn
          NAMED_ARN: !GetAtt Named.Arn
          QUEUE_URL: !Ref Failures
"#;

    #[test]
    fn buses_and_queues_are_named_and_their_arns_made_locally() {
        let t = Template::parse(MESSAGING).unwrap();
        assert_eq!(t.event_buses(), ["Bus"]);
        assert_eq!(t.queues(), ["Failures", "Named"]);
        let f = &t.functions(&Bindings::default()).unwrap()[0];
        assert_eq!(f.environment["BUS"], "customers-api-local-changes");
        assert_eq!(
            f.environment["BUS_ARN"],
            "arn:aws:events:us-east-1:123456789012:event-bus/customers-api-local-changes"
        );
        assert_eq!(
            f.environment["QUEUE_ARN"],
            "arn:aws:sqs:us-east-1:123456789012:Failures"
        );
        assert_eq!(
            f.environment["NAMED_ARN"],
            "arn:aws:sqs:us-east-1:123456789012:the-queue"
        );
        // A queue's URL is the server's to choose.
        assert!(f.unresolved["QUEUE_URL"].contains("URL"));

        let mut bindings = Bindings::default();
        bindings.bind(
            "Bus",
            "changes-1",
            "arn:aws:events:us-east-1:1:event-bus/changes-1",
        );
        let f = &t.functions(&bindings).unwrap()[0];
        assert_eq!(f.environment["BUS"], "changes-1");
        assert_eq!(
            f.environment["BUS_ARN"],
            "arn:aws:events:us-east-1:1:event-bus/changes-1"
        );
    }

    #[test]
    fn the_projects_template_is_emulated_as_it_is_written() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let t = Template::load(&path).unwrap();
        let functions = t.functions(&Bindings::default()).unwrap();
        let consumers: Vec<_> = functions
            .iter()
            .filter(|f| !f.streams.is_empty())
            .map(|f| (f.logical_id.as_str(), f.streams[0].table.as_str()))
            .collect();
        assert_eq!(consumers, [("PublishEventsFunction", "CustomersTable")]);
    }

    #[test]
    fn lists_tables() {
        let t = Template::parse(TEMPLATE).unwrap();
        assert_eq!(t.tables()[0].logical_id, "Table");
    }

    #[test]
    fn lists_the_keys_that_make_macs_only() {
        let t = Template::parse(TEMPLATE).unwrap();
        assert_eq!(
            t.mac_keys(),
            vec![MacKeyDef {
                logical_id: "MacKey".into(),
                key_spec: "HMAC_256".into(),
                description: Some("macs".into()),
            }]
        );
    }

    #[test]
    fn a_created_keys_arn_and_id_resolve_once_bound() {
        let t = Template::parse(TEMPLATE).unwrap();
        let unbound = &t.functions(&Bindings::default()).unwrap()[0];
        assert!(
            unbound.unresolved["KEY_ARN"].contains("create-resources"),
            "{:?}",
            unbound.unresolved
        );
        assert!(unbound.unresolved.contains_key("KEY_ARN_LONG"));

        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let mut bindings = Bindings::default();
        bindings.bind("MacKey", "1234abcd-12ab-34cd-56ef-1234567890ab", arn);
        let f = &t.functions(&bindings).unwrap()[0];
        assert_eq!(f.environment["KEY_ARN"], arn);
        assert_eq!(f.environment["KEY_ARN_LONG"], arn);
        assert_eq!(
            f.environment["KEY_ID"],
            "1234abcd-12ab-34cd-56ef-1234567890ab"
        );
        // Only the ARN is bound: another attribute, or an unbound resource's ARN, stays
        // for a local value.
        assert!(f.unresolved["KEY_OTHER"].contains("only Arn"));
        assert!(f.unresolved.contains_key("ODD"));
    }
}
