//! Text tables for the terminal: every column as wide as its widest cell, so a long office id
//! shifts its column, not the ones after it. Layout by `comfy-table`; no borders, two spaces
//! between columns, no trailing spaces.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets::NOTHING};

/// A text table under construction. Header cells starting with `>` are right-aligned columns
/// (numbers); the `>` is not printed.
pub struct TextTable {
    table: Table,
}

impl TextTable {
    pub fn new(header: &[&str]) -> TextTable {
        let mut table = Table::new();
        table.load_style(NOTHING).set_content_arrangement(ContentArrangement::Disabled);
        table.set_header(header.iter().map(|h| h.trim_start_matches('>')).collect::<Vec<_>>());
        for (i, h) in header.iter().enumerate() {
            if let Some(column) = table.column_mut(i) {
                column.set_padding((0, 2));
                if h.starts_with('>') {
                    column.set_cell_alignment(CellAlignment::Right);
                }
            }
        }
        TextTable { table }
    }

    /// Adds one row (as many cells as the header).
    pub fn row<I, S>(&mut self, cells: I) -> &mut TextTable
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.table.add_row(cells.into_iter().map(Into::into).collect::<Vec<String>>());
        self
    }

    /// The table as lines, each prefixed with `indent` and ended with a newline.
    pub fn render(&self, indent: &str) -> String {
        self.table.lines().map(|l| format!("{indent}{}\n", l.trim_end())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_longest_cell() {
        let mut t = TextTable::new(&["office", ">tickets", "first"]);
        t.row(["a", "7", "2025-01-02"]);
        t.row(["strassenverkehrsamt-grevenbroich-nord", "11029", "2025-01-02"]);
        let text = t.render("  ");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        // The date column starts at the same place on every line, numbers end at one place.
        let start: Vec<usize> = lines.iter().map(|l| l.find("first").or(l.find("2025")).unwrap()).collect();
        assert!(start.iter().all(|&s| s == start[0]), "{text}");
        assert_eq!(lines[1].find("7  ").map(|i| i + 1), lines[2].find("11029").map(|i| i + 5), "{text}");
        assert_eq!(lines[0], "  office                                 tickets  first");
        assert!(lines.iter().all(|l| !l.ends_with(' ')));
    }
}
