//! Reading the functions' arguments: header values as bytes from any of
//! Arrow's string or binary layouts, and per-query constants (an engine
//! name, a metric name) once per batch when they are literals.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryViewArray, LargeBinaryArray, LargeStringArray,
    StringArray, StringViewArray,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::ColumnarValue;
use server_timing::engines::Engine;

/// Whether `data_type` can carry header bytes.
pub(crate) fn is_bytes_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
            | DataType::Null
    )
}

/// The argument types a function taking `count` byte arguments accepts:
/// strings and binaries as they are, a bare `NULL` as `Utf8`.
pub(crate) fn coerce_bytes_args(
    function: &str,
    arg_types: &[DataType],
    min: usize,
    max: usize,
) -> Result<Vec<DataType>> {
    if arg_types.len() < min || arg_types.len() > max {
        let count = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return plan_err!(
            "{function} takes {count} arguments, got {}",
            arg_types.len()
        );
    }
    arg_types
        .iter()
        .map(|t| match t {
            DataType::Null => Ok(DataType::Utf8),
            t if is_bytes_type(t) => Ok(t.clone()),
            other => plan_err!("{function}: arguments are strings or binaries, got {other}"),
        })
        .collect()
}

/// One byte column, whatever its Arrow layout.
pub(crate) enum Bytes<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    Binary(&'a BinaryArray),
    LargeBinary(&'a LargeBinaryArray),
    BinaryView(&'a BinaryViewArray),
    /// A literal, the same in every row.
    Scalar(Option<Vec<u8>>),
}

impl<'a> Bytes<'a> {
    /// The bytes of a column argument.
    pub(crate) fn of_array(array: &'a ArrayRef) -> Result<Self> {
        Ok(match array.data_type() {
            DataType::Utf8 => Bytes::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Bytes::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Bytes::Utf8View(array.as_string_view()),
            DataType::Binary => Bytes::Binary(array.as_binary::<i32>()),
            DataType::LargeBinary => Bytes::LargeBinary(array.as_binary::<i64>()),
            DataType::BinaryView => Bytes::BinaryView(array.as_binary_view()),
            DataType::Null => Bytes::Scalar(None),
            other => return exec_err!("expected a string or binary column, got {other}"),
        })
    }

    /// The bytes of an argument, a column or a literal.
    pub(crate) fn of(value: &'a ColumnarValue) -> Result<Self> {
        match value {
            ColumnarValue::Array(array) => Bytes::of_array(array),
            ColumnarValue::Scalar(scalar) => Ok(Bytes::Scalar(scalar_bytes(scalar)?)),
        }
    }

    /// The bytes of all rows together (of this slice only), to reserve
    /// output buffers with; a literal's once.
    pub(crate) fn total_len(&self) -> usize {
        fn span<O: Into<i64> + Copy>(offsets: &[O]) -> usize {
            match (offsets.first(), offsets.last()) {
                (Some(&first), Some(&last)) => {
                    usize::try_from(last.into() - first.into()).unwrap_or(0)
                }
                _ => 0,
            }
        }
        match self {
            Bytes::Utf8(a) => span(a.value_offsets()),
            Bytes::LargeUtf8(a) => span(a.value_offsets()),
            Bytes::Binary(a) => span(a.value_offsets()),
            Bytes::LargeBinary(a) => span(a.value_offsets()),
            Bytes::Utf8View(a) => a.total_buffer_bytes_used() + a.len() * 12,
            Bytes::BinaryView(a) => a.total_buffer_bytes_used() + a.len() * 12,
            Bytes::Scalar(v) => v.as_ref().map_or(0, Vec::len),
        }
    }

    /// Row `i`'s bytes; `None` for null.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        fn at<A: Array>(array: &A, i: usize) -> bool {
            array.is_valid(i)
        }
        match self {
            Bytes::Utf8(a) => at(*a, i).then(|| a.value(i).as_bytes()),
            Bytes::LargeUtf8(a) => at(*a, i).then(|| a.value(i).as_bytes()),
            Bytes::Utf8View(a) => at(*a, i).then(|| a.value(i).as_bytes()),
            Bytes::Binary(a) => at(*a, i).then(|| a.value(i)),
            Bytes::LargeBinary(a) => at(*a, i).then(|| a.value(i)),
            Bytes::BinaryView(a) => at(*a, i).then(|| a.value(i)),
            Bytes::Scalar(v) => v.as_deref(),
        }
    }
}

/// A literal's bytes (`None` for a null literal).
fn scalar_bytes(scalar: &ScalarValue) -> Result<Option<Vec<u8>>> {
    Ok(match scalar {
        ScalarValue::Null => None,
        ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
            v.as_ref().map(|s| s.as_bytes().to_vec())
        }
        ScalarValue::Binary(v) | ScalarValue::LargeBinary(v) | ScalarValue::BinaryView(v) => {
            v.clone()
        }
        other => {
            return exec_err!(
                "expected a string or binary value, got {}",
                other.data_type()
            )
        }
    })
}

/// The `engine` argument: a literal is read once (an unknown name fails the
/// query, as a misspelt option would), a column row by row (an unknown name
/// gives a null row).
pub(crate) enum EngineArg<'a> {
    Fixed(Engine),
    Column(Bytes<'a>),
}

impl<'a> EngineArg<'a> {
    /// The engine argument at `index`, [`Engine::Spec`] when it is absent.
    pub(crate) fn of(function: &str, args: &'a [ColumnarValue], index: usize) -> Result<Self> {
        let Some(value) = args.get(index) else {
            return Ok(EngineArg::Fixed(Engine::Spec));
        };
        let bytes = Bytes::of(value)?;
        match bytes {
            Bytes::Scalar(Some(name)) => match engine_named(&name) {
                Some(engine) => Ok(EngineArg::Fixed(engine)),
                None => exec_err!(
                    "{function}: unknown engine {:?} (spec, chromium, firefox or webkit)",
                    String::from_utf8_lossy(&name)
                ),
            },
            other => Ok(EngineArg::Column(other)),
        }
    }

    /// Row `i`'s engine; `None` when the row names none we know.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<Engine> {
        match self {
            EngineArg::Fixed(engine) => Some(*engine),
            EngineArg::Column(bytes) => bytes.get(i).and_then(engine_named),
        }
    }
}

/// The engine called `name` on the command line (`spec`, `chromium`, ...).
fn engine_named(name: &[u8]) -> Option<Engine> {
    std::str::from_utf8(name).ok()?.parse().ok()
}

/// The arrays of `args`, with literals expanded to `rows` rows: for the
/// functions whose every argument varies by row.
pub(crate) fn byte_args<'a>(args: &'a [ColumnarValue]) -> Result<Vec<Bytes<'a>>> {
    args.iter().map(Bytes::of).collect()
}

/// Wraps an array as the function's result, a literal when every input was
/// a literal (DataFusion then folds it once).
pub(crate) fn result(array: ArrayRef, args: &[ColumnarValue]) -> Result<ColumnarValue> {
    if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &array, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

/// The row count to produce: the batch's, or 1 for all-literal arguments.
pub(crate) fn rows(args: &[ColumnarValue], number_rows: usize) -> usize {
    if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        1
    } else {
        number_rows
    }
}
