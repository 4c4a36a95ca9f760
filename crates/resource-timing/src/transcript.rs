//! A fetch described after the fact: its client, its request and each hop
//! (URL, status, headers, timings), replayed through a [`Fetch`].
//!
//! This is how tests, the CLI and HAR input describe a fetch; an engine
//! that reports events as they happen uses [`Fetch`] directly.

use std::rc::Rc;

use performance_timeline::{Embedder, Moment, Performance};

use crate::entry::PerformanceResourceTiming;
use crate::fetch::{Fetch, FetchClient, NetworkError, Next};
use crate::request::Request;
use crate::timing_info::{CacheState, ConnectionTimingInfo};

/// One hop: a request to the fetch's current URL and its response.
///
/// Times left at 0 are filled in by [`FetchTranscript::replay`] with
/// increasing moments (1 ms apart), which is enough for rules that only
/// compare times.
#[derive(Debug, Clone, Default)]
pub struct Hop {
    /// The connection used (`None`: the hop reports none, e.g. a cache answer).
    pub connection: Option<ConnectionTimingInfo>,
    /// When the request was sent.
    pub request_start: Moment,
    /// The first byte of each interim (1xx) response, with its status.
    pub interim_responses: Vec<(Moment, u16)>,
    /// The first byte of the final response of this hop.
    pub response_start: Moment,
    /// The response status (a redirect status with `Location` makes this
    /// hop a redirect). Interim (1xx) responses go in
    /// [`Hop::interim_responses`]; a 1xx here ends the fetch in a network error.
    pub status: u16,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// For a redirect: when the redirect was processed. For the last hop:
    /// the end of the body.
    pub end: Moment,
    /// Body bytes as transmitted and after content decoding (last hop).
    pub body_sizes: (u64, u64),
    /// A network error on this hop, instead of (or after) its response.
    pub error: Option<NetworkError>,
}

impl Hop {
    /// A hop answered with `status` and `headers` (name, value pairs; a
    /// name may repeat). Invalid names or values are skipped.
    pub fn new(status: u16, headers: &[(&str, &str)]) -> Self {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(value.as_bytes()),
            ) {
                map.append(name, value);
            }
        }
        Hop {
            status,
            headers: map,
            ..Hop::default()
        }
    }

    /// A redirect to `location` with extra headers.
    pub fn redirect(status: u16, location: &str, headers: &[(&str, &str)]) -> Self {
        let mut all = vec![("location", location)];
        all.extend_from_slice(headers);
        Hop::new(status, &all)
    }

    /// A hop that fails with `error` before any response.
    pub fn failed(error: NetworkError) -> Self {
        Hop {
            error: Some(error),
            ..Hop::default()
        }
    }

    /// Sets the body sizes.
    pub fn body(mut self, encoded: u64, decoded: u64) -> Self {
        self.body_sizes = (encoded, decoded);
        self
    }

    /// Sets the connection.
    pub fn connection(mut self, connection: ConnectionTimingInfo) -> Self {
        self.connection = Some(connection);
        self
    }

    /// Adds an interim response.
    pub fn interim(mut self, at: Moment, status: u16) -> Self {
        self.interim_responses.push((at, status));
        self
    }
}

/// A whole fetch: who fetched what, and what each hop answered.
#[derive(Debug, Clone)]
pub struct FetchTranscript {
    /// The client.
    pub client: FetchClient,
    /// The request as it starts.
    pub request: Request,
    /// When the fetch started.
    pub start: Moment,
    /// The cache state of the final response.
    pub cache_state: CacheState,
    /// The hops, in order.
    pub hops: Vec<Hop>,
}

impl FetchTranscript {
    /// A transcript starting at moment `start`.
    pub fn new(client: FetchClient, request: Request, start: Moment) -> Self {
        FetchTranscript {
            client,
            request,
            start,
            cache_state: CacheState::None,
            hops: Vec::new(),
        }
    }

    /// Adds a hop.
    pub fn hop(mut self, hop: Hop) -> Self {
        self.hops.push(hop);
        self
    }

    /// Sets the cache state.
    pub fn cache_state(mut self, cache_state: CacheState) -> Self {
        self.cache_state = cache_state;
        self
    }

    /// Drives a [`Fetch`] through the hops. Hops after the fetch ended
    /// (after a final response or an error) are ignored; a transcript that
    /// runs out of hops before a final response ends in a network error.
    pub fn replay(&self) -> Fetch {
        let mut clock = self.start;
        let mut tick = |given: Moment| {
            clock = if given > 0.0 { given } else { clock + 1.0 };
            clock
        };
        let mut fetch = Fetch::start(self.request.clone(), self.client.clone(), tick(self.start));
        fetch.set_cache_state(self.cache_state);
        for hop in &self.hops {
            if fetch.is_finished() {
                break;
            }
            if let Some(connection) = &hop.connection {
                fetch.connection_obtained(connection);
            }
            let request_start = tick(hop.request_start);
            if let Some(error) = &hop.error {
                if hop.status == 0 {
                    fetch.network_error(error.clone(), tick(hop.end));
                    break;
                }
            }
            fetch.request_started(request_start);
            for &(at, status) in &hop.interim_responses {
                let at = tick(at);
                fetch.response_started(at);
                let _ = fetch.response_headers(status, &http::HeaderMap::new(), at);
            }
            if (100..=199).contains(&hop.status) {
                let at = tick(hop.response_start);
                fetch.network_error(
                    NetworkError::Transport("an interim status as a hop's final response".into()),
                    at,
                );
                break;
            }
            let response_start = tick(hop.response_start);
            fetch.response_started(response_start);
            match fetch.response_headers(hop.status, &hop.headers, response_start) {
                Ok(Next::Redirect(_)) => {
                    let end = tick(hop.end);
                    if fetch.follow_redirect(end).is_err() {
                        break;
                    }
                }
                Ok(Next::Final) => {
                    fetch.body_received(hop.body_sizes.0, hop.body_sizes.1);
                    let end = tick(hop.end);
                    match &hop.error {
                        Some(error) => fetch.network_error(error.clone(), end),
                        None => fetch.end_of_body(end),
                    }
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        if !fetch.is_finished() {
            let end = tick(0.0);
            fetch.network_error(NetworkError::Transport("no response".into()), end);
        }
        fetch
    }

    /// Replays the transcript and reports its timing into `performance`.
    pub fn report<E: Embedder>(
        &self,
        performance: &Performance<E>,
    ) -> Option<Rc<PerformanceResourceTiming>> {
        self.replay().report_timing(performance)
    }
}
