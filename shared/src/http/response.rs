//! Successful responses. Every JSON one has the same envelope: `{"data": ...}`, with the
//! `warnings` of a write and the `next_cursor` of a page. A write's reply is rendered once, as
//! data ([`Reply`]): the response sent now and the one its record replays are the same bytes.

use super::request::JSON;
use super::warnings::WarningBody;
use super::ApiError;
use crate::api::show::{CountryView, CustomerView, GroupView};
use crate::api::CloudEventView;
use crate::domain::countries::Country;
use crate::domain::{ChangeEvent, Customer, CustomerGroup, Warning};
use crate::use_cases::idempotency::{Answer, RenderError, Reply, Respond};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

/// Marks a response answered from an earlier request's record.
pub const REPLAYED: &str = "idempotent-replayed";

/// What a write's reply function returns.
pub type Rendered = Result<Reply, RenderError>;

#[derive(Debug, Serialize)]
pub struct Envelope<T> {
    data: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<Vec<WarningBody>>,
    /// `Some(None)` is a last page: `"next_cursor": null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<Option<String>>,
    #[serde(skip)]
    etag: Option<String>,
    /// It shows customers (their personal data): a write's record keeps it sealed only.
    #[serde(skip)]
    personal: bool,
}

impl<'a> Envelope<CustomerView<'a>> {
    /// A customer, with its version as a strong `ETag` (`"3"`): what `If-Match` names.
    pub fn customer(customer: &'a Customer) -> Self {
        let mut envelope = Self::new(CustomerView::from(customer));
        envelope.etag = Some(format!("\"{}\"", customer.version));
        envelope.personal = true;
        envelope
    }
}

impl<'a> Envelope<Vec<CustomerView<'a>>> {
    pub fn customers(customers: &'a [Customer]) -> Self {
        let mut envelope = Self::new(customers.iter().map(CustomerView::from).collect());
        envelope.personal = true;
        envelope
    }
}

impl<'a> Envelope<GroupView<'a>> {
    pub fn group(group: &'a CustomerGroup) -> Self {
        Self::new(GroupView::from(group))
    }
}

impl<'a> Envelope<Vec<GroupView<'a>>> {
    pub fn groups(groups: &'a [CustomerGroup]) -> Self {
        Self::new(groups.iter().map(GroupView::from).collect())
    }
}

impl<'a> Envelope<Vec<CloudEventView<'a>>> {
    /// Change events hold no personal value: ids, types, versions and member names.
    pub fn events(events: &'a [ChangeEvent]) -> Self {
        Self::new(events.iter().map(CloudEventView::from).collect())
    }
}

impl<'a> Envelope<Vec<CountryView<'a>>> {
    pub fn countries(countries: &[&'a Country]) -> Self {
        Self::new(
            countries
                .iter()
                .map(|country| CountryView::from(*country))
                .collect(),
        )
    }
}

impl<T: Serialize> Envelope<T> {
    fn new(data: T) -> Self {
        Self {
            data,
            warnings: None,
            next_cursor: None,
            etag: None,
            personal: false,
        }
    }

    /// A write's warnings; present (maybe empty) on every write's response.
    pub fn warnings(mut self, warnings: &[Warning]) -> Self {
        self.warnings = Some(warnings.iter().map(WarningBody::from).collect());
        self
    }

    /// A page's cursor; `None` on the last page.
    pub fn next_cursor(mut self, cursor: Option<&str>) -> Self {
        self.next_cursor = Some(cursor.map(str::to_owned));
        self
    }

    pub fn to_json(&self) -> Result<String, ApiError> {
        serde_json::to_string(self).map_err(|_| ApiError::Serialization)
    }

    /// The reply with `status`, this envelope as its body and its `ETag`.
    pub fn reply(self, status: StatusCode) -> Rendered {
        Ok(Reply {
            status: status.as_u16(),
            body: Some(serde_json::to_string(&self).map_err(|_| RenderError)?),
            location: None,
            etag: self.etag,
            personal: self.personal,
        })
    }

    /// 201 with the new resource's `Location`.
    pub fn created(self, location: String) -> Rendered {
        let reply = self.reply(StatusCode::CREATED)?;
        Ok(Reply {
            location: Some(location),
            ..reply
        })
    }

    /// 200, for a read.
    pub fn ok(self) -> Result<Response<Body>, ApiError> {
        let reply = self
            .reply(StatusCode::OK)
            .map_err(|_| ApiError::Serialization)?;
        Ok(response(reply, false))
    }
}

/// 204 without a body.
pub fn no_content() -> Rendered {
    Ok(Reply {
        status: StatusCode::NO_CONTENT.as_u16(),
        body: None,
        location: None,
        etag: None,
        personal: false,
    })
}

/// A write's answer: its outcome rendered by `reply`, or the recorded reply of an earlier
/// request with the key, marked `Idempotent-Replayed: true`.
pub fn respond<T>(answer: Answer<T>, reply: &Respond<T>) -> Result<Response<Body>, ApiError> {
    match answer {
        Answer::Fresh(outcome) => Ok(response(
            reply(&outcome).map_err(|_| ApiError::Serialization)?,
            false,
        )),
        Answer::Replayed(recorded) => Ok(response(recorded, true)),
    }
}

/// A reply as sent.
fn response(reply: Reply, replayed: bool) -> Response<Body> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match reply.body {
        Some(body) => with_body(status, body, JSON, Caching::NoStore),
        None => {
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = status;
            response
        }
    };
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &Option<String>| {
        if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    };
    set(header::LOCATION, &reply.location);
    set(header::ETAG, &reply.etag);
    if replayed {
        headers.insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// Who may keep a response.
pub(super) enum Caching {
    /// Customer data is personal data, and errors are about one request: no cache may keep
    /// them.
    NoStore,
    /// The same for every caller: shared caches may keep it this many seconds.
    Public(u32),
}

impl Caching {
    /// Its `Cache-Control`.
    pub(super) fn header(&self) -> HeaderValue {
        match self {
            Caching::NoStore => HeaderValue::from_static("no-store"),
            Caching::Public(max_age) => {
                HeaderValue::from_str(&format!("public, max-age={max_age}"))
                    .unwrap_or(HeaderValue::from_static("no-store"))
            }
        }
    }
}

/// A response with a body: its media type and caching are set here, for every response.
pub(super) fn with_body(
    status: StatusCode,
    body: String,
    media_type: &'static str,
    caching: Caching,
) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(header::CACHE_CONTROL, caching.header());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn body(response: &Response<Body>) -> Value {
        match response.body() {
            Body::Text(text) => serde_json::from_str(text).unwrap(),
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn the_envelope_carries_only_what_the_response_is_about() {
        let data = json!({"id": 1});
        assert_eq!(
            body(&Envelope::new(&data).ok().unwrap()),
            json!({"data": {"id": 1}})
        );
        let write = Envelope::new(&data)
            .warnings(&[])
            .reply(StatusCode::CREATED);
        let write = response(write.unwrap(), false);
        assert_eq!(write.status(), StatusCode::CREATED);
        assert_eq!(body(&write), json!({"data": {"id": 1}, "warnings": []}));
        let items = [1, 2];
        let last = Envelope::new(&items[..]).next_cursor(None).ok().unwrap();
        assert_eq!(body(&last), json!({"data": [1, 2], "next_cursor": null}));
        let more = Envelope::new(&items[..])
            .next_cursor(Some("c"))
            .ok()
            .unwrap();
        assert_eq!(body(&more)["next_cursor"], "c");
    }

    #[test]
    fn a_reply_is_sent_as_recorded_and_a_replay_says_so() {
        let reply = Reply {
            status: 201,
            body: Some("{\"data\":{}}".into()),
            location: Some("/customers/1".into()),
            etag: Some("\"1\"".into()),
            personal: true,
        };
        let fresh = response(reply.clone(), false);
        assert_eq!(fresh.status(), StatusCode::CREATED);
        assert_eq!(fresh.headers()[header::LOCATION], "/customers/1");
        assert_eq!(fresh.headers()[header::ETAG], "\"1\"");
        assert_eq!(fresh.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(fresh.headers()[header::CONTENT_TYPE], "application/json");
        assert!(!fresh.headers().contains_key(REPLAYED));
        let replayed = response(reply, true);
        assert_eq!(replayed.headers()[REPLAYED], "true");
        assert_eq!(body(&replayed), body(&fresh));
        let gone = response(no_content().unwrap(), true);
        assert_eq!(gone.status(), StatusCode::NO_CONTENT);
        assert!(matches!(gone.body(), Body::Empty));
        assert!(!gone.headers().contains_key(header::CONTENT_TYPE));
    }

    #[test]
    fn a_customer_carries_its_version_as_a_strong_etag() {
        let customer = crate::testing::customer();
        let reply = Envelope::customer(&customer).reply(StatusCode::OK).unwrap();
        assert_eq!(reply.etag.as_deref(), Some("\"1\""));
        let list = std::slice::from_ref(&customer);
        assert_eq!(
            Envelope::customers(list)
                .reply(StatusCode::OK)
                .unwrap()
                .etag,
            None
        );
    }
}
