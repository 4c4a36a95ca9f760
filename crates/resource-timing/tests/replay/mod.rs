//! Replays a fetch described by its hops (origin, status, header lines,
//! body sizes), as the exposure recorders and the upstream tests describe
//! them, through the pipeline, on a page at A = `http://127.0.0.1:8000`
//! (a secure context) or `http://notsecure.test:8000` (not one), with B on
//! port 8001 of the same host.

#![allow(dead_code)]

use std::rc::Rc;

use performance_timeline::reference::{ReferenceEmbedder, ReferenceEventLoop};
use performance_timeline::Performance;
use resource_timing::transcript::{FetchTranscript, Hop};
use resource_timing::{
    ConnectionTimingInfo, ExposurePolicy, FetchClient, NetworkError, PerformanceResourceTiming,
    Request, RequestMode,
};
use url::Url;

/// The port of each origin.
pub const PORT_A: u16 = 8000;
/// The port of B.
pub const PORT_B: u16 = 8001;

/// How the page loads the resource (the recorders' initiator names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    /// `fetch(url, {mode: "cors"})`.
    FetchCors,
    /// `fetch(url, {mode: "no-cors"})`.
    FetchNoCors,
    /// `<script src>`.
    Script,
    /// `<script src crossorigin=anonymous>`.
    ScriptCors,
    /// `<img src>`.
    Img,
}

impl Initiator {
    /// The recorder's name for it.
    pub fn parse(name: &str) -> Initiator {
        match name {
            "fetch-cors" => Initiator::FetchCors,
            "fetch-no-cors" => Initiator::FetchNoCors,
            "script" => Initiator::Script,
            "script-cors" => Initiator::ScriptCors,
            "img" => Initiator::Img,
            other => panic!("unknown initiator {other}"),
        }
    }

    /// The request's mode.
    pub fn mode(self) -> RequestMode {
        match self {
            Initiator::FetchCors | Initiator::ScriptCors => RequestMode::Cors,
            _ => RequestMode::NoCors,
        }
    }

    /// The request's initiator type.
    pub fn initiator_type(self) -> &'static str {
        match self {
            Initiator::FetchCors | Initiator::FetchNoCors => "fetch",
            Initiator::Script | Initiator::ScriptCors => "script",
            Initiator::Img => "img",
        }
    }
}

/// Which of the two origins a hop is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The page's origin.
    A,
    /// The other port.
    B,
}

/// One hop as a recorder served it.
#[derive(Debug, Clone)]
pub struct ReplayHop {
    /// Which origin answered.
    pub side: Side,
    /// The status code.
    pub status: u16,
    /// The header lines, origins already written out; a redirect's
    /// `Location` is filled in by [`replay`] when absent.
    pub headers: Vec<(String, String)>,
    /// Body bytes as sent and after decoding.
    pub sizes: (u64, u64),
    /// The embedder blocked the response once its headers were in (ORB).
    pub blocked: bool,
}

/// A page and its timeline.
pub struct Page {
    _event_loop: ReferenceEventLoop,
    /// The page's `performance`.
    pub performance: Rc<Performance<ReferenceEmbedder>>,
    /// The page's fetch client.
    pub client: FetchClient,
    /// The page's host.
    pub host: &'static str,
}

impl Page {
    /// A page on A, secure or not, with `policy`.
    pub fn new(secure: bool, policy: ExposurePolicy) -> Page {
        let host = if secure {
            "127.0.0.1"
        } else {
            "notsecure.test"
        };
        let url = Url::parse(&format!("http://{host}:{PORT_A}/page")).unwrap();
        let event_loop = ReferenceEventLoop::new();
        let performance = Performance::new(ReferenceEmbedder::new(&event_loop, &url));
        let client = FetchClient::for_page(&url).with_policy(policy);
        assert_eq!(client.is_secure_context, secure);
        Page {
            _event_loop: event_loop,
            performance,
            client,
            host,
        }
    }

    /// The serialized origin of `side`.
    pub fn origin(&self, side: Side) -> String {
        let port = match side {
            Side::A => PORT_A,
            Side::B => PORT_B,
        };
        format!("http://{}:{port}", self.host)
    }

    /// Replays `hops` for a request from `initiator` and returns the entry
    /// the page got, if any. Every hop opens a new HTTP/1.1 connection.
    pub fn replay(
        &self,
        initiator: Initiator,
        hops: &[ReplayHop],
    ) -> Option<std::rc::Rc<PerformanceResourceTiming>> {
        self.replay_from(None, initiator, hops)
    }

    /// [`Page::replay`] with the request's URL given (else
    /// `<origin>/hop/0`).
    pub fn replay_from(
        &self,
        first_url: Option<&str>,
        initiator: Initiator,
        hops: &[ReplayHop],
    ) -> Option<std::rc::Rc<PerformanceResourceTiming>> {
        let url = |index: usize| {
            Url::parse(&format!("{}/hop/{index}", self.origin(hops[index].side))).unwrap()
        };
        let first = first_url.map_or_else(|| url(0), |u| Url::parse(u).unwrap());
        let request =
            Request::new(first, initiator.mode()).initiator_type(initiator.initiator_type());
        let mut transcript = FetchTranscript::new(self.client.clone(), request, 100.0);
        let mut clock = 100.0;
        for (index, hop) in hops.iter().enumerate() {
            let mut headers: Vec<(&str, &str)> = hop
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let location;
            let redirects = (300..400).contains(&hop.status) && index + 1 < hops.len();
            if redirects
                && !headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("location"))
            {
                location = url(index + 1).to_string();
                headers.push(("location", &location));
            }
            let mut replayed = Hop::new(hop.status, &headers)
                .body(hop.sizes.0, hop.sizes.1)
                .connection(ConnectionTimingInfo {
                    domain_lookup_start_time: clock + 1.0,
                    domain_lookup_end_time: clock + 2.0,
                    connection_start_time: clock + 2.0,
                    connection_end_time: clock + 3.0,
                    secure_connection_start_time: 0.0,
                    alpn_negotiated_protocol: b"http/1.1".as_slice().into(),
                });
            if hop.blocked {
                replayed.error = Some(NetworkError::Blocked("ORB".to_owned()));
            }
            replayed.request_start = clock + 4.0;
            replayed.response_start = clock + 5.0;
            replayed.end = clock + 6.0;
            clock += 10.0;
            transcript = transcript.hop(replayed);
        }
        transcript.report(&self.performance)
    }
}
