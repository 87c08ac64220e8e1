//! What the cold starts are measured on: every function of the template with a representative
//! first request, hello-world echoing the create's event, and the SDK floor of each function
//! that has one, answering its function's request.

use crate::change_events;
use crate::events::Events;
use crate::measure::{Bench, Workload};
use crate::per_request::Case;
use crate::process::Binary;
use anyhow::{bail, Context, Result};

/// A group is created by one transaction: the group and its name's claim.
const GROUP_CREATE_CALLS: &[(&str, usize)] = &[("DynamoDB.TransactWriteItems", 1)];
/// A page of groups is one query of the collections index.
const GROUP_PAGE_CALLS: &[(&str, usize)] = &[("DynamoDB.Query", 1)];
const CREATE_GROUP: &str = "create-customer-group";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Baseline,
    Function,
    Floor,
}

pub struct Subject<'a> {
    pub binary: &'a Binary,
    /// What its first request is.
    pub label: &'a str,
    pub workload: Workload<'a>,
    pub role: Role,
    /// For a function, the index of its SDK floor's subject, if it has one.
    pub floor: Option<usize>,
    /// Its first request is a stream batch (the publisher's): many changes, not one request.
    pub batch: bool,
}

/// hello-world first, then the functions, then their floors. A function with a per-request
/// case (those with an SDK floor) is measured on its first case's request, which its floor
/// replays; the others on a request of their own. With `only`, the functions whose name or
/// request contains it.
pub async fn of<'a>(
    bench: &Bench,
    baseline: &'a Binary,
    functions: &'a [Binary],
    cases: &'a [Case<'a>],
    events: &'a Events,
    only: &str,
) -> Result<Vec<Subject<'a>>> {
    let mut subjects = vec![Subject {
        binary: baseline,
        label: "echo of the create's event",
        workload: Workload {
            event: &events.create,
            status: 200,
            calls_per_request: &[],
        },
        role: Role::Baseline,
        floor: None,
        batch: false,
    }];
    let mut floors = Vec::new();
    for function in functions {
        if let Some(case) = cases.iter().find(|c| c.function.name == function.name) {
            floors.push((subjects.len(), case));
            subjects.push(Subject {
                binary: function,
                label: case.label,
                workload: case.subject,
                role: Role::Function,
                floor: None,
                batch: false,
            });
            continue;
        }
        match without_floor(&function.name, events) {
            Some((label, workload)) if label.contains(only) || function.name.contains(only) => {
                subjects.push(Subject {
                    binary: function,
                    label,
                    workload,
                    role: Role::Function,
                    floor: None,
                    batch: function.name == change_events::PUBLISHER,
                });
            }
            None if only.is_empty() => {
                bail!("{}: the bench has no first request for it", function.name)
            }
            _ => {}
        }
    }
    for (function, case) in floors {
        subjects[function].floor = Some(subjects.len());
        subjects.push(Subject {
            binary: &case.floor,
            label: case.label,
            workload: case.subject,
            role: Role::Floor,
            floor: None,
            batch: false,
        });
    }
    if subjects
        .iter()
        .any(|s| s.binary.name == "list-customer-groups")
    {
        hold_a_group(bench, crate::find(functions, CREATE_GROUP)?, events).await?;
    }
    Ok(subjects)
}

/// The first request of a function that has no SDK floor (no per-request case).
fn without_floor<'a>(function: &str, events: &'a Events) -> Option<(&'static str, Workload<'a>)> {
    let (label, event, status, calls) = match function {
        "list-countries" => ("the whole list", &events.list_countries, 200, &[][..]),
        "api-docs" => ("the reference page, gzipped", &events.docs, 200, &[][..]),
        CREATE_GROUP => ("a group", &events.create_group, 201, GROUP_CREATE_CALLS),
        "list-customer-groups" => (
            "a page of 20 groups",
            &events.list_groups,
            200,
            GROUP_PAGE_CALLS,
        ),
        change_events::PUBLISHER => (
            change_events::BATCH,
            &events.stream_batch,
            200,
            change_events::BATCH_CALLS,
        ),
        _ => return None,
    };
    Some((
        label,
        Workload {
            event,
            status,
            calls_per_request: calls,
        },
    ))
}

/// Creates a group through its function and has the stub list copies of that very item.
async fn hold_a_group(bench: &Bench, create: &Binary, events: &Events) -> Result<()> {
    let request = bench
        .single_call(create, &events.create_group, 201, "TransactWriteItems")
        .await?;
    let group = request["TransactItems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| &entry["Put"]["Item"])
        .find(|item| item["entity"]["S"] == "group")
        .context("the group's create wrote no group item")?;
    bench.aws.answer_group_pages_with(group.clone());
    Ok(())
}
