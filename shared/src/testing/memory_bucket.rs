//! An image bucket in memory, with failures on chosen calls: enough to prove that staging
//! deletes every object it uploaded on every path.

use crate::documents::{ImageBucket, StagingError};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BucketOp {
    Put,
    Get,
    Delete,
}

#[derive(Debug, Default)]
struct Inner {
    objects: BTreeMap<String, Vec<u8>>,
    calls: BTreeMap<BucketOp, usize>,
    /// The n-th call (from 1) of an operation that fails, and how.
    faults: Vec<(BucketOp, usize, StagingError)>,
}

#[derive(Debug, Clone, Default)]
pub struct MemoryBucket {
    inner: Arc<Mutex<Inner>>,
}

impl MemoryBucket {
    pub fn new() -> Self {
        Self::default()
    }

    /// The `nth` call of `op` (counting from 1, from the bucket's creation) fails with `error`.
    pub fn fail(&self, op: BucketOp, nth: usize, error: StagingError) {
        self.lock().faults.push((op, nth, error));
    }

    /// Every call of `op` fails with `error`.
    pub fn fail_always(&self, op: BucketOp, error: StagingError) {
        for nth in 1..=100 {
            self.fail(op, nth, error.clone());
        }
    }

    /// The keys of the objects in the bucket now.
    pub fn keys(&self) -> Vec<String> {
        self.lock().objects.keys().cloned().collect()
    }

    /// How many calls of `op` were made.
    pub fn calls(&self, op: BucketOp) -> usize {
        self.lock().calls.get(&op).copied().unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts the call; its fault, if one was set for it.
    fn call(&self, op: BucketOp) -> Result<MutexGuard<'_, Inner>, StagingError> {
        let mut inner = self.lock();
        let count = inner.calls.entry(op).or_default();
        *count += 1;
        let nth = *count;
        match inner.faults.iter().find(|(o, n, _)| *o == op && *n == nth) {
            Some((_, _, error)) => Err(error.clone()),
            None => Ok(inner),
        }
    }
}

impl ImageBucket for MemoryBucket {
    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        _content_type: &'static str,
    ) -> Result<(), StagingError> {
        self.call(BucketOp::Put)?
            .objects
            .insert(key.to_owned(), bytes);
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StagingError> {
        self.call(BucketOp::Get)?
            .objects
            .get(key)
            .cloned()
            .ok_or_else(|| StagingError::Internal("NoSuchKey".into()))
    }

    async fn delete(&self, key: &str) -> Result<(), StagingError> {
        self.call(BucketOp::Delete)?.objects.remove(key);
        Ok(())
    }
}
