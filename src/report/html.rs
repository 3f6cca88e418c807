//! The report as one self-contained HTML file: inline CSS (screen and A4 print), the charts
//! as inline SVG, no scripts and no link or source outside the file. The markup is also
//! well-formed XML (every element closed, attributes quoted, text escaped), so a strict
//! parser can check it.

use crate::report::doc::{Block, ChartBlock, Document, Section, Table};

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 15px;
  line-height: 1.45; color: #222; background: #fff; }
header, nav, main, footer { max-width: 900px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 20px; }
h1 { font-size: 26px; margin: 0 0 6px 0; }
h2 { font-size: 22px; margin: 28px 0 8px 0; padding-bottom: 4px; border-bottom: 3px solid #0072b2; }
h3 { font-size: 18px; margin: 22px 0 8px 0; }
p { margin: 6px 0; }
.meta { color: #555; margin: 2px 0; }
nav ul { list-style: none; padding: 0; margin: 12px 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
nav a { color: #0b5394; }
figure { margin: 14px 0 22px 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { margin-top: 4px; font-size: 14px; color: #333; border-left: 4px solid #e69f00; padding-left: 8px; }
.table-wrap { overflow-x: auto; margin: 8px 0 16px 0; }
table { border-collapse: collapse; font-size: 13.5px; min-width: 50%; break-inside: avoid; page-break-inside: avoid; }
th, td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th { background: #f2f2f2; font-weight: bold; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
footer { color: #555; font-size: 13px; padding-top: 16px; padding-bottom: 24px; border-top: 1px solid #ddd; margin-top: 24px; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  header, nav, main, footer { padding: 0 8px; }
  h1 { font-size: 21px; }
  h2 { font-size: 19px; }
  figure { overflow-x: auto; }
  figure svg { min-width: 640px; }
}
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10.5pt; }
  header, nav, main, footer { max-width: none; padding: 0; }
  nav { display: none; }
  .page { break-before: page; page-break-before: always; }
  .page:first-of-type { break-before: auto; page-break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole page.
pub fn html(doc: &Document) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n");
    h.push_str(&format!("<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\" />\n", doc.lang.code()));
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
    h.push_str(&format!("<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n", esc(&doc.title)));
    h.push_str(&format!("<header>\n<h1>{}</h1>\n", esc(&doc.title)));
    for line in &doc.meta {
        h.push_str(&format!("<p class=\"meta\">{}</p>\n", esc(line)));
    }
    h.push_str("</header>\n<nav>\n<ul>\n");
    for p in &doc.pages {
        h.push_str(&format!("<li><a href=\"#{}\">{}</a></li>\n", esc(&p.id), esc(&p.title)));
    }
    h.push_str("</ul>\n</nav>\n<main>\n");
    for p in &doc.pages {
        h.push_str(&format!("<section class=\"page\" id=\"{}\" data-page=\"{}\">\n", esc(&p.id), esc(&p.id)));
        h.push_str(&format!("<h2>{}</h2>\n", esc(&p.title)));
        for s in &p.sections {
            section(&mut h, &p.id, s);
        }
        h.push_str("</section>\n");
    }
    h.push_str(&format!("</main>\n<footer>\n<p>{}</p>\n</footer>\n</body>\n</html>\n", esc(&doc.footer)));
    h
}

fn section(h: &mut String, page: &str, s: &Section) {
    h.push_str(&format!(
        "<section class=\"section\" id=\"{}-{}\" data-section=\"{}\">\n<h3>{}</h3>\n",
        esc(page),
        s.kind,
        s.kind,
        esc(&s.title)
    ));
    for b in &s.blocks {
        match b {
            Block::Chart(c) => figure(h, c),
            Block::Table(t) => table(h, t),
            Block::Text(t) => h.push_str(&format!("<p>{}</p>\n", esc(t))),
        }
    }
    h.push_str("</section>\n");
}

fn figure(h: &mut String, c: &ChartBlock) {
    h.push_str(&format!("<figure id=\"{}\" data-chart=\"{}\">\n", esc(&c.id), esc(&c.kind)));
    h.push_str(&inline_svg(&c.drawn.svg, &c.title, c.drawn.width, c.drawn.height));
    h.push_str(&format!("<figcaption>{}</figcaption>\n</figure>\n", esc(&c.aid)));
}

/// The plotters SVG with its opening tag replaced: scalable (view box only), labelled for
/// screen readers, and without the namespace URL (HTML puts inline `svg` in it anyway).
pub fn inline_svg(svg: &str, title: &str, width: u32, height: u32) -> String {
    let body = svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|end| &svg[start + end + 1..]))
        .unwrap_or("");
    format!(
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMidYMid meet\">{}",
        esc(title),
        body.trim_end()
    ) + "\n"
}

fn table(h: &mut String, t: &Table) {
    let class = |i: usize| if t.numeric.get(i).copied().unwrap_or(false) { " class=\"num\"" } else { "" };
    h.push_str("<div class=\"table-wrap\">\n<table>\n<thead>\n<tr>");
    for (i, c) in t.head.iter().enumerate() {
        h.push_str(&format!("<th{}>{}</th>", class(i), esc(c)));
    }
    h.push_str("</tr>\n</thead>\n<tbody>\n");
    for r in &t.rows {
        h.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            h.push_str(&format!("<td{}>{}</td>", class(i), esc(c)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_svg_header() {
        assert_eq!(esc("a<b & \"c\" 'd'"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;");
        let svg = "<svg width=\"10\" height=\"5\" viewBox=\"0 0 10 5\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/>\n</svg>\n";
        let out = inline_svg(svg, "T&T", 10, 5);
        assert_eq!(
            out,
            "<svg viewBox=\"0 0 10 5\" role=\"img\" aria-label=\"T&amp;T\" preserveAspectRatio=\"xMidYMid meet\">\n<rect/>\n</svg>\n"
        );
        assert!(!out.contains("http"));
    }
}
