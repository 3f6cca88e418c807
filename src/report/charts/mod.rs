//! Charts of the report, drawn with plotters: each chart kind is a [`Figure`] that draws with
//! a [`Pen`] on any plotters backend, so one drawing gives the SVG (inlined in the HTML and
//! written as a file) and the PNG (written as a file; text from the embedded DejaVu Sans).

pub mod bars;
pub mod frame;
pub mod heatmap;
pub mod lines;
pub mod pen;
pub mod style;

use plotters::prelude::*;

pub use pen::{Backend, ChartError, Pen};

use pen::draw_err;

/// A chart kind with its data: knows its size and how to draw itself.
pub trait Figure {
    /// Width and height in pixels (of the PNG; the SVG's view box).
    fn size(&self) -> (u32, u32);
    fn draw<DB: Backend>(&self, pen: &Pen<DB>) -> Result<(), ChartError>;
}

/// A drawn chart: SVG text and PNG bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub width: u32,
    pub height: u32,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Draws `fig` on both backends.
pub fn render(fig: &impl Figure) -> Result<Drawn, ChartError> {
    style::register_fonts()?;
    let (width, height) = fig.size();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        area.fill(&WHITE).map_err(draw_err)?;
        fig.draw(&Pen::new(&area))?;
        area.present().map_err(draw_err)?;
    }
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        area.fill(&WHITE).map_err(draw_err)?;
        fig.draw(&Pen::new(&area))?;
        area.present().map_err(draw_err)?;
    }
    let png = encode_png(&rgb, width, height)?;
    Ok(Drawn { width, height, svg, png })
}

/// Encodes 8-bit RGB pixels as PNG.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header()?;
        w.write_image_data(rgb)?;
        w.finish()?;
    }
    Ok(out)
}
