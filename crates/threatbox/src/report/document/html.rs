//! The HTML rendering of the [`Document`]: one self-contained page with
//! inline CSS and SVG, no request of any kind (a Content-Security-Policy
//! allows nothing but inline styles, `data:` images and the one inline
//! script by its hash), readable with JavaScript off, printable.
//!
//! The diagrams are laid out here, in Rust, by a small nested-box layout
//! (see `docs/report.md` for why not `layout-rs`): a trust boundary is a box
//! whose nodes sit in a grid and whose inner boundaries follow in wrapped
//! rows; flows are straight arrows between node borders. Attack trees use a
//! tidy top-down layout.

use std::collections::BTreeMap;
use std::fmt::Write;

use sha2::{Digest, Sha256};

use super::attack_view::{TreeNodeKind, TreeView};
use super::dfd::{BoundaryKind, Cell, Dfd, ElementKind, Role};
use super::escape::{html as h, ident};
use super::tables::Table;
use super::{Document, FindingView, stage_title};
use crate::analyse::finding::{Severity, Stride};

/// The optional filter script. Without it every finding shows.
const SCRIPT: &str = r#"(function(){var f=document.getElementById('filters');if(!f){return;}f.hidden=false;function on(sel){var out=[];f.querySelectorAll(sel).forEach(function(i){if(i.checked){out.push(i.value);}});return out;}function apply(){var sev=on('input[name=sev]'),str=on('input[name=stride]');document.querySelectorAll('.finding').forEach(function(e){var s=sev.indexOf(e.getAttribute('data-severity'))>=0;var t=(e.getAttribute('data-stride')||'').split(' ').some(function(x){return str.indexOf(x)>=0;});e.hidden=!(s&&t);});}f.addEventListener('change',apply);})();"#;

const CSS: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--crit:#8b0000;--high:#b00020;--med:#9a6700;--low:#0969da;--info:#57606a}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
header,main{max-width:1200px;margin:0 auto;padding:0 1.2rem}
h1{margin:1.2rem 0 .3rem}h2{border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2.2rem}
nav ol{display:flex;flex-wrap:wrap;gap:.2rem 1.2rem;list-style:none;padding:0;margin:.3rem 0}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:13px;width:100%}
th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{background:#f6f8fa;border:1px solid var(--line);padding:.4rem .6rem;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
.sev{display:inline-block;font-weight:700;font-size:12px;padding:0 .35rem;border-radius:3px;color:#fff}
.sev-critical{background:var(--crit)}.sev-high{background:var(--high)}.sev-medium{background:var(--med)}.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.finding{border:1px solid var(--line);border-left:6px solid var(--line);padding:.4rem .8rem;margin:.6rem 0;border-radius:4px}
.finding.sev-critical,.finding.sev-high{border-left-color:var(--high)}.finding.sev-medium{border-left-color:var(--med)}
.finding.sev-low{border-left-color:var(--low)}.finding.sev-info{border-left-color:var(--info)}
.finding h5{margin:.2rem 0;font-size:15px}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0}.finding dt{font-weight:600;color:var(--muted)}.finding dd{margin:0}
#stride td{min-width:7.5em}#stride th[scope=row]{min-width:14em}
.cell-found{background:#ffebe9;font-weight:600}.cell-clean{background:#dafbe1}.cell-not-examined{background:#fff8c5}.cell-na{color:var(--muted)}
#filters{border:1px solid var(--line);padding:.4rem .8rem;border-radius:4px;margin:1rem 0}
#filters fieldset{display:inline-block;border:0;margin:0 1.5rem 0 0;padding:0}
.diagram{overflow-x:auto;border:1px solid var(--line);border-radius:4px;margin:.6rem 0}
svg text{font-family:system-ui,sans-serif}
.boundary rect{fill:none;stroke-width:2;stroke-dasharray:8 5}
.boundary text{font-size:12px;font-weight:700}
.boundary-internet rect{stroke:#8250df}.boundary-internet text{fill:#8250df}
.boundary-network rect{stroke:#0969da}.boundary-network text{fill:#0969da}
.boundary-namespace rect{stroke:#1a7f37}.boundary-namespace text{fill:#1a7f37}
.boundary-host rect{stroke:#9a6700}.boundary-host text{fill:#9a6700}
.boundary-container rect{stroke:#57606a;stroke-dasharray:3 3}.boundary-container text{fill:#57606a;font-weight:400}
.dfd-node .shape{fill:#f6f8fa;stroke:#57606a;stroke-width:1.5}
.dfd-node.severe .shape{stroke:var(--high);stroke-width:4}
.dfd-node text{font-size:12px}.dfd-node .detail{fill:var(--muted);font-size:11px}.dfd-node .badge{fill:var(--high);font-weight:700;font-size:11px}
.dfd-flow line{stroke:#57606a;stroke-width:1.4}.dfd-flow.supply line{stroke:#afb8c1;stroke-dasharray:4 3}
.dfd-flow text{font-size:10.5px;fill:#1b1f24;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.tree-node rect{fill:#f6f8fa;stroke:#8c959f;stroke-width:1.5}
.tree-node.reachable rect{fill:#ffebe9;stroke:var(--high);stroke-width:3.5}
.tree-node text{font-size:12px}.tree-node .kind{font-weight:700;font-size:11px}
.tree-edge{stroke:#8c959f;stroke-width:1.3;fill:none}.tree-edge.reachable{stroke:var(--high);stroke-width:3}
@media print{#filters,nav{display:none}.finding{break-inside:avoid}.diagram{overflow:visible;border:0}svg{max-width:100%;height:auto}h2{break-after:avoid}a{color:inherit;text-decoration:none}body{font-size:11pt}}
"#;

/// Standard base64 (for the script hash in the CSP).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The CSP `script-src` source for an inline script.
pub fn script_hash(script: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(script.as_bytes())))
}

/// Our own rule texts (Markdown with `code` and **bold**) as HTML: escaped
/// first, then the two marks turned into elements.
fn inline_md(s: &str) -> String {
    let escaped = h(&s.split_whitespace().collect::<Vec<_>>().join(" "));
    let mut out = String::new();
    let mut in_code = false;
    for (i, part) in escaped.split('`').enumerate() {
        if i > 0 {
            out.push_str(if in_code { "</code>" } else { "<code>" });
            in_code = !in_code;
        }
        if in_code {
            out.push_str(part);
        } else {
            let mut bold = false;
            for (j, p) in part.split("**").enumerate() {
                if j > 0 {
                    out.push_str(if bold { "</strong>" } else { "<strong>" });
                    bold = !bold;
                }
                out.push_str(p);
            }
            if bold {
                out.push_str("</strong>");
            }
        }
    }
    if in_code {
        out.push_str("</code>");
    }
    out
}

fn sev_badge(s: Severity) -> String {
    format!(
        "<span class=\"sev sev-{0}\">{1}</span>",
        s.as_str(),
        s.as_str().to_uppercase()
    )
}

/// At most `n` characters, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn render(doc: &Document) -> String {
    let mut o = String::new();
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {}; base-uri 'none'; form-action 'none'",
        script_hash(SCRIPT)
    );
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>{} — threatbox</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p>Generated by threatbox {} from {} input files.</p>\n",
        h(&doc.title),
        h(&doc.title),
        h(&doc.scope.tool_version),
        doc.scope.inputs.len()
    );
    o.push_str("<nav aria-label=\"Sections\"><ol><li><a href=\"#scope\">1. Scope</a></li><li><a href=\"#summary\">2. Summary</a></li><li><a href=\"#system\">3. System model</a></li><li><a href=\"#stride\">4. STRIDE per element</a></li><li><a href=\"#lifecycle\">5. Lifecycle</a></li><li><a href=\"#findings\">6. Findings</a></li><li><a href=\"#attack\">7. Attack trees</a></li><li><a href=\"#mitigation\">8. Mitigation plan</a></li><li><a href=\"#appendix\">9. Appendix</a></li></ol></nav>\n</header>\n<main>\n");
    scope(&mut o, doc);
    summary(&mut o, doc);
    system(&mut o, doc);
    stride(&mut o, doc);
    lifecycle(&mut o, doc);
    findings(&mut o, doc);
    attack(&mut o, doc);
    mitigation(&mut o, doc);
    appendix(&mut o, doc);
    let _ = write!(o, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    o
}

fn table(o: &mut String, t: &Table, label: &str) {
    if t.rows.is_empty() {
        o.push_str("<p>None in the input.</p>\n");
        return;
    }
    let _ = write!(o, "<table aria-label=\"{}\"><thead><tr>", h(label));
    for c in &t.header {
        let _ = write!(o, "<th scope=\"col\">{}</th>", h(c));
    }
    o.push_str("</tr></thead><tbody>\n");
    for row in &t.rows {
        o.push_str("<tr>");
        for c in row {
            let _ = write!(o, "<td>{}</td>", h(c));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody></table>\n");
}

fn scope(o: &mut String, doc: &Document) {
    o.push_str("<section id=\"scope\"><h2>1. Scope</h2>\n<table aria-label=\"Inputs by kind\"><thead><tr><th scope=\"col\">Input kind</th><th scope=\"col\">Files</th></tr></thead><tbody>");
    for (k, n) in &doc.scope.inputs_by_kind {
        let _ = write!(o, "<tr><td>{}</td><td>{n}</td></tr>", h(k));
    }
    let _ = write!(
        o,
        "</tbody></table>\n<details><summary>Files read ({})</summary><ul>",
        doc.scope.inputs.len()
    );
    for (p, k) in &doc.scope.inputs {
        let _ = write!(o, "<li><code>{}</code> ({})</li>", h(p), h(k));
    }
    o.push_str("</ul></details>\n<h3>Assumptions</h3><ul>");
    for a in &doc.scope.assumptions {
        let _ = write!(o, "<li>{}</li>", h(a));
    }
    o.push_str("</ul></section>\n");
}

fn count_table(o: &mut String, label: &str, rows: &[(String, usize)]) {
    let _ = write!(
        o,
        "<table aria-label=\"{0}\"><thead><tr><th scope=\"col\">{0}</th><th scope=\"col\">Findings</th></tr></thead><tbody>",
        h(label)
    );
    for (k, n) in rows {
        let _ = write!(o, "<tr><td>{k}</td><td>{n}</td></tr>");
    }
    o.push_str("</tbody></table>\n");
}

fn summary(o: &mut String, doc: &Document) {
    let s = &doc.summary;
    let _ = write!(
        o,
        "<section id=\"summary\"><h2>2. Summary</h2>\n<p><strong>{}</strong> findings ({} suppressed, listed in the appendix).</p>\n",
        s.total, s.suppressed
    );
    count_table(
        o,
        "Severity",
        &s.by_severity
            .iter()
            .map(|(k, n)| (sev_badge(*k), *n))
            .collect::<Vec<_>>(),
    );
    count_table(
        o,
        "STRIDE category",
        &s.by_stride
            .iter()
            .map(|(k, n)| (format!("{} ({})", k.name(), k.letter()), *n))
            .collect::<Vec<_>>(),
    );
    count_table(
        o,
        "Lifecycle stage",
        &s.by_stage
            .iter()
            .map(|(k, n)| (h(stage_title(*k)), *n))
            .collect::<Vec<_>>(),
    );
    o.push_str("<h3>Attacker goals</h3>\n");
    if !doc.attack.analysed {
        o.push_str("<p>The attack analysis did not run in this build: no goal is judged reachable or unreachable.</p>\n");
    } else if s.goals.is_empty() {
        o.push_str("<p>No attacker goal applies to this system.</p>\n");
    } else {
        o.push_str("<ul>");
        for (i, (name, r)) in s.goals.iter().enumerate() {
            let _ = write!(
                o,
                "<li><a href=\"#goal-{i}\">{}</a> — {}</li>",
                h(name),
                if *r {
                    "<strong>reachable</strong>"
                } else {
                    "not reachable"
                }
            );
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");
}

fn system(o: &mut String, doc: &Document) {
    let t = &doc.tables;
    o.push_str("<section id=\"system\"><h2>3. System model</h2>\n");
    o.push_str("<h3 id=\"dfd-heading\">Data-flow diagram</h3>\n<p>Dashed boxes are trust boundaries (labelled with their kind: internet, network, namespace, host, container). Plain rectangles are external entities, rounded boxes processes, boxes with a double top edge data stores. An element with findings says how many and the worst severity; high and critical ones also get a thick red border. Select an element to see its STRIDE row.</p>\n");
    dfd_svg(o, &doc.dfd);
    for (title, tab) in [
        ("Images built here", &t.images),
        ("Workloads and services", &t.workloads),
        ("Containers", &t.containers),
        ("Identities and effective permissions", &t.identities),
        ("Exposures", &t.exposures),
        ("Host, daemon and control-plane settings", &t.settings),
    ] {
        let _ = writeln!(o, "<h3>{title}</h3>");
        table(o, tab, title);
    }
    o.push_str("</section>\n");
}

const NODE_W: f64 = 200.0;
const NODE_H: f64 = 66.0;
const GAP: f64 = 26.0;
const PAD: f64 = 14.0;
const TITLE: f64 = 24.0;
const WRAP: f64 = 1150.0;

#[derive(Clone, Copy, Default)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

struct Layout<'a> {
    dfd: &'a Dfd,
    sizes: BTreeMap<String, (f64, f64)>,
    boxes: BTreeMap<String, Rect>,
    nodes: BTreeMap<String, Rect>,
    /// Nodes and inner boundaries of each boundary (`None`: the top),
    /// computed once.
    kids: BTreeMap<Option<String>, (Vec<String>, Vec<String>)>,
}

impl<'a> Layout<'a> {
    /// A boundary's nodes and inner boundaries. Inner boundaries are ordered
    /// so that arrows mostly run one way: at the top the internet first; inside,
    /// namespaces and networks (workloads) before hosts (what they reach).
    fn new(dfd: &'a Dfd) -> Self {
        let mut kids: BTreeMap<Option<String>, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for n in &dfd.nodes {
            kids.entry(Some(n.boundary.clone()))
                .or_default()
                .0
                .push(n.id.clone());
        }
        let mut boxes: Vec<(Option<String>, u8, usize, String)> = dfd
            .boundaries
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let rank = match (&b.parent, b.kind) {
                    (None, BoundaryKind::Internet) => 0,
                    (None, _) => 1,
                    (Some(_), BoundaryKind::Host) => 2,
                    (Some(_), _) => 1,
                };
                (b.parent.clone(), rank, i, b.id.clone())
            })
            .collect();
        boxes.sort();
        for (parent, _, _, id) in boxes {
            kids.entry(parent).or_default().1.push(id);
        }
        Layout {
            dfd,
            sizes: BTreeMap::new(),
            boxes: BTreeMap::new(),
            nodes: BTreeMap::new(),
            kids,
        }
    }

    fn children(&self, parent: Option<&str>) -> (Vec<String>, Vec<String>) {
        self.kids
            .get(&parent.map(str::to_string))
            .cloned()
            .unwrap_or_default()
    }

    /// Rows of child boxes, wrapped at `WRAP`.
    fn rows(&mut self, boxes: &[String], wrap: f64) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut width = 0.0;
        for b in boxes {
            let (w, _) = self.measure(b, 0);
            if rows.is_empty() || (width + w > wrap && width > 0.0) {
                rows.push(Vec::new());
                width = 0.0;
            }
            width += w + GAP;
            if let Some(r) = rows.last_mut() {
                r.push(b.clone());
            }
        }
        rows
    }

    /// Size of a boundary's content: inner boundaries in wrapped rows, then
    /// its own nodes in a grid below them. The top level stacks each
    /// boundary on its own row.
    fn content_size(
        &mut self,
        nodes: usize,
        boxes: &[String],
        root: bool,
        depth: usize,
    ) -> (f64, f64) {
        let wrap = if root && nodes == 0 { 0.0 } else { WRAP };
        let mut w: f64 = 0.0;
        let mut h: f64 = 0.0;
        for row in &self.rows(boxes, wrap) {
            let mut rw: f64 = 0.0;
            let mut rh: f64 = 0.0;
            for b in row {
                let (bw, bh) = self.measure(b, depth + 1);
                rw += bw + GAP;
                rh = rh.max(bh);
            }
            w = w.max(rw - GAP);
            h += rh + GAP;
        }
        let cols = nodes.min(4);
        let grid_rows = nodes.div_ceil(4);
        if cols > 0 {
            w = w.max(cols as f64 * (NODE_W + GAP) - GAP);
            h += grid_rows as f64 * (NODE_H + GAP);
        }
        (w, (h - GAP).max(0.0))
    }

    fn measure(&mut self, id: &str, depth: usize) -> (f64, f64) {
        if let Some(s) = self.sizes.get(id) {
            return *s;
        }
        if depth > 32 {
            return (0.0, 0.0);
        }
        let (nodes, boxes) = self.children(Some(id));
        let (cw, ch) = self.content_size(nodes.len(), &boxes, false, depth);
        let label = self
            .dfd
            .boundary(id)
            .map_or(0, |b| b.label.chars().count().min(60) + 22);
        let w = (cw + 2.0 * PAD)
            .max(label as f64 * 7.0 + 2.0 * PAD)
            .max(NODE_W + 2.0 * PAD);
        let h = ch + 2.0 * PAD + TITLE;
        self.sizes.insert(id.to_string(), (w, h));
        (w, h)
    }

    fn place_content(&mut self, parent: Option<&str>, x: f64, y: f64, depth: usize) {
        if depth > 32 {
            return;
        }
        let (nodes, boxes) = self.children(parent);
        let wrap = if parent.is_none() && nodes.is_empty() {
            0.0
        } else {
            WRAP
        };
        let mut cy = y;
        for row in self.rows(&boxes, wrap) {
            let mut cx = x;
            let mut rh: f64 = 0.0;
            for b in row {
                let (w, h) = self.measure(&b, depth + 1);
                self.boxes.insert(b.clone(), Rect { x: cx, y: cy, w, h });
                self.place_content(Some(&b), cx + PAD, cy + PAD + TITLE, depth + 1);
                cx += w + GAP;
                rh = rh.max(h);
            }
            cy += rh + GAP;
        }
        for (i, n) in nodes.iter().enumerate() {
            let (c, r) = (i % 4, i / 4);
            self.nodes.insert(
                n.clone(),
                Rect {
                    x: x + c as f64 * (NODE_W + GAP),
                    y: cy + r as f64 * (NODE_H + GAP),
                    w: NODE_W,
                    h: NODE_H,
                },
            );
        }
    }
}

/// Where the segment from the centre of `r` towards `(tx, ty)` leaves `r`.
fn border_point(r: &Rect, tx: f64, ty: f64) -> (f64, f64) {
    let (cx, cy) = (r.x + r.w / 2.0, r.y + r.h / 2.0);
    let (dx, dy) = (tx - cx, ty - cy);
    if dx == 0.0 && dy == 0.0 {
        return (cx, cy);
    }
    let sx = if dx != 0.0 {
        (r.w / 2.0) / dx.abs()
    } else {
        f64::INFINITY
    };
    let sy = if dy != 0.0 {
        (r.h / 2.0) / dy.abs()
    } else {
        f64::INFINITY
    };
    let s = sx.min(sy);
    (cx + dx * s, cy + dy * s)
}

fn dfd_svg(o: &mut String, dfd: &Dfd) {
    if dfd.nodes.is_empty() {
        o.push_str("<p>Nothing to draw: the input describes no workload, image or host.</p>\n");
        return;
    }
    let mut l = Layout::new(dfd);
    let (_, roots) = l.children(None);
    let (cw, ch) = l.content_size(0, &roots, true, 0);
    l.place_content(None, 10.0, 10.0, 0);
    let (w, ht) = (cw + 20.0, ch + 20.0);
    let _ = write!(
        o,
        "<div class=\"diagram\"><svg id=\"dfd\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"dfd-title dfd-desc\" viewBox=\"0 0 {w:.0} {ht:.0}\" width=\"{w:.0}\" height=\"{ht:.0}\">\n<title id=\"dfd-title\">Data-flow diagram with trust boundaries</title>\n<desc id=\"dfd-desc\">{} elements, {} flows, {} trust boundaries. The same elements are listed in the STRIDE-per-element table.</desc>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#57606a\"/></marker></defs>\n",
        dfd.nodes.len(),
        dfd.flows.len(),
        dfd.boundaries.len()
    );
    for b in &dfd.boundaries {
        let Some(r) = l.boxes.get(&b.id) else {
            continue;
        };
        let kind = b.kind.as_str();
        let _ = writeln!(
            o,
            "<g class=\"boundary boundary-{kind}\" id=\"dfd-{}\" data-kind=\"{kind}\"><title>{kind} boundary: {}</title><rect x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\" rx=\"6\"/><text x=\"{:.0}\" y=\"{:.0}\">{kind} boundary: {}</text></g>",
            b.id,
            h(&b.label),
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + 8.0,
            r.y + 17.0,
            h(&clip(&b.label, 60))
        );
    }
    for (i, f) in dfd.flows.iter().enumerate() {
        let (Some(a), Some(b)) = (l.nodes.get(&f.from), l.nodes.get(&f.to)) else {
            continue;
        };
        let (x1, y1) = border_point(a, b.x + b.w / 2.0, b.y + b.h / 2.0);
        let (x2, y2) = border_point(b, a.x + a.w / 2.0, a.y + a.h / 2.0);
        // Labels of flows that share a path are staggered along it.
        let t = 0.5 + ((i % 3) as f64 - 1.0) * 0.15;
        let (mx, my) = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t);
        let from = dfd.label(&f.from).unwrap_or("");
        let to = dfd.label(&f.to).unwrap_or("");
        let sev = f
            .worst
            .map_or(String::new(), |w| format!(" sev-{}", w.as_str()));
        // Image pulls and builds are many and long: drawn light and
        // unlabelled (the label is in the tooltip and the STRIDE table).
        let supply = matches!(f.role, Role::PullFlow | Role::BuildFlow);
        let text = if supply {
            String::new()
        } else {
            format!(
                "<text x=\"{mx:.1}\" y=\"{my:.1}\" text-anchor=\"middle\">{}</text>",
                h(&clip(&f.label, 42))
            )
        };
        let _ = writeln!(
            o,
            "<g class=\"dfd-flow{}{sev}\" id=\"dfd-{}\" data-from=\"dfd-{}\" data-to=\"dfd-{}\"><title>{} → {}: {}</title><line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" marker-end=\"url(#arrow)\"/>{text}</g>",
            if supply { " supply" } else { "" },
            f.id,
            f.from,
            f.to,
            h(from),
            h(to),
            h(&f.label),
        );
    }
    for n in &dfd.nodes {
        let Some(r) = l.nodes.get(&n.id) else {
            continue;
        };
        let kind = match n.kind {
            ElementKind::ExternalEntity => "external",
            ElementKind::Process => "process",
            ElementKind::DataStore => "store",
            ElementKind::DataFlow => "flow",
        };
        let severe = if n.worst.is_some_and(|w| w >= Severity::High) {
            " severe"
        } else {
            ""
        };
        let shape = match n.kind {
            ElementKind::Process => format!(
                "<rect class=\"shape\" x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\" rx=\"22\"/>",
                r.x, r.y, r.w, r.h
            ),
            ElementKind::DataStore => format!(
                "<rect class=\"shape\" x=\"{0:.0}\" y=\"{1:.0}\" width=\"{2:.0}\" height=\"{3:.0}\"/><line x1=\"{0:.0}\" y1=\"{4:.0}\" x2=\"{5:.0}\" y2=\"{4:.0}\" stroke=\"#57606a\"/>",
                r.x,
                r.y,
                r.w,
                r.h,
                r.y + 5.0,
                r.x + r.w
            ),
            _ => format!(
                "<rect class=\"shape\" x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\"/>",
                r.x, r.y, r.w, r.h
            ),
        };
        let badge = match n.worst {
            Some(w) if !n.findings.is_empty() => format!(
                "<text class=\"badge\" x=\"{:.0}\" y=\"{:.0}\">⚠ {}, worst {w}</text>",
                r.x + 12.0,
                r.y + 56.0,
                super::findings_count(n.findings.len())
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "<a href=\"#stride-{id}\"><g class=\"dfd-node {kind}{severe}\" id=\"dfd-{id}\" data-kind=\"{}\"><title>{}: {} ({})</title>{shape}<text x=\"{:.0}\" y=\"{:.0}\">{}</text><text class=\"detail\" x=\"{:.0}\" y=\"{:.0}\">{}</text>{badge}</g></a>",
            n.kind.as_str(),
            n.kind.as_str(),
            h(&n.label),
            h(&n.detail),
            r.x + 12.0,
            r.y + 22.0,
            h(&clip(&n.label, 28)),
            r.x + 12.0,
            r.y + 39.0,
            h(&clip(&n.detail, 32)),
            id = n.id,
        );
    }
    o.push_str("</svg></div>\n");
}

fn stride(o: &mut String, doc: &Document) {
    o.push_str("<section id=\"stride\"><h2>4. STRIDE per element</h2>\n<p>For each diagram element, the STRIDE categories that apply to its type (external entity: S, R; process: all six; data store: T, R, I, D; data flow: T, I, D). <strong>⚠ found</strong> links the findings; <strong>✓ clean</strong> means rules of that category examined the element and found nothing; <strong>? not examined</strong> means no threatbox rule covers it, so a reviewer has to; <strong>·</strong> means the category does not apply.</p>\n");
    o.push_str("<table aria-label=\"STRIDE per element\"><thead><tr><th scope=\"col\">Element</th><th scope=\"col\">Type</th>");
    for s in Stride::ALL {
        let _ = write!(
            o,
            "<th scope=\"col\"><abbr title=\"{}\">{}</abbr></th>",
            s.name(),
            s.letter()
        );
    }
    o.push_str("</tr></thead><tbody>\n");
    for e in &doc.stride {
        let _ = write!(
            o,
            "<tr id=\"stride-{}\"><th scope=\"row\">{}</th><td>{}</td>",
            e.id,
            h(&e.label),
            e.kind.as_str()
        );
        for (s, c) in &e.cells {
            match c {
                Cell::Found(anchors) => {
                    let links: Vec<String> = anchors
                        .iter()
                        .enumerate()
                        .map(|(i, a)| format!("<a href=\"#{a}\">{}</a>", i + 1))
                        .collect();
                    let _ = write!(
                        o,
                        "<td class=\"cell-found\" title=\"{}: threat found\">⚠ found {}</td>",
                        s.name(),
                        links.join(" ")
                    );
                }
                Cell::Clean(rules) => {
                    let _ = write!(
                        o,
                        "<td class=\"cell-clean\" title=\"{}: examined by {}\">✓ clean</td>",
                        s.name(),
                        h(&rules.join(", "))
                    );
                }
                Cell::NotExamined => {
                    let _ = write!(
                        o,
                        "<td class=\"cell-not-examined\" title=\"{}: no rule examines this\">? not examined</td>",
                        s.name()
                    );
                }
                Cell::NotApplicable => {
                    let _ = write!(
                        o,
                        "<td class=\"cell-na\" title=\"{}: not applicable\">·</td>",
                        s.name()
                    );
                }
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody></table></section>\n");
}

fn lifecycle(o: &mut String, doc: &Document) {
    o.push_str("<section id=\"lifecycle\"><h2>5. Lifecycle view</h2>\n<ol class=\"lifecycle\">");
    for s in &doc.lifecycle {
        let n: usize = s.by_severity.iter().map(|(_, n)| n).sum();
        let _ = write!(
            o,
            "<li><a href=\"#stage-{}\">{}</a>: {}</li>",
            s.stage.as_str(),
            h(s.title),
            super::findings_count(n)
        );
    }
    o.push_str("</ol>\n");
    for s in &doc.lifecycle {
        let n: usize = s.by_severity.iter().map(|(_, n)| n).sum();
        let _ = write!(
            o,
            "<h3>{}</h3>\n<p>{} {}; {} rules evaluated at this stage.</p>\n",
            h(s.title),
            h(s.about),
            super::findings_count(n),
            s.rules_evaluated
        );
        if !s.rules.is_empty() {
            o.push_str("<table><thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Title</th><th scope=\"col\">Findings</th><th scope=\"col\">Worst</th></tr></thead><tbody>");
            for (code, title, n, sev) in &s.rules {
                let _ = write!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{n}</td><td>{}</td></tr>",
                    h(code),
                    h(title),
                    sev_badge(*sev)
                );
            }
            o.push_str("</tbody></table>\n");
        }
    }
    o.push_str("</section>\n");
}

fn finding(o: &mut String, f: &FindingView) {
    let stride_letters: Vec<&str> = f.stride.iter().map(|s| s.letter()).collect();
    let _ = write!(
        o,
        "<article class=\"finding sev-{sev}\" id=\"{}\" data-severity=\"{sev}\" data-stride=\"{}\">\n<h5>{} {} {}</h5>\n<p>{}</p>\n<dl>",
        f.anchor,
        stride_letters.join(" "),
        sev_badge(f.severity),
        h(&f.code),
        h(&f.title),
        h(&f.message),
        sev = f.severity.as_str(),
    );
    let names: Vec<&str> = f.stride.iter().map(|s| s.name()).collect();
    let _ = write!(o, "<dt>STRIDE</dt><dd>{}</dd>", names.join(", "));
    if !f.cwe.is_empty() {
        let cwes: Vec<String> = f
            .cwe
            .iter()
            .map(|c| format!("<a href=\"{}\">CWE-{}: {}</a>", h(&c.url), c.id, h(&c.name)))
            .collect();
        let _ = write!(o, "<dt>CWE</dt><dd>{}</dd>", cwes.join(", "));
    }
    if !f.cis.is_empty() {
        let _ = write!(o, "<dt>CIS</dt><dd>{}</dd>", h(&f.cis.join(", ")));
    }
    let _ = write!(
        o,
        "<dt>Evidence</dt><dd><code>{}:{}:{}</code>",
        h(&f.path),
        f.line,
        f.column
    );
    if let Some(line) = &f.source_line {
        let _ = write!(o, "<pre><code>{}</code></pre>", h(line));
    }
    o.push_str("</dd>");
    for (msg, path, line) in &f.related {
        let _ = write!(
            o,
            "<dt>Related</dt><dd>{} (<code>{}:{line}</code>)</dd>",
            h(msg),
            h(path)
        );
    }
    let _ = write!(
        o,
        "<dt>Why it matters</dt><dd>{}</dd><dt>Fix</dt><dd>{}</dd></dl>\n</article>\n",
        inline_md(&f.why),
        inline_md(&f.fix)
    );
}

fn findings(o: &mut String, doc: &Document) {
    o.push_str("<section id=\"findings\"><h2>6. Findings</h2>\n");
    o.push_str("<form id=\"filters\" hidden aria-label=\"Filter findings\"><fieldset><legend>Severity</legend>");
    for s in super::SEVERITIES {
        let _ = write!(
            o,
            "<label><input type=\"checkbox\" name=\"sev\" value=\"{0}\" checked> {0}</label> ",
            s.as_str()
        );
    }
    o.push_str("</fieldset><fieldset><legend>STRIDE</legend>");
    for s in Stride::ALL {
        let _ = write!(
            o,
            "<label><input type=\"checkbox\" name=\"stride\" value=\"{0}\" checked> <abbr title=\"{1}\">{0}</abbr></label> ",
            s.letter(),
            s.name()
        );
    }
    o.push_str("</fieldset></form>\n");
    if doc.findings.is_empty() {
        o.push_str("<p>No active findings.</p>\n");
    }
    for g in &doc.findings {
        let _ = writeln!(
            o,
            "<h3 id=\"stage-{}\">{}</h3>",
            g.stage.as_str(),
            h(stage_title(g.stage))
        );
        for c in &g.components {
            let _ = writeln!(o, "<h4>{}</h4>", h(&c.component));
            for f in &c.findings {
                finding(o, f);
            }
        }
    }
    o.push_str("</section>\n");
}

const TW: f64 = 220.0;
const TH: f64 = 54.0;
const TGAP: f64 = 18.0;
const TVGAP: f64 = 44.0;

/// Tidy top-down layout: leaves take consecutive slots, a parent sits over
/// its children. A node reached twice is drawn once (first visit).
fn tree_layout(tree: &TreeView) -> (BTreeMap<usize, (f64, f64)>, f64, f64) {
    fn visit(
        tree: &TreeView,
        i: usize,
        depth: usize,
        next: &mut f64,
        pos: &mut BTreeMap<usize, (f64, f64)>,
        maxd: &mut usize,
    ) -> Option<f64> {
        if pos.contains_key(&i) || depth > 40 || pos.len() > 2000 {
            return None;
        }
        let node = tree.nodes.get(i)?;
        pos.insert(i, (0.0, 0.0));
        *maxd = (*maxd).max(depth);
        let xs: Vec<f64> = node
            .children
            .iter()
            .filter_map(|&c| visit(tree, c, depth + 1, next, pos, maxd))
            .collect();
        let x = if xs.is_empty() {
            let x = *next;
            *next += TW + TGAP;
            x
        } else {
            (xs[0] + xs[xs.len() - 1]) / 2.0
        };
        pos.insert(i, (x, depth as f64 * (TH + TVGAP)));
        Some(x)
    }
    let mut pos = BTreeMap::new();
    let mut next = 10.0;
    let mut maxd = 0;
    visit(tree, tree.root, 0, &mut next, &mut pos, &mut maxd);
    (pos, next.max(TW + 20.0), (maxd + 1) as f64 * (TH + TVGAP))
}

fn tree_svg(o: &mut String, gi: usize, name: &str, tree: &TreeView) {
    let (pos, w, hgt) = tree_layout(tree);
    let _ = writeln!(
        o,
        "<div class=\"diagram\"><svg id=\"goal-{gi}-tree\" class=\"attack-tree\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Attack tree for the goal {}\" viewBox=\"0 0 {w:.0} {:.0}\" width=\"{w:.0}\" height=\"{:.0}\">",
        h(name),
        hgt + 10.0,
        hgt + 10.0
    );
    for (&i, &(x, y)) in &pos {
        let Some(n) = tree.nodes.get(i) else { continue };
        for &c in &n.children {
            if let (Some(&(cx, cy)), Some(child)) = (pos.get(&c), tree.nodes.get(c)) {
                let cls = if n.reachable && child.reachable {
                    "tree-edge reachable"
                } else {
                    "tree-edge"
                };
                let _ = write!(
                    o,
                    "<line class=\"{cls}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
                    x + TW / 2.0,
                    y + TH + 10.0,
                    cx + TW / 2.0,
                    cy + 10.0
                );
            }
        }
    }
    for (&i, &(x, y)) in &pos {
        let Some(n) = tree.nodes.get(i) else { continue };
        let y = y + 10.0;
        let kind = n.kind.as_str();
        let state = if n.reachable {
            "reachable"
        } else {
            "not reachable"
        };
        let body = format!(
            "<g class=\"tree-node {} {}\" id=\"goal-{gi}-n{i}\"><title>{kind}: {} ({state})</title><rect x=\"{x:.0}\" y=\"{y:.0}\" width=\"{TW}\" height=\"{TH}\" rx=\"4\"/><text class=\"kind\" x=\"{:.0}\" y=\"{:.0}\">{} · {state}</text><text x=\"{:.0}\" y=\"{:.0}\">{}</text></g>",
            ident(kind).to_lowercase(),
            if n.reachable {
                "reachable"
            } else {
                "unreachable"
            },
            h(&n.label),
            x + 8.0,
            y + 18.0,
            kind.to_uppercase(),
            x + 8.0,
            y + 38.0,
            h(&clip(&n.label, 32)),
        );
        match (&n.finding, n.kind) {
            (Some(fp), TreeNodeKind::Leaf) => {
                let _ = writeln!(o, "<a href=\"#f-{}\">{body}</a>", ident(fp));
            }
            _ => {
                let _ = writeln!(o, "{body}");
            }
        }
    }
    o.push_str("</svg></div>\n");
}

fn attack(o: &mut String, doc: &Document) {
    o.push_str("<section id=\"attack\"><h2>7. Attack trees</h2>\n");
    if !doc.attack.analysed {
        o.push_str("<p>The attack analysis is not part of this build of threatbox, so no tree is drawn. The findings above are still each a step an attacker could take.</p>\n");
    } else if doc.attack.goals.is_empty() {
        o.push_str("<p>No attacker goal applies to this system.</p>\n");
    }
    if doc.attack.analysed {
        for (gi, g) in doc.attack.goals.iter().enumerate() {
            let _ = writeln!(
                o,
                "<h3 id=\"goal-{gi}\" class=\"goal {}\">Goal: {} — {}</h3>",
                if g.reachable {
                    "reachable"
                } else {
                    "unreachable"
                },
                h(&g.name),
                if g.reachable {
                    "<strong>reachable</strong>"
                } else {
                    "not reachable"
                }
            );
            o.push_str("<p>Reachable nodes have a thick red border and say so; AND needs every child, OR any one. Leaves link to the finding whose fix removes them.</p>\n");
            tree_svg(o, gi, &g.name, &g.tree);
        }
    }
    o.push_str("</section>\n");
}

fn mitigation(o: &mut String, doc: &Document) {
    let m = &doc.mitigation;
    o.push_str("<section id=\"mitigation\"><h2>8. Mitigation plan</h2>\n");
    if m.from_attack_analysis {
        o.push_str("<p>Fixes ordered by the attack paths and severity each removes; those marked ★ form the smallest set that makes every goal unreachable.</p>\n");
    } else {
        o.push_str("<p>Without the attack analysis, fixes are ordered by the worst severity they remove, then by how many findings they resolve.</p>\n");
    }
    if m.items.is_empty() {
        o.push_str("<p>Nothing to fix.</p>\n");
    } else {
        o.push_str("<ol>\n");
        for it in &m.items {
            let links: Vec<String> = it
                .findings
                .iter()
                .map(|(a, loc)| format!("<a href=\"#{a}\"><code>{}</code></a>", h(loc)))
                .collect();
            let extra = it.effect(h);
            let _ = writeln!(
                o,
                "<li{}>{}{} <strong>{} {}</strong> ({}).{extra} {} <br>Findings: {}</li>",
                if it.in_fix_set {
                    " class=\"fix-set\""
                } else {
                    ""
                },
                if it.in_fix_set { "★ " } else { "" },
                sev_badge(it.severity),
                h(&it.code),
                h(&it.title),
                super::findings_count(it.findings.len()),
                inline_md(&it.fix),
                links.join(", ")
            );
        }
        o.push_str("</ol>\n");
    }
    o.push_str("</section>\n");
}

fn appendix(o: &mut String, doc: &Document) {
    let a = &doc.appendix;
    let _ = write!(
        o,
        "<section id=\"appendix\"><h2>9. Appendix</h2>\n<h3>Rules evaluated ({})</h3>\n<table><thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Title</th><th scope=\"col\">Stage</th><th scope=\"col\">Severity</th><th scope=\"col\">STRIDE</th><th scope=\"col\">Findings</th></tr></thead><tbody>\n",
        a.rules.len()
    );
    for (code, title, stage, sev, stride, n) in &a.rules {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{sev}</td><td>{}</td><td>{n}</td></tr>",
            h(code),
            h(title),
            stage.as_str(),
            h(stride)
        );
    }
    let _ = write!(
        o,
        "</tbody></table>\n<h3>Suppressed findings ({})</h3>\n",
        a.suppressed.len()
    );
    if !a.suppressed.is_empty() {
        o.push_str("<table><thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Where</th><th scope=\"col\">How</th><th scope=\"col\">Reason</th><th scope=\"col\">Expires</th></tr></thead><tbody>\n");
        for s in &a.suppressed {
            let _ = writeln!(
                o,
                "<tr><td>{} {}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                h(&s.code),
                h(&s.title),
                h(&s.location),
                h(&s.kind),
                h(&s.reason),
                h(s.expires.as_deref().unwrap_or("never"))
            );
        }
        o.push_str("</tbody></table>\n");
    }
    let _ = writeln!(o, "<h3>Input diagnostics ({})</h3>", a.diagnostics.len());
    if !a.diagnostics.is_empty() {
        o.push_str("<table><thead><tr><th scope=\"col\">Level</th><th scope=\"col\">Code</th><th scope=\"col\">Where</th><th scope=\"col\">Message</th></tr></thead><tbody>\n");
        for d in &a.diagnostics {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                h(&d.level),
                h(&d.code),
                h(&d.location),
                h(&d.message)
            );
        }
        o.push_str("</tbody></table>\n");
    }
    o.push_str("<p><small>CWE is © The MITRE Corporation; the CWE names above are quoted from CWE version 4.14 under MITRE's terms of use.</small></p>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn script_hash_is_the_sha256_of_the_script() {
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            script_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }

    #[test]
    fn inline_markdown_is_escaped_before_marking_up() {
        assert_eq!(
            inline_md("use `a<b` and **c**"),
            "use <code>a&lt;b</code> and <strong>c</strong>"
        );
        assert_eq!(inline_md("unclosed `x"), "unclosed <code>x</code>");
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("ééééé", 3), "éé…");
        assert_eq!(clip("abc", 3), "abc");
    }
}
