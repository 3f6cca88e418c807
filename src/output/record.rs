//! A typed row (any serde struct of scalars) as a [`Record`]: its field names and typed cells,
//! the form the CSV and Parquet writers and the suppression work on.

use std::fmt::Display;

use serde::ser::{self, Impossible, Serialize, SerializeStruct};

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    /// Written with the table's fixed decimals (empty when not finite).
    Float(f64),
    /// A float written in its shortest form (`0.1`, `4758`), see [`Plain`].
    Plain(f64),
    Text(String),
}

/// A row's field names (in declaration order) and cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub names: Vec<&'static str>,
    pub cells: Vec<Cell>,
}

/// A float that a CSV shows in its shortest form instead of the table's fixed decimals (a share
/// such as `0.1`, a count held as a float); JSON sees the plain number.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Plain(pub f64);

const PLAIN: &str = "queuecast::output::Plain";

impl Serialize for Plain {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(PLAIN, &self.0)
    }
}

/// A row type that is not a flat struct of scalars (a programming error, caught by tests).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a table row must be a flat struct of scalars: {0}")]
pub struct RowError(String);

impl RowError {
    pub fn custom_message(message: String) -> RowError {
        RowError(message)
    }
}

impl ser::Error for RowError {
    fn custom<T: Display>(msg: T) -> Self {
        RowError(msg.to_string())
    }
}

/// The record of one row.
pub fn record<R: Serialize + ?Sized>(row: &R) -> Result<Record, RowError> {
    row.serialize(RowSerializer)
}

struct RowSerializer;

struct Fields(Record);

impl SerializeStruct for Fields {
    type Ok = Record;
    type Error = RowError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), RowError> {
        self.0.names.push(key);
        self.0.cells.push(value.serialize(CellSerializer)?);
        Ok(())
    }

    fn end(self) -> Result<Record, RowError> {
        Ok(self.0)
    }
}

/// Everything but a struct is refused at row level.
macro_rules! refuse {
    ($($name:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ret, RowError> {
            Err(RowError(format!("{} at row level", stringify!($name))))
        })*
    };
}

impl ser::Serializer for RowSerializer {
    type Ok = Record;
    type Error = RowError;
    type SerializeSeq = Impossible<Record, RowError>;
    type SerializeTuple = Impossible<Record, RowError>;
    type SerializeTupleStruct = Impossible<Record, RowError>;
    type SerializeTupleVariant = Impossible<Record, RowError>;
    type SerializeMap = Impossible<Record, RowError>;
    type SerializeStruct = Fields;
    type SerializeStructVariant = Impossible<Record, RowError>;

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Fields, RowError> {
        Ok(Fields(Record { names: Vec::with_capacity(len), cells: Vec::with_capacity(len) }))
    }

    refuse! {
        serialize_bool(bool) -> Record; serialize_i8(i8) -> Record; serialize_i16(i16) -> Record;
        serialize_i32(i32) -> Record; serialize_i64(i64) -> Record; serialize_u8(u8) -> Record;
        serialize_u16(u16) -> Record; serialize_u32(u32) -> Record; serialize_u64(u64) -> Record;
        serialize_f32(f32) -> Record; serialize_f64(f64) -> Record; serialize_char(char) -> Record;
        serialize_str(&str) -> Record; serialize_bytes(&[u8]) -> Record; serialize_none() -> Record;
        serialize_unit() -> Record; serialize_unit_struct(&'static str) -> Record;
        serialize_unit_variant(&'static str, u32, &'static str) -> Record;
        serialize_seq(Option<usize>) -> Self::SerializeSeq; serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Record, RowError> {
        Err(RowError("an option at row level".into()))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Record, RowError> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Record, RowError> {
        Err(RowError("an enum at row level".into()))
    }
}

struct CellSerializer;

impl ser::Serializer for CellSerializer {
    type Ok = Cell;
    type Error = RowError;
    type SerializeSeq = Impossible<Cell, RowError>;
    type SerializeTuple = Impossible<Cell, RowError>;
    type SerializeTupleStruct = Impossible<Cell, RowError>;
    type SerializeTupleVariant = Impossible<Cell, RowError>;
    type SerializeMap = Impossible<Cell, RowError>;
    type SerializeStruct = Impossible<Cell, RowError>;
    type SerializeStructVariant = Impossible<Cell, RowError>;

    fn serialize_bool(self, v: bool) -> Result<Cell, RowError> {
        Ok(Cell::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Cell, RowError> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Cell, RowError> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Cell, RowError> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Cell, RowError> {
        Ok(Cell::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Cell, RowError> {
        Ok(Cell::UInt(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Cell, RowError> {
        Ok(Cell::UInt(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Cell, RowError> {
        Ok(Cell::UInt(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Cell, RowError> {
        Ok(Cell::UInt(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Cell, RowError> {
        Ok(Cell::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Cell, RowError> {
        Ok(Cell::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Cell, RowError> {
        Ok(Cell::Text(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Cell, RowError> {
        Ok(Cell::Text(v.to_string()))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Cell, RowError> {
        Err(RowError("bytes in a cell".into()))
    }
    fn serialize_none(self) -> Result<Cell, RowError> {
        Ok(Cell::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Cell, RowError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Cell, RowError> {
        Ok(Cell::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Cell, RowError> {
        Ok(Cell::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Cell, RowError> {
        Ok(Cell::Text(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<Cell, RowError> {
        match (name, v.serialize(CellSerializer)?) {
            (PLAIN, Cell::Float(x)) => Ok(Cell::Plain(x)),
            (_, cell) => Ok(cell),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: &T,
    ) -> Result<Cell, RowError> {
        Err(RowError(format!("enum variant {variant} with data in a cell")))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, RowError> {
        Err(RowError("a list in a cell".into()))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, RowError> {
        Err(RowError("a tuple in a cell".into()))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, RowError> {
        Err(RowError("a tuple struct in a cell".into()))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, RowError> {
        Err(RowError("a tuple variant in a cell".into()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, RowError> {
        Err(RowError("a map in a cell".into()))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Self::SerializeStruct, RowError> {
        Err(RowError(format!("struct {name} in a cell (flatten it into the row)")))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, RowError> {
        Err(RowError("a struct variant in a cell".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        WalkIn,
    }

    #[derive(Serialize)]
    struct Row {
        #[serde(rename = "office_id")]
        office: String,
        hour: u8,
        share: Plain,
        mean: f64,
        reason: Option<&'static str>,
        kind: Kind,
        date: chrono::NaiveDate,
    }

    #[test]
    fn a_flat_struct_becomes_named_typed_cells() {
        let r = Row {
            office: "a".into(),
            hour: 8,
            share: Plain(0.1),
            mean: f64::NAN,
            reason: None,
            kind: Kind::WalkIn,
            date: chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
        };
        let rec = record(&r).unwrap();
        assert_eq!(rec.names, ["office_id", "hour", "share", "mean", "reason", "kind", "date"]);
        assert_eq!(rec.cells[..3], [Cell::Text("a".into()), Cell::UInt(8), Cell::Plain(0.1)]);
        assert!(matches!(rec.cells[3], Cell::Float(x) if x.is_nan()));
        assert_eq!(
            rec.cells[4..],
            [Cell::Null, Cell::Text("walk_in".into()), Cell::Text("2025-03-03".into())]
        );
        assert!(record(&vec![1, 2]).is_err());
    }
}
