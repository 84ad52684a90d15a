//! The `threatbox` command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use threatbox::analyse::finding::Severity;
use threatbox::analyse::rules;
use threatbox::config::Config;
use threatbox::report::{self, Format};
use threatbox::source::DiagnosticLevel;
use threatbox::{ScanOptions, scan};

/// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input errors.
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "threatbox",
    version,
    about = "Threat models of containerised systems from the files that describe them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find threats in Dockerfiles (and, later, compose files and manifests).
    Scan(ScanArgs),
    /// List the rule catalogue.
    Rules {
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Print one rule's documentation.
    Explain {
        /// Rule code (e.g. TB101), slug, or a peer id such as DL3002.
        code: String,
    },
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    #[arg(long, short, value_enum, default_value = "text")]
    format: Format,
    /// Write the report here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum)]
    fail_on: Option<Severity>,
    /// Configuration file (default: .threatbox.toml in the current directory, if present).
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Ignore every suppression (inline comments and config entries).
    #[arg(long)]
    strict: bool,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Worker threads for walking, parsing and analysis (default: one per
    /// CPU, or RAYON_NUM_THREADS). The output is the same for every value.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
    Markdown,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Rules { format } => {
            let out = match format {
                ListFormat::Text => report::catalogue::text(),
                ListFormat::Json => report::catalogue::json(),
                ListFormat::Markdown => report::catalogue::markdown(),
            };
            print!("{out}");
            ExitCode::SUCCESS
        }
        Command::Explain { code } => match report::catalogue::explain(&code) {
            Some(doc) => {
                print!("{doc}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("threatbox: no rule named {code:?}; `threatbox rules` lists them");
                ExitCode::from(EXIT_ERROR)
            }
        },
    }
}

fn run_scan(args: ScanArgs) -> ExitCode {
    if let Some(jobs) = args.jobs {
        // The walker takes its thread count from this pool too.
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(jobs))
            .build_global()
        {
            eprintln!("threatbox: cannot start {jobs} worker threads: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    let config_path = args.config.clone().or_else(|| {
        let p = PathBuf::from(".threatbox.toml");
        p.is_file().then_some(p)
    });
    let config = match &config_path {
        Some(p) => match Config::load(p) {
            Ok(c) => c,
            Err(d) => {
                eprintln!(
                    "threatbox: {}:{}:{}: {}",
                    d.location.path, d.location.start_line, d.location.start_column, d.message
                );
                return ExitCode::from(EXIT_ERROR);
            }
        },
        None => Config::default(),
    };
    let options = ScanOptions {
        paths: args.paths,
        excludes: args.exclude,
        strict: args.strict,
        today: None,
    };
    let analysis = scan(&options, &config);

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered = report::render(&analysis, args.format, color);
    let written = match &args.output {
        Some(path) => std::fs::write(path, rendered.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => std::io::stdout()
            .lock()
            .write_all(rendered.as_bytes())
            .map_err(|e| format!("cannot write to standard output: {e}")),
    };
    if let Err(e) = written {
        eprintln!("threatbox: {e}");
        return ExitCode::from(EXIT_ERROR);
    }

    let input_error = analysis
        .diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error);
    let threshold = args.fail_on.or(config.fail_on).unwrap_or(Severity::High);
    if input_error {
        ExitCode::from(EXIT_ERROR)
    } else if analysis.active().any(|f| f.severity >= threshold) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

#[allow(dead_code)]
fn _rules_are_linked() -> usize {
    rules::all().len()
}
