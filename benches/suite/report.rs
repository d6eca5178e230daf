//! The suite's results as markdown: one table per section with hdfscope's figure, the peer's
//! (or the calibration's) beside it and the ratio, then every row where hdfscope is slower
//! than its peer or misses its target, said plainly. Formats only; measures nothing.

use std::fmt::Write as _;

/// A measured figure, kept with its kind so a ratio always reads "above 1: hdfscope better".
#[derive(Clone, Copy, Debug)]
pub enum Figure {
    /// Seconds; less is better.
    Time(f64),
    /// MB/s (10^6 bytes); more is better.
    Rate(f64),
    /// MB of memory; less is better.
    Memory(f64),
}

impl Figure {
    /// How many times better hdfscope's `self` is than `peer` (above 1: better).
    fn advantage(self, peer: Figure) -> Option<f64> {
        let r = match (self, peer) {
            (Figure::Time(ours), Figure::Time(theirs)) => theirs / ours,
            (Figure::Rate(ours), Figure::Rate(theirs)) => ours / theirs,
            (Figure::Memory(ours), Figure::Memory(theirs)) => theirs / ours,
            _ => return None,
        };
        r.is_finite().then_some(r)
    }

    fn text(self) -> String {
        match self {
            Figure::Time(s) if s < 1e-3 => format!("{:.0} µs", s * 1e6),
            Figure::Time(s) if s < 10.0 => format!("{:.1} ms", s * 1e3),
            Figure::Time(s) => format!("{s:.2} s"),
            Figure::Rate(r) if r >= 1000.0 => format!("{:.2} GB/s", r / 1000.0),
            Figure::Rate(r) => format!("{r:.0} MB/s"),
            Figure::Memory(mb) => format!("{mb:.0} MB"),
        }
    }
}

/// What a figure is compared with: a peer tool's figure on the same data, or a calibration
/// (the machine's limit) measured in the same run.
#[derive(Clone, Debug)]
pub struct Compared {
    pub name: String,
    pub figure: Figure,
}

/// A target from the performance notes and whether the row meets it.
#[derive(Clone, Debug)]
pub struct Target {
    pub text: String,
    pub met: bool,
}

#[derive(Clone, Debug)]
pub struct Row {
    pub measure: String,
    pub ours: Figure,
    pub against: Option<Compared>,
    pub target: Option<Target>,
}

impl Row {
    pub fn new(measure: impl Into<String>, ours: Figure) -> Self {
        Row {
            measure: measure.into(),
            ours,
            against: None,
            target: None,
        }
    }

    /// Beside a peer's or a calibration's figure; `None` (a missing peer) leaves the cells
    /// empty and the table says which peer was missing.
    pub fn against(mut self, name: impl Into<String>, figure: Option<Figure>) -> Self {
        self.against = figure.map(|figure| Compared {
            name: name.into(),
            figure,
        });
        self
    }

    pub fn target(mut self, text: impl Into<String>, met: bool) -> Self {
        self.target = Some(Target {
            text: text.into(),
            met,
        });
        self
    }

    fn advantage(&self) -> Option<f64> {
        self.against
            .as_ref()
            .and_then(|c| self.ours.advantage(c.figure))
    }

    /// Why this row is listed under "slower": behind its peer, or off its target.
    fn shortfall(&self) -> Option<String> {
        let mut why = Vec::new();
        if let (Some(r), Some(c)) = (self.advantage(), &self.against)
            && r < 0.95
        {
            why.push(format!("{:.2}× {} ({})", r, c.name, c.figure.text()));
        }
        if let Some(t) = self.target.as_ref().filter(|t| !t.met) {
            why.push(format!("misses the target {}", t.text));
        }
        (!why.is_empty()).then(|| {
            format!(
                "{}: {} — {}",
                self.measure,
                self.ours.text(),
                why.join("; ")
            )
        })
    }
}

/// One section: what it measures, on which data, and its rows.
#[derive(Clone, Debug, Default)]
pub struct Section {
    pub title: String,
    pub about: String,
    pub rows: Vec<Row>,
    /// Said under the table: missing peers, skipped parts.
    pub notes: Vec<String>,
}

impl Section {
    pub fn new(title: impl Into<String>, about: impl Into<String>) -> Self {
        Section {
            title: title.into(),
            about: about.into(),
            ..Default::default()
        }
    }
}

/// The machine and software the run measured, for the report's head.
pub struct Machine {
    pub lines: Vec<String>,
}

/// The whole report: machine, command, one table per section, then the shortfalls.
pub fn markdown(machine: &Machine, command: &str, sections: &[Section]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Command: `{command}`\n");
    for line in &machine.lines {
        let _ = writeln!(s, "- {line}");
    }
    let _ = writeln!(
        s,
        "\nRatios read \"above 1: hdfscope is better\": the peer's time over hdfscope's, \
         hdfscope's rate over the peer's or the calibration's, the peer's memory over hdfscope's."
    );
    for sec in sections {
        s.push_str(&markdown_section(sec));
    }
    let short: Vec<String> = sections
        .iter()
        .flat_map(|sec| sec.rows.iter().filter_map(Row::shortfall))
        .collect();
    let _ = writeln!(s, "\n### Where hdfscope is slower or misses a target\n");
    if short.is_empty() {
        let _ = writeln!(s, "Nowhere in this run.");
    }
    for line in short {
        let _ = writeln!(s, "- {line}");
    }
    s
}

/// One section: its heading, what it measures, its table and its notes.
pub fn markdown_section(sec: &Section) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\n### {}\n\n{}\n", sec.title, sec.about);
    let _ = writeln!(
        s,
        "| measure | hdfscope | against | its figure | ratio | target |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for r in &sec.rows {
        let (name, theirs) = r
            .against
            .as_ref()
            .map_or(("—".to_owned(), "—".to_owned()), |c| {
                (c.name.clone(), c.figure.text())
            });
        let ratio = r.advantage().map_or("—".to_owned(), |x| {
            if x < 0.95 {
                format!("**{x:.2}** (slower)")
            } else {
                format!("{x:.2}")
            }
        });
        let target = r.target.as_ref().map_or("—".to_owned(), |t| {
            format!(
                "{} {}",
                t.text,
                if t.met { "(met)" } else { "(**missed**)" }
            )
        });
        let _ = writeln!(
            s,
            "| {} | {} | {name} | {theirs} | {ratio} | {target} |",
            r.measure,
            r.ours.text()
        );
    }
    for n in &sec.notes {
        let _ = writeln!(s, "\n{n}");
    }
    s
}

/// Puts `generated` between the report markers of `doc`, keeping the hand-written text
/// around them; appends the markers when the document has none.
pub fn splice(doc: &str, generated: &str) -> String {
    const BEGIN: &str = "<!-- suite:begin -->";
    const END: &str = "<!-- suite:end -->";
    let block = format!("{BEGIN}\n{generated}{END}");
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{block}{}", &doc[..b], &doc[e + END.len()..]),
        _ => format!("{doc}\n{block}\n"),
    }
}
