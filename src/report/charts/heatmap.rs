//! Heatmap of weekday × hour (or any rows × columns): a coloured cell with its value per
//! open cell, blank cells for closed hours, hatched grey cells for suppressed ones, and a
//! legend with the colour scale and both markings.

use crate::report::charts::frame::{CELL_SIZE, LABEL_SIZE, SMALL_SIZE, TITLE_H, WIDTH, title};
use crate::report::charts::pen::Align;
use crate::report::charts::style::{AXIS, GRID, MUTED, SUPPRESSED, Scale, TEXT, text_on};
use crate::report::charts::{Backend, ChartError, Figure, Pen};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing drawn: the office was closed (no tickets in this hour).
    Closed,
    /// Fewer tickets than the suppression threshold: value withheld.
    Suppressed,
    /// A value and its label as printed in the cell.
    Value { v: f64, label: String },
}

/// A heatmap chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub title: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub col_title: String,
    /// `cells[row][col]`.
    pub cells: Vec<Vec<Cell>>,
    pub scale: Scale,
    /// Tick values and labels of the colour bar.
    pub scale_ticks: Vec<(f64, String)>,
    pub legend_title: String,
    pub closed_label: String,
    pub suppressed_label: String,
}

const CELL_H: i32 = 34;
const RIGHT: i32 = 16;

impl Heatmap {
    fn left(&self) -> i32 {
        // DejaVu Sans at 14 px: about 8.5 px per character of a weekday name.
        let longest = self.rows.iter().map(|r| r.chars().count()).max().unwrap_or(2) as i32;
        (longest * 10 + 24).max(60)
    }
}

impl Figure for Heatmap {
    fn size(&self) -> (u32, u32) {
        let h = TITLE_H + 10 + self.rows.len() as i32 * CELL_H + 48 + 90;
        (WIDTH, h as u32)
    }

    fn draw<DB: Backend>(&self, pen: &Pen<DB>) -> Result<(), ChartError> {
        title(pen, &self.title)?;
        let (x0, y0) = (self.left(), TITLE_H + 10);
        let ncols = self.cols.len().max(1) as i32;
        let cw = (WIDTH as i32 - RIGHT - x0) / ncols;
        for (r, row) in self.rows.iter().enumerate() {
            let top = y0 + r as i32 * CELL_H;
            pen.text(row, (x0 - 10, top + CELL_H / 2), LABEL_SIZE, TEXT, Align::Right)?;
            for c in 0..self.cols.len() {
                let left = x0 + c as i32 * cw;
                let cell = self.cells.get(r).and_then(|cells| cells.get(c)).unwrap_or(&Cell::Closed);
                draw_cell(pen, cell, (left, top), (left + cw, top + CELL_H), &self.scale)?;
            }
        }
        let bottom = y0 + self.rows.len() as i32 * CELL_H;
        for (c, label) in self.cols.iter().enumerate() {
            // Hour labels sit on the cell's left edge: the hour starts there.
            let x = x0 + c as i32 * cw;
            pen.line(&[(x, bottom), (x, bottom + 4)], AXIS, 1)?;
            pen.text(label, (x, bottom + 14), SMALL_SIZE, MUTED, Align::Center)?;
        }
        let right = x0 + ncols * cw;
        pen.text(&self.col_title, ((x0 + right) / 2, bottom + 36), SMALL_SIZE, TEXT, Align::Center)?;
        self.draw_legend(pen, x0, bottom + 54)
    }
}

impl Heatmap {
    fn draw_legend<DB: Backend>(&self, pen: &Pen<DB>, x0: i32, top: i32) -> Result<(), ChartError> {
        let mid = top + 12;
        pen.text(&self.legend_title, (x0, mid), SMALL_SIZE, TEXT, Align::Left)?;
        let bar_left = x0 + pen.width(&self.legend_title, SMALL_SIZE, false) as i32 + 12;
        let bar_w = 240;
        let (lo, hi) = self.scale.range();
        for i in 0..bar_w {
            let v = lo + (hi - lo) * (f64::from(i) + 0.5) / f64::from(bar_w);
            pen.fill_rect((bar_left + i, mid - 8), (bar_left + i + 1, mid + 6), self.scale.color(v))?;
        }
        for (v, label) in &self.scale_ticks {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            let x = bar_left + (t.clamp(0.0, 1.0) * f64::from(bar_w)).round() as i32;
            pen.line(&[(x, mid + 6), (x, mid + 10)], AXIS, 1)?;
            pen.text(label, (x, mid + 20), SMALL_SIZE, MUTED, Align::Center)?;
        }
        // Second row: the two markings.
        let (mut x, mid) = (x0, mid + 44);
        let sw = (x, mid - 9);
        draw_cell(pen, &Cell::Suppressed, sw, (sw.0 + 26, sw.1 + 18), &self.scale)?;
        pen.text(&self.suppressed_label, (x + 32, mid), SMALL_SIZE, TEXT, Align::Left)?;
        x += 32 + pen.width(&self.suppressed_label, SMALL_SIZE, false) as i32 + 28;
        pen.stroke_rect((x, mid - 9), (x + 26, mid + 9), AXIS, 1)?;
        pen.text(&self.closed_label, (x + 32, mid), SMALL_SIZE, TEXT, Align::Left)
    }
}

/// Draws one cell in the box `a`–`b`.
fn draw_cell<DB: Backend>(
    pen: &Pen<DB>,
    cell: &Cell,
    a: (i32, i32),
    b: (i32, i32),
    scale: &Scale,
) -> Result<(), ChartError> {
    match cell {
        Cell::Closed => pen.stroke_rect(a, (b.0 - 1, b.1 - 1), GRID, 1),
        Cell::Suppressed => {
            pen.fill_rect(a, (b.0 - 1, b.1 - 1), SUPPRESSED)?;
            hatch(pen, a, (b.0 - 1, b.1 - 1))
        }
        Cell::Value { v, label } => {
            let color = scale.color(*v);
            pen.fill_rect(a, (b.0 - 1, b.1 - 1), color)?;
            let centre = ((a.0 + b.0) / 2, (a.1 + b.1) / 2);
            pen.text(label, centre, CELL_SIZE, text_on(color), Align::Center)
        }
    }
}

/// Diagonal hatching (lines rising to the right every 7 px) inside the box `a`–`b`.
fn hatch<DB: Backend>(pen: &Pen<DB>, a: (i32, i32), b: (i32, i32)) -> Result<(), ChartError> {
    let (w, h) = (b.0 - a.0, b.1 - a.1);
    let mut c = -h + 3;
    while c < w {
        // u − v = c with u = x − left in [0, w], v = bottom − y in [0, h].
        let v0 = (-c).max(0);
        let v1 = h.min(w - c);
        pen.line(&[(a.0 + c + v0, b.1 - v0), (a.0 + c + v1, b.1 - v1)], AXIS, 1)?;
        c += 7;
    }
    Ok(())
}
