//! The `response-status-code.*.html` files: when `responseStatus` is exposed.

use crate::harness::*;

/// The status codes every `response-status-code.*.html` file loops over.
pub(crate) const STATUS_CODES: [u16; 10] = [200, 203, 400, 401, 403, 404, 500, 501, 502, 503];

/// The resource-loaders.js loaders of `response-status-code.same-origin.html`,
/// by their name there. The three `<object>` loaders differ only in the
/// `type` attribute, which does not change the request.
pub(crate) const SAME_ORIGIN_STATUS_LOADERS: [(&str, Loader); 10] = [
    ("font", Loader::Font),
    ("image", Loader::Image),
    ("script", Loader::Script),
    ("stylesheet", Loader::Stylesheet),
    ("xhr_sync", Loader::Xhr),
    ("xhr_async", Loader::Xhr),
    ("iframe", Loader::Iframe),
    ("image_object", Loader::Object),
    ("frame_object", Loader::Object),
    ("null_object", Loader::Object),
];

/// The loaders of `response-status-code.no-cors.html`.
pub(crate) const NO_CORS_STATUS_LOADERS: [(&str, Loader); 8] = [
    ("font", Loader::Font),
    ("image", Loader::Image),
    ("script", Loader::Script),
    ("stylesheet", Loader::Stylesheet),
    ("iframe", Loader::Iframe),
    ("image_object", Loader::Object),
    ("frame_object", Loader::Object),
    ("null_object", Loader::Object),
];

/// The loaders of `response-status-code.cors.html`: the `*_with_attrs`
/// loaders given `crossOrigin: "anonymous"`.
pub(crate) const CORS_STATUS_LOADERS: [(&str, Loader); 3] = [
    ("image_with_attrs, crossOrigin anonymous", Loader::ImageCors),
    (
        "script_with_attrs, crossOrigin anonymous",
        Loader::ScriptCors,
    ),
    (
        "stylesheet_with_attrs, crossOrigin anonymous",
        Loader::StylesheetCors,
    ),
];

/// The loaders of the two redirect files.
pub(crate) const REDIRECT_STATUS_LOADERS: [(&str, Loader); 3] = [
    ("iframe", Loader::Iframe),
    ("frame_object", Loader::Object),
    ("null_object", Loader::Object),
];

/// The resource the response-status-code files request: the font loader
/// gets `/fonts/pass.woff`, every other loader the empty script, both with
/// wptserve's `status()` pipe.
pub(crate) fn status_resource(origin: &str, loader: Loader, status: u16) -> Step {
    let path = match loader {
        Loader::Font => "/fonts/pass.woff",
        _ => "/resource-timing/resources/empty.js",
    };
    let hop = step(format!("{origin}{path}?pipe=status({status})")).status(status);
    match loader {
        Loader::Font => hop,
        _ => hop.body(0),
    }
}

/// One `attribute_test` of the response-status-code files: `page` loads
/// `chain` with `loader`, and the entry's `responseStatus` must be `expected`.
pub(crate) fn response_status_is(
    page: &Page,
    loader: Loader,
    chain: &[Step],
    expected: u16,
) -> Outcome {
    let entry = entry(page, loader, chain)?;
    let requested = Url::parse(&chain[0].url).map_err(|e| e.to_string())?;
    ensure!(
        entry.name() == requested.as_str(),
        "the entry is for {}, not {requested}",
        entry.name()
    );
    ensure!(
        entry.response_status() == expected,
        "response status for {} should be {expected}, is {}",
        entry.name(),
        entry.response_status()
    );
    Ok(())
}

/// `response-status-code.cors.html`: cross-origin CORS requests whose
/// responses send `Access-Control-Allow-Origin: <page origin>` expose the status.
pub(crate) fn response_status_code_cors(loader: Loader, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let hop = step(format!(
        "{REMOTE_ORIGIN}/resource-timing/resources/empty.js?pipe=status({status})|header(access-control-allow-origin, {ORIGIN})"
    ))
    .status(status)
    .acao(ORIGIN)
    .body(0);
    response_status_is(&page, loader, &[hop], status)
}

/// `response-status-code.no-cors.html`: cross-origin loads without CORS,
/// with or without `Timing-Allow-Origin: *`, must report status 0.
pub(crate) fn response_status_code_no_cors(loader: Loader, tao: bool, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let mut hop = status_resource(REMOTE_ORIGIN, loader, status);
    if tao {
        hop.url.push_str("|header(timing-allow-origin, *)");
        hop = hop.tao("*");
    }
    response_status_is(&page, loader, &[hop], 0)
}

/// `response-status-code.same-origin.html`: same-origin loads expose the status.
pub(crate) fn response_status_code_same_origin(loader: Loader, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let hop = status_resource(ORIGIN, loader, status);
    response_status_is(&page, loader, &[hop], status)
}

/// `response-status-code.same-origin-redirect.html`: a navigation through
/// redirect-cors.py (a 302 to its `location`) on the page's origin exposes
/// the final status.
pub(crate) fn response_status_code_same_origin_redirect(loader: Loader, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let target = status_resource(ORIGIN, loader, status);
    let redirect = step(format!(
        "{ORIGIN}/resource-timing/resources/redirect-cors.py?location={}",
        target.url
    ));
    response_status_is(&page, loader, &[redirect, target], status)
}

/// multi_redirect.py's chain without `tao_steps` (so no TAO header): step 1
/// on `page_origin` redirects to step 2 on `cross_origin`, which redirects
/// to step 3 on `page_origin`, which redirects to `final_resource` there.
pub(crate) fn multi_redirect_chain(
    page_origin: &str,
    cross_origin: &str,
    final_resource: Step,
) -> Vec<Step> {
    let path = "/resource-timing/resources/multi_redirect.py";
    let query = format!(
        "page_origin={page_origin}&cross_origin={cross_origin}&final_resource={}",
        final_resource
            .url
            .strip_prefix(page_origin)
            .unwrap_or(&final_resource.url)
    );
    vec![
        step(format!("{page_origin}{path}?{query}")),
        step(format!("{cross_origin}{path}?{query}&step=2")),
        step(format!("{page_origin}{path}?{query}&step=3")),
        final_resource,
    ]
}

/// `response-status-code.cross-origin-redirect.html`: a navigation
/// SO → XO → SO → SO (no TAO anywhere) reports status 0.
pub(crate) fn response_status_code_cross_origin_redirect(loader: Loader, status: u16) -> Outcome {
    let page = Page::new(ORIGIN);
    let target = status_resource(ORIGIN, loader, status);
    let chain = multi_redirect_chain(ORIGIN, REMOTE_ORIGIN, target);
    response_status_is(&page, loader, &chain, 0)
}

/// The response-status-code files that loop over loaders and statuses.
#[derive(Clone, Copy)]
enum StatusFile {
    Cors,
    SameOrigin,
    SameOriginRedirect,
    CrossOriginRedirect,
}

impl StatusFile {
    const ALL: [StatusFile; 4] = [
        StatusFile::Cors,
        StatusFile::SameOrigin,
        StatusFile::SameOriginRedirect,
        StatusFile::CrossOriginRedirect,
    ];

    fn file(self) -> &'static str {
        match self {
            StatusFile::Cors => "response-status-code.cors.html",
            StatusFile::SameOrigin => "response-status-code.same-origin.html",
            StatusFile::SameOriginRedirect => "response-status-code.same-origin-redirect.html",
            StatusFile::CrossOriginRedirect => "response-status-code.cross-origin-redirect.html",
        }
    }

    fn loaders(self) -> &'static [(&'static str, Loader)] {
        match self {
            StatusFile::Cors => &CORS_STATUS_LOADERS,
            StatusFile::SameOrigin => &SAME_ORIGIN_STATUS_LOADERS,
            StatusFile::SameOriginRedirect | StatusFile::CrossOriginRedirect => {
                &REDIRECT_STATUS_LOADERS
            }
        }
    }
}

/// One subtest: a file, a loader (by its name there) and a status. The
/// files name no subtest (testharness calls them "Untitled", "Untitled 1",
/// …), so each trial is named after its status and loader, as the file's
/// loops build them.
enum Case {
    File {
        file: StatusFile,
        loader_name: &'static str,
        loader: Loader,
        status: u16,
    },
    /// `response-status-code.no-cors.html`, with or without `TAO: *`.
    NoCors {
        loader_name: &'static str,
        loader: Loader,
        tao: bool,
        status: u16,
    },
}

impl Case {
    fn all() -> Vec<Case> {
        let mut all = Vec::new();
        for file in StatusFile::ALL {
            for &(loader_name, loader) in file.loaders() {
                for status in STATUS_CODES {
                    all.push(Case::File {
                        file,
                        loader_name,
                        loader,
                        status,
                    });
                }
            }
        }
        for (loader_name, loader) in NO_CORS_STATUS_LOADERS {
            for tao in [false, true] {
                for status in STATUS_CODES {
                    all.push(Case::NoCors {
                        loader_name,
                        loader,
                        tao,
                        status,
                    });
                }
            }
        }
        all
    }

    fn name(&self) -> String {
        match self {
            Case::File {
                file,
                loader_name,
                status,
                ..
            } => format!(
                "resource-timing/{} : status {status} ({loader_name})",
                file.file()
            ),
            Case::NoCors {
                loader_name,
                tao,
                status,
                ..
            } => {
                let with_tao = if *tao { " with TAO *" } else { "" };
                format!(
                    "resource-timing/response-status-code.no-cors.html : status {status}{with_tao} ({loader_name})"
                )
            }
        }
    }

    fn run(&self) -> Outcome {
        match *self {
            Case::File {
                file,
                loader,
                status,
                ..
            } => match file {
                StatusFile::Cors => response_status_code_cors(loader, status),
                StatusFile::SameOrigin => response_status_code_same_origin(loader, status),
                StatusFile::SameOriginRedirect => {
                    response_status_code_same_origin_redirect(loader, status)
                }
                StatusFile::CrossOriginRedirect => {
                    response_status_code_cross_origin_redirect(loader, status)
                }
            },
            Case::NoCors {
                loader,
                tao,
                status,
                ..
            } => response_status_code_no_cors(loader, tao, status),
        }
    }
}

/// This group's trials.
pub(crate) fn cases() -> Vec<wpt::Case> {
    Case::all()
        .into_iter()
        .map(|case| wpt::Case::new(case.name(), move || case.run()))
        .collect()
}
