//! Who can use the one key left, from template.yaml: the KMS HMAC key of document fingerprints
//! makes MACs for the create and update functions only, and nobody else - no other function,
//! no wildcard, not the account's own users and roles (which administer the key but cannot use
//! it), and its material is readable by no one at all. No secret remains to be read.

use integration_tests::workspace_root;
use serde_yaml::Value;
use std::collections::BTreeSet;

fn template() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

const FINGERPRINTERS: [&str; 2] = ["CreateCustomerFunction", "UpdateCustomerFunction"];
const KEY: &str = "DocumentFingerprintKey";
const VARIABLE: &str = "DOCUMENT_FINGERPRINT_KEY";

fn list(value: &Value) -> Vec<Value> {
    match value {
        Value::Sequence(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// A principal as the template writes it: `*`, `root` (the account), a function's role by its
/// function, or the raw text of anything else.
fn principals(statement: &Value) -> BTreeSet<String> {
    let principal = &statement["Principal"];
    if principal.as_str() == Some("*") {
        return ["*".to_owned()].into();
    }
    let mut found = BTreeSet::new();
    for key in ["AWS", "Service", "Federated", "CanonicalUser"] {
        for value in list(&principal[key]) {
            let text = format!("{value:?}");
            let name = if text.contains(":root") {
                "root".to_owned()
            } else if let Some(role) = text.split('"').find(|part| part.ends_with("Role.Arn")) {
                role.trim_end_matches("Role.Arn").to_owned()
            } else if value.as_str() == Some("*") {
                "*".to_owned()
            } else {
                text
            };
            found.insert(name);
        }
    }
    found
}

/// Whether an action pattern of a policy covers `action` (`kms:*`, `kms:Dec*`, `*`, ...).
fn covers(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match pattern.split_once('*') {
        None => pattern == action,
        Some((prefix, _)) => action.starts_with(prefix),
    }
}

fn allows(statement: &Value, action: &str) -> bool {
    statement["Effect"].as_str() == Some("Allow")
        && list(&statement["Action"])
            .iter()
            .filter_map(Value::as_str)
            .any(|pattern| covers(pattern, action))
}

fn functions(t: &Value) -> Vec<String> {
    t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .filter_map(|(id, _)| id.as_str().map(str::to_owned))
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The fingerprint key's policy statements.
fn key_policy(t: &Value) -> Vec<Value> {
    list(&t["Resources"][KEY]["Properties"]["KeyPolicy"]["Statement"])
}

/// The actions that use the key (as opposed to administering it), or hand its use to another
/// principal (a grant, which the key policy does not show).
const USES: [&str; 3] = ["kms:GenerateMac", "kms:VerifyMac", "kms:CreateGrant"];

/// The whole rule, checked on a template; panics with what is wrong.
fn only_create_and_update_make_fingerprints(t: &Value) {
    let text = serde_yaml::to_string(t).unwrap();
    // No secret is left to read: no Secrets Manager, no resolved secure value.
    for trace in ["secretsmanager", "SecretsManager", "{{resolve:ssm-secure"] {
        assert!(!text.contains(trace), "the template still holds {trace:?}");
    }
    let key = &t["Resources"][KEY];
    assert_eq!(key["Type"].as_str(), Some("AWS::KMS::Key"));
    assert_eq!(key["Properties"]["KeySpec"].as_str(), Some("HMAC_256"));
    assert_eq!(
        key["Properties"]["KeyUsage"].as_str(),
        Some("GENERATE_VERIFY_MAC")
    );
    assert_eq!(key["DeletionPolicy"].as_str(), Some("Retain"));

    // The key policy alone decides: the statements that allow a use name the two roles, and
    // none names the account (which would let any IAM policy of it grant the use) or `*`.
    let mut who = BTreeSet::new();
    for statement in key_policy(t) {
        if USES.iter().any(|action| allows(&statement, action)) {
            who.extend(principals(&statement));
        }
    }
    assert_eq!(who, set(&FINGERPRINTERS), "who may use {KEY}");
    for statement in key_policy(t) {
        if statement["Effect"].as_str() == Some("Allow")
            && USES.iter().any(|action| allows(&statement, action))
        {
            assert_eq!(
                statement["Condition"]["StringEquals"]["kms:MacAlgorithm"].as_str(),
                Some("HMAC_SHA_256"),
                "fingerprints are HMAC-SHA256 only"
            );
        }
    }

    for function in functions(t) {
        let properties = &t["Resources"][function.as_str()]["Properties"];
        let statements: Vec<Value> = list(&properties["Policies"])
            .iter()
            .flat_map(|policy| list(&policy["Statement"]))
            .collect();
        assert!(
            !statements
                .iter()
                .any(|s| USES.iter().any(|action| allows(s, action))),
            "{function}: its IAM policy grants a use of a KMS key; the key policy alone does"
        );
        let variables = &properties["Environment"]["Variables"];
        let named = variables.get(VARIABLE).map(|v| format!("{v:?}"));
        if FINGERPRINTERS.contains(&function.as_str()) {
            let named = named.unwrap_or_default();
            assert!(
                named.contains(KEY) && named.contains("Arn"),
                "{function}: {VARIABLE} names {KEY}: {named}"
            );
        } else {
            assert_eq!(named, None, "{function} never uses the fingerprint key");
        }
        for (name, _) in variables.as_mapping().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            assert!(
                name == VARIABLE || name == "LOCAL_JWT_SECRET" || !name.contains("SECRET"),
                "{function}: {name} looks like a secret in an environment"
            );
        }
    }
}

#[test]
fn only_create_and_update_may_ask_for_a_fingerprint() {
    only_create_and_update_make_fingerprints(&template());
}

/// Each way of opening the key to someone else, or of bringing a secret back, applied to the
/// real template: the rule must catch every one.
#[test]
fn another_caller_a_wildcard_or_a_secret_is_caught() {
    type Edit = fn(&mut Value);
    fn statement(t: &mut Value, index: usize) -> &mut Value {
        &mut t["Resources"][KEY]["Properties"]["KeyPolicy"]["Statement"][index]
    }
    fn add_policy(t: &mut Value, function: &str, policy: &str) {
        if let Value::Sequence(policies) = &mut t["Resources"][function]["Properties"]["Policies"] {
            policies.push(serde_yaml::from_str(policy).unwrap());
        }
    }
    let edits: [(&str, Edit); 10] = [
        ("another function's role makes MACs", |t| {
            if let Value::Sequence(roles) = &mut statement(t, 1)["Principal"]["AWS"] {
                roles.push(serde_yaml::from_str("!GetAtt GetCustomerFunctionRole.Arn").unwrap());
            }
        }),
        ("a wildcard principal makes MACs", |t| {
            statement(t, 1)["Principal"] = Value::String("*".into());
        }),
        ("the account may do anything (kms:*)", |t| {
            statement(t, 0)["Action"] = Value::String("kms:*".into());
        }),
        ("the account may create grants (kms:Create*)", |t| {
            if let Value::Sequence(actions) = &mut statement(t, 0)["Action"] {
                actions.push(Value::String("kms:Create*".into()));
            }
        }),
        ("the account may generate (kms:Generate*)", |t| {
            if let Value::Sequence(actions) = &mut statement(t, 0)["Action"] {
                actions.push(Value::String("kms:Generate*".into()));
            }
        }),
        ("a lister's IAM policy grants GenerateMac", |t| {
            add_policy(
                t,
                "ListCustomersFunction",
                "{Statement: [{Effect: Allow, Action: 'kms:GenerateMac', Resource: '*'}]}",
            );
        }),
        ("a Secrets Manager secret comes back", |t| {
            if let Value::Mapping(resources) = &mut t["Resources"] {
                resources.insert(
                    Value::String("CursorKey".into()),
                    serde_yaml::from_str("{Type: 'AWS::SecretsManager::Secret'}").unwrap(),
                );
            }
        }),
        ("a function reads a secret", |t| {
            add_policy(
                t,
                "GetCustomerFunction",
                "{Statement: [{Effect: Allow, Action: 'secretsmanager:GetSecretValue', Resource: '*'}]}",
            );
        }),
        ("another function is given the key", |t| {
            t["Resources"]["DeleteCustomerFunction"]["Properties"]["Environment"] =
                serde_yaml::from_str("{Variables: {DOCUMENT_FINGERPRINT_KEY: 'alias/x'}}").unwrap();
        }),
        ("the key becomes an encryption key", |t| {
            t["Resources"][KEY]["Properties"]["KeySpec"] =
                Value::String("SYMMETRIC_DEFAULT".into());
        }),
    ];
    for (what, edit) in edits {
        let mut t = template();
        edit(&mut t);
        let caught =
            std::panic::catch_unwind(|| only_create_and_update_make_fingerprints(&t)).is_err();
        assert!(caught, "not caught: {what}");
    }
}
