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
fn only_the_create_function_touches_documents_and_only_below_its_prefix() {
    let t = template();
    let create = statements(&t, "CreateCustomerFunction");
    let s3: Vec<&Value> = create
        .iter()
        .filter(|s| format!("{:?}", s["Action"]).contains("s3:"))
        .collect();
    assert_eq!(s3.len(), 1);
    let actions: Vec<&str> = s3[0]["Action"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(actions, ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]);
    assert!(format!("{:?}", s3[0]["Resource"]).contains("/documents/*"));
    let get = statements(&t, "GetCustomerFunction");
    assert!(!format!("{get:?}").contains("s3:"));
    let env = &resource(&t, "CreateCustomerFunction")["Properties"]["Environment"]["Variables"];
    assert!(
        format!("{:?}", env["DOCUMENT_HASH_KEY"]).contains("{{resolve:secretsmanager:"),
        "the key comes from Secrets Manager"
    );
    assert!(resource(&t, "GetCustomerFunction")["Properties"]
        .get("Environment")
        .is_none());
}
