//! `server_timing(value [, engine])` and
//! `server_timing_duration(value, metric_name [, engine])`: the
//! `serverTiming` list a page would get for a response with this
//! `Server-Timing` value, as Arrow lists, and one metric's duration.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, Float64Array, Float64Builder, ListArray, NullBufferBuilder,
    StringBuilder, StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use server_timing::engines::Engine;
use server_timing::parse_server_timing;

use super::args::{coerce_bytes_args, result, rows, Bytes, EngineArg};

/// The fields of one `PerformanceServerTiming`: `name`, `duration`,
/// `description`, none of them null (the attributes never are).
pub fn metric_fields() -> Fields {
    Fields::from(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("duration", DataType::Float64, false),
        Field::new("description", DataType::Utf8, false),
    ])
}

/// `server_timing`'s result type:
/// `List<Struct<name: Utf8, duration: Float64, description: Utf8>>`.
pub fn server_timing_type() -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(metric_fields()),
        false,
    )))
}

/// The `server_timing(value [, engine])` function.
///
/// Each row's value is the combined `Server-Timing` field value (the lines
/// joined by `", "`, as Fetch's *get* gives it); a string column is read as
/// its UTF-8 bytes. The result is the list `PerformanceServerTiming` gives,
/// read as `engine` does (`spec` by default); a null value is a null list,
/// and every other value, however malformed, gives a list (maybe empty).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ServerTimingUdf {
    signature: Signature,
}

impl ServerTimingUdf {
    /// The function, ready for [`datafusion::logical_expr::ScalarUDF::new_from_impl`].
    pub fn new() -> Self {
        ServerTimingUdf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for ServerTimingUdf {
    fn default() -> Self {
        Self::new()
    }
}

/// Column builders for a list of metrics per row, reserved up front from
/// the input's size so that a batch grows no buffer: the names and
/// descriptions of a value are never longer than the value.
struct MetricListBuilder {
    offsets: Vec<i32>,
    validity: NullBufferBuilder,
    names: StringBuilder,
    durations: Float64Builder,
    descriptions: StringBuilder,
}

impl MetricListBuilder {
    /// Builders for `rows` rows of `bytes` bytes of header values in all.
    fn with_capacity(rows: usize, bytes: usize) -> Self {
        // About three metrics a value on the web; more only regrow.
        let metrics = rows * 3;
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        MetricListBuilder {
            offsets,
            validity: NullBufferBuilder::new(rows),
            names: StringBuilder::with_capacity(metrics, bytes),
            durations: Float64Builder::with_capacity(metrics),
            descriptions: StringBuilder::with_capacity(metrics, bytes),
        }
    }

    #[inline]
    fn metric(&mut self, name: &str, duration: f64, description: &str) {
        self.names.append_value(name);
        self.durations.append_value(duration);
        self.descriptions.append_value(description);
    }

    /// Closes the current row; `valid` is false for a null row.
    ///
    /// The Arrow list offsets are `i32`: a batch whose metric count would
    /// pass `i32::MAX` is beyond any batch size DataFusion uses.
    #[inline]
    fn end_row(&mut self, valid: bool) {
        self.offsets
            .push(i32::try_from(self.names.len()).unwrap_or(i32::MAX));
        self.validity.append(valid);
    }

    fn finish(mut self) -> ArrayRef {
        let values = StructArray::new(
            metric_fields(),
            vec![
                Arc::new(self.names.finish()) as ArrayRef,
                Arc::new(self.durations.finish()),
                Arc::new(self.descriptions.finish()),
            ],
            None,
        );
        let nulls = self.validity.finish();
        let DataType::List(field) = server_timing_type() else {
            unreachable!("server_timing_type is a list")
        };
        Arc::new(ListArray::new(
            field,
            OffsetBuffer::new(self.offsets.into()),
            Arc::new(values),
            nulls,
        ))
    }
}

/// Appends the metrics `engine` reads from `value`.
#[inline]
fn append_metrics(builder: &mut MetricListBuilder, engine: Engine, value: &[u8]) {
    match engine {
        // The zero-copy parser: the same metrics `PerformanceServerTiming`
        // collects for the spec reading, without the intermediate list.
        Engine::Spec => {
            for metric in parse_server_timing(value) {
                builder.metric(metric.name(), metric.duration(), metric.description());
            }
        }
        _ => {
            for metric in engine.parse_value(value) {
                builder.metric(metric.name(), metric.duration(), metric.description());
            }
        }
    }
}

/// `server_timing` over whole columns: the kernel the function and the
/// benches run.
pub fn server_timing_array(values: &ArrayRef, engine: Engine) -> Result<ArrayRef> {
    let bytes = Bytes::of_array(values)?;
    let mut builder = MetricListBuilder::with_capacity(values.len(), bytes.total_len());
    for i in 0..values.len() {
        match bytes.get(i) {
            Some(value) => {
                append_metrics(&mut builder, engine, value);
                builder.end_row(true);
            }
            None => builder.end_row(false),
        }
    }
    Ok(builder.finish())
}

impl ScalarUDFImpl for ServerTimingUdf {
    fn name(&self) -> &str {
        "server_timing"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_bytes_args(self.name(), arg_types, 1, 2)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(server_timing_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let values = Bytes::of(&args.args[0])?;
        let engine = EngineArg::of(self.name(), &args.args, 1)?;
        let rows = rows(&args.args, args.number_rows);
        let mut builder = MetricListBuilder::with_capacity(rows, values.total_len());
        for i in 0..rows {
            match (values.get(i), engine.get(i)) {
                (Some(value), Some(engine)) => {
                    append_metrics(&mut builder, engine, value);
                    builder.end_row(true);
                }
                _ => builder.end_row(false),
            }
        }
        result(builder.finish(), &args.args)
    }
}

/// The `server_timing_duration(value, metric_name [, engine])` function:
/// the duration of the first metric called `metric_name` (compared as
/// `serverTiming.find(m => m.name === metric_name)` would) in the list
/// `server_timing(value, engine)` gives; null when there is none, or when
/// `value` or `metric_name` is null.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ServerTimingDurationUdf {
    signature: Signature,
}

impl ServerTimingDurationUdf {
    /// The function.
    pub fn new() -> Self {
        ServerTimingDurationUdf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for ServerTimingDurationUdf {
    fn default() -> Self {
        Self::new()
    }
}

/// The duration of the first metric of `value` named `name`, read as `engine` does.
fn duration_of(engine: Engine, value: &[u8], name: &[u8]) -> Option<f64> {
    match engine {
        Engine::Spec => parse_server_timing(value)
            .find(|m| m.name().as_bytes() == name)
            .map(|m| m.duration()),
        _ => engine
            .parse_value(value)
            .iter()
            .find(|m| m.name().as_bytes() == name)
            .map(|m| m.duration()),
    }
}

impl ScalarUDFImpl for ServerTimingDurationUdf {
    fn name(&self) -> &str {
        "server_timing_duration"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_bytes_args(self.name(), arg_types, 2, 3)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let values = Bytes::of(&args.args[0])?;
        // A metric name is compared with the name as the page sees it (a
        // string of code points); its UTF-8 bytes are what the parsed name
        // holds for the same text.
        let names = Bytes::of(&args.args[1])?;
        let engine = EngineArg::of(self.name(), &args.args, 2)?;
        let rows = rows(&args.args, args.number_rows);
        let durations: Float64Array = (0..rows)
            .map(|i| match (values.get(i), names.get(i), engine.get(i)) {
                (Some(value), Some(name), Some(engine)) => duration_of(engine, value, name),
                _ => None,
            })
            .collect();
        result(Arc::new(durations), &args.args)
    }
}
