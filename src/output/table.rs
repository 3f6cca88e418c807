//! Tables of typed rows and their CSV text, with small-cell suppression done on the rows
//! ([`Suppressible`]) before anything is formatted.

use serde::Serialize;

use crate::output::OutputError;
use crate::output::record::{Cell, record};

/// A header and rows of typed cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    names: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

/// A row of a public table: on a row resting on fewer than k tickets, every column but
/// [`KEYS`](Suppressible::KEYS) is nulled, and a `suppressed` column says so.
pub trait Suppressible: Serialize + Default {
    /// Columns kept on a suppressed row (they say which cell it is, not what is in it).
    const KEYS: &'static [&'static str];
    /// The tickets the row's figures rest on.
    fn tickets(&self) -> f64;
}

impl Table {
    /// The rows' records; the header comes from the row type, so an empty table has one too.
    pub fn of<R: Serialize + Default>(rows: &[R]) -> Result<Table, OutputError> {
        let names = record(&R::default())?.names;
        let rows = rows.iter().map(|r| record(r).map(|rec| rec.cells)).collect::<Result<_, _>>()?;
        Ok(Table { names, rows })
    }

    /// [`Table::of`] with rows of fewer than `k` tickets suppressed and a `suppressed` column.
    pub fn suppressed<R: Suppressible>(rows: &[R], k: u32) -> Result<Table, OutputError> {
        let mut table = Table::of(rows)?;
        let keep: Vec<bool> = table.names.iter().map(|n| R::KEYS.contains(n)).collect();
        if let Some(key) = R::KEYS.iter().find(|k| !table.names.contains(k)) {
            return Err(OutputError::NoColumn { column: key });
        }
        for (cells, row) in table.rows.iter_mut().zip(rows) {
            let small = row.tickets() < f64::from(k);
            if small {
                cells.iter_mut().zip(&keep).filter(|(_, k)| !**k).for_each(|(c, _)| *c = Cell::Null);
            }
            cells.push(Cell::Bool(small));
        }
        table.names.push("suppressed");
        Ok(table)
    }

    /// Data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn names(&self) -> &[&'static str] {
        &self.names
    }

    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
    }

    /// CSV text: a header line, then one line per row; floats with `decimals` decimals (empty
    /// when not finite), nulls empty, text quoted only where it holds `,`, `"` or a line break.
    pub fn csv(&self, decimals: usize) -> Vec<u8> {
        let mut out = self.names.join(",");
        out.push('\n');
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_cell(&mut out, cell, decimals);
            }
            out.push('\n');
        }
        out.into_bytes()
    }
}

fn push_cell(out: &mut String, cell: &Cell, decimals: usize) {
    use std::fmt::Write as _;
    let _ = match cell {
        Cell::Null => Ok(()),
        Cell::Bool(b) => write!(out, "{b}"),
        Cell::Int(v) => write!(out, "{v}"),
        Cell::UInt(v) => write!(out, "{v}"),
        Cell::Float(x) if x.is_finite() => write!(out, "{x:.decimals$}"),
        Cell::Plain(x) if x.is_finite() => write!(out, "{x}"),
        Cell::Float(_) | Cell::Plain(_) => Ok(()),
        Cell::Text(t) if t.contains([',', '"', '\n', '\r']) => write!(out, "\"{}\"", t.replace('"', "\"\"")),
        Cell::Text(t) => write!(out, "{t}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::record::Plain;

    #[derive(Serialize, Default)]
    struct Row {
        office_id: &'static str,
        hour: u8,
        tickets: u64,
        share: Plain,
        sl: f64,
        note: Option<String>,
    }

    impl Suppressible for Row {
        const KEYS: &'static [&'static str] = &["office_id", "hour"];
        fn tickets(&self) -> f64 {
            self.tickets as f64
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            Row { office_id: "a", hour: 8, tickets: 4, share: Plain(0.1), sl: 0.5, note: None },
            Row {
                office_id: "a",
                hour: 9,
                tickets: 5,
                share: Plain(4758.0),
                sl: f64::NAN,
                note: Some("x, \"y\"".into()),
            },
        ]
    }

    #[test]
    fn csv_of_typed_rows() {
        let text = String::from_utf8(Table::of(&rows()).unwrap().csv(4)).unwrap();
        assert_eq!(
            text,
            "office_id,hour,tickets,share,sl,note\na,8,4,0.1,0.5000,\na,9,5,4758,,\"x, \"\"y\"\"\"\n"
        );
        let empty = Table::of::<Row>(&[]).unwrap();
        assert_eq!(String::from_utf8(empty.csv(4)).unwrap(), "office_id,hour,tickets,share,sl,note\n");
    }

    #[test]
    fn small_rows_lose_values_but_keep_keys() {
        let t = Table::suppressed(&rows(), 5).unwrap();
        let text = String::from_utf8(t.csv(2)).unwrap();
        assert_eq!(
            text,
            "office_id,hour,tickets,share,sl,note,suppressed\na,8,,,,,true\na,9,5,4758,,\"x, \"\"y\"\"\",false\n"
        );
        assert_eq!(t.len(), 2);
    }
}
