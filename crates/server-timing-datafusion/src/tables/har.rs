//! HAR files as a table: one row per entry, read as a stream.
//!
//! The file is read with `har_stream`'s streaming reader (the one the
//! `server-timing har` command uses) on a blocking thread: `log.pages` is
//! kept (it is small), `log.entries` is visited one entry at a time and
//! appended to Arrow builders, and each full
//! batch (DataFusion's `batch_size` rows) is sent through a channel that
//! holds at most two batches. Memory stays bounded by a few batches
//! whatever the file's size, and a `LIMIT` that stops reading stops the
//! parse. A byte order mark is skipped and a lone surrogate escape
//! (`"\uD800"`) is read as U+FFFD, as the command reads them.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int64Builder, ListBuilder, RecordBatch, StringBuilder, StructBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchReceiverStreamBuilder;
use datafusion::physical_plan::streaming::PartitionStream;
use har_stream::{read_entries, start_of, HarSink, ReadError, Start};
use resource_timing::fetch_headers::get_a_header;
use serde_json::Value;

/// The fields of a header: `name`, `value`.
fn header_fields() -> Fields {
    Fields::from(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
    ])
}

fn headers_type() -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(header_fields()),
        false,
    )))
}

/// HAR 1.2's `timings` members, in milliseconds (-1 where HAR says "does not apply").
const TIMINGS: [&str; 7] = [
    "blocked", "dns", "connect", "send", "wait", "receive", "ssl",
];

fn timings_fields() -> Fields {
    TIMINGS
        .iter()
        .map(|name| Field::new(*name, DataType::Float64, true))
        .collect()
}

/// The schema of a HAR table.
///
/// | column | type | from |
/// | --- | --- | --- |
/// | `page` | Utf8 | the entry's page URL: `log.pages[].title` for its `pageref` (DevTools writes the URL there) when the pages come first in the file, else the URL of the first entry of that page |
/// | `pageref` | Utf8 | `pageref` |
/// | `started_date_time` | Utf8 | `startedDateTime` |
/// | `time` | Float64 | `time` |
/// | `method`, `url` | Utf8 | `request.method`, `request.url` |
/// | `status` | Int64 | `response.status` |
/// | `server_timing` | Utf8 | the response's `Server-Timing` lines combined as Fetch's *get* does (null when absent) |
/// | `timing_allow_origin` | Utf8 | the same for `Timing-Allow-Origin` |
/// | `request_headers`, `response_headers` | List<Struct<name, value>> | the headers |
/// | `timings` | Struct<blocked, dns, connect, send, wait, receive, ssl: Float64> | `timings` |
///
/// A member that is absent, or not of the type HAR gives it, is null.
pub fn har_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                Field::new("page", DataType::Utf8, true),
                Field::new("pageref", DataType::Utf8, true),
                Field::new("started_date_time", DataType::Utf8, true),
                Field::new("time", DataType::Float64, true),
                Field::new("method", DataType::Utf8, true),
                Field::new("url", DataType::Utf8, true),
                Field::new("status", DataType::Int64, true),
                Field::new("server_timing", DataType::Utf8, true),
                Field::new("timing_allow_origin", DataType::Utf8, true),
                Field::new("request_headers", headers_type(), false),
                Field::new("response_headers", headers_type(), false),
                Field::new("timings", DataType::Struct(timings_fields()), true),
            ]))
        })
        .clone()
}

/// A file that cannot be a HAR table.
#[derive(Debug)]
#[non_exhaustive]
pub enum HarError {
    /// The file cannot be opened or read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not start with a JSON object.
    NotJsonObject {
        /// The file.
        path: PathBuf,
    },
    /// The file is not a HAR, or reading it failed part-way.
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why, as the streaming reader says it.
        source: ReadError,
    },
}

impl fmt::Display for HarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarError::Io { path, .. } => write!(f, "cannot read HAR file {}", path.display()),
            HarError::NotJsonObject { path } => write!(
                f,
                "{} is not a HAR file: it does not start with a JSON object",
                path.display()
            ),
            HarError::Invalid { path, source } => write!(f, "{} {source}", path.display()),
        }
    }
}

impl std::error::Error for HarError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HarError::Io { source, .. } => Some(source),
            HarError::NotJsonObject { .. } => None,
            // The reader's error shows through: its text is in this one's.
            HarError::Invalid { source, .. } => source.source(),
        }
    }
}

/// A table over the entries of the HAR file at `path`.
///
/// Fails at once when the file cannot be read or does not start with a JSON
/// object; any later fault (not a HAR, truncated, a member of the wrong
/// type) fails the query that reads it with one error naming the file.
pub fn har_table(path: impl AsRef<Path>) -> Result<StreamingTable> {
    let path = path.as_ref().to_path_buf();
    check_starts_with_object(&path).map_err(|e| DataFusionError::External(Box::new(e)))?;
    StreamingTable::try_new(har_schema(), vec![Arc::new(HarPartition { path })])
}

/// Checks that the file opens with a JSON object (after a byte order mark
/// and whitespace), as a HAR does.
fn check_starts_with_object(path: &Path) -> Result<(), HarError> {
    let io = |source| HarError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    match start_of(&mut BufReader::new(file)).map_err(io)? {
        Start::Object | Start::Undecided => Ok(()),
        Start::Jsonp(name) => Err(HarError::Invalid {
            path: path.to_path_buf(),
            source: ReadError::Jsonp(name),
        }),
        _ => Err(HarError::NotJsonObject {
            path: path.to_path_buf(),
        }),
    }
}

/// The one partition of a HAR table: the file, read front to back.
#[derive(Debug)]
struct HarPartition {
    path: PathBuf,
}

impl PartitionStream for HarPartition {
    fn schema(&self) -> &SchemaRef {
        static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
        SCHEMA.get_or_init(har_schema)
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let batch_size = ctx.session_config().batch_size().max(1);
        let mut builder = RecordBatchReceiverStreamBuilder::new(har_schema(), 2);
        let tx = builder.tx();
        let path = self.path.clone();
        builder.spawn_blocking(move || {
            let send = |batch: RecordBatch| tx.blocking_send(Ok(batch)).is_ok();
            read_har(&path, batch_size, send)
        });
        builder.build()
    }
}

/// Streams the entries of the HAR at `path` as batches of `batch_size`
/// rows to `send`, which answers false once nobody wants more.
fn read_har(path: &Path, batch_size: usize, send: impl FnMut(RecordBatch) -> bool) -> Result<()> {
    let file = File::open(path).map_err(|source| {
        DataFusionError::External(Box::new(HarError::Io {
            path: path.to_path_buf(),
            source,
        }))
    })?;
    let mut sink = Sink {
        rows: Rows::new(batch_size),
        batch_size,
        pages: HashMap::new(),
        first_urls: HashMap::new(),
        send: Box::new(send),
        error: None,
    };
    let read = read_entries(file, &mut sink);
    if let Some(error) = sink.error.take() {
        return Err(error);
    }
    match read {
        // The consumer went away: the parse was stopped on purpose.
        Ok(outcome) if outcome.stopped => Ok(()),
        Ok(_) => {
            if sink.rows.len > 0 {
                let batch = sink.rows.finish()?;
                (sink.send)(batch);
            }
            Ok(())
        }
        Err(source) => Err(DataFusionError::External(Box::new(HarError::Invalid {
            path: path.to_path_buf(),
            source,
        }))),
    }
}

/// One entry, read leniently: a member that is absent or of another type
/// than HAR says is null in its column, so an odd entry is still one row.
struct HarEntry<'v> {
    entry: &'v Value,
}

impl<'v> HarEntry<'v> {
    fn str(&self, pointer: &str) -> Option<&'v str> {
        self.entry.pointer(pointer).and_then(Value::as_str)
    }
    fn f64(&self, pointer: &str) -> Option<f64> {
        self.entry.pointer(pointer).and_then(Value::as_f64)
    }
    fn headers(&self, pointer: &str) -> Vec<(&'v str, &'v str)> {
        self.entry
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(|headers| {
                headers
                    .iter()
                    .filter_map(|h| Some((h.get("name")?.as_str()?, h.get("value")?.as_str()?)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The builders of one batch.
struct Rows {
    len: usize,
    page: StringBuilder,
    pageref: StringBuilder,
    started: StringBuilder,
    time: Float64Builder,
    method: StringBuilder,
    url: StringBuilder,
    status: Int64Builder,
    server_timing: StringBuilder,
    timing_allow_origin: StringBuilder,
    request_headers: ListBuilder<StructBuilder>,
    response_headers: ListBuilder<StructBuilder>,
    timings: StructBuilder,
}

fn headers_builder() -> ListBuilder<StructBuilder> {
    ListBuilder::new(StructBuilder::from_fields(header_fields(), 0)).with_field(Arc::new(
        Field::new("item", DataType::Struct(header_fields()), false),
    ))
}

fn append_headers(builder: &mut ListBuilder<StructBuilder>, headers: &[(&str, &str)]) {
    let values = builder.values();
    for (name, value) in headers {
        values
            .field_builder::<StringBuilder>(0)
            .expect("name column")
            .append_value(name);
        values
            .field_builder::<StringBuilder>(1)
            .expect("value column")
            .append_value(value);
        values.append(true);
    }
    builder.append(true);
}

/// The lines of header `name` combined as Fetch's *get* does.
fn combined(headers: &[(&str, &str)], name: &str) -> Option<String> {
    let lines = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_bytes());
    get_a_header(lines).map(|v| String::from_utf8_lossy(&v).into_owned())
}

impl Rows {
    fn new(capacity: usize) -> Self {
        Rows {
            len: 0,
            page: StringBuilder::with_capacity(capacity, 0),
            pageref: StringBuilder::with_capacity(capacity, 0),
            started: StringBuilder::with_capacity(capacity, 0),
            time: Float64Builder::with_capacity(capacity),
            method: StringBuilder::with_capacity(capacity, 0),
            url: StringBuilder::with_capacity(capacity, 0),
            status: Int64Builder::with_capacity(capacity),
            server_timing: StringBuilder::with_capacity(capacity, 0),
            timing_allow_origin: StringBuilder::with_capacity(capacity, 0),
            request_headers: headers_builder(),
            response_headers: headers_builder(),
            timings: StructBuilder::from_fields(timings_fields(), capacity),
        }
    }

    fn push(&mut self, page: Option<&str>, entry: &HarEntry<'_>) {
        self.page.append_option(page);
        self.pageref.append_option(entry.str("/pageref"));
        self.started.append_option(entry.str("/startedDateTime"));
        self.time.append_option(entry.f64("/time"));
        self.method.append_option(entry.str("/request/method"));
        self.url.append_option(entry.str("/request/url"));
        self.status.append_option(
            entry
                .entry
                .pointer("/response/status")
                .and_then(Value::as_i64),
        );
        let response = entry.headers("/response/headers");
        self.server_timing
            .append_option(combined(&response, "server-timing"));
        self.timing_allow_origin
            .append_option(combined(&response, "timing-allow-origin"));
        append_headers(
            &mut self.request_headers,
            &entry.headers("/request/headers"),
        );
        append_headers(&mut self.response_headers, &response);
        let timings = entry.entry.get("timings").filter(|t| t.is_object());
        for (i, name) in TIMINGS.iter().enumerate() {
            let value = timings.and_then(|t| t.get(*name)).and_then(Value::as_f64);
            self.timings
                .field_builder::<Float64Builder>(i)
                .expect("timings column")
                .append_option(value);
        }
        self.timings.append(timings.is_some());
        self.len += 1;
    }

    fn finish(&mut self) -> Result<RecordBatch> {
        self.len = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.page.finish()),
            Arc::new(self.pageref.finish()),
            Arc::new(self.started.finish()),
            Arc::new(self.time.finish()),
            Arc::new(self.method.finish()),
            Arc::new(self.url.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.server_timing.finish()),
            Arc::new(self.timing_allow_origin.finish()),
            Arc::new(self.request_headers.finish()),
            Arc::new(self.response_headers.finish()),
            Arc::new(self.timings.finish()),
        ];
        Ok(RecordBatch::try_new(har_schema(), columns)?)
    }
}

/// The reader's state between entries.
struct Sink<'a> {
    rows: Rows,
    batch_size: usize,
    /// Page id to page URL, from `log.pages`.
    pages: HashMap<String, String>,
    /// Page id to the URL of its first entry, for pages not (yet) listed.
    first_urls: HashMap<String, String>,
    send: Box<dyn FnMut(RecordBatch) -> bool + 'a>,
    /// A batch that could not be built; the read stops there.
    error: Option<DataFusionError>,
}

impl Sink<'_> {
    /// Appends `entry`; `false` when the consumer is gone (stop reading).
    fn on_entry(&mut self, entry: &Value) -> Result<bool> {
        let entry = HarEntry { entry };
        let url = entry.str("/request/url");
        let page = entry
            .str("/pageref")
            .and_then(|id| match self.pages.get(id) {
                Some(page) => Some(page.clone()),
                None => url.map(|url| {
                    self.first_urls
                        .entry(id.to_owned())
                        .or_insert_with(|| url.to_owned())
                        .clone()
                }),
            });
        self.rows.push(page.as_deref(), &entry);
        if self.rows.len >= self.batch_size {
            let batch = self.rows.finish()?;
            if !(self.send)(batch) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Entries and pages are read leniently, as JSON values: a member of
/// another type than HAR says is a null cell, not a failed query.
impl HarSink for Sink<'_> {
    type Page = Value;
    type Entry = Value;

    fn pages(&mut self, pages: Vec<Value>) {
        for page in &pages {
            if let (Some(id), Some(title)) = (
                page.get("id").and_then(Value::as_str),
                page.get("title").and_then(Value::as_str),
            ) {
                self.pages.insert(id.to_owned(), title.to_owned());
            }
        }
    }

    fn entry(&mut self, entry: Value) -> ControlFlow<()> {
        match self.on_entry(&entry) {
            Ok(true) => ControlFlow::Continue(()),
            Ok(false) => ControlFlow::Break(()),
            Err(error) => {
                self.error = Some(error);
                ControlFlow::Break(())
            }
        }
    }
}
