//! Identity-document images in a bucket, only while they are checked. [`Staging::inspect`] is
//! the one owner of uploaded objects: it deletes every object it uploaded before it returns,
//! whatever the upload or the inspection did, so no code path can forget a delete.

use super::ImageBucket;
use crate::domain::{DocumentImage, ImageFormat, TenantId};
use crate::support::usage;
use std::future::Future;
use std::time::Instant;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StagingError {
    /// Throttling, timeouts, an unreachable endpoint: worth retrying later.
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

/// An image as it sits in the bucket during verification.
#[derive(Debug, Clone)]
pub struct StagedImage {
    pub side: Side,
    pub key: String,
    pub format: ImageFormat,
}

#[derive(Debug, Clone)]
pub struct Staging<B> {
    bucket: B,
}

/// Every object this request put in the bucket and has not deleted yet.
struct Uploads<B: ImageBucket> {
    bucket: B,
    objects: Vec<(Side, String, Instant)>,
}

impl<B: ImageBucket> Staging<B> {
    pub fn new(bucket: B) -> Self {
        Self { bucket }
    }

    /// Uploads `images` (each under a random key below the tenant's prefix), runs `inspect` on
    /// the uploaded objects, then deletes all of them. The deletion runs on every path: a
    /// failed upload (the ones before it are deleted), a failed inspection, a successful one.
    /// Should this future be dropped half-way (a timeout), the remaining objects are deleted in
    /// the background; should the process die, the bucket's one-day lifecycle rule removes
    /// them.
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
        uploads: &mut Uploads<B>,
    ) -> Result<StagedImage, StagingError> {
        let key = format!("documents/{tenant}/{}", uuid::Uuid::new_v4());
        let format = image.format();
        self.bucket
            .put(&key, image.into_bytes(), format.content_type())
            .await?;
        uploads.objects.push((side, key.clone(), Instant::now()));
        Ok(StagedImage { side, key, format })
    }

    /// Reads an uploaded image back, for verification.
    pub async fn read(&self, image: &StagedImage) -> Result<Vec<u8>, StagingError> {
        self.bucket.get(&image.key).await
    }
}

impl<B: ImageBucket> Uploads<B> {
    /// Tries every delete (one failing does not stop the others), logging how long each
    /// object lived.
    async fn delete_all(&mut self) -> Result<(), StagingError> {
        let mut failure = None;
        for (side, key, uploaded) in std::mem::take(&mut self.objects) {
            let result = self.bucket.delete(&key).await;
            let retention_ms = uploaded.elapsed().as_secs_f64() * 1e3;
            match result {
                Ok(()) => {
                    usage::add_document_retention(retention_ms);
                    tracing::info!(
                        side = side.as_str(),
                        document_retention_ms = retention_ms,
                        "document image deleted"
                    )
                }
                Err(e) => {
                    tracing::error!(side = side.as_str(), error = %e, "document image NOT deleted; the lifecycle rule will expire it");
                    failure = Some(e);
                }
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

impl<B: ImageBucket> Drop for Uploads<B> {
    fn drop(&mut self) {
        if self.objects.is_empty() {
            return;
        }
        // Only reached when the request's future was dropped mid-way.
        let mut orphans = Uploads {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{png, BucketOp, MemoryBucket};
    use std::time::Duration;

    fn tenant() -> TenantId {
        TenantId::parse("acme").expect("tenant")
    }

    fn images(count: usize) -> Vec<(Side, DocumentImage)> {
        [Side::Front, Side::Back]
            .into_iter()
            .take(count)
            .map(|side| (side, DocumentImage::new(png(8, 8)).expect("image")))
            .collect()
    }

    fn unavailable() -> StagingError {
        StagingError::Unavailable("SlowDown".into())
    }

    #[tokio::test]
    async fn every_object_is_deleted_once_inspected() {
        let bucket = MemoryBucket::new();
        let staging = Staging::new(bucket.clone());
        let seen = staging
            .inspect(&tenant(), images(2), |staged| async move {
                Ok(staged.iter().map(|i| i.key.clone()).collect::<Vec<_>>())
            })
            .await
            .expect("inspected");
        assert_eq!(seen.len(), 2);
        assert!(seen.iter().all(|key| key.starts_with("documents/acme/")));
        assert!(bucket.keys().is_empty());
        assert_eq!(bucket.calls(BucketOp::Delete), 2);
    }

    #[tokio::test]
    async fn a_failed_inspection_still_deletes_everything() {
        let bucket = MemoryBucket::new();
        let staging = Staging::new(bucket.clone());
        let result: Result<(), _> = staging
            .inspect(&tenant(), images(2), |_| async { Err(unavailable()) })
            .await;
        assert_eq!(result, Err(unavailable()));
        assert!(bucket.keys().is_empty());
    }

    #[tokio::test]
    async fn a_failed_second_upload_deletes_the_first() {
        let bucket = MemoryBucket::new();
        bucket.fail(BucketOp::Put, 2, unavailable());
        let staging = Staging::new(bucket.clone());
        let result = staging
            .inspect(&tenant(), images(2), |_| async { Ok(()) })
            .await;
        assert_eq!(result, Err(unavailable()));
        assert!(bucket.keys().is_empty());
        assert_eq!(bucket.calls(BucketOp::Delete), 1);
    }

    #[tokio::test]
    async fn an_image_that_could_not_be_deleted_fails_the_request() {
        let bucket = MemoryBucket::new();
        bucket.fail(BucketOp::Delete, 1, unavailable());
        let staging = Staging::new(bucket.clone());
        let result = staging
            .inspect(&tenant(), images(2), |_| async { Ok(()) })
            .await;
        assert_eq!(result, Err(unavailable()));
        assert_eq!(bucket.keys().len(), 1, "left to the lifecycle rule");
        assert_eq!(
            bucket.calls(BucketOp::Delete),
            2,
            "the other delete was still tried"
        );
    }

    #[tokio::test]
    async fn an_abandoned_request_deletes_its_images_in_the_background() {
        let bucket = MemoryBucket::new();
        let staging = Staging::new(bucket.clone());
        let abandoned = tokio::time::timeout(
            Duration::from_millis(50),
            staging.inspect(&tenant(), images(1), |_| {
                std::future::pending::<Result<(), _>>()
            }),
        )
        .await;
        assert!(abandoned.is_err(), "timed out");
        for _ in 0..100 {
            if bucket.keys().is_empty() {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(bucket.keys().is_empty());
    }
}
