//! The events the bench sends: the repository's `events/` fixtures (what API Gateway delivers),
//! with document images of the sizes each figure needs.

use anyhow::{Context, Result};
use axum::body::Bytes;
use base64::Engine;
use serde_json::Value;
use std::path::Path;

pub struct Events {
    /// `events/create-customer.json`: a full customer, no document.
    pub create: Bytes,
    /// The same with an `Idempotency-Key`.
    pub create_keyed: Bytes,
    /// The document fixture with a front and a back image of about 1 MB each.
    pub create_with_images: Bytes,
    /// The document fixture with the largest images the contract allows: a ~5.6 MB request.
    pub create_largest: Bytes,
    pub get: Bytes,
    /// `events/list-customers.json`: a page of 20.
    pub list: Bytes,
    /// `events/lookup-customer.json`: by email.
    pub lookup: Bytes,
    /// `events/update-customer.json`: a patch that moves the email (a unique value).
    pub patch_unique: Bytes,
    /// The same patch changing the company alone: no unique value moves.
    pub patch_plain: Bytes,
    pub delete: Bytes,
    /// `events/list-countries.json` without its search: the whole list, as a picker loads it.
    pub list_countries: Bytes,
    /// `events/docs.json`: the reference page, asked for gzipped as a browser does.
    pub docs: Bytes,
    /// `events/create-customer-group.json`.
    pub create_group: Bytes,
    /// `events/list-customer-groups.json`: a page of 20.
    pub list_groups: Bytes,
    /// `events/list-customers.json` on `GET /events` (`limit=20`): a page of 20 events.
    pub list_events: Bytes,
    /// A DynamoDB stream batch for the publisher, made of items a create and a patch wrote:
    /// empty until crate::change_events::prepare has run them.
    pub stream_batch: Bytes,
}

/// Side of the 1 MB test images: an uncompressed 8-bit PNG is about width x height bytes.
const ONE_MB_IMAGE: (u32, u32) = (1250, 800);
/// The largest uncompressed PNG below the 2 MiB image limit.
const LARGEST_IMAGE: (u32, u32) = (1740, 1200);

impl Events {
    pub fn load(root: &Path) -> Result<Self> {
        let document = fixture(root, "create-customer-with-document.json")?;
        let one_mb = shared::testing::png(ONE_MB_IMAGE.0, ONE_MB_IMAGE.1);
        let largest = shared::testing::png(LARGEST_IMAGE.0, LARGEST_IMAGE.1);
        if largest.len() > shared::domain::MAX_IMAGE_BYTES {
            anyhow::bail!("the bench's largest image is over the contract's limit");
        }
        Ok(Self {
            create: encode(&fixture(root, "create-customer.json")?),
            create_keyed: encode(&with_header(
                fixture(root, "create-customer.json")?,
                "idempotency-key",
                "4b0d3c1e-8a55-4f6e-9a1d-2f7c9e0b6a13",
            )),
            create_with_images: encode(&with_images(document.clone(), &one_mb)?),
            create_largest: encode(&with_images(document, &largest)?),
            get: encode(&fixture(root, "get-customer.json")?),
            list: encode(&fixture(root, "list-customers.json")?),
            lookup: encode(&fixture(root, "lookup-customer.json")?),
            patch_unique: encode(&fixture(root, "update-customer.json")?),
            patch_plain: encode(&with_body(
                fixture(root, "update-customer.json")?,
                &serde_json::json!({"company": "Lee & Co"}),
            )),
            delete: encode(&fixture(root, "delete-customer.json")?),
            list_countries: encode(&without_query(fixture(root, "list-countries.json")?)),
            docs: encode(&fixture(root, "docs.json")?),
            create_group: encode(&fixture(root, "create-customer-group.json")?),
            list_groups: encode(&fixture(root, "list-customer-groups.json")?),
            list_events: encode(&on_route(
                fixture(root, "list-customers.json")?,
                "GET",
                "/events",
            )),
            stream_batch: Bytes::new(),
        })
    }
}

fn fixture(root: &Path, name: &str) -> Result<Value> {
    let path = root.join("events").join(name);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

fn encode(event: &Value) -> Bytes {
    Bytes::from(event.to_string())
}

fn with_body(mut event: Value, body: &Value) -> Value {
    event["body"] = Value::String(body.to_string());
    event
}

/// The event as API Gateway delivers it on another route (its query string kept).
fn on_route(mut event: Value, method: &str, path: &str) -> Value {
    let route = format!("{method} {path}");
    event["routeKey"] = Value::String(route.clone());
    event["rawPath"] = Value::String(path.to_owned());
    event["requestContext"]["routeKey"] = Value::String(route);
    event["requestContext"]["http"]["method"] = Value::String(method.to_owned());
    event["requestContext"]["http"]["path"] = Value::String(path.to_owned());
    event
}

fn without_query(mut event: Value) -> Value {
    event["rawQueryString"] = Value::String(String::new());
    if let Some(fields) = event.as_object_mut() {
        fields.remove("queryStringParameters");
    }
    event
}

fn with_header(mut event: Value, name: &str, value: &str) -> Value {
    event["headers"][name] = Value::String(value.to_owned());
    event
}

/// The event with both document images replaced by `image`.
fn with_images(mut event: Value, image: &[u8]) -> Result<Value> {
    let text = event["body"].as_str().context("the fixture has no body")?;
    let mut body: Value = serde_json::from_str(text)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(image);
    let document = body
        .get_mut("identity_document")
        .context("the fixture has no identity_document")?;
    document["front_image"] = Value::String(format!("data:image/png;base64,{encoded}"));
    document["back_image"] = Value::String(encoded);
    event["body"] = Value::String(body.to_string());
    Ok(event)
}
