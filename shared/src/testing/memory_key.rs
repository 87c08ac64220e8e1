//! The MAC key of the use cases' unit tests: HMAC-SHA256 in process, as KMS computes it, with a
//! key a test chooses; a test can make its next MAC fail as KMS would.

use crate::documents::{FingerprintError, Fingerprints};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct MemoryKey {
    key: Vec<u8>,
    calls: Arc<Mutex<usize>>,
    fail_next: Arc<Mutex<Option<FingerprintError>>>,
}

impl MemoryKey {
    pub fn new(key: &[u8]) -> Self {
        Self {
            key: key.to_vec(),
            ..Self::default()
        }
    }

    /// MACs asked for so far.
    pub fn calls(&self) -> usize {
        *self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn fail_next(&self, error: FingerprintError) {
        *self.fail_next.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
    }
}

impl Fingerprints for MemoryKey {
    async fn mac(&self, message: &[u8]) -> Result<Vec<u8>, FingerprintError> {
        *self.calls.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        if let Some(error) = self
            .fail_next
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            return Err(error);
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key)
            .map_err(|_| FingerprintError::Refused("key".into()))?;
        mac.update(message);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}
