//! The intrinsic functions of a template (`!Ref`, `!GetAtt`, `!Sub`, `!Join`), resolved to
//! what they would be in the local stack.

use super::{scalar, Bindings, Template, LOCAL_STACK_NAME};
use anyhow::{anyhow, bail, Result};
use serde_yaml::Value;

impl Template {
    /// Resolves the intrinsic functions a local environment can answer: `Ref` to parameters
    /// and resources, `GetAtt <id>.Arn` of a resource whose ARN is bound, `Sub` over
    /// references, and `Join` (a list parameter is its comma-separated text here).
    pub fn resolve(&self, value: &Value, bindings: &Bindings) -> Result<String> {
        match value {
            Value::Tagged(tagged) if tagged.tag == "Ref" => {
                self.reference(tagged.value.as_str().unwrap_or_default(), bindings)
            }
            Value::Tagged(tagged) if tagged.tag == "GetAtt" => {
                self.attribute(&tagged.value, bindings)
            }
            Value::Tagged(tagged) if tagged.tag == "Sub" => {
                self.substitute(tagged.value.as_str().unwrap_or_default(), bindings)
            }
            Value::Tagged(tagged) if tagged.tag == "Join" => self.join(&tagged.value, bindings),
            Value::Sequence(items) => items
                .iter()
                .map(|item| self.resolve(item, bindings))
                .collect::<Result<Vec<_>>>()
                .map(|items| items.join(",")),
            Value::Mapping(map) if map.len() == 1 => {
                if let Some(name) = map.get("Ref").and_then(Value::as_str) {
                    self.reference(name, bindings)
                } else if let Some(text) = map.get("Fn::Sub").and_then(Value::as_str) {
                    self.substitute(text, bindings)
                } else if let Some(arguments) = map.get("Fn::Join") {
                    self.join(arguments, bindings)
                } else if let Some(arguments) = map.get("Fn::GetAtt") {
                    self.attribute(arguments, bindings)
                } else {
                    bail!("unsupported intrinsic function {map:?}")
                }
            }
            other => scalar(other).ok_or_else(|| anyhow!("unsupported value {other:?}")),
        }
    }

    /// `Join [delimiter, items]`; `items` a list, or a `Ref` to a list parameter.
    pub(super) fn join(&self, arguments: &Value, bindings: &Bindings) -> Result<String> {
        let (delimiter, items) = match arguments.as_sequence().map(Vec::as_slice) {
            Some([delimiter, items]) => (delimiter.as_str().unwrap_or_default(), items),
            _ => bail!("Join takes [delimiter, list]"),
        };
        let parts: Vec<String> = match items {
            Value::Sequence(items) => items
                .iter()
                .map(|item| self.resolve(item, bindings))
                .collect::<Result<_>>()?,
            reference => self
                .resolve(reference, bindings)?
                .split(',')
                .map(|part| part.trim().to_owned())
                .collect(),
        };
        Ok(parts.join(delimiter))
    }

    /// `GetAtt`, as `Key.Arn` or `[Key, Arn]`: only ARNs, bound ones (what a local server
    /// chose when it made the resource) or those made of a name alone (a bus's, a queue's).
    pub(super) fn attribute(&self, arguments: &Value, bindings: &Bindings) -> Result<String> {
        let (id, attribute) = get_att_arguments(arguments)?;
        match (attribute, bindings.arns.get(id)) {
            ("Arn", Some(arn)) => Ok(arn.clone()),
            ("Arn", None) => self.local_arn(id, bindings).ok_or_else(|| anyhow!(
                "!GetAtt {id}.Arn: no local ARN bound for {id} (local-gateway create-resources makes the template's keys)"
            )),
            _ => bail!("!GetAtt {id}.{attribute}: only Arn is resolved locally"),
        }
    }

    pub(super) fn reference(&self, name: &str, bindings: &Bindings) -> Result<String> {
        if let Some(value) = self.parameter(name, bindings) {
            return Ok(value);
        }
        if self.resource_type(name) == Some("AWS::SQS::Queue") {
            bail!("!Ref {name}: a queue's URL is the local server's; give it a local value");
        }
        if self.resources().any(|(id, _)| id == name) {
            return Ok(self.resource_name(name, bindings));
        }
        match name {
            "AWS::Region" => Ok(std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into())),
            "AWS::AccountId" => Ok("123456789012".into()),
            "AWS::Partition" => Ok("aws".into()),
            "AWS::StackName" => Ok(LOCAL_STACK_NAME.into()),
            _ => bail!(
                "!Ref {name}: no such parameter or resource (or a parameter without a default)"
            ),
        }
    }

    pub(super) fn substitute(&self, text: &str, bindings: &Bindings) -> Result<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| anyhow!("unterminated ${{ in {text}"))?;
            out.push_str(&self.reference(&rest[start + 2..start + end], bindings)?);
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `(resource, attribute)` of a `GetAtt`, written `!GetAtt Key.Attribute`,
/// `!GetAtt [Key, Attribute]` or `{"Fn::GetAtt": ...}`.
pub fn get_att(value: &Value) -> Result<(&str, &str)> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => get_att_arguments(&tagged.value),
        Value::Mapping(map) if map.len() == 1 => match map.get("Fn::GetAtt") {
            Some(arguments) => get_att_arguments(arguments),
            None => bail!("expected !GetAtt, got {value:?}"),
        },
        other => bail!("expected !GetAtt, got {other:?}"),
    }
}

fn get_att_arguments(arguments: &Value) -> Result<(&str, &str)> {
    match arguments {
        Value::String(text) => text
            .split_once('.')
            .ok_or_else(|| anyhow!("GetAtt {text}: expected <resource>.<attribute>")),
        Value::Sequence(parts) => match parts.as_slice() {
            [Value::String(id), Value::String(attribute)] => Ok((id.as_str(), attribute.as_str())),
            _ => bail!("GetAtt takes [resource, attribute]"),
        },
        other => bail!("unsupported GetAtt {other:?}"),
    }
}
