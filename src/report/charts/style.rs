//! Colours, scales and the embedded font: a viridis colour scale for values, a purple–orange
//! diverging scale for differences, the Okabe–Ito palette for categories (all readable with
//! the common colour-vision deficiencies), and DejaVu Sans registered with plotters.

use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor};

/// The font family name the charts use (and the SVGs ask for).
pub const FONT: &str = "sans-serif";

static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// An embedded font that plotters cannot read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the embedded font {file}")]
pub struct FontError {
    pub file: &'static str,
}

/// Registers DejaVu Sans (regular and bold) as `sans-serif`, once per process.
pub fn register_fonts() -> Result<(), FontError> {
    static DONE: OnceLock<Result<(), FontError>> = OnceLock::new();
    *DONE.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, REGULAR)
            .map_err(|_| FontError { file: "DejaVuSans.ttf" })?;
        plotters::style::register_font(FONT, FontStyle::Bold, BOLD)
            .map_err(|_| FontError { file: "DejaVuSans-Bold.ttf" })
    })
}

pub const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const MUTED: RGBColor = RGBColor(0x5f, 0x5f, 0x5f);
pub const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
pub const AXIS: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);
/// Fill of suppressed cells (with a hatch drawn over it).
pub const SUPPRESSED: RGBColor = RGBColor(0xd9, 0xd9, 0xd9);
/// Shading of closed days in time series.
pub const CLOSED: RGBColor = RGBColor(0xee, 0xee, 0xee);

/// Okabe–Ito colours for categories (its yellow replaced by a mid grey: too light on white);
/// eight, as many as there are service codes and simulated offices.
pub const CATEGORICAL: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0x8c, 0x8c, 0x8c),
];

/// The i-th categorical colour (cycling).
pub fn category(i: usize) -> RGBColor {
    CATEGORICAL[i % CATEGORICAL.len()]
}

/// Viridis at 9 evenly spaced points (matplotlib's).
const VIRIDIS: [u32; 9] =
    [0x440154, 0x472c7a, 0x3b518b, 0x2c718e, 0x21908d, 0x27ad81, 0x5cc863, 0xaadc32, 0xfde725];
/// Purple–white–orange (ColorBrewer PuOr, 5 classes).
const PUOR: [u32; 5] = [0x542788, 0x998ec3, 0xf7f7f7, 0xf1a340, 0xb35806];

fn rgb(hex: u32) -> RGBColor {
    RGBColor((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

/// Linear interpolation between evenly spaced anchor colours at `t` in [0, 1].
fn interpolate(anchors: &[u32], t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * (anchors.len() - 1) as f64;
    let i = (pos.floor() as usize).min(anchors.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (rgb(anchors[i]), rgb(anchors[i + 1]));
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A colour scale over a value range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// Viridis from `lo` (dark purple) to `hi` (yellow).
    Sequential { lo: f64, hi: f64 },
    /// Purple below 0, white at 0, orange above; symmetric to ±`max`.
    Diverging { max: f64 },
}

impl Scale {
    pub fn color(&self, v: f64) -> RGBColor {
        match *self {
            Scale::Sequential { lo, hi } => {
                let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                interpolate(&VIRIDIS, t)
            }
            Scale::Diverging { max } => {
                let t = if max > 0.0 { 0.5 + 0.5 * v / max } else { 0.5 };
                interpolate(&PUOR, t)
            }
        }
    }

    /// (low, high) end of the scale.
    pub fn range(&self) -> (f64, f64) {
        match *self {
            Scale::Sequential { lo, hi } => (lo, hi),
            Scale::Diverging { max } => (-max, max),
        }
    }
}

/// `c` at opacity `alpha` over white, as an opaque colour (what a band looks like, for its
/// legend entry).
pub fn over_white(c: RGBColor, alpha: f64) -> RGBColor {
    let mix = |x: u8| (255.0 - (255.0 - f64::from(x)) * alpha).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Opacity of bands (p10–p90).
pub const BAND_ALPHA: f64 = 0.28;

/// Black or white, whichever reads better on `bg` (by relative luminance).
pub fn text_on(bg: RGBColor) -> RGBColor {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let l = 0.2126 * lin(bg.0) + 0.7152 * lin(bg.1) + 0.0722 * lin(bg.2);
    if l > 0.22 { TEXT } else { RGBColor(0xff, 0xff, 0xff) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_hit_their_anchors_and_clamp() {
        let s = Scale::Sequential { lo: 0.0, hi: 10.0 };
        assert_eq!(s.color(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(s.color(10.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(s.color(99.0), s.color(10.0));
        assert_eq!(s.color(5.0), RGBColor(0x21, 0x90, 0x8d));
        let d = Scale::Diverging { max: 2.0 };
        assert_eq!(d.color(0.0), RGBColor(0xf7, 0xf7, 0xf7));
        assert_eq!(d.color(-2.0), RGBColor(0x54, 0x27, 0x88));
        assert_eq!(text_on(RGBColor(0x44, 0x01, 0x54)), RGBColor(0xff, 0xff, 0xff));
        assert_eq!(text_on(RGBColor(0xfd, 0xe7, 0x25)), TEXT);
        register_fonts().unwrap();
    }
}
