//! Creates the template's DynamoDB tables (and their streams), S3 buckets and KMS HMAC keys in
//! a local AWS-compatible server, from their definitions in template.yaml (never from a copy
//! of the key schema).

use crate::template::{MacKeyDef, TableDef};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_dynamodb::Client;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableProperties {
    attribute_definitions: Vec<Attribute>,
    key_schema: Vec<KeyPart>,
    #[serde(default)]
    global_secondary_indexes: Vec<Index>,
    stream_specification: Option<Stream>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stream {
    stream_view_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Attribute {
    attribute_name: String,
    attribute_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyPart {
    attribute_name: String,
    key_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Index {
    index_name: String,
    key_schema: Vec<KeyPart>,
    projection: IndexProjection,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IndexProjection {
    projection_type: String,
    #[serde(default)]
    non_key_attributes: Vec<String>,
}

fn key_schema(parts: &[KeyPart]) -> Result<Vec<KeySchemaElement>> {
    parts
        .iter()
        .map(|p| {
            KeySchemaElement::builder()
                .attribute_name(&p.attribute_name)
                .key_type(KeyType::from(p.key_type.as_str()))
                .build()
                .context("key schema element")
        })
        .collect()
}

/// Creates `table` under `name` (on-demand, as the template declares; with its stream, if it
/// declares one) and waits until it is usable.
pub async fn create_table(client: &Client, table: &TableDef, name: &str) -> Result<()> {
    let props: TableProperties = serde_yaml::from_value(table.properties.clone())
        .with_context(|| format!("{}: reading Properties", table.logical_id))?;
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&props.key_schema)?));
    if let Some(stream) = &props.stream_specification {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(stream.stream_view_type.as_str()))
                .build()?,
        );
    }
    for attribute in &props.attribute_definitions {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&attribute.attribute_name)
                .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                .build()?,
        );
    }
    for index in &props.global_secondary_indexes {
        let projection = Projection::builder()
            .projection_type(ProjectionType::from(
                index.projection.projection_type.as_str(),
            ))
            .set_non_key_attributes(
                (!index.projection.non_key_attributes.is_empty())
                    .then(|| index.projection.non_key_attributes.clone()),
            )
            .build();
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.index_name)
                .set_key_schema(Some(key_schema(&index.key_schema)?))
                .projection(projection)
                .build()?,
        );
    }
    request
        .send()
        .await
        .with_context(|| format!("creating table {name}"))?;
    client
        .wait_until_table_exists()
        .table_name(name)
        .wait(std::time::Duration::from_secs(30))
        .await
        .with_context(|| format!("waiting for table {name}"))?;
    Ok(())
}

/// Creates an S3 bucket for the template's bucket `name`; the bucket's settings (encryption,
/// lifecycle, policy) are AWS's business and are checked by cfn-lint, not emulated.
pub async fn create_bucket(client: &aws_sdk_s3::Client, name: &str) -> Result<()> {
    client
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .with_context(|| format!("creating bucket {name}"))?;
    Ok(())
}

/// A key the local server made for one of the template's HMAC keys.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key_id: String,
    pub arn: String,
}

/// Creates an HMAC key as the template declares it (its `KeySpec`, `GENERATE_VERIFY_MAC`), and
/// names it `alias` when given, so that another process can find it (its id is the server's
/// choice). The key policy is AWS's business, checked by the template tests, not emulated.
pub async fn create_mac_key(
    client: &aws_sdk_kms::Client,
    key: &MacKeyDef,
    alias: Option<&str>,
) -> Result<CreatedKey> {
    let created = client
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::from(key.key_spec.as_str()))
        .key_usage(aws_sdk_kms::types::KeyUsageType::GenerateVerifyMac)
        .set_description(key.description.clone())
        .send()
        .await
        .with_context(|| format!("creating key {}", key.logical_id))?;
    let metadata = created
        .key_metadata
        .with_context(|| format!("{}: CreateKey returned no metadata", key.logical_id))?;
    let arn = metadata
        .arn
        .with_context(|| format!("{}: CreateKey returned no ARN", key.logical_id))?;
    if let Some(alias) = alias {
        client
            .create_alias()
            .alias_name(alias)
            .target_key_id(&metadata.key_id)
            .send()
            .await
            .with_context(|| format!("naming key {} {alias}", key.logical_id))?;
    }
    Ok(CreatedKey {
        key_id: metadata.key_id,
        arn,
    })
}

/// The key `alias` names, if there is one.
pub async fn find_key(client: &aws_sdk_kms::Client, alias: &str) -> Result<Option<CreatedKey>> {
    match client.describe_key().key_id(alias).send().await {
        Ok(found) => Ok(found.key_metadata.and_then(|metadata| {
            Some(CreatedKey {
                arn: metadata.arn?,
                key_id: metadata.key_id,
            })
        })),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(error) => Err(anyhow::Error::new(error).context(format!("looking up key {alias}"))),
    }
}
