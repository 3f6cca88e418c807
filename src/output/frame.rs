//! Parquet (and polars' CSV) of tables: typed rows become a polars frame with declared column
//! types ([`frame`]), and a frame is encoded as zstd Parquet ([`parquet`]) or CSV with four
//! decimals ([`frame_csv`]), the formats the profile and forecast tables are published in.

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use crate::output::OutputError;
use crate::output::record::{Cell, RowError};
use crate::output::table::Table;
use crate::timezones::days_since_epoch;

/// The type of a column of a frame built from rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Str,
    /// A string column that may hold nulls.
    OptStr,
    Bool,
    U32,
    F64,
    /// `YYYY-MM-DD` text in the rows, a date column in the frame.
    Date,
}

/// A frame of `rows` with the declared `columns` (names and types, in the rows' field order).
pub fn frame<R: Serialize + Default>(
    rows: &[R],
    columns: &[(&'static str, ColumnType)],
) -> Result<DataFrame, OutputError> {
    let table = Table::of(rows)?;
    let declared: Vec<&str> = columns.iter().map(|c| c.0).collect();
    if table.names() != declared.as_slice() {
        let message = format!("row fields {:?} differ from the declared columns {declared:?}", table.names());
        return Err(RowError::custom_message(message).into());
    }
    let cols = columns
        .iter()
        .enumerate()
        .map(|(i, &(name, kind))| column(name, kind, table.rows().iter().map(|r| &r[i])))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DataFrame::new(table.len(), cols)?)
}

fn column<'a>(
    name: &str,
    kind: ColumnType,
    cells: impl Iterator<Item = &'a Cell>,
) -> Result<Column, OutputError> {
    let bad = |cell: &Cell| RowError::custom_message(format!("column {name}: {cell:?} is not {kind:?}"));
    let name = PlSmallStr::from(name);
    Ok(match kind {
        ColumnType::Str => {
            let v: Vec<&str> = cells
                .map(|c| match c {
                    Cell::Text(t) => Ok(t.as_str()),
                    other => Err(bad(other)),
                })
                .collect::<Result<_, _>>()?;
            Column::new(name, v)
        }
        ColumnType::OptStr => {
            let v: Vec<Option<&str>> = cells
                .map(|c| match c {
                    Cell::Text(t) => Ok(Some(t.as_str())),
                    Cell::Null => Ok(None),
                    other => Err(bad(other)),
                })
                .collect::<Result<_, _>>()?;
            Column::new(name, v)
        }
        ColumnType::Bool => {
            let v: Vec<bool> = cells
                .map(|c| match c {
                    Cell::Bool(b) => Ok(*b),
                    other => Err(bad(other)),
                })
                .collect::<Result<_, _>>()?;
            Column::new(name, v)
        }
        ColumnType::U32 => {
            let v: Vec<u32> = cells
                .map(|c| match c {
                    Cell::UInt(x) => u32::try_from(*x).map_err(|_| bad(c)),
                    other => Err(bad(other)),
                })
                .collect::<Result<_, _>>()?;
            Column::new(name, v)
        }
        ColumnType::F64 => {
            let v: Vec<f64> = cells
                .map(|c| match c {
                    Cell::Float(x) | Cell::Plain(x) => Ok(*x),
                    other => Err(bad(other)),
                })
                .collect::<Result<_, _>>()?;
            Column::new(name, v)
        }
        ColumnType::Date => {
            let v: Vec<i32> = cells
                .map(|c| match c {
                    Cell::Text(t) => t.parse::<NaiveDate>().map(days_since_epoch).map_err(|_| bad(c)),
                    other => Err(bad(other)),
                })
                .collect::<Result<_, _>>()?;
            Column::new(name, v).cast(&DataType::Date)?
        }
    })
}

/// zstd-compressed Parquet of a frame.
pub fn parquet(df: &mut DataFrame) -> Result<Vec<u8>, OutputError> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).with_compression(ParquetCompression::Zstd(None)).finish(df)?;
    Ok(bytes)
}

/// polars' CSV of a frame, floats with four decimals.
pub fn frame_csv(df: &mut DataFrame) -> Result<Vec<u8>, OutputError> {
    let mut bytes = Vec::new();
    CsvWriter::new(&mut bytes).with_float_precision(Some(4)).finish(df)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Default)]
    struct Row {
        office_id: String,
        date: String,
        slot: u32,
        open: bool,
        reason: Option<String>,
        expected: f64,
    }

    const COLUMNS: [(&str, ColumnType); 6] = [
        ("office_id", ColumnType::Str),
        ("date", ColumnType::Date),
        ("slot", ColumnType::U32),
        ("open", ColumnType::Bool),
        ("reason", ColumnType::OptStr),
        ("expected", ColumnType::F64),
    ];

    #[test]
    fn rows_become_typed_columns_and_round_trip_through_parquet() {
        let rows = vec![
            Row {
                office_id: "a".into(),
                date: "2025-03-03".into(),
                slot: 32,
                open: true,
                reason: None,
                expected: 1.25,
            },
            Row {
                office_id: "a".into(),
                date: "2025-03-04".into(),
                slot: 0,
                open: false,
                reason: Some("closure".into()),
                expected: 0.0,
            },
        ];
        let mut df = frame(&rows, &COLUMNS).unwrap();
        assert_eq!(df.column("date").unwrap().dtype(), &DataType::Date);
        assert_eq!(df.column("slot").unwrap().dtype(), &DataType::UInt32);
        let csv = String::from_utf8(frame_csv(&mut df).unwrap()).unwrap();
        assert_eq!(
            csv,
            "office_id,date,slot,open,reason,expected\na,2025-03-03,32,true,,1.2500\na,2025-03-04,0,false,closure,0.0000\n"
        );
        let bytes = parquet(&mut df).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(bytes)).finish().unwrap();
        assert!(back.equals_missing(&df));
        assert!(frame(&rows, &COLUMNS[..5]).is_err());
    }
}
