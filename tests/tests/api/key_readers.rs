//! Who can read the two HMAC keys in clear, from template.yaml: the functions that use each
//! key, and nobody else - no other function, no wildcard, not the account's own users and
//! roles (which administer the KMS key but decrypt nothing), not a deployment.

use integration_tests::workspace_root;
use serde_yaml::Value;
use std::collections::BTreeSet;

fn template() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

const FINGERPRINTERS: [&str; 2] = ["CreateCustomerFunction", "UpdateCustomerFunction"];
const LISTERS: [&str; 2] = ["ListCustomersFunction", "ListCustomerGroupsFunction"];

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

/// Who the KMS key lets decrypt, and through which service.
fn decrypters(t: &Value) -> Vec<(BTreeSet<String>, String)> {
    list(&t["Resources"]["SecretsKey"]["Properties"]["KeyPolicy"]["Statement"])
        .iter()
        .filter(|s| allows(s, "kms:Decrypt") || allows(s, "kms:ReEncryptFrom"))
        .map(|s| {
            let via = format!("{:?}", s["Condition"]["StringEquals"]["kms:ViaService"]);
            (principals(s), via)
        })
        .collect()
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

/// Functions whose IAM policies may read `secret` (by its name in the template).
fn readers_by_iam(t: &Value, secret_name: &str) -> BTreeSet<String> {
    functions(t)
        .into_iter()
        .filter(|function| {
            list(&t["Resources"][function.as_str()]["Properties"]["Policies"])
                .iter()
                .flat_map(|policy| list(&policy["Statement"]))
                .any(|s| {
                    allows(&s, "secretsmanager:GetSecretValue") && {
                        let resource = format!("{:?}", s["Resource"]);
                        resource.contains(secret_name) || resource.contains("\"*\"")
                    }
                })
        })
        .collect()
}

/// Principals a secret's resource policy leaves able to read it: its one Deny names them.
fn readers_by_secret_policy(t: &Value, policy: &str) -> BTreeSet<String> {
    let statements = list(&t["Resources"][policy]["Properties"]["ResourcePolicy"]["Statement"]);
    assert!(
        statements
            .iter()
            .all(|s| s["Effect"].as_str() == Some("Deny")),
        "{policy} grants nothing, it only refuses"
    );
    let deny = statements
        .iter()
        .find(|s| {
            s["Principal"].as_str() == Some("*")
                && list(&s["Action"])
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|a| covers(a, "secretsmanager:GetSecretValue"))
        })
        .unwrap_or_else(|| panic!("{policy} refuses GetSecretValue to every other principal"));
    list(&deny["Condition"]["StringNotEquals"]["aws:PrincipalArn"])
        .iter()
        .map(|arn| {
            let text = format!("{arn:?}");
            text.split('"')
                .find(|part| part.ends_with("Role.Arn"))
                .map(|role| role.trim_end_matches("Role.Arn").to_owned())
                .unwrap_or(text)
        })
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The whole rule, checked on a template; panics with what is wrong.
fn only_their_functions_read_the_keys(t: &Value) {
    let text = serde_yaml::to_string(t).unwrap();
    assert!(
        !text.contains("{{resolve:secretsmanager"),
        "no key is resolved into a template value (the deployer would read it)"
    );
    for function in functions(t) {
        let env = format!(
            "{:?}",
            t["Resources"][function.as_str()]["Properties"]["Environment"]
        );
        for value_variable in ["DOCUMENT_HASH_KEY\"", "CURSOR_KEY\""] {
            assert!(
                !env.contains(value_variable),
                "{function}: a key's value is never in an environment"
            );
        }
        let holds = |variable: &str| env.contains(variable);
        assert_eq!(
            holds("DOCUMENT_HASH_KEY_SECRET"),
            FINGERPRINTERS.contains(&function.as_str()),
            "{function} and the document hash key"
        );
        assert_eq!(
            holds("CURSOR_KEY_SECRET"),
            LISTERS.contains(&function.as_str()),
            "{function} and the cursor key"
        );
    }
    for secret in ["DocumentHashKey", "CursorKey"] {
        assert_eq!(
            format!("{:?}", t["Resources"][secret]["Properties"]["KmsKeyId"]),
            format!(
                "{:?}",
                serde_yaml::from_str::<Value>("!Ref SecretsKey").unwrap()
            ),
            "{secret} is encrypted with SecretsKey"
        );
    }
    let decrypt = decrypters(t);
    let mut who = BTreeSet::new();
    for (principals, via) in &decrypt {
        assert!(
            via.contains("secretsmanager."),
            "{principals:?} decrypt only through Secrets Manager"
        );
        who.extend(principals.iter().cloned());
    }
    let mut expected = set(&FINGERPRINTERS);
    expected.extend(set(&LISTERS));
    assert_eq!(who, expected, "who may decrypt with SecretsKey");

    assert_eq!(readers_by_iam(t, "document-hash-key"), set(&FINGERPRINTERS));
    assert_eq!(readers_by_iam(t, "cursor-key"), set(&LISTERS));
    assert_eq!(
        readers_by_secret_policy(t, "DocumentHashKeyPolicy"),
        set(&FINGERPRINTERS)
    );
    assert_eq!(
        readers_by_secret_policy(t, "CursorKeyPolicy"),
        set(&LISTERS)
    );
}

#[test]
fn only_the_functions_that_use_a_key_can_read_it() {
    only_their_functions_read_the_keys(&template());
}

/// Each way of opening a key to someone else, applied to the real template: the rule must
/// catch every one.
#[test]
fn a_second_reader_or_a_wildcard_is_caught() {
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 7] = [
        ("another function's role decrypts", |t| {
            let statement = &mut t["Resources"]["SecretsKey"]["Properties"]["KeyPolicy"]
                ["Statement"][2]["Principal"]["AWS"];
            if let Value::Sequence(roles) = statement {
                roles.push(serde_yaml::from_str("!GetAtt GetCustomerFunctionRole.Arn").unwrap());
            }
        }),
        ("a wildcard principal decrypts", |t| {
            t["Resources"]["SecretsKey"]["Properties"]["KeyPolicy"]["Statement"][2]["Principal"] =
                Value::String("*".into());
        }),
        ("the account may decrypt (kms:*)", |t| {
            t["Resources"]["SecretsKey"]["Properties"]["KeyPolicy"]["Statement"][0]["Action"] =
                Value::String("kms:*".into());
        }),
        ("a lister may read the document hash key", |t| {
            let policies = &mut t["Resources"]["ListCustomersFunction"]["Properties"]["Policies"];
            if let Value::Sequence(policies) = policies {
                policies.push(
                    serde_yaml::from_str(
                        "{Statement: [{Effect: Allow, Action: 'secretsmanager:*', Resource: '*'}]}",
                    )
                    .unwrap(),
                );
            }
        }),
        ("the secret policy lets another role read", |t| {
            let arns = &mut t["Resources"]["DocumentHashKeyPolicy"]["Properties"]["ResourcePolicy"]
                ["Statement"][0]["Condition"]["StringNotEquals"]["aws:PrincipalArn"];
            if let Value::Sequence(arns) = arns {
                arns.push(serde_yaml::from_str("!GetAtt DeleteCustomerFunctionRole.Arn").unwrap());
            }
        }),
        ("the value is resolved into an environment", |t| {
            t["Resources"]["GetCustomerFunction"]["Properties"]["Environment"] =
                serde_yaml::from_str("{Variables: {CURSOR_KEY: '{{resolve:secretsmanager:x}}'}}")
                    .unwrap();
        }),
        ("a secret under the default key", |t| {
            if let Value::Mapping(properties) = &mut t["Resources"]["CursorKey"]["Properties"] {
                properties.remove("KmsKeyId");
            }
        }),
    ];
    for (what, edit) in edits {
        let mut t = template();
        edit(&mut t);
        let caught = std::panic::catch_unwind(|| only_their_functions_read_the_keys(&t)).is_err();
        assert!(caught, "not caught: {what}");
    }
}
