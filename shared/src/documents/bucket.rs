//! Where staged images are kept while they are verified: S3 in production. The trait is what
//! [`Staging`](super::Staging) needs of a bucket, so that its ownership of every uploaded
//! object is tested in memory too (`testing::MemoryBucket`).

use super::StagingError;
use crate::support::clients::{boxed, LazyClient};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use std::future::Future;

pub trait ImageBucket: Clone + Send + Sync + 'static {
    fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &'static str,
    ) -> impl Future<Output = Result<(), StagingError>> + Send;

    fn get(&self, key: &str) -> impl Future<Output = Result<Vec<u8>, StagingError>> + Send;

    fn delete(&self, key: &str) -> impl Future<Output = Result<(), StagingError>> + Send;
}

/// The documents bucket of template.yaml.
#[derive(Debug, Clone)]
pub struct S3Bucket {
    /// Built by the first request that carries a document: most creates have none.
    client: LazyClient<aws_sdk_s3::Client>,
    bucket: String,
}

impl S3Bucket {
    pub fn new(client: LazyClient<aws_sdk_s3::Client>, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

impl ImageBucket for S3Bucket {
    /// Encrypted at rest (SSE-S3), whatever the bucket's default.
    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &'static str,
    ) -> Result<(), StagingError> {
        boxed(
            self.client
                .get()
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type(content_type)
                .server_side_encryption(ServerSideEncryption::Aes256)
                .body(ByteStream::from(bytes))
                .send(),
        )
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StagingError> {
        let object = boxed(
            self.client
                .get()
                .get_object()
                .bucket(&self.bucket)
                .key(key)
                .send(),
        )
        .await
        .map_err(classify)?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|_| StagingError::Unavailable("reading an object's body".into()))?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn delete(&self, key: &str) -> Result<(), StagingError> {
        boxed(
            self.client
                .get()
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send(),
        )
        .await
        .map_err(classify)?;
        Ok(())
    }
}

fn classify<E>(error: SdkError<E, HttpResponse>) -> StagingError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match error {
        SdkError::DispatchFailure(_) => StagingError::Unavailable("endpoint unreachable".into()),
        SdkError::TimeoutError(_) => StagingError::Unavailable("timed out".into()),
        SdkError::ResponseError(_) => StagingError::Unavailable("unreadable response".into()),
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("Unknown").to_owned();
            let server_side = service.raw().status().is_server_error();
            match code.as_str() {
                "SlowDown" | "RequestTimeout" => StagingError::Unavailable(code),
                _ if server_side => StagingError::Unavailable(code),
                _ => StagingError::Internal(code),
            }
        }
        _ => StagingError::Internal("request not sent".into()),
    }
}
