//! A page to fetch from: a global with its Performance timeline on the real
//! clock, and the fetch client that its facts give.

use std::rc::Rc;

use resource_timing::performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use resource_timing::performance_timeline::Performance;
use resource_timing::{ExposurePolicy, FetchClient};
use url::Url;

use crate::clock::Clock;

/// A page: an origin, whether it is a secure context, and its timeline
/// (the reference embedder, with its time origin taken from the real clock
/// when the page is created).
pub struct Page {
    event_loop: ReferenceEventLoop,
    performance: Rc<Performance<ReferenceEmbedder>>,
    client: FetchClient,
    clock: Clock,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl Page {
    /// A page whose document URL is `url`; it is a secure context when the
    /// URL is potentially trustworthy (https, loopback, `localhost`).
    pub fn new(url: &Url, clock: &Clock) -> Page {
        let client = FetchClient::for_page(url);
        Page::with_client(url, client, clock)
    }

    /// A page with an explicit client (to model, say, an insecure page).
    pub fn with_client(url: &Url, client: FetchClient, clock: &Clock) -> Page {
        let event_loop = ReferenceEventLoop::new();
        // A time origin on the coarsening grid, so that no entry of this page
        // starts before it.
        let now = client.coarsen(clock.now());
        event_loop.set_now(now);
        let embedder = ReferenceEmbedder::new(&event_loop, url)
            .with_time_origin(now)
            .with_secure_context(client.is_secure_context)
            .with_cross_origin_isolated_capability(client.cross_origin_isolated_capability)
            .with_coarsening(client.coarsening);
        Page {
            performance: Performance::new(embedder),
            event_loop,
            client,
            clock: clock.clone(),
        }
    }

    /// The same page under another engine's exposure policy.
    pub fn with_policy(mut self, policy: ExposurePolicy) -> Page {
        self.client = self.client.with_policy(policy);
        self
    }

    /// The page's timeline.
    pub fn performance(&self) -> &Rc<Performance<ReferenceEmbedder>> {
        self.event_loop.set_now(self.clock.now());
        &self.performance
    }

    /// The fetch client for requests from this page.
    pub fn client(&self) -> &FetchClient {
        &self.client
    }

    /// Runs the page's pending tasks (observer callbacks, buffer-full events).
    pub fn run_tasks(&self) -> usize {
        self.event_loop.set_now(self.clock.now());
        self.event_loop.run_until_idle()
    }
}
