//! The `threatbox` command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use threatbox::analyse::attack::{self, AttackOptions, EntryPoints, Goal};
use threatbox::analyse::finding::Severity;
use threatbox::analyse::rules;
use threatbox::config::Config;
use threatbox::report::attack::AttackFormat;
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
    /// Find threats in Dockerfiles, compose files, Kubernetes manifests, image archives and Docker settings.
    Scan(ScanArgs),
    /// List the rule catalogue.
    Rules {
        #[arg(long, value_enum, default_value = "text")]
        format: ListFormat,
    },
    /// Attack paths: which attacker goals are reachable, how, and the fewest fixes.
    Attack(AttackArgs),
    /// Write the threat-model document (Markdown or self-contained HTML).
    Report(ReportArgs),
    /// Print one rule's or attack step's documentation.
    Explain {
        /// Rule code (e.g. TB101), slug, peer id such as DL3002, or attack step id.
        code: String,
    },
}

/// What to read: shared by `scan`, `attack` and `report`.
#[derive(clap::Args)]
struct InputArgs {
    /// Files or directories to read.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Configuration file (default: .threatbox.toml in the current directory, if present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Ignore every suppression (inline comments and config entries).
    #[arg(long)]
    strict: bool,
    /// Skip paths matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Trivy (`trivy image -f json`) or Grype (`grype -o json`) report to
    /// attach to the images and workloads it is about (repeatable).
    #[arg(long, value_name = "FILE")]
    vulns: Vec<PathBuf>,
    /// Platform the images should be built for (`linux/amd64`); of a
    /// multi-platform image archive only this one is read.
    #[arg(long, value_name = "OS/ARCH")]
    platform: Option<String>,
}

impl InputArgs {
    /// The configuration and the scan options these arguments ask for.
    fn resolve(self) -> Result<(Config, ScanOptions), ExitCode> {
        let config = load_config(self.config.as_ref())?;
        let options = ScanOptions {
            paths: self.paths,
            excludes: self.exclude,
            strict: self.strict,
            platform: self.platform,
            vulns: self.vulns,
            ..ScanOptions::default()
        };
        Ok((config, options))
    }
}

/// Entry points and goals: shared by `attack` and `report`.
#[derive(clap::Args)]
struct AttackModelArgs {
    /// Goal to analyse (repeatable): cluster-admin, node-root, secrets, api-access,
    /// host-disclosure, node-dos, image-tamper, workload:NAME or secret:NAMESPACE/NAME.
    /// Default: all but workload: and secret:.
    #[arg(long, value_name = "GOAL")]
    goal: Vec<String>,
    /// Also start from this workload as if compromised (repeatable; `all` for every workload).
    #[arg(long, value_name = "WORKLOAD")]
    assume_breach: Vec<String>,
    /// Do not start from internet-exposed workloads.
    #[arg(long)]
    no_internet: bool,
    /// Do not start from the supply chain (mutable tags, untrusted registries, unverified build inputs).
    #[arg(long)]
    no_supply_chain: bool,
}

impl AttackModelArgs {
    fn options(self) -> Result<AttackOptions, ExitCode> {
        let goals = self
            .goal
            .iter()
            .map(|g| Goal::parse(g))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                eprintln!("threatbox: {e}");
                ExitCode::from(EXIT_ERROR)
            })?;
        Ok(AttackOptions {
            entries: EntryPoints {
                internet: !self.no_internet,
                supply_chain: !self.no_supply_chain,
                assume_breach: self.assume_breach,
            },
            goals,
        })
    }
}

#[derive(clap::Args)]
struct AttackArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    model: AttackModelArgs,
    #[arg(long, short, value_enum, default_value = "text")]
    format: AttackFormat,
    /// Write the report here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Attack trees to evaluate besides the catalogue's (TOML, see docs/attack-trees.md; repeatable).
    #[arg(long, value_name = "FILE")]
    trees: Vec<PathBuf>,
    /// Print how long reading the inputs and the attack analysis took (standard error).
    #[arg(long)]
    timings: bool,
}

#[derive(clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    input: InputArgs,
    #[arg(long, short, value_enum, default_value = "text")]
    format: Format,
    /// Write the report here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum)]
    fail_on: Option<Severity>,
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Leave the attack paths out of JSON and SARIF reports (faster on huge clusters).
    #[arg(long)]
    no_attack_paths: bool,
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
        Command::Attack(args) => run_attack(args),
        Command::Report(args) => run_report(args),
        Command::Rules { format } => {
            let out = match format {
                ListFormat::Text => report::catalogue::text(),
                ListFormat::Json => report::catalogue::json(),
                ListFormat::Markdown => report::catalogue::markdown(),
            };
            print!("{out}");
            ExitCode::SUCCESS
        }
        Command::Explain { code } => {
            match report::catalogue::explain(&code).or_else(|| attack::catalogue::explain(&code)) {
                Some(doc) => {
                    print!("{doc}");
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!(
                        "threatbox: no rule or attack step named {code:?}; `threatbox rules` lists the rules"
                    );
                    ExitCode::from(EXIT_ERROR)
                }
            }
        }
    }
}

#[derive(clap::Args)]
struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    model: AttackModelArgs,
    #[arg(long, short, value_enum, default_value = "markdown")]
    format: DocumentFormat,
    /// Write the document here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum DocumentFormat {
    Markdown,
    Html,
}

/// Writes the threat-model document, with the attack analysis from the
/// entry points and goals asked for (by default those of `attack`). Findings and reachable goals do not
/// change the exit code (the document is the product); 2 when the
/// configuration or the output cannot be used.
fn run_report(args: ReportArgs) -> ExitCode {
    let (config, options) = match args.input.resolve() {
        Ok(x) => x,
        Err(code) => return code,
    };
    let attack_options = match args.model.options() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let analysis = scan(&options, &config);
    if let Err(code) = check_names(&analysis, &attack_options) {
        return code;
    }
    let result = attack::analyse(&analysis.system, &analysis.findings, &attack_options);
    let summary = report::document::attack_view::from_analysis(&result);
    let doc = report::document::build(&analysis, &analysis.system, &summary);
    let rendered = match args.format {
        DocumentFormat::Markdown => report::document::markdown::render(&doc),
        DocumentFormat::Html => report::document::html::render(&doc),
    };
    match write_output(args.output.as_ref(), &rendered) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// The configuration named, else `.threatbox.toml` when present.
fn load_config(path: Option<&PathBuf>) -> Result<Config, ExitCode> {
    let config_path = path.cloned().or_else(|| {
        let p = PathBuf::from(".threatbox.toml");
        p.is_file().then_some(p)
    });
    match &config_path {
        Some(p) => Config::load(p).map_err(|d| {
            eprintln!(
                "threatbox: {}:{}:{}: {}",
                d.location.path, d.location.start_line, d.location.start_column, d.message
            );
            ExitCode::from(EXIT_ERROR)
        }),
        None => Ok(Config::default()),
    }
}

fn write_output(path: Option<&PathBuf>, rendered: &str) -> Result<(), ExitCode> {
    let written = match path {
        Some(path) => std::fs::write(path, rendered.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => std::io::stdout()
            .lock()
            .write_all(rendered.as_bytes())
            .map_err(|e| format!("cannot write to standard output: {e}")),
    };
    written.map_err(|e| {
        eprintln!("threatbox: {e}");
        ExitCode::from(EXIT_ERROR)
    })
}

fn run_attack(args: AttackArgs) -> ExitCode {
    let (config, options) = match args.input.resolve() {
        Ok(x) => x,
        Err(code) => return code,
    };
    let attack_options = match args.model.options() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let started = std::time::Instant::now();
    let analysis = scan(&options, &config);
    let scanned = started.elapsed();
    if let Err(code) = check_names(&analysis, &attack_options) {
        return code;
    }
    let mut result = attack::analyse(&analysis.system, &analysis.findings, &attack_options);
    // A bad tree file is reported, the rest still evaluated.
    let tree_errors = user_trees(&args.trees, &mut result);
    if args.timings {
        eprintln!(
            "threatbox: inputs and rules {:.3} s; attack analysis {:.3} s ({} nodes, {} step instances)",
            scanned.as_secs_f64(),
            (started.elapsed() - scanned).as_secs_f64(),
            result.graph.nodes.len(),
            result.graph.steps.len()
        );
    }
    let rendered = report::attack::render(&analysis, &result, args.format);
    if let Err(code) = write_output(args.output.as_ref(), &rendered) {
        return code;
    }
    for d in &analysis.diagnostics {
        if d.level == DiagnosticLevel::Error {
            eprintln!(
                "threatbox: {}:{}: {}",
                d.location.path, d.location.start_line, d.message
            );
        }
    }
    for e in &tree_errors {
        eprintln!("threatbox: {e}");
    }
    if !tree_errors.is_empty()
        || analysis
            .diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    {
        ExitCode::from(EXIT_ERROR)
    } else if result.reachable_goals().next().is_some() {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Workload and Secret names that name nothing are usage errors.
fn check_names(
    analysis: &threatbox::analyse::Analysis,
    options: &AttackOptions,
) -> Result<(), ExitCode> {
    let unmatched = attack::unmatched_names(&analysis.system, options);
    for problem in &unmatched {
        eprintln!("threatbox: {problem}");
    }
    if unmatched.is_empty() {
        Ok(())
    } else {
        Err(ExitCode::from(EXIT_ERROR))
    }
}

/// Reads and evaluates `--trees` files into `result.trees`; returns their
/// problems.
fn user_trees(paths: &[PathBuf], result: &mut attack::AttackAnalysis) -> Vec<String> {
    let mut errors = Vec::new();
    // The goals' fix sets, reused by every file's privilege leaves.
    let mut cache = attack::fix_cache(&result.reach, &result.goals);
    for path in paths {
        let name = path.display().to_string();
        // Bounded and checked like every input (size, NUL bytes, UTF-8).
        let text = match threatbox::read_text(path) {
            Ok((t, _)) => t,
            Err(d) => {
                errors.push(format!("{name}: cannot read the tree file: {}", d.message));
                continue;
            }
        };
        let (specs, problems) = attack::trees::parse(&name, &text);
        errors.extend(problems.iter().map(ToString::to_string));
        let evaluated =
            attack::trees::evaluate_with(&result.graph, &result.reach, &specs, &mut cache);
        result.trees.extend(evaluated);
    }
    errors
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
    let (config, mut options) = match args.input.resolve() {
        Ok(x) => x,
        Err(code) => return code,
    };
    options.attack_paths = !args.no_attack_paths && args.format != Format::Text;
    let analysis = scan(&options, &config);

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered = report::render(&analysis, args.format, color);
    if let Err(code) = write_output(args.output.as_ref(), &rendered) {
        return code;
    }

    let input_error = analysis
        .diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error);
    let threshold = args.fail_on.or(config.fail_on).unwrap_or(Severity::High);
    let code = if input_error {
        ExitCode::from(EXIT_ERROR)
    } else if analysis.active().any(|f| f.severity >= threshold) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing the model (every source text, token and
    // finding, one allocation at a time) would only delay the exit.
    std::mem::forget(analysis);
    std::mem::forget(rendered);
    code
}

#[allow(dead_code)]
fn _rules_are_linked() -> usize {
    rules::all().len()
}
