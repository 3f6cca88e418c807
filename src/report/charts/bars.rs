//! Horizontal grouped bar charts: one row per category (labels of any length fit on the
//! left), one bar per group in each row, the value printed at the bar's end, and an optional
//! reference line (a target).

use plotters::prelude::*;

use crate::report::charts::frame::{
    CELL_SIZE, Frame, LABEL_SIZE, LEGEND_ROW, LegendItem, Mark, SMALL_SIZE, TITLE_H, WIDTH, legend,
    legend_rows, nice_ticks, title,
};
use crate::report::charts::lines::Unit;
use crate::report::charts::pen::Align;
use crate::report::charts::style::{AXIS, GRID, MUTED, TEXT};
use crate::report::charts::{Backend, ChartError, Figure, Pen};
use crate::report::i18n::Lang;

/// One group of bars (a colour in the legend): a value per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    pub name: String,
    pub color: RGBColor,
    pub values: Vec<Option<f64>>,
    /// Labels printed at the bars' ends, one per category.
    pub labels: Vec<String>,
}

/// A vertical reference line at `x` with a label.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub x: f64,
    pub label: String,
}

/// The chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarFigure {
    pub title: String,
    pub lang: Lang,
    pub categories: Vec<String>,
    pub groups: Vec<BarGroup>,
    pub axis_title: String,
    pub unit: Unit,
    pub target: Option<Target>,
}

const BAR_H: i32 = 16;
const ROW_GAP: i32 = 12;
const RIGHT: i32 = 70;

impl BarFigure {
    fn left(&self) -> i32 {
        let longest = self.categories.iter().map(|c| c.chars().count()).max().unwrap_or(4) as i32;
        (longest * 10 + 24).clamp(80, 300)
    }

    fn legend_items(&self) -> Vec<LegendItem> {
        if self.groups.len() < 2 {
            return vec![];
        }
        self.groups.iter().map(|g| LegendItem::new(g.name.clone(), g.color, Mark::Box)).collect()
    }

    fn row_h(&self) -> i32 {
        self.groups.len().max(1) as i32 * BAR_H + ROW_GAP
    }

    fn top(&self) -> i32 {
        let rows = legend_rows(&self.legend_items(), WIDTH as i32 - self.left() - RIGHT);
        TITLE_H + 6 + rows * LEGEND_ROW + 10
    }

    fn x_range(&self) -> ((f64, f64), Vec<f64>) {
        let values = self.groups.iter().flat_map(|g| g.values.iter().flatten().copied());
        let hi = values.chain(self.target.as_ref().map(|t| t.x)).fold(0.0f64, f64::max);
        match self.unit {
            Unit::Share => nice_ticks(0.0, hi.clamp(0.01, 1.0), 4),
            Unit::Number => nice_ticks(0.0, hi.max(1e-9), 4),
        }
    }
}

impl Figure for BarFigure {
    fn size(&self) -> (u32, u32) {
        let h = self.top() + self.categories.len() as i32 * self.row_h() + 56;
        (WIDTH, h as u32)
    }

    fn draw<DB: Backend>(&self, pen: &Pen<DB>) -> Result<(), ChartError> {
        title(pen, &self.title)?;
        let left = self.left();
        legend(pen, &self.legend_items(), (left, TITLE_H + 6), WIDTH as i32 - left - RIGHT)?;
        let top = self.top();
        let bottom = top + self.categories.len() as i32 * self.row_h();
        let (range, ticks) = self.x_range();
        let f = Frame { left, top, right: WIDTH as i32 - RIGHT, bottom, x: range, y: (0.0, 1.0) };
        let step = if ticks.len() > 1 { ticks[1] - ticks[0] } else { 1.0 };
        for t in &ticks {
            let x = f.px(*t);
            pen.line(&[(x, top), (x, bottom)], GRID, 1)?;
            let label = match self.unit {
                Unit::Share => self.lang.pct(*t, 0),
                Unit::Number => self.lang.num(*t, if step < 1.0 { 1 } else { 0 }),
            };
            pen.text(&label, (x, bottom + 14), SMALL_SIZE, MUTED, Align::Center)?;
        }
        pen.text(&self.axis_title, ((f.left + f.right) / 2, bottom + 36), LABEL_SIZE, TEXT, Align::Center)?;
        // The target goes behind the bars, so the value labels stay readable.
        if let Some(t) = &self.target {
            let x = f.px(t.x);
            pen.dashed(&[(x, top - 4), (x, bottom)], MUTED, 2)?;
            pen.text(&t.label, (x + 4, top - 4), SMALL_SIZE, TEXT, Align::Left)?;
        }
        for (c, cat) in self.categories.iter().enumerate() {
            let row_top = top + c as i32 * self.row_h() + ROW_GAP / 2;
            let mid = row_top + self.groups.len() as i32 * BAR_H / 2;
            pen.text(cat, (left - 10, mid), LABEL_SIZE, TEXT, Align::Right)?;
            for (g, group) in self.groups.iter().enumerate() {
                let y = row_top + g as i32 * BAR_H;
                let label = group.labels.get(c).map(String::as_str).unwrap_or("");
                match group.values.get(c).copied().flatten() {
                    Some(v) => {
                        let x = f.px(v.max(0.0));
                        pen.fill_rect((left, y + 1), (x.max(left + 1), y + BAR_H - 2), group.color)?;
                        pen.text(label, (x + 5, y + BAR_H / 2), CELL_SIZE, TEXT, Align::Left)?;
                    }
                    None => pen.text(label, (left + 5, y + BAR_H / 2), CELL_SIZE, MUTED, Align::Left)?,
                }
            }
        }
        pen.line(&[(left, top), (left, bottom)], AXIS, 1)?;
        Ok(())
    }
}
