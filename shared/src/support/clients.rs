//! SDK clients built once per execution environment, at the moment they are first needed.
//! Building one costs as much as the rest of a cold start (its endpoint rules are parsed and
//! compiled, its TLS roots loaded: docs/performance.md), so a function builds at init only the
//! clients every request uses, and the others on first use or never.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

/// An SDK call's future behind a pointer. The SDK's `send()` futures nest deeply (its
/// orchestrator), and every use case that awaits one nests further: erasing their type at the
/// adapter keeps each function's future within the compiler's layout depth, for one allocation
/// per call, next to a network round trip.
pub fn boxed<'a, T>(
    call: impl Future<Output = T> + Send + 'a,
) -> Pin<Box<dyn Future<Output = T> + Send + 'a>> {
    Box::pin(call)
}

#[derive(Clone)]
pub struct LazyClient<C> {
    build: Arc<dyn Fn() -> C + Send + Sync>,
    client: Arc<OnceLock<C>>,
}

impl<C> LazyClient<C> {
    pub fn new(build: impl Fn() -> C + Send + Sync + 'static) -> Self {
        Self {
            build: Arc::new(build),
            client: Arc::default(),
        }
    }

    /// The client, built by the first caller.
    pub fn get(&self) -> &C {
        self.client.get_or_init(|| (self.build)())
    }

    /// Builds the client now (at init, for the clients every request needs).
    pub fn connected(self) -> Self {
        self.get();
        self
    }

    pub fn is_built(&self) -> bool {
        self.client.get().is_some()
    }
}

impl<C> std::fmt::Debug for LazyClient<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyClient")
            .field("built", &self.is_built())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_client_is_built_once_and_only_when_needed() {
        let builds = Arc::new(AtomicUsize::new(0));
        let counter = builds.clone();
        let lazy = LazyClient::new(move || counter.fetch_add(1, Ordering::SeqCst));
        assert!(!lazy.is_built());
        assert_eq!(builds.load(Ordering::SeqCst), 0);
        let copy = lazy.clone();
        assert_eq!(*copy.get(), 0);
        assert_eq!(*lazy.get(), 0);
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        let eager = LazyClient::new(|| 7).connected();
        assert!(eager.is_built());
    }
}
