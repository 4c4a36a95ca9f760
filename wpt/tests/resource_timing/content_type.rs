//! `contentType`: `content-type.html`, `content-type-minimization.html` and
//! `content-type-parsing.html`.
//!
//! The driver reads the final response's `Content-Type` with Fetch's
//! *extract a MIME type* and reports MIME Sniffing's *minimize a supported
//! MIME type* of it (`fetch_headers`, on `data-url`'s MIME parser). The two
//! parsing files run over WPT's own tables, checked in verbatim:
//! `mimesniff/mime-types/resources/mime-types.json` and
//! `fetch/content-type/resources/content-types.json` (`wpt/SOURCES.md`).

use serde_json::Value;

use crate::harness::*;

/// `/fetch/content-type/resources/content-type.py?single_header&value=…`:
/// one `Content-Type` line, the `value` parameters joined by `,`, with
/// `X-Content-Type-Options: nosniff` and the 5-byte body `whoa\n`.
fn single_header_response(url: String, values: &[Vec<u8>]) -> Result<Step, String> {
    let joined = values.join(&b","[..]);
    // The driver takes an `http::HeaderMap`: a value the http crate refuses
    // cannot reach it (RFC 9110's field-value has no 0x0B, 0x0C or 0x7F;
    // Fetch's header value allows them).
    if let Err(e) = http::HeaderValue::from_bytes(&joined) {
        return Err(format!(
            "http::HeaderValue refuses the Content-Type value {:?}: {e}",
            String::from_utf8_lossy(&joined)
        ));
    }
    Ok(step(url)
        .header("x-content-type-options", "nosniff")
        .header_bytes("content-type", joined)
        .body(5))
}

/// `fetch(url)` on the page's origin; the entry's `contentType` must be `expected`.
fn fetched_content_type_is(values: &[Vec<u8>], expected: &str) -> Outcome {
    let page = Page::new(&format!(
        "{ORIGIN}/resource-timing/content-type-parsing.html"
    ));
    let query: String = values
        .iter()
        .map(|v| format!("value={}&", percent_encode(v)))
        .collect();
    let url =
        format!("{ORIGIN}/fetch/content-type/resources/content-type.py?single_header&{query}");
    let entry = entry(
        &page,
        Loader::Fetch,
        &[single_header_response(url, values)?],
    )?;
    ensure!(
        entry.content_type() == expected,
        "contentType {:?} (expected {expected:?})",
        entry.content_type()
    );
    Ok(())
}

/// `encodeURIComponent` of the bytes (what the URL carries; wptserve decodes it back).
fn percent_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A table input as a trial name shows it: controls written `\u000B` as
/// in the JSON (testharness would print the raw character).
fn shown(input: &str) -> String {
    input
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{:04X}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The tests' `isByteCompatible`: a string a header value can hold.
fn is_byte_compatible(s: &str) -> bool {
    let ws = |c: char| matches!(c, '\u{9}' | '\u{20}' | '\u{A}' | '\u{D}');
    if s.starts_with(ws) || s.ends_with(ws) {
        return false;
    }
    s.chars()
        .all(|c| (c as u32) <= 0xFF && !matches!(c, '\u{0}' | '\u{A}' | '\u{D}'))
}

/// A row of `mime-types.json` that both parsing files run: an object with
/// `navigable` whose input is byte-compatible.
struct MimeRow {
    index: usize,
    input: String,
    output: String,
    minimized: String,
}

fn mime_rows() -> Vec<MimeRow> {
    let path = wpt::wpt_root().join("mimesniff/mime-types/resources/mime-types.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows: Vec<Value> = serde_json::from_str(&text).expect("mime-types.json is JSON");
    rows.iter()
        .enumerate()
        .filter_map(|(index, row)| {
            let input = row.get("input")?.as_str()?;
            row.get("navigable")?;
            if !is_byte_compatible(input) {
                return None;
            }
            Some(MimeRow {
                index,
                input: input.to_owned(),
                output: row["output"].as_str().unwrap_or("").to_owned(),
                minimized: row["minimizedMIMEType"].as_str().unwrap_or("").to_owned(),
            })
        })
        .collect()
}

/// A row of `content-types.json`: the `value` parameters and `mimeType`.
struct ContentTypeRow {
    index: usize,
    values: Vec<String>,
    mime_type: String,
}

fn content_type_rows() -> Vec<ContentTypeRow> {
    let path = wpt::wpt_root().join("fetch/content-type/resources/content-types.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows: Vec<Value> = serde_json::from_str(&text).expect("content-types.json is JSON");
    rows.iter()
        .enumerate()
        .map(|(index, row)| {
            // The test reads `contentType`; the stored table calls it `input`.
            let values = row
                .get("contentType")
                .or_else(|| row.get("input"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().unwrap_or("").to_owned())
                        .collect()
                })
                .unwrap_or_default();
            ContentTypeRow {
                index,
                values,
                mime_type: row["mimeType"].as_str().unwrap_or("").to_owned(),
            }
        })
        .collect()
}

/// `content-type.html`'s loads (its subtests have no titles).
#[derive(Clone, Copy)]
pub(crate) enum ContentTypeLoad {
    /// `run_test`: the page's origin.
    SameOrigin(Loader, &'static str),
    /// `run_test_cross_origin`: REMOTE_ORIGIN, no CORS headers.
    CrossOrigin(Loader, &'static str),
    /// `run_test_cross_origin_allow_origin`: REMOTE_ORIGIN with
    /// `Access-Control-Allow-Origin: ORIGIN`, `crossOrigin="anonymous"`.
    AllowOrigin(Loader, &'static str),
    /// An iframe through multi_redirect.py (SO → XO → SO) to a `text/html` page.
    IframeCrossOriginRedirects,
    /// An iframe through redirect-cors.py on the page's origin.
    IframeSameOriginRedirect,
    /// An iframe through redirect-cors.py on the page's origin to
    /// REMOTE_ORIGIN's `resources/resources/redirect-cors.py`.
    IframeNonSameOriginRedirect,
}

/// `content-type.html` (nodejs/node @675bc449).
fn content_type_html(case: ContentTypeLoad) -> Outcome {
    let page = Page::new(&format!("{ORIGIN}/resource-timing/content-type.html"));
    let path = "/resource-timing/resources/content-type.py";
    let html = |origin: &str| {
        step(format!("{origin}{path}?content_type=text/html")).header("content-type", "text/html")
    };
    let (loader, chain, expected) = match case {
        ContentTypeLoad::SameOrigin(loader, ct) => (
            loader,
            vec![step(format!("{ORIGIN}{path}?content_type={ct}")).header("content-type", ct)],
            ct,
        ),
        ContentTypeLoad::CrossOrigin(loader, ct) => (
            loader,
            vec![
                step(format!("{REMOTE_ORIGIN}{path}?content_type={ct}")).header("content-type", ct)
            ],
            "",
        ),
        ContentTypeLoad::AllowOrigin(loader, ct) => (
            loader,
            vec![step(format!(
                "{REMOTE_ORIGIN}{path}?content_type={ct}&allow_origin={ORIGIN}"
            ))
            .header("content-type", ct)
            .acao(ORIGIN)],
            ct,
        ),
        ContentTypeLoad::IframeCrossOriginRedirects => (
            Loader::Iframe,
            crate::status::multi_redirect_chain(ORIGIN, REMOTE_ORIGIN, html(ORIGIN)),
            "",
        ),
        ContentTypeLoad::IframeSameOriginRedirect => {
            let target = html(ORIGIN);
            let redirect = step(format!(
                "{ORIGIN}/resource-timing/resources/redirect-cors.py?location={}",
                target.url
            ));
            (Loader::Iframe, vec![redirect, target], "text/html")
        }
        ContentTypeLoad::IframeNonSameOriginRedirect => {
            let final_url = html(ORIGIN).url;
            let interim = format!(
                "{REMOTE_ORIGIN}/resource-timing/resources/resources/redirect-cors.py?location={}",
                percent_encode(final_url.as_bytes())
            );
            let first = step(format!(
                "{ORIGIN}/resource-timing/resources/redirect-cors.py?location={}",
                percent_encode(interim.as_bytes())
            ));
            // The interim path has `resources/` twice: wptserve answers 404,
            // with its JSON error body, and there is no further redirect.
            let not_found = step(interim)
                .status(404)
                .header("content-type", "application/json");
            (Loader::Iframe, vec![first, not_found], "")
        }
    };
    let entry = entry(&page, loader, &chain)?;
    ensure!(
        entry.content_type() == expected,
        "content-type for {} should be {expected:?}, is {:?}",
        entry.name(),
        entry.content_type()
    );
    Ok(())
}

/// `content-type.html`'s cases, in the file's order.
fn content_type_html_cases() -> Vec<ContentTypeLoad> {
    let mut all = Vec::new();
    for (loader, types) in [
        (Loader::Image, &["image/png", "image/jpg"][..]),
        (Loader::Script, &["text/javascript"][..]),
        (Loader::Stylesheet, &["text/css"][..]),
        (Loader::Xhr, &["image/png", "image/jpg"][..]),
        (Loader::Iframe, &["text/html"][..]),
    ] {
        for &ct in types {
            all.push(ContentTypeLoad::SameOrigin(loader, ct));
            all.push(ContentTypeLoad::CrossOrigin(loader, ct));
        }
    }
    for (loader, types) in [
        (Loader::ImageCors, &["image/gif", "image/jpeg"][..]),
        (Loader::ScriptCors, &["text/javascript"][..]),
        (Loader::StylesheetCors, &["text/css"][..]),
    ] {
        for &ct in types {
            all.push(ContentTypeLoad::AllowOrigin(loader, ct));
        }
    }
    all.extend([
        ContentTypeLoad::IframeCrossOriginRedirects,
        ContentTypeLoad::IframeSameOriginRedirect,
        ContentTypeLoad::IframeNonSameOriginRedirect,
    ]);
    all
}

fn content_type_html_name(case: ContentTypeLoad) -> String {
    let label = match case {
        ContentTypeLoad::SameOrigin(loader, ct) => format!("{ct} ({}, same origin)", loader.name()),
        ContentTypeLoad::CrossOrigin(loader, ct) => {
            format!("{ct} ({}, cross origin)", loader.name())
        }
        ContentTypeLoad::AllowOrigin(loader, ct) => {
            format!(
                "{ct} ({}, cross origin with Access-Control-Allow-Origin)",
                loader.name()
            )
        }
        ContentTypeLoad::IframeCrossOriginRedirects => {
            "iframe with cross origin redirects".to_owned()
        }
        ContentTypeLoad::IframeSameOriginRedirect => {
            "iframe with a same origin redirect".to_owned()
        }
        ContentTypeLoad::IframeNonSameOriginRedirect => {
            "iframe with a non-same-origin redirect".to_owned()
        }
    };
    format!("resource-timing/content-type.html : {label}")
}

/// This group's trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    let mut cases: Vec<wpt::Case> = content_type_html_cases()
        .into_iter()
        .map(|case| {
            wpt::Case::new(content_type_html_name(case), move || {
                content_type_html(case)
            })
        })
        .collect();
    let mime = mime_rows();
    // content-type-minimization.html, second table: mime-types.json's minimized types.
    // (Its first table, mime-types-minimized.json, is in no stored copy.)
    for row in &mime {
        let (input, minimized) = (row.input.clone(), row.minimized.clone());
        cases.push(wpt::Case::new(
            format!(
                "resource-timing/content-type-minimization.html : mime-type {} : {}",
                row.index,
                shown(&row.input)
            ),
            move || fetched_content_type_is(&[input.clone().into_bytes()], &minimized),
        ));
    }
    // content-type-parsing.html: content-types.json, then mime-types.json's outputs.
    for row in content_type_rows() {
        let name = format!(
            "resource-timing/content-type-parsing.html : content-type {} : {}",
            row.index,
            row.values.join(",")
        );
        let values: Vec<Vec<u8>> = row.values.iter().map(|v| v.clone().into_bytes()).collect();
        let expected = row.mime_type;
        cases.push(wpt::Case::new(name, move || {
            fetched_content_type_is(&values, &expected)
        }));
    }
    for row in mime {
        let (input, output) = (row.input.clone(), row.output.clone());
        cases.push(wpt::Case::new(
            format!(
                "resource-timing/content-type-parsing.html : mime-type {} : {}",
                row.index,
                shown(&row.input)
            ),
            move || fetched_content_type_is(&[input.clone().into_bytes()], &output),
        ));
    }
    cases
}
