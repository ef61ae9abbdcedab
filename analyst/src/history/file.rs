//! Writing the upload history as Parquet (Arrow arrays, uncompressed: no codec crates to build)
//! or CSV (RFC 4180, a header line). The file appears whole or not at all: it is written next to
//! its name and renamed at the end.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use arrow_array::{
    ArrayRef, BooleanArray, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;

use super::UploadRow;

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Parquet,
    Csv,
}

/// Rows per Parquet row group (and Arrow batch).
const GROUP: usize = 65_536;

/// Writes `rows` to `path` in `format`.
pub fn write(rows: &[UploadRow], format: Format, path: &Path) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let out = std::io::BufWriter::new(file);
    match format {
        Format::Parquet => write_parquet(rows, out)?,
        Format::Csv => write_csv(rows, out)?,
    }
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new(
            "hour",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("health_authority_id", DataType::Int64, true),
        Field::new("authorized_app", DataType::Utf8, false),
        Field::new("platform", DataType::Utf8, false),
        Field::new("keys_sent", DataType::Int32, false),
        Field::new("keys_kept", DataType::Int32, false),
        Field::new("keys_inserted", DataType::Int32, true),
        Field::new("report_type", DataType::Utf8, true),
        Field::new("onset_days", DataType::Int32, true),
        Field::new("revision", DataType::Boolean, false),
        Field::new("outcome_code", DataType::Utf8, true),
        Field::new("degraded", DataType::Boolean, true),
    ]))
}

fn batch(schema: &Arc<Schema>, rows: &[UploadRow]) -> anyhow::Result<RecordBatch> {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(
                rows.iter().map(|r| r.hour.timestamp_micros()),
            )
            .with_timezone("UTC"),
        ),
        Arc::new(Int64Array::from_iter(
            rows.iter().map(|r| r.health_authority_id),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.authorized_app.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.platform),
        )),
        Arc::new(Int32Array::from_iter_values(
            rows.iter().map(|r| r.keys_sent),
        )),
        Arc::new(Int32Array::from_iter_values(
            rows.iter().map(|r| r.keys_kept),
        )),
        Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.keys_inserted))),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| r.report_type.as_deref()),
        )),
        Arc::new(Int32Array::from_iter(rows.iter().map(|r| r.onset_days))),
        Arc::new(BooleanArray::from_iter(
            rows.iter().map(|r| Some(r.revision)),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| r.outcome_code.as_deref()),
        )),
        Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.degraded))),
    ];
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn write_parquet(rows: &[UploadRow], out: impl Write + Send) -> anyhow::Result<()> {
    let schema = schema();
    let mut writer = ArrowWriter::try_new(out, schema.clone(), None)?;
    for chunk in rows.chunks(GROUP) {
        writer.write(&batch(&schema, chunk)?)?;
        writer.flush()?;
    }
    writer.close()?;
    Ok(())
}

fn write_csv(rows: &[UploadRow], mut out: impl Write) -> anyhow::Result<()> {
    let names: Vec<String> = schema().fields().iter().map(|f| f.name().clone()).collect();
    writeln!(out, "{}", names.join(","))?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            r.hour.format("%Y-%m-%dT%H:%M:%SZ"),
            opt(r.health_authority_id.map(|v| v.to_string())),
            quoted(&r.authorized_app),
            r.platform,
            r.keys_sent,
            r.keys_kept,
            opt(r.keys_inserted.map(|v| v.to_string())),
            r.report_type.as_deref().map(quoted).unwrap_or_default(),
            opt(r.onset_days.map(|v| v.to_string())),
            r.revision,
            r.outcome_code.as_deref().map(quoted).unwrap_or_default(),
            opt(r.degraded.map(|v| v.to_string())),
        )?;
    }
    out.flush()?;
    Ok(())
}

/// A CSV field: quoted, with inner quotes doubled.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_nulls_empty() {
        assert_eq!(quoted("a\"b,c"), "\"a\"\"b,c\"");
        let row = UploadRow {
            hour: chrono::DateTime::from_timestamp(3600, 0).unwrap(),
            health_authority_id: None,
            authorized_app: "com.example.app".into(),
            platform: "ios",
            keys_sent: 3,
            keys_kept: 2,
            keys_inserted: None,
            report_type: None,
            onset_days: Some(4),
            revision: false,
            outcome_code: Some("ok".into()),
            degraded: None,
        };
        let mut out = Vec::new();
        write_csv(&[row], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "1970-01-01T01:00:00Z,,\"com.example.app\",ios,3,2,,,4,false,\"ok\","
        );
    }
}
