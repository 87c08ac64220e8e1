//! A function's `Type: DynamoDB` event, read as Lambda's event source mapping reads it. Each
//! property is either emulated or refused by name: the template cannot ask for something the
//! local stack would silently do differently.

use super::delivery::Policy;
use super::filter::{Filters, Pattern};
use crate::template::{get_att, Bindings, Template};
use anyhow::{anyhow, bail, Context, Result};
use serde_yaml::Value;
use std::time::Duration;

/// Lambda's pause between a failed invocation and its retry is not documented; this keeps
/// a function that fails at once from spinning.
const RETRY_PAUSE: Duration = Duration::from_millis(200);

const EMULATED: [&str; 12] = [
    "Stream",
    "StartingPosition",
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "ParallelizationFactor",
    "FunctionResponseTypes",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "MaximumRecordAgeInSeconds",
    "FilterCriteria",
    "DestinationConfig",
    "Enabled",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartingPosition {
    TrimHorizon,
    Latest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSourceMapping {
    /// The event's name in the template (`TableChanges`).
    pub name: String,
    /// Logical id of the table whose stream it reads.
    pub table: String,
    pub starting_position: StartingPosition,
    pub batch_size: usize,
    /// `MaximumBatchingWindowInSeconds`: how long records are gathered before an invocation
    /// with fewer than `batch_size`.
    pub batching_window: Duration,
    pub filters: Filters,
    pub policy: Policy,
    /// ARN of the SQS queue told of discarded records (`DestinationConfig.OnFailure`).
    pub on_failure: Option<String>,
    pub enabled: bool,
}

impl EventSourceMapping {
    /// Reads the event `name` (its `Properties`), resolving intrinsics as the template does.
    pub fn read(
        name: &str,
        event: &Value,
        template: &Template,
        bindings: &Bindings,
    ) -> Result<Self> {
        let props = event
            .get("Properties")
            .and_then(Value::as_mapping)
            .ok_or_else(|| anyhow!("a DynamoDB event needs Properties"))?;
        for key in props.keys() {
            let key = key.as_str().unwrap_or_default();
            if !EMULATED.contains(&key) {
                bail!(
                    "{key} is not emulated by the local event source mapping (it emulates {})",
                    EMULATED.join(", ")
                );
            }
        }
        let text = |key: &str| -> Result<Option<String>> {
            props
                .get(key)
                .map(|v| {
                    template
                        .resolve(v, bindings)
                        .with_context(|| key.to_owned())
                })
                .transpose()
        };
        let number = |key: &str, range: std::ops::RangeInclusive<i64>| -> Result<Option<i64>> {
            let Some(value) = text(key)? else {
                return Ok(None);
            };
            let number: i64 = value
                .parse()
                .with_context(|| format!("{key}: {value} is not a whole number"))?;
            if !range.contains(&number) {
                bail!("{key}: {number} is outside what Lambda accepts ({range:?})");
            }
            Ok(Some(number))
        };
        let flag = |key: &str| -> Result<Option<bool>> {
            text(key)?
                .map(|value| value.parse().with_context(|| format!("{key}: {value}")))
                .transpose()
        };

        let stream = props
            .get("Stream")
            .ok_or_else(|| anyhow!("Stream is missing"))?;
        let (table, attribute) = get_att(stream).context("Stream")?;
        if attribute != "StreamArn" || template.resource_type(table) != Some("AWS::DynamoDB::Table")
        {
            bail!("Stream: only !GetAtt <a table of the template>.StreamArn is emulated");
        }
        let starting_position = match text("StartingPosition")?.as_deref() {
            Some("TRIM_HORIZON") => StartingPosition::TrimHorizon,
            Some("LATEST") => StartingPosition::Latest,
            other => {
                bail!("StartingPosition: {other:?}; a DynamoDB stream takes TRIM_HORIZON or LATEST")
            }
        };
        if let Some(factor) = number("ParallelizationFactor", 1..=10)? {
            if factor != 1 {
                bail!("ParallelizationFactor: only 1 (one batch per shard at a time) is emulated");
            }
        }
        let mut report_item_failures = false;
        for kind in props
            .get("FunctionResponseTypes")
            .map(|v| {
                v.as_sequence()
                    .ok_or_else(|| anyhow!("FunctionResponseTypes is a list"))
            })
            .transpose()?
            .into_iter()
            .flatten()
        {
            match kind.as_str() {
                Some("ReportBatchItemFailures") => report_item_failures = true,
                other => bail!("FunctionResponseTypes: {other:?} is not emulated"),
            }
        }
        let seconds = |n: i64| Duration::from_secs(n as u64);
        Ok(Self {
            name: name.to_owned(),
            table: table.to_owned(),
            starting_position,
            batch_size: number("BatchSize", 1..=10_000)?.unwrap_or(100) as usize,
            batching_window: seconds(
                number("MaximumBatchingWindowInSeconds", 0..=300)?.unwrap_or(0),
            ),
            filters: filters(props.get("FilterCriteria"))?,
            policy: Policy {
                report_item_failures,
                bisect_on_error: flag("BisectBatchOnFunctionError")?.unwrap_or(false),
                max_retries: number("MaximumRetryAttempts", -1..=10_000)?
                    .filter(|n| *n >= 0)
                    .map(|n| n as u32),
                max_record_age: match number("MaximumRecordAgeInSeconds", -1..=604_800)? {
                    None | Some(-1) => None,
                    Some(n) if n >= 60 => Some(seconds(n)),
                    Some(n) => bail!("MaximumRecordAgeInSeconds: {n} is neither -1 nor 60 or more"),
                },
                retry_pause: RETRY_PAUSE,
            },
            on_failure: on_failure(props.get("DestinationConfig"), template, bindings)?,
            enabled: flag("Enabled")?.unwrap_or(true),
        })
    }
}

fn filters(criteria: Option<&Value>) -> Result<Filters> {
    let Some(criteria) = criteria else {
        return Ok(Filters::default());
    };
    let mapping = criteria
        .as_mapping()
        .ok_or_else(|| anyhow!("FilterCriteria is a mapping"))?;
    if let Some(other) = mapping.keys().find(|k| k.as_str() != Some("Filters")) {
        bail!("FilterCriteria: {other:?} is not emulated");
    }
    let patterns = criteria
        .get("Filters")
        .and_then(Value::as_sequence)
        .ok_or_else(|| anyhow!("FilterCriteria.Filters is a list"))?
        .iter()
        .enumerate()
        .map(|(index, filter)| {
            let pattern = filter
                .get("Pattern")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("a literal Pattern"))?;
            Pattern::parse(pattern).with_context(|| format!("FilterCriteria.Filters[{index}]"))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Filters::new(patterns))
}

fn on_failure(
    config: Option<&Value>,
    template: &Template,
    bindings: &Bindings,
) -> Result<Option<String>> {
    let Some(config) = config else {
        return Ok(None);
    };
    let mapping = config
        .as_mapping()
        .ok_or_else(|| anyhow!("DestinationConfig is a mapping"))?;
    if let Some(other) = mapping.keys().find(|k| k.as_str() != Some("OnFailure")) {
        bail!("DestinationConfig: {other:?} is not emulated");
    }
    let Some(target) = config.get("OnFailure") else {
        return Ok(None);
    };
    if let Some(kind) = target.get("Type").and_then(Value::as_str) {
        if kind != "SQS" {
            bail!("DestinationConfig.OnFailure: Type {kind} is not emulated, only SQS");
        }
    }
    let destination = target
        .get("Destination")
        .ok_or_else(|| anyhow!("DestinationConfig.OnFailure.Destination is missing"))?;
    let arn = template
        .resolve(destination, bindings)
        .context("DestinationConfig.OnFailure.Destination")?;
    if !arn.starts_with("arn:aws:sqs:") {
        bail!("DestinationConfig.OnFailure: {arn} is not a queue; only SQS is emulated");
    }
    Ok(Some(arn))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Failures:
    Type: AWS::SQS::Queue
  Publisher:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: publish}}
    Properties:
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 100
            MaximumBatchingWindowInSeconds: 1
            ParallelizationFactor: 1
            FunctionResponseTypes: [ReportBatchItemFailures]
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 10
            MaximumRecordAgeInSeconds: 86400
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName":["INSERT","MODIFY"],"dynamodb":{"Keys":{"sk":{"S":["PROFILE"]}}}}'
                - Pattern: '{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":["ERASED"]}}}}'
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !GetAtt Failures.Arn
"#;

    fn read(template: &str) -> Result<EventSourceMapping> {
        let parsed = Template::parse(template).unwrap();
        let functions = parsed.functions(&Bindings::default())?;
        Ok(functions[0].streams[0].clone())
    }

    fn with(line: &str, replacement: &str) -> String {
        assert!(TEMPLATE.contains(line), "{line}");
        TEMPLATE.replace(line, replacement)
    }

    #[test]
    fn reads_every_emulated_property() {
        let mapping = read(TEMPLATE).unwrap();
        assert_eq!(mapping.name, "Changes");
        assert_eq!(mapping.table, "Table");
        assert_eq!(mapping.starting_position, StartingPosition::TrimHorizon);
        assert_eq!(mapping.batch_size, 100);
        assert_eq!(mapping.batching_window, Duration::from_secs(1));
        assert_eq!(mapping.filters.len(), 2);
        assert_eq!(
            mapping.policy,
            Policy {
                report_item_failures: true,
                bisect_on_error: true,
                max_retries: Some(10),
                max_record_age: Some(Duration::from_secs(86_400)),
                retry_pause: RETRY_PAUSE,
            }
        );
        assert_eq!(
            mapping.on_failure.as_deref(),
            Some("arn:aws:sqs:us-east-1:123456789012:Failures")
        );
        assert!(mapping.enabled);
    }

    #[test]
    fn lambdas_defaults_for_what_is_left_out() {
        let minimal = r#"
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Publisher:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: publish}}
    Properties:
      Events:
        Changes:
          Type: DynamoDB
          Properties: {Stream: !GetAtt Table.StreamArn, StartingPosition: LATEST}
"#;
        let mapping = read(minimal).unwrap();
        assert_eq!(mapping.starting_position, StartingPosition::Latest);
        assert_eq!(mapping.batch_size, 100);
        assert_eq!(mapping.batching_window, Duration::ZERO);
        assert!(mapping.filters.is_empty());
        assert!(!mapping.policy.report_item_failures && !mapping.policy.bisect_on_error);
        assert_eq!(mapping.policy.max_retries, None);
        assert_eq!(mapping.policy.max_record_age, None);
        assert_eq!(mapping.on_failure, None);
    }

    #[test]
    fn unlimited_retries_and_ages_are_minus_one() {
        let template = with("MaximumRetryAttempts: 10", "MaximumRetryAttempts: -1").replace(
            "MaximumRecordAgeInSeconds: 86400",
            "MaximumRecordAgeInSeconds: -1",
        );
        let mapping = read(&template).unwrap();
        assert_eq!(mapping.policy.max_retries, None);
        assert_eq!(mapping.policy.max_record_age, None);
    }

    #[test]
    fn what_is_not_emulated_is_refused_by_name() {
        for (line, replacement, expected) in [
            (
                "BatchSize: 100",
                "TumblingWindowInSeconds: 60",
                "TumblingWindowInSeconds is not emulated",
            ),
            (
                "ParallelizationFactor: 1",
                "ParallelizationFactor: 2",
                "only 1",
            ),
            (
                "StartingPosition: TRIM_HORIZON",
                "StartingPosition: AT_TIMESTAMP",
                "AT_TIMESTAMP",
            ),
            ("Type: SQS", "Type: SNS", "SNS"),
            ("[ReportBatchItemFailures]", "[Other]", "Other"),
            (
                "Stream: !GetAtt Table.StreamArn",
                "Stream: !GetAtt Table.Arn",
                "StreamArn",
            ),
            (
                "Stream: !GetAtt Table.StreamArn",
                "Stream: !GetAtt Failures.StreamArn",
                "StreamArn",
            ),
            ("BatchSize: 100", "BatchSize: 0", "outside"),
            (
                "MaximumRecordAgeInSeconds: 86400",
                "MaximumRecordAgeInSeconds: 30",
                "neither",
            ),
            ("\"PROFILE\"]", "{\"prefix\":\"P\"}]", "prefix"),
        ] {
            let error = format!("{:#}", read(&with(line, replacement)).unwrap_err());
            assert!(error.contains(expected), "{replacement}: {error}");
            assert!(error.contains("Publisher: event Changes"), "{error}");
        }
    }

    #[test]
    fn a_bound_queue_is_the_destination() {
        let parsed = Template::parse(TEMPLATE).unwrap();
        let mut bindings = Bindings::default();
        bindings.bind(
            "Failures",
            "failures-1",
            "arn:aws:sqs:us-east-1:123456789012:failures-1",
        );
        let functions = parsed.functions(&bindings).unwrap();
        assert_eq!(
            functions[0].streams[0].on_failure.as_deref(),
            Some("arn:aws:sqs:us-east-1:123456789012:failures-1")
        );
    }
}
