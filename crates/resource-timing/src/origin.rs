//! Origins and secure contexts: "same origin", "same site", "potentially
//! trustworthy" and the origin serialization that Fetch and Resource Timing use.
//!
//! Origins are `url::Origin` values: a tuple origin (scheme, host, port) or
//! an opaque origin. Their ASCII serialization is HTML's (`null` for an
//! opaque origin).

use std::fmt::Write;
use std::net::IpAddr;

use url::{Host, Origin, Url};

/// HTML's *same origin*: two tuple origins with equal scheme, host and port,
/// or the same opaque origin.
///
/// <https://html.spec.whatwg.org/multipage/browsers.html#same-origin>
pub fn same_origin(a: &Origin, b: &Origin) -> bool {
    a == b
}

/// HTML's *same site*, reduced to what a library without the Public Suffix
/// List can decide: equal schemes and equal hosts, or equal schemes and
/// equal [`registrable_domain_estimate`]s.
///
/// The only place Fetch uses it is the request's redirect taint, which
/// distinguishes "same-site" from "cross-site"; both serialize the request
/// origin as `null`, so this estimate never changes an entry (see
/// `docs/pipeline.md`).
///
/// <https://html.spec.whatwg.org/multipage/browsers.html#same-site>
pub fn same_site(a: &Origin, b: &Origin) -> bool {
    match (a, b) {
        (Origin::Opaque(_), _) | (_, Origin::Opaque(_)) => a == b,
        (Origin::Tuple(scheme_a, host_a, _), Origin::Tuple(scheme_b, host_b, _)) => {
            if scheme_a != scheme_b {
                return false;
            }
            if host_a == host_b {
                return true;
            }
            match (host_a, host_b) {
                (Host::Domain(x), Host::Domain(y)) => {
                    registrable_domain_estimate(x) == registrable_domain_estimate(y)
                }
                _ => false,
            }
        }
    }
}

/// The last two labels of a domain, standing in for its registrable domain
/// (an estimate: `a.co.uk` and `b.co.uk` count as one site here).
pub fn registrable_domain_estimate(domain: &str) -> &str {
    let trimmed = domain.strip_suffix('.').unwrap_or(domain);
    let mut dots = trimmed.rmatch_indices('.');
    dots.next();
    match dots.next() {
        Some((index, _)) => &trimmed[index + 1..],
        None => trimmed,
    }
}

/// The ASCII serialization of an origin: `scheme://host[:port]`, or `null`
/// for an opaque origin.
///
/// <https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin>
pub fn serialize_origin(origin: &Origin) -> String {
    // Step 1.
    let Origin::Tuple(scheme, host, port) = origin else {
        return "null".to_owned();
    };
    // Steps 2-3.
    let mut result = String::with_capacity(scheme.len() + 3 + 64);
    result.push_str(scheme);
    result.push_str("://");
    // Step 4. The host, serialized (IPv6 in brackets).
    match host {
        Host::Domain(domain) => result.push_str(domain),
        ip => {
            let _ = write!(result, "{ip}");
        }
    }
    // Step 5. `url` keeps a default port in the tuple; the URL standard's
    // serialization leaves it out.
    if special_scheme_default_port(scheme) != Some(*port) {
        let _ = write!(result, ":{port}");
    }
    result
}

/// The default port of a [special scheme].
///
/// [special scheme]: <https://url.spec.whatwg.org/#special-scheme>
fn special_scheme_default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// *Is origin potentially trustworthy?*
///
/// `localhost` names count (this library follows "let localhost be
/// localhost"), and so does `file:`; no scheme or origin is configured as
/// trustworthy beyond those.
///
/// <https://w3c.github.io/webappsec-secure-contexts/#is-origin-trustworthy>
pub fn is_origin_potentially_trustworthy(origin: &Origin) -> bool {
    // Step 1. An opaque origin is not trustworthy.
    let Origin::Tuple(scheme, host, _) = origin else {
        return false;
    };
    // Step 3.
    if scheme == "https" || scheme == "wss" {
        return true;
    }
    match host {
        // Step 4. 127.0.0.0/8 and ::1/128.
        Host::Ipv4(address) => {
            if IpAddr::V4(*address).is_loopback() {
                return true;
            }
        }
        Host::Ipv6(address) => {
            if address.is_loopback() {
                return true;
            }
        }
        // Step 5. "localhost", "localhost." and names under them.
        Host::Domain(name) => {
            if is_localhost_name(name) {
                return true;
            }
        }
    }
    // Step 6. A tuple origin with scheme "file" (url::Origin makes file:
    // origins opaque, so this arm is for origins built by hand).
    scheme == "file"
}

fn is_localhost_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.eq_ignore_ascii_case("localhost")
        || (name.len() > ".localhost".len()
            && name[name.len() - ".localhost".len()..].eq_ignore_ascii_case(".localhost"))
}

/// *Is url potentially trustworthy?*
///
/// <https://w3c.github.io/webappsec-secure-contexts/#is-url-trustworthy>
pub fn is_url_potentially_trustworthy(url: &Url) -> bool {
    // Step 1. about:blank and about:srcdoc.
    if url.scheme() == "about" && matches!(url.path(), "blank" | "srcdoc") {
        return true;
    }
    // Step 2. data: URLs.
    if url.scheme() == "data" {
        return true;
    }
    // Secure Contexts treats file: URLs as trustworthy although `url`
    // gives them an opaque origin.
    if url.scheme() == "file" {
        return true;
    }
    // Step 3.
    is_origin_potentially_trustworthy(&url.origin())
}

/// Whether a top-level document created from `top_level_creation_url` is a
/// secure context (HTML's rule for environment settings objects of
/// windows; workers inherit their owner's answer and worklets are always
/// secure).
///
/// <https://html.spec.whatwg.org/multipage/webappapis.html#secure-context>
pub fn is_secure_context_for(top_level_creation_url: &Url) -> bool {
    is_url_potentially_trustworthy(top_level_creation_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(s: &str) -> Origin {
        Url::parse(s).unwrap().origin()
    }

    #[test]
    fn trustworthy_origins() {
        for yes in [
            "https://example.com/",
            "wss://example.com/",
            "http://127.0.0.1/",
            "http://127.9.8.7:8080/",
            "http://[::1]/",
            "http://localhost/",
            "http://LOCALHOST./",
            "http://a.b.localhost/",
        ] {
            assert!(is_origin_potentially_trustworthy(&origin(yes)), "{yes}");
        }
        for no in [
            "http://example.com/",
            "http://128.0.0.1/",
            "http://[::2]/",
            "http://localhost.example/",
            "http://notlocalhost/",
            "ws://example.com/",
            "data:text/plain,x",
        ] {
            assert!(!is_origin_potentially_trustworthy(&origin(no)), "{no}");
        }
    }

    #[test]
    fn trustworthy_urls() {
        for yes in ["about:blank", "about:srcdoc", "data:,x", "file:///tmp/x"] {
            assert!(
                is_url_potentially_trustworthy(&Url::parse(yes).unwrap()),
                "{yes}"
            );
        }
        assert!(!is_url_potentially_trustworthy(
            &Url::parse("about:config").unwrap()
        ));
        assert!(!is_url_potentially_trustworthy(
            &Url::parse("blob:null/abc").unwrap()
        ));
    }

    #[test]
    fn sites() {
        assert!(same_site(
            &origin("https://a.example.com"),
            &origin("https://b.example.com:8443")
        ));
        assert!(!same_site(
            &origin("http://a.example.com"),
            &origin("https://a.example.com")
        ));
        assert!(!same_site(
            &origin("https://example.com"),
            &origin("https://example.org")
        ));
        assert!(same_site(
            &origin("https://127.0.0.1:1"),
            &origin("https://127.0.0.1:2")
        ));
        assert!(!same_site(
            &origin("https://127.0.0.1"),
            &origin("https://127.0.0.2")
        ));
        assert_eq!(
            registrable_domain_estimate("www.example.com."),
            "example.com"
        );
        assert_eq!(registrable_domain_estimate("com"), "com");
    }

    #[test]
    fn serialization() {
        assert_eq!(
            serialize_origin(&origin("HTTPS://A.COM:443/x")),
            "https://a.com"
        );
        assert_eq!(
            serialize_origin(&origin("http://a.com:8080/")),
            "http://a.com:8080"
        );
        assert_eq!(serialize_origin(&origin("data:,x")), "null");
        // The same as `url`'s own serialization, over hosts and ports of every kind.
        for url in [
            "http://a.com/",
            "http://a.com:80/",
            "http://a.com:443/",
            "https://a.com:80/",
            "ws://a.com:80/",
            "wss://a.com:443/",
            "wss://a.com:444/",
            "ftp://a.com:21/",
            "ftp://a.com:2121/",
            "http://127.0.0.1:3000/",
            "https://[::1]/",
            "http://[2001:db8::1]:8080/",
            "https://xn--nxasmq6b.example/",
            "https://ÉXAMPLE.com/",
            "file:///tmp/x",
            "blob:null/x",
        ] {
            let o = origin(url);
            assert_eq!(serialize_origin(&o), o.ascii_serialization(), "{url}");
        }
    }
}
