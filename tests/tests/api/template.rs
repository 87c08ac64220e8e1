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

fn statements(t: &Value, function: &str) -> Vec<Value> {
    resource(t, function)["Properties"]["Policies"]
        .as_sequence()
        .unwrap()
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
        let env = &resource(&t, function)["Properties"]["Environment"]["Variables"];
        assert!(
            format!("{:?}", env["DOCUMENT_HASH_KEY"]).contains("{{resolve:secretsmanager:"),
            "{function}: the key comes from Secrets Manager"
        );
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
        let env = resource(&t, function)["Properties"].get("Environment");
        assert!(
            !format!("{env:?}").contains("DOCUMENT_HASH_KEY"),
            "{function} never sees the fingerprint key"
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
            let resource = match &statement["Resource"] {
                Value::Tagged(tagged) => format!("{:?}", tagged.value)
                    .replace("String(\"", "")
                    .replace("\")", ""),
                other => format!("{other:?}"),
            };
            let on = if resource.contains("/index/") {
                "index"
            } else if resource.contains("DocumentsBucket") {
                "documents"
            } else {
                "table"
            };
            actions
                .into_iter()
                .map(move |action| format!("{action} on {on}"))
                .collect::<Vec<_>>()
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn each_function_may_do_what_its_route_needs_and_nothing_else() {
    let t = template();
    let expected: [(&str, &[&str]); 8] = [
        (
            "CreateCustomerFunction",
            &[
                "dynamodb:ConditionCheckItem on table",
                "dynamodb:GetItem on table",
                "dynamodb:PutItem on table",
                "dynamodb:UpdateItem on table",
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
    ];
    for (function, allowed) in expected {
        let allowed: Vec<String> = allowed.iter().map(|a| (*a).to_owned()).collect();
        let granted = if resource(&t, function)["Properties"]
            .get("Policies")
            .is_some()
        {
            permissions(&t, function)
        } else {
            Vec::new()
        };
        assert_eq!(granted, allowed, "{function}");
    }
}
