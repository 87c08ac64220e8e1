//! Facts about template.yaml that cfn-lint cannot know are required: the document bucket's
//! guarantees and who may touch it, who may reach which route, and that every route, function
//! and table is watched by alarms and a dashboard of metrics the functions really emit.

use integration_tests::workspace_root;
use serde_yaml::Value;
use shared::domain::UniqueField;
use shared::http::ApiError;
use shared::support::metrics::{CATALOGUE, NAMESPACE, PUBLISHER_ROUTE};
use std::collections::BTreeSet;

fn template() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn resource<'a>(t: &'a Value, id: &str) -> &'a Value {
    &t["Resources"][id]
}

#[test]
fn the_document_bucket_keeps_nothing_for_long_and_nothing_in_public() {
    let t = template();
    let props = &resource(&t, "DocumentsBucket")["Properties"];
    assert!(
        props.get("VersioningConfiguration").is_none(),
        "no versioning: a delete must really delete"
    );
    let rule = &props["LifecycleConfiguration"]["Rules"][0];
    assert_eq!(rule["Status"].as_str(), Some("Enabled"));
    assert_eq!(rule["ExpirationInDays"].as_u64(), Some(1));
    assert!(
        rule.get("Prefix").is_none() && rule.get("Filter").is_none(),
        "the rule covers every object"
    );
    let block = &props["PublicAccessBlockConfiguration"];
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[setting].as_bool(), Some(true), "{setting}");
    }
    let sse = &props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        ["ServerSideEncryptionByDefault"];
    assert!(sse["SSEAlgorithm"].as_str().is_some());

    let policy =
        &resource(&t, "DocumentsBucketPolicy")["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(policy["Effect"].as_str(), Some("Deny"));
    assert_eq!(
        policy["Condition"]["Bool"]["aws:SecureTransport"].as_str(),
        Some("false")
    );
}

/// A function's policy statements: its `Policies` (SAM's role), or those of the role it names.
fn statements(t: &Value, function: &str) -> Vec<Value> {
    let properties = &resource(t, function)["Properties"];
    let documents: Vec<Value> = match &properties["Role"] {
        Value::Tagged(role) => {
            let role = format!("{:?}", role.value);
            let name = role
                .split('"')
                .nth(1)
                .and_then(|r| r.split('.').next())
                .unwrap();
            resource(t, name)["Properties"]["Policies"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|p| p["PolicyDocument"].clone())
                .collect()
        }
        _ => properties["Policies"]
            .as_sequence()
            .cloned()
            .unwrap_or_default(),
    };
    documents
        .iter()
        .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn only_the_functions_that_take_documents_touch_them_and_only_below_their_prefix() {
    let t = template();
    for function in ["CreateCustomerFunction", "UpdateCustomerFunction"] {
        let statements = statements(&t, function);
        let s3: Vec<&Value> = statements
            .iter()
            .filter(|s| format!("{:?}", s["Action"]).contains("s3:"))
            .collect();
        assert_eq!(s3.len(), 1, "{function}");
        assert!(format!("{:?}", s3[0]["Resource"]).contains("/documents/*"));
    }
    for function in [
        "GetCustomerFunction",
        "DeleteCustomerFunction",
        "ListCustomersFunction",
    ] {
        assert!(
            !format!("{:?}", statements(&t, function)).contains("s3:"),
            "{function}"
        );
    }
}

/// Every action a function is allowed, on which resource, as `action on resource` lines.
fn permissions(t: &Value, function: &str) -> Vec<String> {
    let mut lines: Vec<String> = statements(t, function)
        .iter()
        .flat_map(|statement| {
            let actions: Vec<String> = match &statement["Action"] {
                Value::String(action) => vec![action.clone()],
                Value::Sequence(actions) => actions
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            };
            let resources: Vec<&Value> = match &statement["Resource"] {
                Value::Sequence(resources) => resources.iter().collect(),
                resource => vec![resource],
            };
            resources
                .into_iter()
                .map(|resource| match resource {
                    Value::Tagged(tagged) => format!("{:?}", tagged.value)
                        .replace("String(\"", "")
                        .replace("\")", ""),
                    other => format!("{other:?}"),
                })
                .flat_map(|resource| {
                    let on = if resource == r#"String("*")"# {
                        "any resource"
                    } else if resource.contains("CustomersTable.Arn}/stream/") {
                        "stream"
                    } else if resource.contains("PublishEventsLogs") {
                        "its log group"
                    } else if resource.contains("PublishEventsFailures") {
                        "its failure queue"
                    } else if resource.contains("EventsTable") && resource.contains("/index/") {
                        "events index"
                    } else if resource.contains("EventsTable") {
                        "events table"
                    } else if resource.contains("/index/") {
                        "index"
                    } else if resource.contains("DocumentsBucket") {
                        "documents"
                    } else if resource.contains("CustomersTable") {
                        "table"
                    } else if resource.contains("EventBus") {
                        "event bus"
                    } else {
                        "something else"
                    };
                    actions
                        .clone()
                        .into_iter()
                        .map(move |action| format!("{action} on {on}"))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn each_function_may_do_what_its_route_needs_and_nothing_else() {
    let t = template();
    let expected: [(&str, &[&str]); 11] = [
        (
            "CreateCustomerFunction",
            &[
                "dynamodb:ConditionCheckItem on table",
                "dynamodb:GetItem on table",
                "dynamodb:PutItem on table",
                "s3:DeleteObject on documents",
                "s3:GetObject on documents",
                "s3:PutObject on documents",
            ],
        ),
        ("GetCustomerFunction", &["dynamodb:GetItem on table"]),
        (
            "ListCustomersFunction",
            &[
                "dynamodb:BatchGetItem on table",
                "dynamodb:GetItem on table",
                "dynamodb:Query on index",
            ],
        ),
        (
            "UpdateCustomerFunction",
            &[
                "dynamodb:ConditionCheckItem on table",
                "dynamodb:DeleteItem on table",
                "dynamodb:GetItem on table",
                "dynamodb:PutItem on table",
                "s3:DeleteObject on documents",
                "s3:GetObject on documents",
                "s3:PutObject on documents",
            ],
        ),
        (
            "DeleteCustomerFunction",
            &[
                "dynamodb:DeleteItem on table",
                "dynamodb:GetItem on table",
                "dynamodb:PutItem on table",
            ],
        ),
        (
            "CreateCustomerGroupFunction",
            &["dynamodb:GetItem on table", "dynamodb:PutItem on table"],
        ),
        ("ListCustomerGroupsFunction", &["dynamodb:Query on index"]),
        ("ListCountriesFunction", &[]),
        // Serves what it was built with: no AWS call at all.
        ("ApiDocsFunction", &[]),
        (
            // Its own role: the customers table's stream, not every stream of the account.
            "PublishEventsFunction",
            &[
                "dynamodb:BatchWriteItem on events table",
                "dynamodb:DescribeStream on stream",
                "dynamodb:GetRecords on stream",
                "dynamodb:GetShardIterator on stream",
                "dynamodb:ListStreams on stream",
                "events:PutEvents on event bus",
                "logs:CreateLogStream on its log group",
                "logs:PutLogEvents on its log group",
                "sqs:SendMessage on its failure queue",
                // Tracing: X-Ray has no resource-level permissions.
                "xray:PutTelemetryRecords on any resource",
                "xray:PutTraceSegments on any resource",
            ],
        ),
        (
            "ListEventsFunction",
            &[
                "dynamodb:Query on events index",
                "dynamodb:Query on events table",
            ],
        ),
    ];
    for (function, allowed) in expected {
        let allowed: Vec<String> = allowed.iter().map(|a| (*a).to_owned()).collect();
        let properties = &resource(&t, function)["Properties"];
        let granted = if properties.get("Policies").is_some() || properties.get("Role").is_some() {
            permissions(&t, function)
        } else {
            Vec::new()
        };
        assert_eq!(granted, allowed, "{function}");
    }
}

#[test]
fn functions_deploy_as_arm64_unless_a_local_run_asks_otherwise() {
    let t = template();
    let parameter = &t["Parameters"]["Architecture"];
    assert_eq!(parameter["Default"].as_str(), Some("arm64"));
    let allowed: Vec<&str> = parameter["AllowedValues"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(allowed, ["arm64", "x86_64"]);
    let globals = format!("{:?}", t["Globals"]["Function"]["Architectures"]);
    assert!(
        globals.contains("Ref") && globals.contains("Architecture"),
        "{globals}"
    );
    let functions = t["Resources"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"));
    for (id, function) in functions {
        assert!(
            function["Properties"].get("Architectures").is_none(),
            "{id:?} must take the stack's architecture"
        );
    }
}

#[test]
fn the_endpoint_variable_is_declared_empty_so_that_only_a_local_run_sets_it() {
    let t = template();
    let variables = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(variables["AWS_ENDPOINT_URL"].as_str(), Some(""));
}

/// What in `t` would let a deployment turn on the functions' own token check (which must run
/// under `sam local` only): the local secret anything but a literal empty string, or a
/// function declaring the secret or `AWS_SAM_LOCAL` itself.
fn local_auth_openings(t: &Value) -> Vec<String> {
    let mut openings = Vec::new();
    let globals = &t["Globals"]["Function"]["Environment"]["Variables"];
    if globals.get("LOCAL_JWT_SECRET").and_then(Value::as_str) != Some("") {
        openings.push(format!(
            "Globals: LOCAL_JWT_SECRET is {:?}, not a literal empty string",
            globals.get("LOCAL_JWT_SECRET")
        ));
    }
    if globals.get("AWS_SAM_LOCAL").is_some() {
        openings.push("Globals declare AWS_SAM_LOCAL".to_owned());
    }
    for (id, resource) in t["Resources"].as_mapping().into_iter().flatten() {
        let variables = &resource["Properties"]["Environment"]["Variables"];
        for name in ["LOCAL_JWT_SECRET", "AWS_SAM_LOCAL"] {
            if variables.get(name).is_some() {
                openings.push(format!("{id:?} declares {name}"));
            }
        }
    }
    openings
}

#[test]
fn no_deployment_can_turn_on_the_local_token_check() {
    let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    let openings = |text: &str| local_auth_openings(&serde_yaml::from_str(text).unwrap());
    assert_eq!(openings(&text), Vec::<String>::new());

    // The check sees each way a template could open it.
    let bucket_variable = "          DOCUMENTS_BUCKET: !Ref DocumentsBucket\n";
    assert!(text.contains(bucket_variable));
    let mutations = [
        text.replacen(
            "LOCAL_JWT_SECRET: \"\"",
            "LOCAL_JWT_SECRET: !Ref JwtIssuer",
            1,
        ),
        text.replacen(
            "LOCAL_JWT_SECRET: \"\"",
            "LOCAL_JWT_SECRET: a-development-secret-of-32-bytes-or-more",
            1,
        ),
        text.replacen(
            bucket_variable,
            &format!("{bucket_variable}          AWS_SAM_LOCAL: \"true\"\n"),
            1,
        ),
        text.replacen(
            bucket_variable,
            &format!("{bucket_variable}          LOCAL_JWT_SECRET: !Ref JwtIssuer\n"),
            1,
        ),
        text.replacen(
            "        LOCAL_JWT_SECRET: \"\"\n",
            "        LOCAL_JWT_SECRET: \"\"\n        AWS_SAM_LOCAL: \"true\"\n",
            1,
        ),
    ];
    for mutated in &mutations {
        assert_ne!(mutated, &text, "the mutation applies");
        assert!(!openings(mutated).is_empty(), "not caught:\n{mutated}");
    }
}

/// `make lint` runs checkov with no failed check: each finding that does not fit this design
/// is skipped on its resource, and says why.
#[test]
fn every_checkov_skip_says_why() {
    let t = template();
    let mut skips = 0;
    for (id, resource) in t["Resources"].as_mapping().unwrap() {
        let Some(list) = resource["Metadata"]["checkov"]["skip"].as_sequence() else {
            continue;
        };
        for skip in list {
            let check = skip["id"].as_str().unwrap_or_default();
            let reason = skip["comment"].as_str().unwrap_or_default();
            assert!(check.starts_with("CKV_"), "{id:?}: {skip:?}");
            assert!(
                reason.split_whitespace().count() >= 6,
                "{id:?} {check}: say why"
            );
            skips += 1;
        }
    }
    assert!(skips > 0);
}

/// Routes any caller may reach without a token: the reference page and the specification,
/// which hold nothing of any tenant. Every other route acts on a tenant's data.
const PUBLIC_ROUTES: &[&str] = &["GET /docs", "GET /openapi.json"];

/// Every way into `text` (a template) that a caller could take without the JWT authorizer: a
/// route given `Auth: NONE` or another authorizer, a route on an API other than `CustomersApi`
/// (an event without `ApiId` lands on SAM's implicit API, which has no authorizer), another
/// API, a raw gateway route that is not `JWT` by `JwtAuthorizer`, a function URL, and every
/// route if `CustomersApi` lost its default authorizer or that authorizer stopped being a JWT
/// one.
fn routes_without_the_authorizer(text: &str) -> Vec<String> {
    let t: Value = serde_yaml::from_str(text).unwrap();
    let api_auth = &resource(&t, "CustomersApi")["Properties"]["Auth"];
    let jwt = &api_auth["Authorizers"]["JwtAuthorizer"];
    let defaults_to_jwt = api_auth["DefaultAuthorizer"].as_str() == Some("JwtAuthorizer")
        && jwt["IdentitySource"].as_str() == Some("$request.header.Authorization")
        && !jwt["JwtConfiguration"]["issuer"].is_null()
        && !jwt["JwtConfiguration"]["audience"].is_null();
    let mut open = Vec::new();
    for (id, resource) in t["Resources"].as_mapping().unwrap() {
        let id = id.as_str().unwrap_or_default();
        let kind = resource["Type"].as_str().unwrap_or_default();
        let properties = &resource["Properties"];
        let by_our_authorizer = matches!(&properties["AuthorizerId"], Value::Tagged(tagged)
            if tagged.tag == "!Ref" && tagged.value.as_str() == Some("JwtAuthorizer"));
        match kind {
            "AWS::ApiGatewayV2::Route"
                if properties["AuthorizationType"].as_str() != Some("JWT")
                    || !by_our_authorizer =>
            {
                open.push(format!("{id} (a gateway route without our JWT authorizer)"));
            }
            // Another way in: another API (its routes are not held to this one's authorizer),
            // or a function URL (no gateway at all).
            "AWS::Serverless::HttpApi"
            | "AWS::Serverless::Api"
            | "AWS::ApiGatewayV2::Api"
            | "AWS::ApiGateway::RestApi"
                if id != "CustomersApi" =>
            {
                open.push(format!("{id} (another API)"));
            }
            "AWS::Lambda::Url" => open.push(format!("{id} (a function URL)")),
            _ => {}
        }
        if !properties["FunctionUrlConfig"].is_null() {
            open.push(format!("{id} (a function URL)"));
        }
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values() {
            if !matches!(event["Type"].as_str(), Some("HttpApi" | "Api")) {
                continue;
            }
            let p = &event["Properties"];
            let route = format!(
                "{} {}",
                p["Method"].as_str().unwrap_or("ANY").to_uppercase(),
                p["Path"].as_str().unwrap_or("/$default")
            );
            let on_our_api = matches!(&p["ApiId"], Value::Tagged(tagged)
                if tagged.tag == "!Ref" && tagged.value.as_str() == Some("CustomersApi"));
            // A public route is still this API's (its throttling, its logs), and nothing else.
            if PUBLIC_ROUTES.contains(&route.as_str()) {
                if !on_our_api {
                    open.push(format!("{route} (public, but not on CustomersApi)"));
                }
                continue;
            }
            let authorizer = p["Auth"]["Authorizer"].as_str();
            let ours = authorizer.is_none() || authorizer == Some("JwtAuthorizer");
            if !(on_our_api && ours && defaults_to_jwt) {
                open.push(route);
            }
        }
    }
    open
}

#[test]
fn every_route_keeps_the_jwt_authorizer_unless_it_is_listed_public() {
    let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    assert_eq!(routes_without_the_authorizer(&text), Vec::<String>::new());
    let routes = text.matches("Type: HttpApi").count();
    assert!(
        routes >= 8,
        "every function's route is looked at ({routes})"
    );

    let route = "            ApiId: !Ref CustomersApi\n            Method: POST\n            Path: /customers\n";
    let mutations = [
        text.replacen(
            route,
            &format!("{route}            Auth:\n              Authorizer: NONE\n"),
            1,
        ),
        text.replacen(
            route,
            &format!("{route}            Auth:\n              Authorizer: OtherAuthorizer\n"),
            1,
        ),
        text.replacen(route, "            Method: POST\n            Path: /customers\n", 1),
        text.replacen("        DefaultAuthorizer: JwtAuthorizer\n", "", 1),
        text.replacen(
            "            IdentitySource: $request.header.Authorization\n",
            "            IdentitySource: $request.header.X-Anything\n",
            1,
        ),
        text.replacen(
            "Resources:\n",
            "Resources:\n  RawRoute:\n    Type: AWS::ApiGatewayV2::Route\n    Properties:\n      ApiId: !Ref CustomersApi\n      RouteKey: GET /open\n      AuthorizationType: NONE\n",
            1,
        ),
        text.replacen(
            "Resources:\n",
            "Resources:\n  RawRoute:\n    Type: AWS::ApiGatewayV2::Route\n    Properties:\n      ApiId: !Ref CustomersApi\n      RouteKey: GET /open\n      AuthorizationType: JWT\n      AuthorizerId: !Ref OtherAuthorizer\n",
            1,
        ),
        text.replacen(
            "Resources:\n",
            "Resources:\n  OtherApi:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionBody: {}\n",
            1,
        ),
        text.replacen(
            "Resources:\n",
            "Resources:\n  OpenUrl:\n    Type: AWS::Lambda::Url\n    Properties:\n      AuthType: NONE\n      TargetFunctionArn: !Ref GetCustomerFunction\n",
            1,
        ),
        text.replacen(
            route,
            &format!("{route}      FunctionUrlConfig:\n        AuthType: NONE\n"),
            1,
        ),
    ];
    for (i, mutated) in mutations.iter().enumerate() {
        assert_ne!(mutated, &text, "mutation {i} applies");
        assert!(
            !routes_without_the_authorizer(mutated).is_empty(),
            "mutation {i} not caught"
        );
    }
    // A public route moved to SAM's implicit API (no `ApiId`) is caught too.
    let docs =
        "            ApiId: !Ref CustomersApi\n            Method: GET\n            Path: /docs\n";
    let moved = text.replacen(
        docs,
        "            Method: GET\n            Path: /docs\n",
        1,
    );
    assert_ne!(moved, text);
    assert_eq!(
        routes_without_the_authorizer(&moved),
        ["GET /docs (public, but not on CustomersApi)"]
    );
}

#[test]
fn the_public_routes_are_exactly_the_reference_page_and_the_specification() {
    let t = template();
    let mut public: Vec<(String, String)> = Vec::new();
    for (id, resource) in t["Resources"].as_mapping().unwrap() {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values() {
            let p = &event["Properties"];
            if p["Auth"]["Authorizer"].as_str() == Some("NONE") {
                let route = format!(
                    "{} {}",
                    p["Method"].as_str().unwrap_or_default(),
                    p["Path"].as_str().unwrap_or_default()
                );
                public.push((route, id.as_str().unwrap_or_default().to_owned()));
            }
        }
    }
    public.sort();
    assert_eq!(
        public,
        PUBLIC_ROUTES
            .iter()
            .map(|route| ((*route).to_owned(), "ApiDocsFunction".to_owned()))
            .collect::<Vec<_>>()
    );
}

/// Anyone may call a public route, so each has a throttle of its own, below the API's default:
/// a flood of page views is capped there, not at the API's 1,000 requests per second.
#[test]
fn each_public_route_is_throttled_below_the_api() {
    let t = template();
    let defaults = &resource(&t, "CustomersApi")["Properties"]["DefaultRouteSettings"];
    let api_rate = defaults["ThrottlingRateLimit"].as_f64().unwrap();
    let api_burst = defaults["ThrottlingBurstLimit"].as_f64().unwrap();
    let mut throttled = Vec::new();
    let mut bursts = 0.0;
    let docs = &resource(&t, "ApiDocsFunction")["Properties"];
    for event in docs["Events"].as_mapping().unwrap().values() {
        let p = &event["Properties"];
        let route = format!(
            "{} {}",
            p["Method"].as_str().unwrap(),
            p["Path"].as_str().unwrap()
        );
        let settings = &p["RouteSettings"];
        let (Some(rate), Some(burst)) = (
            settings["ThrottlingRateLimit"].as_f64(),
            settings["ThrottlingBurstLimit"].as_f64(),
        ) else {
            panic!("{route} has no throttle of its own");
        };
        assert!(
            rate > 0.0 && rate <= 10.0 && rate < api_rate,
            "{route}: {rate}/s"
        );
        assert!(
            burst >= rate && burst <= 20.0 && burst < api_burst,
            "{route}: burst {burst}"
        );
        throttled.push(route);
        bursts += burst;
    }
    throttled.sort();
    assert_eq!(throttled, PUBLIC_ROUTES);
    // Whatever the bursts admit at once, the function can run at once: anonymous traffic is
    // refused by the gateway (429), never by Lambda's throttle (a 500, and an alarm).
    let reserved = docs["ReservedConcurrentExecutions"].as_f64();
    assert!(
        reserved.is_some_and(|r| r >= bursts),
        "the docs function reserves {reserved:?}, its routes' bursts admit {bursts}"
    );
}

/// The ids of the template's resources of type `kind`, in the template's order.
fn ids_of_type(t: &Value, kind: &str) -> Vec<String> {
    t["Resources"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .filter_map(|(id, _)| id.as_str().map(str::to_owned))
        .collect()
}

/// Every route of the template as API Gateway names it (`POST /customers`, the `Route` of
/// the functions' metrics), with the function that serves it.
fn routes(t: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for function in ids_of_type(t, "AWS::Serverless::Function") {
        let events = resource(t, &function)["Properties"]["Events"].as_mapping();
        for event in events.into_iter().flat_map(|e| e.values()) {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let p = &event["Properties"];
            let method = p["Method"].as_str().unwrap().to_uppercase();
            let path = p["Path"].as_str().unwrap();
            routes.push((function.clone(), format!("{method} {path}")));
        }
    }
    routes
}

/// A value as a `!Sub` string writes it: `!Ref X` is `${X}`, `!GetAtt X.Y` is `${X.Y}`, a
/// `!Sub` its text; a plain value is itself.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Tagged(tagged) if tagged.tag == "!Ref" || tagged.tag == "!GetAtt" => {
            format!("${{{}}}", tagged.value.as_str().unwrap_or_default())
        }
        Value::Tagged(tagged) if tagged.tag == "!Sub" && tagged.value.is_string() => {
            tagged.value.as_str().unwrap_or_default().to_owned()
        }
        other => format!("{other:?}"),
    }
}

/// One metric as an alarm or a dashboard graph names it; dimension values as [`text_of`]
/// writes them (the dashboard's are written so already).
#[derive(Debug, Clone, PartialEq, Eq)]
struct MetricRef {
    namespace: String,
    name: String,
    dimensions: Vec<(String, String)>,
}

impl MetricRef {
    fn new(namespace: &str, name: &str, dimensions: &[(&str, &str)]) -> Self {
        Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            dimensions: dimensions
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn is(&self, namespace: &str, name: &str, dimensions: &[(&str, &str)]) -> bool {
        let mut mine: Vec<(&str, &str)> = self
            .dimensions
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let mut theirs = dimensions.to_vec();
        mine.sort_unstable();
        theirs.sort_unstable();
        self.namespace == namespace && self.name == name && mine == theirs
    }
}

/// The metric `metric` names with `Namespace`, `MetricName` and `Dimensions`: an alarm's
/// properties, or the `Metric` of a `MetricStat`.
fn metric_ref(metric: &Value) -> MetricRef {
    MetricRef {
        namespace: metric["Namespace"].as_str().unwrap_or_default().to_owned(),
        name: metric["MetricName"].as_str().unwrap_or_default().to_owned(),
        dimensions: metric["Dimensions"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|d| {
                let name = d["Name"].as_str().unwrap_or_default().to_owned();
                (name, text_of(&d["Value"]))
            })
            .collect(),
    }
}

/// The metrics an alarm watches: its one metric, or those its metric math fetches.
fn alarm_metrics(properties: &Value) -> Vec<MetricRef> {
    if properties.get("MetricName").is_some() {
        return vec![metric_ref(properties)];
    }
    properties["Metrics"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("MetricStat").map(|stat| metric_ref(&stat["Metric"])))
        .collect()
}

/// The id under which an alarm's metric math fetches `metric` at `stat` over 5 minutes.
fn fetched_as<'p>(properties: &'p Value, metric: &MetricRef, stat: &str) -> Option<&'p str> {
    properties["Metrics"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|m| m["ReturnData"].as_bool() == Some(false))
        .find(|m| {
            let fetch = &m["MetricStat"];
            fetch["Stat"].as_str() == Some(stat)
                && fetch["Period"].as_u64() == Some(300)
                && metric_ref(&fetch["Metric"]) == *metric
        })
        .and_then(|m| m["Id"].as_str())
}

/// The expression of the one result of an alarm's metric math, without its spaces.
fn returned_expression(properties: &Value) -> Option<String> {
    let returned: Vec<&Value> = properties["Metrics"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|m| m["ReturnData"].as_bool() != Some(false))
        .collect();
    match returned.as_slice() {
        [result] => Some(text_of(&result["Expression"]).replace(' ', "")),
        _ => None,
    }
}

/// The template's alarms: id and properties.
fn alarms(t: &Value) -> Vec<(String, &Value)> {
    ids_of_type(t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|id| {
            let properties = &resource(t, &id)["Properties"];
            (id, properties)
        })
        .collect()
}

/// The alarms that watch the metric (among others, for metric math).
fn alarms_on<'t>(
    alarms: &[(String, &'t Value)],
    namespace: &str,
    name: &str,
    dimensions: &[(&str, &str)],
) -> Vec<&'t Value> {
    alarms
        .iter()
        .filter(|(_, p)| {
            alarm_metrics(p)
                .iter()
                .any(|m| m.is(namespace, name, dimensions))
        })
        .map(|(_, p)| *p)
        .collect()
}

/// The codes of every `409`: the `Code` dimension of `Conflicts` takes no other value.
fn conflict_codes() -> BTreeSet<&'static str> {
    use UniqueField::*;
    let fields = [
        Email,
        Mobile,
        ExternalId,
        CardNumber,
        IdentityDocument,
        GroupName,
    ];
    for field in fields {
        // A new kind of unique value stops the build here: list it above too.
        match field {
            Email | Mobile | ExternalId | CardNumber | IdentityDocument | GroupName => {}
        }
    }
    fields
        .into_iter()
        .map(ApiError::Taken)
        .chain([ApiError::Contended])
        .map(|error| error.problem())
        .filter(|problem| problem.status().as_u16() == 409)
        .map(|problem| problem.code())
        .collect()
}

/// What is wrong with `metric` if it claims to be one of the functions' (namespace
/// CustomersApi): a name they do not emit, other dimensions than they emit it with, another
/// stack's `Service`, a `Route` the template does not have, a `Code` that is no 409's.
fn misuse(metric: &MetricRef, routes: &BTreeSet<String>) -> Option<String> {
    if metric.namespace != NAMESPACE {
        return None;
    }
    let Some(emitted) = CATALOGUE.iter().find(|m| m.name == metric.name) else {
        return Some(format!("{} is no metric the functions emit", metric.name));
    };
    let mut names: Vec<&str> = metric.dimensions.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected = emitted.dimensions.to_vec();
    names.sort_unstable();
    expected.sort_unstable();
    if names != expected {
        return Some(format!(
            "{} is emitted with dimensions {expected:?}, not {names:?}",
            metric.name
        ));
    }
    if metric.dimension("Service") != Some("${AWS::StackName}") {
        return Some(format!("{metric:?}: Service is the stack's name"));
    }
    let route = metric.dimension("Route").unwrap_or_default();
    if route != PUBLISHER_ROUTE && !routes.contains(route) {
        return Some(format!("{metric:?}: {route} is no route of the template"));
    }
    match metric.dimension("Code") {
        Some(code) if !conflict_codes().contains(code) => {
            Some(format!("{metric:?}: {code} is not the code of a 409"))
        }
        _ => None,
    }
}

/// What in `metric`'s dimensions names no resource of the template of the right kind.
fn unknown_resource(t: &Value, metric: &MetricRef) -> Option<String> {
    for (name, value) in &metric.dimensions {
        let kind = match name.as_str() {
            "FunctionName" => "AWS::Serverless::Function",
            "TableName" => "AWS::DynamoDB::Table",
            "QueueName" => "AWS::SQS::Queue",
            "ApiId" => "AWS::Serverless::HttpApi",
            _ => continue,
        };
        let id = value
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .map(|v| v.trim_end_matches(".QueueName"))
            .unwrap_or_default();
        if resource(t, id)["Type"].as_str() != Some(kind) {
            return Some(format!("{metric:?}: {value} is no {kind} of the template"));
        }
    }
    None
}

/// The dashboard's body as JSON: its `!Sub` text with the number parameters (they stand
/// outside JSON strings) given their defaults; references inside strings stay as written.
fn dashboard(t: &Value) -> serde_json::Value {
    let dashboards = ids_of_type(t, "AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1, "one dashboard");
    let body = &resource(t, &dashboards[0])["Properties"]["DashboardBody"];
    assert!(
        matches!(body, Value::Tagged(tagged) if tagged.tag == "!Sub"),
        "DashboardBody is a !Sub string"
    );
    let mut text = text_of(body);
    for (name, parameter) in t["Parameters"].as_mapping().unwrap() {
        if parameter["Type"].as_str() == Some("Number") {
            let reference = format!("${{{}}}", name.as_str().unwrap());
            text = text.replace(&reference, &text_of(&parameter["Default"]));
        }
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("the dashboard body is no JSON: {e}"))
}

/// Every metric the dashboard graphs (`[namespace, name, dimension, value, ..., {options}]`),
/// with the statistic it is graphed at.
fn dashboard_metrics(body: &serde_json::Value) -> Vec<(MetricRef, String)> {
    let mut graphed = Vec::new();
    for widget in body["widgets"].as_array().unwrap() {
        let properties = &widget["properties"];
        for metric in properties["metrics"].as_array().into_iter().flatten() {
            let parts = metric.as_array().unwrap();
            let strings: Vec<&str> = parts.iter().map_while(serde_json::Value::as_str).collect();
            // Written out in full: no "..." or "." shorthand for the graph above's.
            assert!(
                strings.len() >= 2 && strings.len() % 2 == 0 && !strings.contains(&"..."),
                "{metric}"
            );
            let options = parts.get(strings.len()).unwrap_or(&serde_json::Value::Null);
            let stat = options["stat"]
                .as_str()
                .or(properties["stat"].as_str())
                .unwrap_or("Average");
            let dimensions: Vec<(&str, &str)> =
                strings[2..].chunks(2).map(|p| (p[0], p[1])).collect();
            graphed.push((
                MetricRef::new(strings[0], strings[1], &dimensions),
                stat.to_owned(),
            ));
        }
    }
    graphed
}

/// The anchors GitHub gives docs/operations.md's headings (code blocks aside).
fn runbook_anchors() -> BTreeSet<String> {
    let text = std::fs::read_to_string(workspace_root().join("docs/operations.md")).unwrap();
    let mut in_code = false;
    let mut anchors = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            let anchor: String = line
                .trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            anchors.insert(anchor);
        }
    }
    anchors
}

/// `!If [HasAlarmTopic, [!Ref AlarmTopicArn], !Ref AWS::NoValue]`.
fn notifies_the_topic(actions: &Value) -> bool {
    let Value::Tagged(branch) = actions else {
        return false;
    };
    let Some([condition, Value::Sequence(then), otherwise]) =
        branch.value.as_sequence().map(Vec::as_slice)
    else {
        return false;
    };
    branch.tag == "!If"
        && condition.as_str() == Some("HasAlarmTopic")
        && then.len() == 1
        && text_of(&then[0]) == "${AlarmTopicArn}"
        && text_of(otherwise) == "${AWS::NoValue}"
}

/// The DynamoDB operations shared/src/store/dynamo calls on `table`, read from its code
/// (test code aside): events.rs is the events table's store, every other file the customers
/// table's.
fn store_operations(table: &str) -> BTreeSet<String> {
    const OPERATIONS: [&str; 10] = [
        "batch_get_item",
        "batch_write_item",
        "delete_item",
        "get_item",
        "put_item",
        "query",
        "scan",
        "transact_get_items",
        "transact_write_items",
        "update_item",
    ];
    let mut used = BTreeSet::new();
    for entry in std::fs::read_dir(workspace_root().join("shared/src/store/dynamo")).unwrap() {
        let path = entry.unwrap().path();
        let events = path.file_stem().and_then(|s| s.to_str()) == Some("events");
        if events != (table == "EventsTable") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for operation in OPERATIONS {
            if code.contains(&format!(".{operation}()")) {
                let pascal: String = operation
                    .split('_')
                    .map(|word| word[..1].to_uppercase() + &word[1..])
                    .collect();
                used.insert(pascal);
            }
        }
    }
    used
}

/// The 5xx answers a route's share alarm waits for in 5 minutes: at low traffic a single
/// transient failure is already a large share (1 of 3 requests is 33%), and should not page.
const MIN_5XX_ANSWERS: u32 = 3;

#[test]
fn every_route_and_every_function_has_its_alarms() {
    let t = template();
    let alarms = alarms(&t);
    let routes = routes(&t);
    assert!(
        routes.len() >= 9,
        "every route is looked at ({})",
        routes.len()
    );
    for (_, route) in &routes {
        let by_route = [("Service", "${AWS::StackName}"), ("Route", route.as_str())];
        let status_5xx = MetricRef::new(NAMESPACE, "Status5xx", &by_route);
        let share = alarms_on(&alarms, NAMESPACE, "Status5xx", &by_route);
        assert!(
            share.iter().any(|p| {
                // Status5xx is 1 or 0 per request: its Average is the share, its Sum the count.
                let (Some(share), Some(count)) = (
                    fetched_as(p, &status_5xx, "Average"),
                    fetched_as(p, &status_5xx, "Sum"),
                ) else {
                    return false;
                };
                let expected = format!("IF({count}>={MIN_5XX_ANSWERS},{share},0)");
                returned_expression(p) == Some(expected)
                    && p["Threshold"].as_f64() == Some(0.01)
                    && p["ComparisonOperator"].as_str() == Some("GreaterThanThreshold")
                    && p["EvaluationPeriods"].as_u64() == Some(1)
                    && p["DatapointsToAlarm"].as_u64() == Some(1)
            }),
            "{route}: no alarm on its share of 5xx answers over 1% once {MIN_5XX_ANSWERS} were 5xx"
        );
        let latency = alarms_on(&alarms, NAMESPACE, "Latency", &by_route);
        assert!(
            latency
                .iter()
                .any(|p| p["ExtendedStatistic"].as_str() == Some("p99")
                    && text_of(&p["Threshold"]) == "${LatencyP99AlarmMs}"),
            "{route}: no alarm on its p99 latency"
        );
    }
    let functions = ids_of_type(&t, "AWS::Serverless::Function");
    let behind_routes: BTreeSet<&String> = routes.iter().map(|(function, _)| function).collect();
    assert_eq!(
        functions.len(),
        behind_routes.len() + 1,
        "the routes' and the publisher"
    );
    let stack_reservation = &t["Globals"]["Function"]["ReservedConcurrentExecutions"];
    assert_eq!(text_of(stack_reservation), "${ReservedConcurrency}");
    for function in functions {
        let reference = format!("${{{function}}}");
        let by_function = [("FunctionName", reference.as_str())];
        // The share is of the function's own reservation where it has one.
        let reservation = resource(&t, &function)["Properties"]
            .get("ReservedConcurrentExecutions")
            .unwrap_or(stack_reservation);
        let share = format!("m1 / {}", text_of(reservation));
        for name in ["Errors", "Throttles"] {
            assert!(
                alarms_on(&alarms, "AWS/Lambda", name, &by_function)
                    .iter()
                    .any(|p| p["Threshold"].as_f64() == Some(0.0)),
                "{function}: no alarm on its {name}"
            );
        }
        let concurrency = alarms_on(&alarms, "AWS/Lambda", "ConcurrentExecutions", &by_function);
        assert!(
            concurrency.iter().any(|p| {
                let expressions: Vec<String> = p["Metrics"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .map(|m| text_of(&m["Expression"]))
                    .collect();
                expressions.contains(&share) && p["Threshold"].as_f64() == Some(0.8)
            }),
            "{function}: no alarm on its concurrency nearing its reservation ({share})"
        );
    }
}

#[test]
fn the_tables_and_the_publisher_have_their_alarms() {
    let t = template();
    let alarms = alarms(&t);
    let tables = ids_of_type(&t, "AWS::DynamoDB::Table");
    assert_eq!(tables, ["CustomersTable", "EventsTable"]);
    for table in &tables {
        let reference = format!("${{{table}}}");
        let on_table: Vec<MetricRef> = alarms
            .iter()
            .flat_map(|(_, p)| alarm_metrics(p))
            .filter(|m| m.dimension("TableName") == Some(reference.as_str()))
            .collect();
        // Throttling of the table and of each of its indexes (an index's own throttling
        // shows under its name only).
        let indexes = resource(&t, table)["Properties"]["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|i| i["IndexName"].as_str().map(str::to_owned));
        for index in [None].into_iter().chain(indexes) {
            for name in ["ReadThrottleEvents", "WriteThrottleEvents"] {
                assert!(
                    on_table.iter().any(|m| m.name == name
                        && m.dimension("GlobalSecondaryIndexName") == index.as_deref()),
                    "{table} {index:?}: no alarm on its {name}"
                );
            }
        }
        let operations = store_operations(table);
        assert!(
            !operations.is_empty(),
            "{table}: the store's calls are found"
        );
        let watched: BTreeSet<String> = on_table
            .iter()
            .filter(|m| m.namespace == "AWS/DynamoDB" && m.name == "SystemErrors")
            .filter_map(|m| m.dimension("Operation").map(str::to_owned))
            .collect();
        let unwatched: Vec<&String> = operations.difference(&watched).collect();
        assert!(
            unwatched.is_empty(),
            "{table}: no alarm on the SystemErrors of {unwatched:?}"
        );
    }
    // Each stream consumer: its lag, and the queue of the batches it gives up.
    let mut consumers = 0;
    for function in ids_of_type(&t, "AWS::Serverless::Function") {
        let events = resource(&t, &function)["Properties"]["Events"].as_mapping();
        for event in events.into_iter().flat_map(|e| e.values()) {
            if event["Type"].as_str() != Some("DynamoDB") {
                continue;
            }
            consumers += 1;
            let reference = format!("${{{function}}}");
            let lag = alarms_on(
                &alarms,
                "AWS/Lambda",
                "IteratorAge",
                &[("FunctionName", reference.as_str())],
            );
            assert!(!lag.is_empty(), "{function}: no alarm on its IteratorAge");
            let queue =
                text_of(&event["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
                    .replace(".Arn}", ".QueueName}");
            let given_up = alarms_on(
                &alarms,
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                &[("QueueName", queue.as_str())],
            );
            assert!(!given_up.is_empty(), "{function}: no alarm on {queue}");
        }
    }
    assert_eq!(consumers, 1);
}

#[test]
fn every_alarm_notifies_the_alarm_topic_and_names_its_runbook_section() {
    let t = template();
    assert_eq!(
        t["Parameters"]["AlarmTopicArn"]["Default"].as_str(),
        Some("")
    );
    assert!(!t["Conditions"]["HasAlarmTopic"].is_null());
    let anchors = runbook_anchors();
    let alarms = alarms(&t);
    assert!(!alarms.is_empty());
    for (id, p) in &alarms {
        assert!(
            notifies_the_topic(&p["AlarmActions"]) && notifies_the_topic(&p["OKActions"]),
            "{id}: AlarmActions and OKActions are the topic, if given"
        );
        assert_eq!(p["TreatMissingData"].as_str(), Some("notBreaching"), "{id}");
        let description = p["AlarmDescription"].as_str().unwrap_or_default();
        let anchor = description
            .split("docs/operations.md#")
            .nth(1)
            .and_then(|rest| {
                rest.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                    .next()
            });
        assert!(
            anchor.is_some_and(|a| anchors.contains(a)),
            "{id}: its description names no section of docs/operations.md: {description}"
        );
        // Metric math: one result, from every metric it fetches, and no metric of its own
        // beside it (CloudWatch refuses an alarm with both).
        let Some(metrics) = p["Metrics"].as_sequence() else {
            continue;
        };
        for key in [
            "Namespace",
            "MetricName",
            "Dimensions",
            "Statistic",
            "ExtendedStatistic",
            "Period",
            "Unit",
        ] {
            assert!(p.get(key).is_none(), "{id}: metric math and {key}");
        }
        let (fetched, returned): (Vec<&Value>, Vec<&Value>) = metrics
            .iter()
            .partition(|m| m["ReturnData"].as_bool() == Some(false));
        assert_eq!(returned.len(), 1, "{id}: one result");
        let expression = text_of(&returned[0]["Expression"]);
        let words: BTreeSet<&str> = expression
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .collect();
        for metric in fetched {
            let metric_id = metric["Id"].as_str().unwrap_or_default();
            assert!(
                words.contains(metric_id),
                "{id}: {expression} leaves out {metric_id}"
            );
        }
    }
}

#[test]
fn the_dashboard_and_the_alarms_use_only_metrics_the_functions_emit() {
    let t = template();
    let routes: BTreeSet<String> = routes(&t).into_iter().map(|(_, r)| r).collect();
    let body = dashboard(&t);
    let graphed = dashboard_metrics(&body);
    let alarms = alarms(&t);
    let alarmed: Vec<MetricRef> = alarms.iter().flat_map(|(_, p)| alarm_metrics(p)).collect();
    let ours = graphed
        .iter()
        .map(|(m, _)| m)
        .chain(&alarmed)
        .filter(|m| m.namespace == NAMESPACE)
        .count();
    assert!(ours > 100, "the functions' metrics are looked at ({ours})");
    let problems: Vec<String> = graphed
        .iter()
        .map(|(m, _)| m)
        .chain(&alarmed)
        .flat_map(|m| {
            misuse(m, &routes)
                .into_iter()
                .chain(unknown_resource(&t, m))
        })
        .collect();
    assert_eq!(problems, Vec::<String>::new());

    for route in &routes {
        assert!(
            graphed.iter().any(|(m, stat)| m.namespace == NAMESPACE
                && m.name == "Latency"
                && m.dimension("Route") == Some(route)
                && stat == "p99"),
            "{route}: its p99 latency is not graphed"
        );
    }
    for metric in CATALOGUE {
        assert!(
            graphed
                .iter()
                .any(|(m, _)| m.namespace == NAMESPACE && m.name == metric.name),
            "{} is emitted but not graphed",
            metric.name
        );
    }
    let shown: BTreeSet<String> = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["type"] == "alarm")
        .flat_map(|w| w["properties"]["alarms"].as_array().unwrap())
        .filter_map(|arn| arn.as_str().map(str::to_owned))
        .collect();
    let all: BTreeSet<String> = alarms
        .iter()
        .map(|(id, _)| format!("${{{id}.Arn}}"))
        .collect();
    assert_eq!(shown, all, "the dashboard shows every alarm's state");
}

#[test]
fn a_metric_the_functions_do_not_emit_as_named_is_caught() {
    let routes = BTreeSet::from(["GET /countries".to_owned(), "POST /customers".to_owned()]);
    let service = ("Service", "${AWS::StackName}");
    let ours =
        |name: &str, dimensions: &[(&str, &str)]| MetricRef::new(NAMESPACE, name, dimensions);
    let fine = [
        ours("Latency", &[service, ("Route", "GET /countries")]),
        ours("StreamRecords", &[("Route", PUBLISHER_ROUTE), service]),
        ours(
            "Conflicts",
            &[
                service,
                ("Route", "POST /customers"),
                ("Code", "email_taken"),
            ],
        ),
        ours(
            "Conflicts",
            &[
                service,
                ("Route", "POST /customers"),
                ("Code", "concurrent_update"),
            ],
        ),
        MetricRef::new("AWS/Lambda", "Latency", &[("FunctionName", "anything")]),
    ];
    for metric in &fine {
        assert_eq!(misuse(metric, &routes), None);
    }
    let wrong = [
        ours("Latencies", &[service, ("Route", "GET /countries")]),
        ours("Latency", &[("Route", "GET /countries")]),
        ours(
            "Latency",
            &[
                service,
                ("Route", "GET /countries"),
                ("Code", "email_taken"),
            ],
        ),
        ours(
            "Latency",
            &[("Service", "another-stack"), ("Route", "GET /countries")],
        ),
        ours("Latency", &[service, ("Route", "GET /country")]),
        ours(
            "Conflicts",
            &[service, ("Route", "POST /customers"), ("Code", "not_found")],
        ),
        ours("Conflicts", &[service, ("Route", "POST /customers")]),
    ];
    for metric in &wrong {
        assert!(misuse(metric, &routes).is_some(), "not caught: {metric:?}");
    }
}

#[test]
fn functions_trace_and_log_at_info_under_the_stacks_name() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(text_of(&globals["Tracing"]), "${Tracing}");
    assert_eq!(
        t["Parameters"]["Tracing"]["Default"].as_str(),
        Some("Active")
    );
    assert_eq!(
        text_of(&globals["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]),
        "${AWS::StackName}"
    );
    let logging = &globals["LoggingConfig"];
    assert_eq!(logging["LogFormat"].as_str(), Some("JSON"));
    // INFO: the request lines, and the queries on them.
    assert_eq!(logging["ApplicationLogLevel"].as_str(), Some("INFO"));
    assert_eq!(logging["SystemLogLevel"].as_str(), Some("INFO"));
    for function in ids_of_type(&t, "AWS::Serverless::Function") {
        let p = &resource(&t, &function)["Properties"];
        let own = [
            p.get("Tracing"),
            p["LoggingConfig"].get("ApplicationLogLevel"),
            p["LoggingConfig"].get("SystemLogLevel"),
            p["Environment"]["Variables"].get("POWERTOOLS_SERVICE_NAME"),
        ];
        assert!(
            own.iter().all(Option::is_none),
            "{function} keeps the stack's tracing, log levels and service name"
        );
    }
}
