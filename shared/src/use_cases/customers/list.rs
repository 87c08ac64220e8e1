//! `GET /customers`: a page of the tenant's customers, newest first, or the one customer
//! holding a unique value.

use super::{CustomerError, Customers};
use crate::api::parse_customer_query;
use crate::domain::Customer;
use crate::http::auth::Principal;
use crate::store::CustomerFinder;
use std::collections::BTreeMap;

#[derive(Debug, PartialEq)]
pub struct CustomerPage {
    pub customers: Vec<Customer>,
    pub next_cursor: Option<String>,
}

impl<S: CustomerFinder, D> Customers<S, D> {
    /// `params`: the query string's parameters by name. A lookup is answered from the value's
    /// claim (strongly consistent) as a page of zero or one customer; a listing from the
    /// index, with a cursor signed for the caller's tenant.
    pub async fn list(
        &self,
        principal: &Principal,
        params: &BTreeMap<String, String>,
    ) -> Result<CustomerPage, CustomerError> {
        let query = parse_customer_query(params)?;
        let tenant = &principal.tenant;
        if let Some(claim) = &query.lookup {
            let found = self.store.find(tenant, claim).await?;
            return Ok(CustomerPage {
                customers: found.into_iter().collect(),
                next_cursor: None,
            });
        }
        let key = self.cursor_key.as_ref().ok_or(CustomerError::NoCursorKey)?;
        let start = query
            .cursor
            .map(|cursor| key.open(tenant, &cursor))
            .transpose()
            .map_err(|_| CustomerError::InvalidCursor)?;
        let page = self.store.list(tenant, query.limit, start).await?;
        Ok(CustomerPage {
            customers: page.items,
            next_cursor: page.next.map(|next| key.seal(tenant, &next)),
        })
    }
}
