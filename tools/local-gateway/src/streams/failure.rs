//! What Lambda tells a mapping's on-failure destination of records it gave up: where they
//! were in the stream and why, never the records themselves; sent to the template's SQS queue
//! when the local server has it, and logged in any case.

use super::delivery::Discarded;
use anyhow::{Context, Result};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where the discarded records were read, and by whom.
#[derive(Debug, Clone)]
pub struct Origin {
    pub function_arn: String,
    pub shard_id: String,
    pub stream_arn: String,
}

/// Lambda's on-failure record of a DynamoDB stream batch.
pub fn record(discarded: &Discarded, origin: &Origin) -> Value {
    let first = discarded.records.first();
    let last = discarded.records.last();
    let sequence = |record: Option<&super::record::StreamRecord>| {
        record
            .map(|r| r.sequence_number.clone())
            .unwrap_or_default()
    };
    let arrival = |record: Option<&super::record::StreamRecord>| {
        record
            .and_then(|r| OffsetDateTime::from_unix_timestamp(r.created).ok())
            .and_then(|time| time.format(&Rfc3339).ok())
    };
    let mut response = json!({ "statusCode": 200, "executedVersion": "$LATEST" });
    if discarded.function_error {
        response["functionError"] = json!("Unhandled");
    }
    json!({
        "requestContext": {
            "requestId": uuid::Uuid::new_v4().to_string(),
            "functionArn": origin.function_arn,
            "condition": discarded.condition.as_str(),
            "approximateInvokeCount": discarded.invocations,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
        "DDBStreamBatchInfo": {
            "shardId": origin.shard_id,
            "startSequenceNumber": sequence(first),
            "endSequenceNumber": sequence(last),
            "approximateArrivalOfFirstRecord": arrival(first),
            "approximateArrivalOfLastRecord": arrival(last),
            "batchSize": discarded.records.len(),
            "streamArn": origin.stream_arn,
        },
    })
}

/// The SQS queue of `DestinationConfig.OnFailure`, by its ARN.
pub struct Destination {
    pub sqs: aws_sdk_sqs::Client,
    pub queue_arn: String,
}

impl Destination {
    /// Sends `record`; `false` when the local server has no such queue (the stack made none).
    pub async fn send(&self, record: &Value) -> Result<bool> {
        let name = self.queue_arn.rsplit(':').next().unwrap_or_default();
        let url = match self.sqs.get_queue_url().queue_name(name).send().await {
            Ok(found) => found.queue_url.unwrap_or_default(),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_queue_does_not_exist()) =>
            {
                return Ok(false)
            }
            Err(error) => {
                return Err(anyhow::Error::new(error).context(format!("looking up queue {name}")))
            }
        };
        self.sqs
            .send_message()
            .queue_url(&url)
            .message_body(record.to_string())
            .send()
            .await
            .with_context(|| format!("sending to {url}"))?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::delivery::Condition;
    use super::super::record::StreamRecord;
    use super::*;

    #[test]
    fn names_the_batch_and_never_holds_its_records() {
        let record_at = |seq: &str, created: i64| StreamRecord {
            sequence_number: seq.into(),
            created,
            json: json!({"dynamodb": {"NewImage": {"email": {"S": "ann@example.com"}}}}),
        };
        let discarded = Discarded {
            records: vec![
                record_at("100", 1_573_690_399),
                record_at("102", 1_573_690_400),
            ],
            condition: Condition::RetryAttemptsExhausted,
            invocations: 11,
            function_error: true,
        };
        let origin = Origin {
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:Publish".into(),
            shard_id: "shardId-1".into(),
            stream_arn: "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x".into(),
        };
        let message = super::record(&discarded, &origin);
        assert_eq!(
            message["requestContext"]["functionArn"],
            "arn:aws:lambda:us-east-1:123456789012:function:Publish"
        );
        assert_eq!(
            message["requestContext"]["condition"],
            "RetryAttemptsExhausted"
        );
        assert_eq!(message["requestContext"]["approximateInvokeCount"], 11);
        assert_eq!(
            message["responseContext"],
            json!({"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
        );
        assert_eq!(message["version"], "1.0");
        assert_eq!(
            message["DDBStreamBatchInfo"],
            json!({
                "shardId": "shardId-1",
                "startSequenceNumber": "100",
                "endSequenceNumber": "102",
                "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
                "approximateArrivalOfLastRecord": "2019-11-14T00:13:20Z",
                "batchSize": 2,
                "streamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x",
            })
        );
        assert!(!message.to_string().contains("ann@example.com"));
    }
}
