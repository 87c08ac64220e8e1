//! The bench's table, on the terminal and as docs/benchmarks.md.

use anyhow::Result;
use std::fmt::Write;
use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// Measured / baseline at most this.
    RatioAtMost(f64),
    /// The measured value at most this.
    AtMost(f64),
    /// For information.
    Report,
}

pub struct Row {
    figure: String,
    value: f64,
    baseline: Option<f64>,
    unit: &'static str,
    goal: Goal,
    /// The SDK floor's figure (benches/sdk-floor) and the goal of the ratio to it.
    floor: Option<(f64, Goal)>,
    /// The figure modelled at 128 MB, in ms (crate::model).
    model: Option<f64>,
}

impl Row {
    pub fn ratio(
        figure: impl Into<String>,
        value: f64,
        baseline: f64,
        unit: &'static str,
        goal: Goal,
    ) -> Self {
        Self {
            figure: figure.into(),
            value,
            baseline: Some(baseline),
            unit,
            goal,
            floor: None,
            model: None,
        }
    }

    pub fn value(figure: impl Into<String>, value: f64, unit: &'static str, goal: Goal) -> Self {
        Self {
            figure: figure.into(),
            value,
            baseline: None,
            unit,
            goal,
            floor: None,
            model: None,
        }
    }

    /// The same figure of the function's SDK floor, and the goal of the ratio to it.
    pub fn with_floor(mut self, floor: f64, goal: Goal) -> Self {
        self.floor = Some((floor, goal));
        self
    }

    /// The figure modelled at 128 MB, in ms.
    pub fn with_model(mut self, milliseconds: f64) -> Self {
        self.model = Some(milliseconds);
        self
    }

    fn cells(&self) -> [String; 9] {
        let value = |v: f64| format!("{} {}", number(v), self.unit);
        let dash = || "-".to_owned();
        let ratio = self.baseline.map(|b| self.value / b);
        let floor_ratio = self.floor.map(|(f, _)| self.value / f);
        [
            self.figure.clone(),
            value(self.value),
            self.baseline.map(value).unwrap_or_else(dash),
            ratio.map(|r| format!("{r:.2}")).unwrap_or_else(dash),
            self.verdict(self.goal, ratio),
            self.floor.map(|(f, _)| value(f)).unwrap_or_else(dash),
            floor_ratio.map(|r| format!("{r:.2}")).unwrap_or_else(dash),
            self.floor
                .map(|(_, goal)| self.verdict(goal, floor_ratio))
                .unwrap_or_else(dash),
            self.model
                .map(|ms| format!("{} ms", number(ms)))
                .unwrap_or_else(dash),
        ]
    }

    fn verdict(&self, goal: Goal, ratio: Option<f64>) -> String {
        let (goal, met) = match goal {
            Goal::RatioAtMost(limit) => (format!("ratio ≤ {limit}"), ratio.map(|r| r <= limit)),
            Goal::AtMost(limit) => (
                format!("≤ {} {}", number(limit), self.unit),
                Some(self.value <= limit),
            ),
            Goal::Report => ("report".to_owned(), None),
        };
        match met {
            Some(true) => format!("{goal}: met"),
            Some(false) => format!("{goal}: NOT MET"),
            None => goal,
        }
    }
}

fn number(value: f64) -> String {
    if value >= 10_000.0 {
        format!("{value:.0}")
    } else if value >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

const HEADER: [&str; 9] = [
    "figure",
    "measured",
    "hello-world baseline",
    "ratio",
    "goal",
    "SDK floor",
    "ratio to floor",
    "goal (floor)",
    "at 128 MB (model)",
];

#[derive(Default)]
pub struct Report {
    /// Lines of the header, after the machine's (how a column was computed).
    header: Vec<String>,
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Report {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    pub fn header(&mut self, line: String) {
        self.header.push(line);
    }

    /// Aligned columns for the terminal.
    pub fn table(&self) -> String {
        let cells: Vec<[String; 9]> = self.rows.iter().map(Row::cells).collect();
        let mut widths = HEADER.map(|h| h.chars().count());
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out: String = self.header.iter().map(|l| format!("{l}\n")).collect();
        let line = |out: &mut String, row: &[String]| {
            for (cell, width) in row.iter().zip(widths) {
                let _ = write!(out, "{cell:<width$}  ");
            }
            out.push('\n');
        };
        line(&mut out, &HEADER.map(str::to_owned));
        for row in &cells {
            line(&mut out, row);
        }
        for note in &self.notes {
            let _ = writeln!(out, "\n{note}");
        }
        out
    }

    pub fn markdown(&self, root: &Path, runs: usize) -> Result<String> {
        let date = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?;
        let mut out = String::from("# Benchmarks\n\n");
        let _ = writeln!(out, "Written by `make bench` (benches/driver); see docs/performance.md for what each figure means and how to reproduce it.\n");
        let _ = writeln!(out, "- date: {date}");
        let _ = writeln!(
            out,
            "- commit: {}",
            command(root, "git", &["describe", "--always", "--dirty"])
        );
        let _ = writeln!(
            out,
            "- machine: {}, {} cores, {}",
            cpu_model(),
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            command(root, "uname", &["-sm"])
        );
        let _ = writeln!(
            out,
            "- toolchain: {}",
            command(root, "rustc", &["--version"])
        );
        let _ = writeln!(out, "- cold starts (init, first request, cold request): median of {runs} runs per binary, the binaries alternating; sizes from `cargo lambda build --release --arm64`");
        for line in &self.header {
            let _ = writeln!(out, "- {line}");
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "| {} |", HEADER.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(HEADER.len()));
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.cells().join(" | "));
        }
        for note in &self.notes {
            let _ = writeln!(out, "\n{note}");
        }
        Ok(out)
    }
}

fn command(root: &Path, program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}
