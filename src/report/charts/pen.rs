//! A small drawing vocabulary over a plotters drawing area in pixel coordinates: rectangles,
//! lines, polygons and text with anchors, and text measurement for layout; and the chart
//! errors ([`ChartError`]: a backend's error boxed, so chart code does not carry its type).

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::charts::style::{FONT, FontError, TEXT};

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("cannot draw")]
    Draw(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot encode the PNG")]
    Png(#[from] png::EncodingError),
}

/// A plotters backend whose errors can be kept as a [`ChartError`]'s source (both of ours: SVG
/// and bitmap).
pub trait Backend: DrawingBackend<ErrorType: 'static> {}

impl<T: DrawingBackend<ErrorType: 'static>> Backend for T {}

/// A drawing error as a [`ChartError`].
pub fn draw_err<E: std::error::Error + Send + Sync + 'static>(e: DrawingAreaErrorKind<E>) -> ChartError {
    ChartError::Draw(Box::new(e))
}

/// Horizontal anchor of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Draws on one plotters area.
pub struct Pen<'a, DB: Backend> {
    area: &'a DrawingArea<DB, Shift>,
}

impl<'a, DB: Backend> Pen<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>) -> Pen<'a, DB> {
        Pen { area }
    }

    /// A filled rectangle between two corners.
    pub fn fill_rect(&self, a: (i32, i32), b: (i32, i32), color: impl Color) -> Result<(), ChartError> {
        self.area.draw(&Rectangle::new([a, b], color.filled())).map_err(draw_err)
    }

    /// A rectangle outline.
    pub fn stroke_rect(
        &self,
        a: (i32, i32),
        b: (i32, i32),
        color: impl Color,
        width: u32,
    ) -> Result<(), ChartError> {
        self.area.draw(&Rectangle::new([a, b], color.stroke_width(width))).map_err(draw_err)
    }

    /// A polyline.
    pub fn line(&self, points: &[(i32, i32)], color: impl Color, width: u32) -> Result<(), ChartError> {
        if points.len() < 2 {
            return Ok(());
        }
        self.area.draw(&PathElement::new(points.to_vec(), color.stroke_width(width))).map_err(draw_err)
    }

    /// A dashed polyline.
    pub fn dashed(&self, points: &[(i32, i32)], color: impl Color, width: u32) -> Result<(), ChartError> {
        if points.len() < 2 {
            return Ok(());
        }
        let style = color.stroke_width(width);
        self.area.draw(&DashedPathElement::new(points.to_vec(), 7, 5, style)).map_err(draw_err)
    }

    /// A filled polygon.
    pub fn polygon(&self, points: &[(i32, i32)], color: impl Color) -> Result<(), ChartError> {
        if points.len() < 3 {
            return Ok(());
        }
        self.area.draw(&Polygon::new(points.to_vec(), color.filled())).map_err(draw_err)
    }

    /// A filled circle.
    pub fn dot(&self, center: (i32, i32), radius: i32, color: impl Color) -> Result<(), ChartError> {
        self.area.draw(&Circle::new(center, radius, color.filled())).map_err(draw_err)
    }

    fn style(size: f64, bold: bool, color: &RGBColor, align: Align, v: VPos) -> TextStyle<'static> {
        // The style goes in with the family: `FontDesc::style` keeps the regular glyphs.
        let font = (FONT, size, if bold { FontStyle::Bold } else { FontStyle::Normal }).into_font();
        let h = match align {
            Align::Left => HPos::Left,
            Align::Center => HPos::Center,
            Align::Right => HPos::Right,
        };
        font.color(color).pos(Pos::new(h, v))
    }

    /// Text with its vertical centre at `at.1`.
    pub fn text(
        &self,
        s: &str,
        at: (i32, i32),
        size: f64,
        color: RGBColor,
        align: Align,
    ) -> Result<(), ChartError> {
        self.centred(s, at, (size, false), color, align)
    }

    /// Bold text with its vertical centre at `at.1`.
    pub fn bold(
        &self,
        s: &str,
        at: (i32, i32),
        size: f64,
        color: RGBColor,
        align: Align,
    ) -> Result<(), ChartError> {
        self.centred(s, at, (size, true), color, align)
    }

    fn centred(
        &self,
        s: &str,
        at: (i32, i32),
        (size, bold): (f64, bool),
        color: RGBColor,
        align: Align,
    ) -> Result<(), ChartError> {
        let style = Self::style(size, bold, &color, align, VPos::Center);
        self.area.draw(&Text::new(s.to_string(), at, style)).map_err(draw_err)
    }

    /// Text turned 90° counter-clockwise (for a y-axis title), centred on `at`.
    pub fn text_up(&self, s: &str, at: (i32, i32), size: f64) -> Result<(), ChartError> {
        let style =
            Self::style(size, false, &TEXT, Align::Center, VPos::Center).transform(FontTransform::Rotate270);
        self.area.draw(&Text::new(s.to_string(), at, style)).map_err(draw_err)
    }

    /// Width in pixels of `s` at `size`.
    pub fn width(&self, s: &str, size: f64, bold: bool) -> u32 {
        let style = Self::style(size, bold, &TEXT, Align::Left, VPos::Center);
        self.area
            .estimate_text_size(s, &style)
            .map(|(w, _)| w)
            .unwrap_or(s.chars().count() as u32 * size as u32)
    }
}
