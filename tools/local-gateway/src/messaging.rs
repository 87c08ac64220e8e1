//! Creates the template's EventBridge buses and SQS queues in a local AWS-compatible server.
//! Their settings (encryption, retention, policies) are AWS's business, checked by cfn-lint
//! and checkov, not emulated: locally a bus and a queue are their names.

use anyhow::{Context, Result};

/// Creates the bus `name`; returns its ARN.
pub async fn create_event_bus(client: &aws_sdk_eventbridge::Client, name: &str) -> Result<String> {
    let created = client
        .create_event_bus()
        .name(name)
        .send()
        .await
        .with_context(|| format!("creating event bus {name}"))?;
    created
        .event_bus_arn
        .with_context(|| format!("CreateEventBus {name} gave no ARN"))
}

/// A queue the local server made.
#[derive(Debug, Clone)]
pub struct CreatedQueue {
    pub url: String,
    pub arn: String,
}

/// Creates the queue `name`; returns its URL and ARN.
pub async fn create_queue(client: &aws_sdk_sqs::Client, name: &str) -> Result<CreatedQueue> {
    let created = client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .with_context(|| format!("creating queue {name}"))?;
    let url = created
        .queue_url
        .with_context(|| format!("CreateQueue {name} gave no URL"))?;
    let attributes = client
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .with_context(|| format!("reading the ARN of queue {name}"))?;
    let arn = attributes
        .attributes
        .and_then(|mut a| a.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .with_context(|| format!("queue {name} has no ARN"))?;
    Ok(CreatedQueue { url, arn })
}
