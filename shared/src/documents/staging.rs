//! Identity-document images in S3, only while they are checked. [`Staging::inspect`] is the one
//! owner of uploaded objects: it deletes every object it uploaded before it returns, whatever
//! the upload or the inspection did, so no code path can forget a delete.

use super::{DocumentImage, ImageFormat};
use crate::clients::LazyClient;
use crate::domain::TenantId;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use std::future::Future;
use std::time::Instant;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StagingError {
    /// S3 throttling, timeouts, an unreachable endpoint: worth retrying later.
    #[error("document storage is unavailable ({0})")]
    Unavailable(String),
    /// Misconfiguration (a missing bucket, denied access): retrying will not help.
    #[error("document storage rejected the request ({0})")]
    Internal(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Front,
    Back,
}

impl Side {
    pub fn as_str(&self) -> &'static str {
        match self {
            Side::Front => "front",
            Side::Back => "back",
        }
    }
}

/// An image as it sits in S3 during verification.
#[derive(Debug, Clone)]
pub struct StagedImage {
    pub side: Side,
    pub key: String,
    pub format: ImageFormat,
}

#[derive(Debug, Clone)]
pub struct Staging {
    /// Built by the first request that carries a document: most creates have none.
    client: LazyClient<aws_sdk_s3::Client>,
    bucket: String,
}

/// Every object this request put in S3 and has not deleted yet.
struct Uploads {
    client: aws_sdk_s3::Client,
    bucket: String,
    objects: Vec<(Side, String, Instant)>,
}

impl Staging {
    pub fn new(client: LazyClient<aws_sdk_s3::Client>, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// Uploads `images` (encrypted at rest, each under a random key below the tenant's prefix),
    /// runs `inspect` on the uploaded objects, then deletes all of them. The deletion runs on
    /// every path: a failed upload (the ones before it are deleted), a failed inspection, a
    /// successful one. Should this future be dropped half-way (a timeout), the remaining objects
    /// are deleted in the background; should the process die, the bucket's one-day lifecycle
    /// rule removes them.
    pub async fn inspect<T, F, Fut>(
        &self,
        tenant: &TenantId,
        images: Vec<(Side, DocumentImage)>,
        inspect: F,
    ) -> Result<T, StagingError>
    where
        F: FnOnce(Vec<StagedImage>) -> Fut,
        Fut: Future<Output = Result<T, StagingError>>,
    {
        let mut uploads = Uploads {
            client: self.client.get().clone(),
            bucket: self.bucket.clone(),
            objects: Vec::new(),
        };
        let outcome = async {
            let mut staged = Vec::new();
            for (side, image) in images {
                staged.push(self.put(tenant, side, image, &mut uploads).await?);
            }
            inspect(staged).await
        }
        .await;
        let deleted = uploads.delete_all().await;
        match (outcome, deleted) {
            (Err(e), _) => Err(e),
            // Not deleted means the promise to the client is not kept yet: fail the request
            // (nothing is written), the lifecycle rule removes what remains.
            (Ok(_), Err(e)) => Err(e),
            (Ok(value), Ok(())) => Ok(value),
        }
    }

    async fn put(
        &self,
        tenant: &TenantId,
        side: Side,
        image: DocumentImage,
        uploads: &mut Uploads,
    ) -> Result<StagedImage, StagingError> {
        let key = format!("documents/{tenant}/{}", uuid::Uuid::new_v4());
        let format = image.format();
        self.client
            .get()
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(format.content_type())
            .server_side_encryption(ServerSideEncryption::Aes256)
            .body(ByteStream::from(image.into_bytes()))
            .send()
            .await
            .map_err(classify)?;
        uploads.objects.push((side, key.clone(), Instant::now()));
        Ok(StagedImage { side, key, format })
    }

    /// Reads an uploaded image back, for verification.
    pub async fn read(&self, image: &StagedImage) -> Result<Vec<u8>, StagingError> {
        let object = self
            .client
            .get()
            .get_object()
            .bucket(&self.bucket)
            .key(&image.key)
            .send()
            .await
            .map_err(classify)?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|_| StagingError::Unavailable("reading an object's body".into()))?;
        Ok(bytes.into_bytes().to_vec())
    }
}

impl Uploads {
    /// Tries every delete (one failing does not stop the others), logging how long each
    /// object lived.
    async fn delete_all(&mut self) -> Result<(), StagingError> {
        let mut failure = None;
        for (side, key, uploaded) in std::mem::take(&mut self.objects) {
            let result = self
                .client
                .delete_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await;
            let retention_ms = uploaded.elapsed().as_secs_f64() * 1e3;
            match result {
                Ok(_) => tracing::info!(
                    side = side.as_str(),
                    document_retention_ms = retention_ms,
                    "document image deleted"
                ),
                Err(e) => {
                    let e = classify(e);
                    tracing::error!(side = side.as_str(), error = %e, "document image NOT deleted; the lifecycle rule will expire it");
                    failure = Some(e);
                }
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

impl Drop for Uploads {
    fn drop(&mut self) {
        if self.objects.is_empty() {
            return;
        }
        // Only reached when the request's future was dropped mid-way.
        let mut orphans = Uploads {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            objects: std::mem::take(&mut self.objects),
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = orphans.delete_all().await;
            });
        }
    }
}

fn classify<E>(error: SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> StagingError
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
