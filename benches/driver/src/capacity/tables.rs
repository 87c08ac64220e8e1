//! Standard writes (`PutItem`, `BatchWriteItem`) by the Developer Guide's rules: 1 WRU per
//! started KB of the item in the table, and as much again in each global secondary index the
//! item is in (one whose key attributes it has), sized as its index entry: the table's keys,
//! the index's keys and what the index projects. The tables and their indexes are read from
//! template.yaml, the one place they are declared.

use super::{item_size, WRITE_UNIT};
use anyhow::{bail, Context, Result};
use local_gateway::template::{Bindings, Template};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The template's tables by the name the functions are given for them.
pub struct Tables(BTreeMap<String, Table>);

struct Table {
    keys: Vec<String>,
    indexes: Vec<Index>,
}

struct Index {
    name: String,
    keys: Vec<String>,
    /// `None`: every attribute (`ALL`); else these beside the keys (`KEYS_ONLY` has none).
    projects: Option<Vec<String>>,
}

/// What a standard put of one item costs.
#[derive(Debug, PartialEq, Eq)]
pub struct Put {
    /// The item's key, as text: one request may not name a key twice.
    pub key: String,
    pub size: usize,
    /// WRU in the table.
    pub table: usize,
    /// WRU in each index the item is in.
    pub indexes: Vec<(String, usize)>,
}

impl Put {
    pub fn units(&self) -> usize {
        self.table + self.indexes.iter().map(|(_, units)| units).sum::<usize>()
    }
}

impl Tables {
    pub fn of(template: &Template) -> Result<Self> {
        let mut tables = BTreeMap::new();
        for table in template.tables() {
            let properties = serde_json::to_value(&table.properties)?;
            let indexes = properties["GlobalSecondaryIndexes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(index)
                .collect::<Result<_>>()
                .with_context(|| format!("{}'s indexes", table.logical_id))?;
            let name = template.resource_name(&table.logical_id, &Bindings::default());
            let keys = key_names(&properties["KeySchema"])
                .with_context(|| format!("{}'s KeySchema", table.logical_id))?;
            tables.insert(name, Table { keys, indexes });
        }
        Ok(Self(tables))
    }

    /// What putting `item` into `table` costs.
    pub fn put(&self, table: &str, item: &Map<String, Value>) -> Result<Put> {
        let Some(definition) = self.0.get(table) else {
            bail!("template.yaml declares no table {table}");
        };
        let key: Map<String, Value> = definition
            .keys
            .iter()
            .map(|name| match item.get(name) {
                Some(value) => Ok((name.clone(), value.clone())),
                None => bail!("an item of {table} without its key attribute {name}"),
            })
            .collect::<Result<_>>()?;
        let size = item_size(item)?;
        let mut indexes = Vec::new();
        for index in &definition.indexes {
            if !index.keys.iter().all(|name| item.contains_key(name)) {
                continue;
            }
            let entry_size = match &index.projects {
                None => size,
                Some(projected) => {
                    let entry: Map<String, Value> = item
                        .iter()
                        .filter(|(name, _)| {
                            definition.keys.contains(name)
                                || index.keys.contains(name)
                                || projected.contains(name)
                        })
                        .map(|(name, value)| (name.clone(), value.clone()))
                        .collect();
                    item_size(&entry)?
                }
            };
            indexes.push((index.name.clone(), entry_size.div_ceil(WRITE_UNIT)));
        }
        Ok(Put {
            key: Value::Object(key).to_string(),
            size,
            table: size.div_ceil(WRITE_UNIT),
            indexes,
        })
    }
}

fn index(definition: &Value) -> Result<Index> {
    let name = definition["IndexName"]
        .as_str()
        .context("an index without IndexName")?
        .to_owned();
    let projection = &definition["Projection"];
    let projects = match projection["ProjectionType"].as_str() {
        Some("ALL") => None,
        Some("KEYS_ONLY") => Some(Vec::new()),
        Some("INCLUDE") => Some(
            projection["NonKeyAttributes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        other => bail!("{name}: projection {other:?}"),
    };
    Ok(Index {
        keys: key_names(&definition["KeySchema"]).with_context(|| format!("{name}'s keys"))?,
        name,
        projects,
    })
}

fn key_names(schema: &Value) -> Result<Vec<String>> {
    let names: Vec<String> = schema
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|key| key["AttributeName"].as_str())
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        bail!("no key attributes");
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEMPLATE: &str = r#"
Resources:
  Things:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: things
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: Whole
          KeySchema: [{AttributeName: g1, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
        - IndexName: Keys
          KeySchema: [{AttributeName: g2, KeyType: HASH}]
          Projection: {ProjectionType: KEYS_ONLY}
"#;

    #[test]
    fn an_item_costs_a_unit_per_started_kb_in_the_table_and_in_each_index_it_is_in() {
        let tables = Tables::of(&Template::parse(TEMPLATE).unwrap()).unwrap();
        let item = |extra: Value| {
            let mut item =
                json!({"pk": {"S": "p"}, "sk": {"S": "s"}, "body": {"S": "x".repeat(1500)}});
            item.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            item.as_object().unwrap().clone()
        };
        let plain = tables.put("things", &item(json!({}))).unwrap();
        assert_eq!((plain.table, plain.indexes.len(), plain.units()), (2, 0, 2));
        let listed = tables
            .put("things", &item(json!({"g1": {"S": "a"}, "g2": {"S": "b"}})))
            .unwrap();
        // Whole projects the 1.5 KB body (2 units); Keys only pk, sk and g2 (1 unit).
        assert_eq!(
            listed.indexes,
            [("Whole".to_owned(), 2), ("Keys".to_owned(), 1)]
        );
        assert_eq!(listed.units(), 5);
        assert_eq!(listed.key, plain.key, "the key is the table's own");
        assert!(tables.put("others", &item(json!({}))).is_err());
        let mut keyless = item(json!({}));
        keyless.remove("sk");
        assert!(tables.put("things", &keyless).is_err());
    }
}
