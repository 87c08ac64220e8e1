//! Reads: one customer by id; a page of the tenant's customers, newest first; or the one
//! customer holding a unique value.

use super::Customers;
use crate::api::parse_customer_query;
use crate::domain::{Customer, CustomerId, Principal};
use crate::use_cases::cursor::{self, Listing};
use crate::use_cases::ports::{CustomerFinder, CustomerReader};
use crate::use_cases::Error;
use std::collections::BTreeMap;

#[derive(Debug, PartialEq)]
pub struct CustomerPage {
    pub customers: Vec<Customer>,
    pub next_cursor: Option<String>,
}

impl<S: CustomerReader, D> Customers<S, D> {
    /// Another tenant's customer is indistinguishable from a missing one.
    pub async fn get(&self, principal: &Principal, id: &str) -> Result<Customer, Error> {
        let id = CustomerId::parse(id).ok_or(Error::NotFound)?;
        let stored = self.executor.store().get(&principal.tenant, id).await?;
        stored.map(|stored| stored.customer).ok_or(Error::NotFound)
    }
}

impl<S: CustomerFinder, D> Customers<S, D> {
    /// `params`: the query string's parameters by name. A lookup is answered from the value's
    /// claim (strongly consistent) as a page of zero or one customer; a listing from the
    /// index, with a cursor for the caller's tenant.
    pub async fn list(
        &self,
        principal: &Principal,
        params: &BTreeMap<String, String>,
    ) -> Result<CustomerPage, Error> {
        let query = parse_customer_query(params)?;
        let tenant = &principal.tenant;
        let store = self.executor.store();
        if let Some(claim) = &query.lookup {
            let found = store.find(tenant, claim).await?;
            return Ok(CustomerPage {
                customers: found.into_iter().collect(),
                next_cursor: None,
            });
        }
        let start = query
            .cursor
            .map(|cursor| cursor::open(tenant, Listing::Customers, &cursor))
            .transpose()
            .map_err(|_| Error::InvalidCursor)?;
        let page = store.list(tenant, query.limit, start).await?;
        Ok(CustomerPage {
            customers: page.items,
            next_cursor: page
                .next
                .map(|next| cursor::seal(tenant, Listing::Customers, &next)),
        })
    }
}
