//! `server_timing_lint(value)`: the lint's verdict on a `Server-Timing`
//! value and the kinds of what it found, from
//! [`server_timing::engines::lint::lint_lines`].

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanBuilder, ListBuilder, StringBuilder, StructArray};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use server_timing::engines::lint::{lint_lines, LintReport};

use super::args::{coerce_bytes_args, result, rows, Bytes};

/// The fields of `server_timing_lint`'s struct: `passes` (the lint's
/// verdict, as `server-timing lint` exits 0), `clean` (nothing at all to
/// report) and `findings`.
fn lint_fields() -> Fields {
    Fields::from(vec![
        Field::new("passes", DataType::Boolean, false),
        Field::new("clean", DataType::Boolean, false),
        Field::new(
            "findings",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, false))),
            false,
        ),
    ])
}

/// Each finding's kind, in the report's order: the spec parser's recoveries
/// by their `DiagnosticKind` name (`NonStrictDuration`), then the notes
/// behind each profile that disagrees with the spec, as `engine:Kind`
/// (`chromium:StoppedAfterMetric`).
fn finding_kinds(report: &LintReport) -> impl Iterator<Item = String> + '_ {
    let recoveries = report.recoveries.iter().map(|d| format!("{:?}", d.kind));
    let notes = report.disagreements.iter().flat_map(|d| {
        d.notes
            .iter()
            .map(move |note| format!("{}:{:?}", d.engine.name(), note.kind))
    });
    recoveries.chain(notes)
}

/// The `server_timing_lint(value)` function:
/// `Struct<passes: Boolean, clean: Boolean, findings: List<Utf8>>`, null for a
/// null value.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ServerTimingLintUdf {
    signature: Signature,
}

impl ServerTimingLintUdf {
    /// The function.
    pub fn new() -> Self {
        ServerTimingLintUdf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for ServerTimingLintUdf {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for ServerTimingLintUdf {
    fn name(&self) -> &str {
        "server_timing_lint"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_bytes_args(self.name(), arg_types, 1, 1)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(lint_fields()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let values = Bytes::of(&args.args[0])?;
        let rows = rows(&args.args, args.number_rows);
        let mut passes = BooleanBuilder::with_capacity(rows);
        let mut clean = BooleanBuilder::with_capacity(rows);
        let mut findings = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::Utf8,
            false,
        )));
        let mut validity = Vec::with_capacity(rows);
        for i in 0..rows {
            match values.get(i) {
                Some(value) => {
                    let report = lint_lines([value]);
                    passes.append_value(report.passes());
                    clean.append_value(report.is_clean());
                    for kind in finding_kinds(&report) {
                        findings.values().append_value(kind);
                    }
                    validity.push(true);
                }
                // Struct children of a null row still hold a value.
                None => {
                    passes.append_value(false);
                    clean.append_value(false);
                    validity.push(false);
                }
            }
            findings.append(true);
        }
        let nulls = NullBuffer::from(validity);
        let array = StructArray::new(
            lint_fields(),
            vec![
                Arc::new(passes.finish()) as ArrayRef,
                Arc::new(clean.finish()),
                Arc::new(findings.finish()),
            ],
            (nulls.null_count() > 0).then_some(nulls),
        );
        result(Arc::new(array), &args.args)
    }
}
