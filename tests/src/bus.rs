//! A stack's change-event plumbing in moto: its own event bus (the template's one
//! `AWS::Events::EventBus`), its own queue for each of the template's queues (the publisher's
//! on-failure queue), and a window on the bus: a rule that matches every event, to a queue the
//! tests drain, as a subscriber of the bus would receive them.

use local_gateway::messaging::{create_event_bus, create_queue, CreatedQueue};
use local_gateway::template::Template;
use serde_json::Value;
use std::collections::BTreeMap;

/// Matches every event: each one has a `source`, and every string starts with "".
const EVERY_EVENT: &str = r#"{"source":[{"prefix":""}]}"#;

pub struct Bus {
    /// The template's bus: its logical id, and the name and ARN of this stack's.
    pub logical_id: String,
    pub name: String,
    pub arn: String,
    /// This stack's queue for each of the template's, by logical id.
    pub queues: BTreeMap<String, CreatedQueue>,
    /// Where the rule sends everything the bus receives.
    pub tap: CreatedQueue,
    pub eventbridge: aws_sdk_eventbridge::Client,
    pub sqs: aws_sdk_sqs::Client,
}

impl Bus {
    /// Creates the bus, the queues and the tap, each named for this stack (`suffix`).
    pub async fn create(template: &Template, sdk: &aws_types::SdkConfig, suffix: &str) -> Self {
        let eventbridge = aws_sdk_eventbridge::Client::new(sdk);
        let sqs = aws_sdk_sqs::Client::new(sdk);
        let [logical_id] = <[String; 1]>::try_from(template.event_buses())
            .expect("template.yaml declares one event bus");
        let name = format!("changes-{suffix}");
        let arn = create_event_bus(&eventbridge, &name)
            .await
            .expect("create the event bus");
        let mut queues = BTreeMap::new();
        for queue in template.queues() {
            let created = create_queue(&sqs, &format!("{}-{suffix}", kebab(&queue)))
                .await
                .expect("create a queue of the template");
            queues.insert(queue, created);
        }
        let tap = create_queue(&sqs, &format!("bus-{suffix}"))
            .await
            .expect("create the bus's tap queue");
        let rule = format!("everything-{suffix}");
        eventbridge
            .put_rule()
            .name(&rule)
            .event_bus_name(&name)
            .event_pattern(EVERY_EVENT)
            .send()
            .await
            .expect("a rule on the bus");
        eventbridge
            .put_targets()
            .rule(&rule)
            .event_bus_name(&name)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("tap")
                    .arn(&tap.arn)
                    .build()
                    .expect("a target"),
            )
            .send()
            .await
            .expect("the tap as the rule's target");
        Self {
            logical_id,
            name,
            arn,
            queues,
            tap,
            eventbridge,
            sqs,
        }
    }

    /// Every message waiting in `queue_url`, as JSON, taken off the queue.
    pub async fn drain(&self, queue_url: &str) -> Vec<Value> {
        let mut messages = Vec::new();
        loop {
            let page = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .send()
                .await
                .expect("receive messages");
            let received = page.messages.unwrap_or_default();
            if received.is_empty() {
                return messages;
            }
            for message in received {
                let body = message.body.unwrap_or_default();
                messages.push(serde_json::from_str(&body).unwrap_or(Value::String(body)));
                if let Some(receipt) = message.receipt_handle {
                    self.sqs
                        .delete_message()
                        .queue_url(queue_url)
                        .receipt_handle(receipt)
                        .send()
                        .await
                        .expect("delete a message");
                }
            }
        }
    }
}

/// `PublishEventsFailures` as `publish-events-failures`.
pub fn kebab(logical_id: &str) -> String {
    let mut out = String::new();
    for (index, c) in logical_id.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::{token, Stack, READ_WRITE, TENANT};
    use serde_json::json;
    use std::time::{Duration, Instant};

    #[test]
    fn kebab_case() {
        assert_eq!(
            super::kebab("PublishEventsFailures"),
            "publish-events-failures"
        );
        assert_eq!(super::kebab("Customers"), "customers");
    }

    /// The harness's wiring: the gateway's mapping reads this stack's stream, and the
    /// publisher writes to this stack's events table and bus, within about two seconds.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_change_through_the_gateway_reaches_the_stacks_events_table_and_bus() {
        let stack = Stack::new().await;
        let gateway = stack.gateway().await;
        let response = reqwest::Client::new()
            .post(format!("{}/customers", gateway.url()))
            .bearer_auth(token(Some(TENANT), READ_WRITE, &[]))
            .json(&json!({"first_name": "Ann", "email": "ann@example.com"}))
            .send()
            .await
            .expect("POST /customers");
        assert_eq!(response.status(), 201);
        let created = Instant::now();
        let items = stack.wait_for_event_items(1).await;
        assert_eq!(items.len(), 1, "{items:#?}");
        let stored = created.elapsed();
        let mut messages = Vec::new();
        while messages.is_empty() && created.elapsed() < Duration::from_secs(10) {
            messages.extend(stack.bus_messages().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert_eq!(messages[0]["detail"]["type"], "customer.created");
        assert_eq!(messages[0]["detail-type"], "customer.created");
        assert!(
            stored < Duration::from_secs(3),
            "the event took {stored:?} to be stored"
        );
        assert!(stack.failure_messages().await.is_empty());
        gateway.stop().await;
    }
}
