//! Fetch's port blocking: *should request be blocked due to a bad port*
//! and the *bad port* table. Main fetch (step 7) turns a blocked request
//! into a network error before anything goes on the wire; the driver runs it
//! for the request's URL and for each redirect target.
//!
//! <https://fetch.spec.whatwg.org/#port-blocking>

use url::Url;

/// The answer of [`block_bad_port`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortBlocking {
    /// The request may go ahead.
    Allowed,
    /// The request must become a network error.
    Blocked,
}

/// Fetch's bad ports, in the order of the spec's table (its first column), sorted.
///
/// <https://fetch.spec.whatwg.org/#bad-port>
pub const BAD_PORTS: [u16; 83] = [
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101,
    102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427,
    465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990,
    993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
    6668, 6669, 6679, 6697, 10080,
];

/// Whether `port` is a *bad port*: listed in the first column of Fetch's table.
///
/// <https://fetch.spec.whatwg.org/#bad-port>
pub fn is_bad_port(port: u16) -> bool {
    BAD_PORTS.binary_search(&port).is_ok()
}

/// *Should request be blocked due to a bad port*, given the request's
/// current URL.
///
/// <https://fetch.spec.whatwg.org/#block-bad-port>
pub fn block_bad_port(current_url: &Url) -> PortBlocking {
    // Step 1. Let url be request's current URL.
    let url = current_url;
    // Step 2. An HTTP(S) scheme and a bad port: blocked. A URL whose port is
    // its scheme's default has a null port, which is not a bad port.
    if matches!(url.scheme(), "http" | "https") && url.port().is_some_and(is_bad_port) {
        return PortBlocking::Blocked;
    }
    // Step 3.
    PortBlocking::Allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str) -> PortBlocking {
        block_bad_port(&Url::parse(url).expect("test URL"))
    }

    #[test]
    fn the_table_is_sorted_so_the_search_finds_every_row() {
        assert!(BAD_PORTS.windows(2).all(|w| w[0] < w[1]));
        assert!(BAD_PORTS.iter().all(|&port| is_bad_port(port)));
        assert_eq!(BAD_PORTS.first(), Some(&0));
        assert_eq!(BAD_PORTS.last(), Some(&10080));
    }

    #[test]
    fn ports_beside_the_listed_ones_are_not_bad() {
        for port in [
            2, 8, 24, 80, 443, 8000, 8080, 8443, 6670, 10079, 10081, 65535,
        ] {
            assert!(!is_bad_port(port), "{port}");
        }
    }

    #[test]
    fn http_and_https_urls_on_bad_ports_are_blocked() {
        assert_eq!(at("http://web-platform.test:25/"), PortBlocking::Blocked);
        assert_eq!(
            at("https://web-platform.test:6666/x"),
            PortBlocking::Blocked
        );
        assert_eq!(at("http://127.0.0.1:10080/"), PortBlocking::Blocked);
        assert_eq!(at("http://[::1]:0/"), PortBlocking::Blocked);
    }

    #[test]
    fn default_ports_and_other_schemes_are_allowed() {
        assert_eq!(at("http://web-platform.test/"), PortBlocking::Allowed);
        assert_eq!(at("http://web-platform.test:80/"), PortBlocking::Allowed);
        assert_eq!(at("https://web-platform.test:8443/"), PortBlocking::Allowed);
        assert_eq!(at("ftp://web-platform.test:21/"), PortBlocking::Allowed);
        assert_eq!(at("ws://web-platform.test:25/"), PortBlocking::Allowed);
        assert_eq!(at("data:text/plain,x"), PortBlocking::Allowed);
    }
}
