//! Facts about template.yaml that cfn-lint cannot know are required: the document bucket's
//! guarantees and who may touch it.

use integration_tests::workspace_root;
use serde_yaml::Value;

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
                    let on = if resource.contains("CustomersTable.Arn}/stream/") {
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
    let expected: [(&str, &[&str]); 10] = [
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

/// Routes any caller may reach without a token. Empty: every route acts on a tenant's data.
const PUBLIC_ROUTES: &[&str] = &[];

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
            if PUBLIC_ROUTES.contains(&route.as_str()) {
                continue;
            }
            let on_our_api = matches!(&p["ApiId"], Value::Tagged(tagged)
                if tagged.tag == "!Ref" && tagged.value.as_str() == Some("CustomersApi"));
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
}
