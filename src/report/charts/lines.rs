//! Line charts in stacked panels sharing one x axis: lines (solid, dashed, with points),
//! shaded p10–p90 bands, bars, shaded spans (closed days) with labels, reference lines, and
//! an optional second y axis per panel.

use plotters::prelude::*;

use crate::report::charts::frame::{
    Frame, LABEL_SIZE, LEGEND_ROW, LegendItem, SMALL_SIZE, Side, TITLE_H, WIDTH, legend, legend_rows,
    nice_ticks, title, x_axis, y_axis,
};
use crate::report::charts::pen::Align;
use crate::report::charts::style::{AXIS, BAND_ALPHA, CLOSED, MUTED, TEXT};
use crate::report::charts::{Backend, ChartError, Figure, Pen};
use crate::report::i18n::Lang;

/// The shared x axis: range, ticks with labels, title.
#[derive(Debug, Clone, PartialEq)]
pub struct XAxis {
    pub range: (f64, f64),
    pub ticks: Vec<(f64, String)>,
    pub title: Option<String>,
}

/// What the numbers on a y axis are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Counts and other plain numbers.
    Number,
    /// A share 0–1, labelled in per cent.
    Share,
}

/// A y axis: title, unit, whether 0 must be in range, and a fixed range if wanted.
#[derive(Debug, Clone, PartialEq)]
pub struct YAxis {
    pub title: String,
    pub unit: Unit,
    pub zero: bool,
    pub fixed: Option<(f64, f64)>,
}

impl YAxis {
    pub fn new(title: impl Into<String>, unit: Unit) -> YAxis {
        YAxis { title: title.into(), unit, zero: true, fixed: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    Solid,
    Dashed,
    /// Points only.
    Points,
    /// A line with a point on every value.
    SolidPoints,
}

/// A line; a NaN value breaks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    pub style: LineStyle,
    pub width: u32,
    /// Drawn against the panel's second y axis.
    pub secondary: bool,
}

impl Series {
    pub fn new(color: RGBColor, points: Vec<(f64, f64)>, style: LineStyle) -> Series {
        Series { color, points, style, width: 2, secondary: false }
    }
}

/// A shaded band (x, low, high); a NaN breaks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub color: RGBColor,
    pub points: Vec<(f64, f64, f64)>,
}

/// Bars centred on x, `width` wide in x units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    pub width: f64,
}

/// A shaded stretch of x (e.g. a closed day) with an optional upright label.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub from: f64,
    pub to: f64,
    pub label: Option<String>,
}

/// A horizontal reference line with a label at its right end.
#[derive(Debug, Clone, PartialEq)]
pub struct HLine {
    pub y: f64,
    pub color: RGBColor,
    pub label: String,
}

/// One panel of a [`LineFigure`].
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub label: Option<String>,
    pub y: YAxis,
    pub y2: Option<YAxis>,
    pub series: Vec<Series>,
    pub bands: Vec<Band>,
    pub bars: Vec<Bars>,
    pub spans: Vec<Span>,
    pub hlines: Vec<HLine>,
}

impl Panel {
    pub fn new(y: YAxis) -> Panel {
        Panel {
            label: None,
            y,
            y2: None,
            series: vec![],
            bands: vec![],
            bars: vec![],
            spans: vec![],
            hlines: vec![],
        }
    }

    /// The data range of the primary (`false`) or secondary axis.
    fn extent(&self, secondary: bool) -> Option<(f64, f64)> {
        let mut vals: Vec<f64> = self
            .series
            .iter()
            .filter(|s| s.secondary == secondary)
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .collect();
        if !secondary {
            vals.extend(self.bands.iter().flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])));
            vals.extend(self.bars.iter().flat_map(|b| b.points.iter().map(|p| p.1)));
            vals.extend(self.hlines.iter().map(|h| h.y));
        }
        let finite = vals.into_iter().filter(|v| v.is_finite());
        finite.fold(None, |acc, v| Some(acc.map_or((v, v), |(lo, hi): (f64, f64)| (lo.min(v), hi.max(v)))))
    }
}

/// A chart of stacked panels.
#[derive(Debug, Clone, PartialEq)]
pub struct LineFigure {
    pub title: String,
    pub lang: Lang,
    pub x: XAxis,
    pub panels: Vec<Panel>,
    pub legend: Vec<LegendItem>,
    pub panel_height: i32,
}

const LEFT: i32 = 78;
const PANEL_GAP: i32 = 30;

impl LineFigure {
    fn right_margin(&self) -> i32 {
        if self.panels.iter().any(|p| p.y2.is_some()) { 78 } else { 24 }
    }

    fn top(&self) -> i32 {
        TITLE_H
            + 6
            + legend_rows(&self.legend, WIDTH as i32 - LEFT - self.right_margin()) * LEGEND_ROW
            + if self.panels.first().is_some_and(|p| p.label.is_some()) { 30 } else { 14 }
    }
}

impl Figure for LineFigure {
    fn size(&self) -> (u32, u32) {
        let n = self.panels.len() as i32;
        let h = self.top() + n * self.panel_height + (n - 1).max(0) * PANEL_GAP + 58;
        (WIDTH, h as u32)
    }

    fn draw<DB: Backend>(&self, pen: &Pen<DB>) -> Result<(), ChartError> {
        title(pen, &self.title)?;
        let right = WIDTH as i32 - self.right_margin();
        let width = right - LEFT;
        legend(pen, &self.legend, (LEFT, TITLE_H + 6), width)?;
        let mut top = self.top();
        for (i, p) in self.panels.iter().enumerate() {
            let last = i + 1 == self.panels.len();
            let frame = Frame {
                left: LEFT,
                top,
                right,
                bottom: top + self.panel_height,
                x: self.x.range,
                y: (0.0, 1.0),
            };
            self.draw_panel(pen, p, frame, last)?;
            top += self.panel_height + PANEL_GAP;
        }
        Ok(())
    }
}

/// The y range and labelled ticks of an axis over `extent`.
fn axis_ticks(axis: &YAxis, extent: Option<(f64, f64)>, lang: Lang) -> ((f64, f64), Vec<(f64, String)>) {
    let (mut lo, mut hi) = axis.fixed.or(extent).unwrap_or((0.0, 1.0));
    if axis.zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let (range, ticks) = nice_ticks(lo, hi, 5);
    let range = axis.fixed.unwrap_or(range);
    let step = if ticks.len() > 1 { ticks[1] - ticks[0] } else { 1.0 };
    let labelled = ticks
        .into_iter()
        .filter(|t| *t >= range.0 - 1e-9 && *t <= range.1 + 1e-9)
        .map(|t| {
            let label = match axis.unit {
                Unit::Share => lang.pct(t, usize::from(step < 0.01)),
                Unit::Number => lang.num(t, decimals(step)),
            };
            (t, label)
        })
        .collect();
    (range, labelled)
}

/// Decimals needed to tell ticks `step` apart.
fn decimals(step: f64) -> usize {
    if step >= 1.0 - 1e-9 {
        0
    } else if step >= 0.1 - 1e-9 {
        1
    } else {
        2
    }
}

impl LineFigure {
    fn draw_panel<DB: Backend>(
        &self,
        pen: &Pen<DB>,
        p: &Panel,
        f: Frame,
        last: bool,
    ) -> Result<(), ChartError> {
        let (yr, yticks) = axis_ticks(&p.y, p.extent(false), self.lang);
        let f = f.with_y(yr);
        for s in &p.spans {
            let (a, b) = (f.px(s.from).max(f.left), f.px(s.to).min(f.right));
            pen.fill_rect((a, f.top), (b, f.bottom), CLOSED)?;
        }
        y_axis(pen, &f, &yticks, Side::Left, &p.y.title)?;
        for s in &p.spans {
            if let Some(label) = &s.label {
                let (a, b) = (f.px(s.from).max(f.left), f.px(s.to).min(f.right));
                pen.text_up(label, ((a + b) / 2, (f.top + f.bottom) / 2), SMALL_SIZE)?;
            }
        }
        let f2 = p.y2.as_ref().map(|axis| {
            let (r, ticks) = axis_ticks(axis, p.extent(true), self.lang);
            (f.with_y(r), ticks, axis)
        });
        if let Some((f2, ticks, axis)) = &f2 {
            y_axis(pen, f2, ticks, Side::Right, &axis.title)?;
        }
        for b in &p.bars {
            let half = (f64::from(f.px(b.width) - f.px(0.0)) / 2.0).max(1.0) as i32;
            for &(x, y) in b.points.iter().filter(|p| p.1.is_finite()) {
                let cx = f.px(x);
                pen.fill_rect((cx - half + 1, f.py(y)), (cx + half - 1, f.py(0.0)), b.color)?;
            }
        }
        for band in &p.bands {
            for run in runs(&band.points, |p| p.1.is_finite() && p.2.is_finite()) {
                let mut poly: Vec<(i32, i32)> = run.iter().map(|p| f.pt(p.0, p.2)).collect();
                poly.extend(run.iter().rev().map(|p| f.pt(p.0, p.1)));
                pen.polygon(&poly, band.color.mix(BAND_ALPHA))?;
            }
        }
        for h in &p.hlines {
            let y = f.py(h.y);
            pen.dashed(&[(f.left, y), (f.right, y)], h.color, 2)?;
            pen.text(&h.label, (f.right - 4, y - 10), SMALL_SIZE, h.color, Align::Right)?;
        }
        for s in &p.series {
            let frame = match (&f2, s.secondary) {
                (Some((f2, _, _)), true) => *f2,
                _ => f,
            };
            draw_series(pen, s, &frame)?;
        }
        pen.line(&[(f.left, f.top), (f.left, f.bottom)], AXIS, 1)?;
        if let Some(label) = &p.label {
            pen.bold(label, (f.left + 6, f.top - 12), LABEL_SIZE, TEXT, Align::Left)?;
        }
        if last {
            x_axis(pen, &f, &self.x.ticks, self.x.title.as_deref())
        } else {
            pen.line(&[(f.left, f.bottom), (f.right, f.bottom)], AXIS, 1)?;
            for (v, _) in &self.x.ticks {
                let x = f.px(*v);
                pen.line(&[(x, f.bottom), (x, f.bottom + 3)], MUTED, 1)?;
            }
            Ok(())
        }
    }
}

/// Stretches of consecutive items that pass `ok`.
fn runs<T: Copy>(items: &[T], ok: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = vec![];
    let mut cur: Vec<T> = vec![];
    for it in items {
        if ok(it) {
            cur.push(*it);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn draw_series<DB: Backend>(pen: &Pen<DB>, s: &Series, f: &Frame) -> Result<(), ChartError> {
    for run in runs(&s.points, |p| p.1.is_finite()) {
        let pts: Vec<(i32, i32)> = run.iter().map(|p| f.pt(p.0, p.1)).collect();
        match s.style {
            LineStyle::Solid | LineStyle::SolidPoints => pen.line(&pts, s.color, s.width)?,
            LineStyle::Dashed => pen.dashed(&pts, s.color, s.width)?,
            LineStyle::Points => {}
        }
        if matches!(s.style, LineStyle::Points | LineStyle::SolidPoints) {
            for p in &pts {
                pen.dot(*p, 3 + s.width as i32 / 2, s.color)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_at_gaps_and_axis_labels_follow_the_language() {
        let r = runs(&[1.0, f64::NAN, 2.0, 3.0, f64::NAN], |v: &f64| v.is_finite());
        assert_eq!(r, vec![vec![1.0], vec![2.0, 3.0]]);
        let (range, ticks) = axis_ticks(&YAxis::new("x", Unit::Share), Some((0.1, 0.83)), Lang::De);
        assert_eq!(range, (0.0, 1.0));
        assert_eq!(
            ticks.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(),
            ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
        );
        let (_, ticks) = axis_ticks(&YAxis::new("x", Unit::Number), Some((0.0, 2.2)), Lang::De);
        assert_eq!(ticks[1].1, "0,5");
    }
}
