use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    match serde_json::to_string(body) {
        Ok(text) => {
            let mut response = Response::new(Body::Text(text));
            *response.status_mut() = status;
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            // Customer data is personal data: no shared cache may keep it.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => super::ApiError::Store(crate::store::StoreError::Internal(
            "serialising a response".into(),
        ))
        .problem()
        .into_response(),
    }
}

/// 200 with `{"data": ...}`.
pub fn ok<T: Serialize>(data: &T) -> Response<Body> {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        data: &'a T,
    }
    json(StatusCode::OK, &Envelope { data })
}

/// 201 with `{"data": ...}`, for resources that have no URL of their own.
pub fn created_data<T: Serialize>(data: &T) -> Response<Body> {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        data: &'a T,
    }
    json(StatusCode::CREATED, &Envelope { data })
}

/// 200 with `{"data": [...], "next_cursor": ... | null}`.
pub fn page<T: Serialize>(data: &[T], next_cursor: Option<&str>) -> Response<Body> {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        data: &'a [T],
        next_cursor: Option<&'a str>,
    }
    json(StatusCode::OK, &Envelope { data, next_cursor })
}

/// 201 with `{"data": ..., "warnings": [...]}` and `Location`.
pub fn created<T: Serialize, W: Serialize>(
    location: &str,
    data: &T,
    warnings: &[W],
) -> Response<Body> {
    #[derive(Serialize)]
    struct Envelope<'a, T, W> {
        data: &'a T,
        warnings: &'a [W],
    }
    let mut response = json(StatusCode::CREATED, &Envelope { data, warnings });
    if response.status() == StatusCode::CREATED {
        if let Ok(value) = HeaderValue::from_str(location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    response
}

/// 200 with `{"data": ..., "warnings": [...]}`: a create that updated an existing resource.
pub fn ok_with_warnings<T: Serialize, W: Serialize>(data: &T, warnings: &[W]) -> Response<Body> {
    #[derive(Serialize)]
    struct Envelope<'a, T, W> {
        data: &'a T,
        warnings: &'a [W],
    }
    json(StatusCode::OK, &Envelope { data, warnings })
}
