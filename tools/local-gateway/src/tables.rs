//! Creates the template's DynamoDB tables and S3 buckets in a local AWS-compatible server, from
//! their definitions in template.yaml (never from a copy of the key schema).

use crate::template::TableDef;
use anyhow::{Context, Result};
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
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

/// Creates `table` under `name` (on-demand, as the template declares) and waits until it is
/// usable.
pub async fn create_table(client: &Client, table: &TableDef, name: &str) -> Result<()> {
    let props: TableProperties = serde_yaml::from_value(table.properties.clone())
        .with_context(|| format!("{}: reading Properties", table.logical_id))?;
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&props.key_schema)?));
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

/// A secret of the template, with a fresh random value of 64 characters (as the template's
/// `GenerateSecretString` makes one in AWS).
pub async fn create_secret(client: &aws_sdk_secretsmanager::Client, name: &str) -> Result<()> {
    let value = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .with_context(|| format!("creating secret {name}"))?;
    Ok(())
}
