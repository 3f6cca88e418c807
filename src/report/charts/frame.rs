//! The parts every chart shares: the plot frame mapping data to pixels, "nice" axis ticks,
//! axes with grid lines and labels that never overlap, the title and a flowing legend.

use plotters::prelude::*;

use crate::report::charts::pen::Align;
use crate::report::charts::style::{AXIS, GRID, MUTED, TEXT};
use crate::report::charts::{Backend, ChartError, Pen};

/// Default chart width in pixels (fits an A4 page width at about 0.8 scale).
pub const WIDTH: u32 = 820;
/// Font sizes in pixels. Even whole numbers only: plotters' ab_glyph renderer places each
/// glyph at `(size / 2 + top) as i32`, which truncates towards zero, so with an odd or
/// fractional size glyphs of different heights land on baselines 1 px apart (a raised `.`
/// or `w` in the PNG).
pub const TITLE_SIZE: f64 = 20.0;
pub const LABEL_SIZE: f64 = 16.0;
pub const SMALL_SIZE: f64 = 14.0;
/// Values printed inside heatmap cells and at bar ends.
pub const CELL_SIZE: f64 = 12.0;
/// Height reserved for the title.
pub const TITLE_H: i32 = 36;

/// The plot area in pixels and the data ranges it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Frame {
    pub fn px(&self, x: f64) -> i32 {
        let (a, b) = self.x;
        let t = if b > a { (x - a) / (b - a) } else { 0.5 };
        self.left + (t * f64::from(self.right - self.left)).round() as i32
    }

    pub fn py(&self, y: f64) -> i32 {
        let (a, b) = self.y;
        let t = if b > a { (y - a) / (b - a) } else { 0.5 };
        self.bottom - (t.clamp(-0.05, 1.05) * f64::from(self.bottom - self.top)).round() as i32
    }

    pub fn pt(&self, x: f64, y: f64) -> (i32, i32) {
        (self.px(x), self.py(y))
    }

    /// The same frame with another y range (a secondary axis).
    pub fn with_y(&self, y: (f64, f64)) -> Frame {
        Frame { y, ..*self }
    }
}

/// Round tick values covering [lo, hi] with about `n` steps of 1, 2, 2.5 or 5 × 10^k;
/// returns the extended range and the ticks.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> ((f64, f64), Vec<f64>) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    let count = ((last - first) / step).round() as usize;
    let ticks = (0..=count)
        .map(|i| first + i as f64 * step)
        .map(|t| if t.abs() < 1e-9 * step { 0.0 } else { t })
        .collect();
    ((first, last), ticks)
}

/// The chart title, top left.
pub fn title<DB: Backend>(pen: &Pen<DB>, text: &str) -> Result<(), ChartError> {
    pen.bold(text, (14, TITLE_H / 2 + 2), TITLE_SIZE, TEXT, Align::Left)
}

/// Which side a y axis is drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// A y axis: grid lines (left axis only), tick labels and the axis title turned upright.
pub fn y_axis<DB: Backend>(
    pen: &Pen<DB>,
    f: &Frame,
    ticks: &[(f64, String)],
    side: Side,
    axis_title: &str,
) -> Result<(), ChartError> {
    for (v, label) in ticks {
        let y = f.py(*v);
        if side == Side::Left {
            pen.line(&[(f.left, y), (f.right, y)], GRID, 1)?;
            pen.text(label, (f.left - 6, y), SMALL_SIZE, MUTED, Align::Right)?;
        } else {
            pen.text(label, (f.right + 6, y), SMALL_SIZE, MUTED, Align::Left)?;
        }
    }
    let widest = ticks.iter().map(|(_, l)| pen.width(l, SMALL_SIZE, false) as i32).max().unwrap_or(0);
    let mid = (f.top + f.bottom) / 2;
    match side {
        Side::Left => pen.text_up(axis_title, (f.left - widest - 20, mid), LABEL_SIZE),
        Side::Right => pen.text_up(axis_title, (f.right + widest + 20, mid), LABEL_SIZE),
    }
}

/// The x axis line and its tick labels below the frame; a label that would overlap the one
/// before it is left out (its tick mark stays).
pub fn x_axis<DB: Backend>(
    pen: &Pen<DB>,
    f: &Frame,
    ticks: &[(f64, String)],
    axis_title: Option<&str>,
) -> Result<(), ChartError> {
    pen.line(&[(f.left, f.bottom), (f.right, f.bottom)], AXIS, 1)?;
    let mut last_end = i32::MIN;
    for (v, label) in ticks {
        let x = f.px(*v);
        pen.line(&[(x, f.bottom), (x, f.bottom + 4)], AXIS, 1)?;
        let w = pen.width(label, SMALL_SIZE, false) as i32;
        if x - w / 2 > last_end + 6 {
            pen.text(label, (x, f.bottom + 14), SMALL_SIZE, MUTED, Align::Center)?;
            last_end = x + w / 2;
        }
    }
    if let Some(t) = axis_title {
        pen.text(t, ((f.left + f.right) / 2, f.bottom + 36), LABEL_SIZE, TEXT, Align::Center)?;
    }
    Ok(())
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Line,
    Dashed,
    Box,
    /// A light box (a band or a shaded span).
    Light,
    Dot,
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    pub label: String,
    pub color: RGBColor,
    pub mark: Mark,
}

impl LegendItem {
    pub fn new(label: impl Into<String>, color: RGBColor, mark: Mark) -> LegendItem {
        LegendItem { label: label.into(), color, mark }
    }
}

/// Width a legend entry takes: mark, gap, label (measured), gap.
fn entry_width<DB: Backend>(pen: &Pen<DB>, label: &str) -> i32 {
    34 + pen.width(label, SMALL_SIZE, false) as i32 + 18
}

/// Rows a legend needs at `width`, estimated before drawing from the label lengths (9 px
/// per character: more than DejaVu Sans needs at this size, so the drawn legend never has
/// more rows than were reserved).
pub fn legend_rows(items: &[LegendItem], width: i32) -> i32 {
    let mut rows = i32::from(!items.is_empty());
    let mut x = 0;
    for it in items {
        let w = 34 + it.label.chars().count() as i32 * 9 + 18;
        if x > 0 && x + w > width {
            rows += 1;
            x = 0;
        }
        x += w;
    }
    rows
}

/// Height of one legend row.
pub const LEGEND_ROW: i32 = 24;

/// Draws the legend flowing left to right from `at`, wrapping at `width`.
pub fn legend<DB: Backend>(
    pen: &Pen<DB>,
    items: &[LegendItem],
    at: (i32, i32),
    width: i32,
) -> Result<(), ChartError> {
    let (mut x, mut y) = (at.0, at.1 + LEGEND_ROW / 2);
    for it in items {
        let w = entry_width(pen, &it.label);
        if x > at.0 && x + w > at.0 + width {
            x = at.0;
            y += LEGEND_ROW;
        }
        match it.mark {
            Mark::Line => pen.line(&[(x, y), (x + 26, y)], it.color, 3)?,
            Mark::Dashed => pen.dashed(&[(x, y), (x + 26, y)], it.color, 2)?,
            Mark::Box => pen.fill_rect((x + 4, y - 7), (x + 22, y + 7), it.color)?,
            Mark::Light => {
                pen.fill_rect((x + 2, y - 7), (x + 24, y + 7), it.color)?;
                pen.stroke_rect((x + 2, y - 7), (x + 24, y + 7), AXIS, 1)?;
            }
            Mark::Dot => pen.dot((x + 13, y), 5, it.color)?,
        }
        pen.text(&it.label, (x + 34, y), SMALL_SIZE, TEXT, Align::Left)?;
        x += w;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_cover_the_range_with_round_steps() {
        assert_eq!(nice_ticks(0.0, 9.3, 5), ((0.0, 10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]));
        assert_eq!(nice_ticks(0.0, 0.83, 4).1, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(3.0, 3.0, 4).0, (3.0, 4.0));
        let ((lo, hi), t) = nice_ticks(-7.0, 12.0, 4);
        assert_eq!((lo, hi, t.len()), (-10.0, 15.0, 6));
    }

    #[test]
    fn frame_maps_data_to_pixels() {
        let f = Frame { left: 100, top: 50, right: 300, bottom: 250, x: (0.0, 10.0), y: (0.0, 100.0) };
        assert_eq!(f.pt(0.0, 0.0), (100, 250));
        assert_eq!(f.pt(5.0, 100.0), (200, 50));
        assert_eq!(f.with_y((0.0, 50.0)).py(25.0), 150);
    }
}
