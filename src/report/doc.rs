//! The report as a document before it becomes HTML: pages (the overview, then one per
//! office) of numbered sections holding charts with their reading aid, tables and text.

use crate::report::ReportError;
use crate::report::charts::{Drawn, Figure, render};

/// A chart with its file id, title and one-sentence reading aid.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartBlock {
    /// File stem of its PNG and SVG (`dormagen-heatmap-tickets`); also the HTML id.
    pub id: String,
    /// Kind of chart, the same for every office (`heatmap-tickets`).
    pub kind: String,
    pub title: String,
    pub aid: String,
    pub drawn: Drawn,
}

/// A table; `numeric[i]` right-aligns column i.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<bool>,
}

impl Table {
    /// A table whose first column is text and the others numbers.
    pub fn new(head: Vec<String>) -> Table {
        let numeric = (0..head.len()).map(|i| i > 0).collect();
        Table { head, rows: vec![], numeric }
    }
}

/// A block of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Chart(Box<ChartBlock>),
    Table(Table),
    Text(String),
}

/// A numbered section (`kind` is stable across languages: `heatmaps`, `profile`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub kind: &'static str,
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(kind: &'static str, title: impl Into<String>) -> Section {
        Section { kind, title: title.into(), blocks: vec![] }
    }

    pub fn text(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Text(s.into()));
    }

    pub fn table(&mut self, t: Table) {
        self.blocks.push(Block::Table(t));
    }

    /// Draws `fig` and adds it as chart `{page}-{kind}`.
    pub fn chart(
        &mut self,
        page: &str,
        kind: &str,
        title: &str,
        aid: String,
        fig: &impl Figure,
    ) -> Result<(), ReportError> {
        let id = format!("{page}-{kind}");
        let drawn = render(fig).map_err(|source| ReportError::Chart { chart: id.clone(), source })?;
        self.blocks.push(Block::Chart(Box::new(ChartBlock {
            id,
            kind: kind.to_string(),
            title: title.to_string(),
            aid,
            drawn,
        })));
        Ok(())
    }

    pub fn charts(&self) -> impl Iterator<Item = &ChartBlock> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Chart(c) => Some(c.as_ref()),
            _ => None,
        })
    }
}

/// A page: the overview or one office.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// `overview` or the office id.
    pub id: String,
    pub title: String,
    pub sections: Vec<Section>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub lang: crate::report::i18n::Lang,
    pub title: String,
    /// Lines under the title (generation, data range, …).
    pub meta: Vec<String>,
    pub pages: Vec<Page>,
    pub footer: String,
}

impl Document {
    pub fn charts(&self) -> impl Iterator<Item = &ChartBlock> {
        self.pages.iter().flat_map(|p| p.sections.iter().flat_map(Section::charts))
    }
}
