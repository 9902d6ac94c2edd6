//! The portal beside the stack's floor (run by `scripts/bench.sh`; not a timed test).
//!
//! Starts a bare axum "ok" server (this program, `floor` subcommand) and the portal's
//! release binary on a fresh SQLite database (or PostgreSQL with `--pg-admin-url`,
//! one or two instances), each pinned to the first `--cores` CPUs while this load
//! generator runs on the others. Then, per scenario, interleaved rounds of the floor
//! and the portal with the same connections and duration, and per round the requests,
//! their latency and the server's own CPU time from `/proc/<pid>/stat`. Throughput is
//! compared per CPU-second of the server, which stays steady on a shared machine
//! where plain req/s does not. Also: statements per wizard step (a server logging
//! every statement) and the server's memory.
//!
//! Prints one markdown table; `--json` adds one JSON line per row.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    dead_code
)]

#[path = "../tests/it/common/wizards.rs"]
mod wizards;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use wizards::{LoadHolder, Visitor, load_holders, load_roster};

const SECRET: &str = "bench-secret-key-0123456789abcdefghijklmn";

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// The portal's `server` binary (release build).
    #[arg(long, default_value = "target/release/server")]
    server: PathBuf,
    /// The built site (`dist`), for the static file and the pages.
    #[arg(long, default_value = "dist")]
    site: PathBuf,
    /// CPUs for the server (the first N); the load generator gets the rest.
    #[arg(long, default_value_t = 1)]
    cores: usize,
    /// Seconds per round.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Interleaved floor/portal rounds per scenario (the median is reported).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Connections for the request scenarios.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Concurrent phones in the wizard scenario.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Run the PostgreSQL scenarios too (one and two instances) on a fresh database
    /// made with this admin URL.
    #[arg(long)]
    pg_admin_url: Option<String>,
    /// Print each row as a JSON line too.
    #[arg(long)]
    json: bool,
    /// Run only these scenarios (comma-separated: health, static, captcha, query,
    /// wizard, pg); all when empty. For profiling one of them (`perf record -p`).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Print the statements of each step counted in the statements table.
    #[arg(long)]
    show_statements: bool,
}

impl Cli {
    fn wants(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == scenario)
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// The floor: a bare axum server answering `GET /ok` with "ok".
    Floor {
        #[arg(long)]
        port: u16,
    },
}

fn main() {
    let _ = cpus();
    let cli = Cli::parse();
    if let Some(Cmd::Floor { port }) = cli.command {
        return floor(port);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(cli));
}

fn floor(port: u16) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let app = axum::Router::new().route("/ok", axum::routing::get(|| async { "ok" }));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("floor port");
        axum::serve(listener, app).await.expect("floor serves");
    });
}

/// The CPUs this machine lets us use, as seen at start (before this program pins
/// itself to the load generator's share, which would make it see only those).
fn cpus() -> usize {
    static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// `taskset -c <list>` prefix for the server's CPUs, when there are CPUs to spare.
fn server_cpus(cores: usize) -> Option<String> {
    (cpus() > cores).then(|| format!("0-{}", cores - 1))
}

fn pin_self(cores: usize) {
    if cpus() > cores {
        let list = format!("{}-{}", cores, cpus() - 1);
        let _ = Command::new("taskset")
            .args(["-a", "-p", "-c", &list, &std::process::id().to_string()])
            .stdout(Stdio::null())
            .status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A started process (the floor or a portal instance), killed when dropped.
struct Proc {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

fn spawn(
    program: &Path,
    args: &[&str],
    envs: &[(&str, String)],
    cores: usize,
    log: PathBuf,
) -> Child {
    let file = std::fs::File::create(&log).expect("log file");
    let mut cmd = match server_cpus(cores) {
        Some(list) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &list]).arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log"))
        .stderr(file)
        .spawn()
        .expect("starting a process")
}

async fn wait_ready(url: &str, log: &Path) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(res) = http.get(url).send().await
            && res.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{url} did not answer; log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

async fn start_floor(cores: usize, dir: &Path) -> Proc {
    let port = free_port();
    let me = std::env::current_exe().expect("this program");
    let log = dir.join("floor.log");
    let child = spawn(
        &me,
        &["floor", "--port", &port.to_string()],
        &[],
        cores,
        log.clone(),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/ok"), &log).await;
    Proc { child, base, log }
}

fn portal_env(url: &str, dir: &Path, site: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", url.to_owned()),
        ("PORTAL_DATA_DIR", dir.join("data").display().to_string()),
        ("PORTAL_SITE_DIR", site.display().to_string()),
        ("PORTAL_DEMO", "0".into()),
        ("PORTAL_TEST_CAPTCHA", wizards::LOAD_CAPTCHA.into()),
        ("PORTAL_SECRET_KEY", SECRET.into()),
        ("PORTAL_VERIFY_PER_IP_PER_MIN", "10000000".into()),
        ("RUST_LOG", "warn".into()),
    ]
}

async fn start_portal(
    cli: &Cli,
    url: &str,
    dir: &Path,
    name: &str,
    extra: &[(&str, String)],
) -> Proc {
    let port = free_port();
    let mut envs = portal_env(url, dir, &cli.site);
    envs.push(("PORTAL_ADDR", format!("127.0.0.1:{port}")));
    envs.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    let log = dir.join(format!("{name}.log"));
    let child = spawn(&cli.server, &["serve"], &envs, cli.cores, log.clone());
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/api/v1/health"), &log).await;
    Proc { child, base, log }
}

/// Imports `holders` with `server import-roster`.
fn import(cli: &Cli, url: &str, dir: &Path, holders: &[LoadHolder]) {
    let csv = dir.join(format!("roster-{}.csv", holders.len()));
    std::fs::write(&csv, load_roster(holders, false)).expect("roster file");
    let out = Command::new(&cli.server)
        .arg("import-roster")
        .arg(&csv)
        .envs(portal_env(url, dir, &cli.site))
        .output()
        .expect("import-roster");
    assert!(
        out.status.success(),
        "import-roster failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// User + system CPU seconds of a process and its threads so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name in parentheses; utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    ticks / 100.0
}

/// The process's resident memory now and at its peak, in MB.
fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0)
}

/// One round's numbers.
#[derive(Clone, Copy, Debug, Default)]
struct Round {
    done: usize,
    errors: usize,
    secs: f64,
    cpu: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Round {
    fn per_sec(&self) -> f64 {
        self.done as f64 / self.secs
    }
    /// Completed units per CPU-second of the server.
    fn per_cpu_sec(&self) -> f64 {
        if self.cpu > 0.0 {
            self.done as f64 / self.cpu
        } else {
            0.0
        }
    }
    /// The server's CPU-seconds per second of the round: how many cores it kept busy
    /// (above 1 only if nothing in it serialises the requests).
    fn cores_busy(&self) -> f64 {
        if self.secs > 0.0 {
            self.cpu / self.secs
        } else {
            0.0
        }
    }
    fn cpu_us(&self) -> f64 {
        if self.done > 0 {
            self.cpu * 1e6 / self.done as f64
        } else {
            0.0
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// What one connection does once: a request, or a whole wizard.
type Unit = Arc<dyn Fn(usize) -> futures_util::future::BoxFuture<'static, bool> + Send + Sync>;

/// Runs `unit` on `connections` tasks for `secs`, measuring the servers' CPU.
async fn round(pids: &[u32], connections: usize, secs: f64, unit: Unit) -> Round {
    let cpu0: f64 = pids.iter().map(|p| cpu_seconds(*p)).sum();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let errors = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for c in 0..connections {
        let unit = unit.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                if unit(c).await {
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("load task"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu1: f64 = pids.iter().map(|p| cpu_seconds(*p)).sum();
    lat.sort_by(f64::total_cmp);
    Round {
        done: lat.len(),
        errors: errors.load(Ordering::Relaxed),
        secs: elapsed,
        cpu: cpu1 - cpu0,
        p50_ms: percentile(&lat, 0.5),
        p99_ms: percentile(&lat, 0.99),
    }
}

fn median(mut rounds: Vec<Round>) -> Round {
    rounds.sort_by(|a, b| a.per_cpu_sec().total_cmp(&b.per_cpu_sec()));
    rounds[rounds.len() / 2]
}

/// A plain GET per unit, on one keep-alive client per connection.
fn get_unit(url: String, connections: usize) -> Unit {
    let clients: Arc<Vec<reqwest::Client>> = Arc::new(
        (0..connections)
            .map(|_| reqwest::Client::builder().build().expect("client"))
            .collect(),
    );
    Arc::new(move |c| {
        let client = clients[c].clone();
        let url = url.clone();
        Box::pin(async move {
            match client.get(&url).send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        })
    })
}

struct Row {
    scenario: String,
    portal: Round,
    floor: Round,
    unit: &'static str,
}

impl Row {
    fn ratio(&self) -> f64 {
        let f = self.floor.per_cpu_sec();
        if f > 0.0 {
            self.portal.per_cpu_sec() / f
        } else {
            0.0
        }
    }
}

/// Interleaved floor and portal rounds of one scenario.
async fn compare(
    cli: &Cli,
    scenario: &str,
    unit_name: &'static str,
    floor: &Proc,
    portal_pids: &[u32],
    connections: usize,
    portal_unit: Unit,
) -> Row {
    let floor_unit = get_unit(format!("{}/ok", floor.base), connections);
    let mut fr = Vec::new();
    let mut pr = Vec::new();
    for _ in 0..cli.rounds {
        fr.push(round(&[floor.pid()], connections, cli.seconds, floor_unit.clone()).await);
        pr.push(round(portal_pids, connections, cli.seconds, portal_unit.clone()).await);
    }
    let row = Row {
        scenario: scenario.to_owned(),
        portal: median(pr),
        floor: median(fr),
        unit: unit_name,
    };
    eprintln!(
        "  {scenario}: {:.0} {unit_name}/s, {:.0} µs CPU each, {:.3} of the floor",
        row.portal.per_sec(),
        row.portal.cpu_us(),
        row.ratio()
    );
    row
}

/// `n` visitors verified in the query wizard, each with its own holder.
async fn query_visitors(base: &str, holders: &[LoadHolder]) -> Arc<Vec<Visitor>> {
    let mut out = Vec::new();
    for h in holders {
        let v = Visitor::new(base);
        v.verify("query", h).await.expect("query verification");
        out.push(v);
    }
    Arc::new(out)
}

/// `n` visitors who accepted the stop wizard's consent (a captcha needs it).
async fn consented_visitors(base: &str, n: usize) -> Arc<Vec<Visitor>> {
    let mut out = Vec::new();
    for _ in 0..n {
        let v = Visitor::new(base);
        let notice = v
            .get("consent", "/api/consent/notice")
            .await
            .expect("notice");
        let version = notice["version"].as_str().unwrap_or("1").to_owned();
        v.post_form(
            "consent",
            "/api/consent/accept",
            &[("wizard", "stop"), ("version", &version)],
        )
        .await
        .expect("consent");
        out.push(v);
    }
    Arc::new(out)
}

fn captcha_unit(visitors: Arc<Vec<Visitor>>) -> Unit {
    Arc::new(move |c| {
        let visitors = visitors.clone();
        Box::pin(async move {
            visitors[c]
                .post_form("captcha", "/api/identity/captcha", &[])
                .await
                .is_ok()
        })
    })
}

fn overview_unit(visitors: Arc<Vec<Visitor>>) -> Unit {
    Arc::new(move |c| {
        let visitors = visitors.clone();
        Box::pin(async move {
            visitors[c]
                .get("overview", "/api/query/overview")
                .await
                .is_ok()
        })
    })
}

/// A whole stop wizard per unit, each on the next unused holder.
fn wizard_unit(bases: Vec<String>, holders: Arc<Vec<LoadHolder>>, next: Arc<AtomicUsize>) -> Unit {
    Arc::new(move |c| {
        let holders = holders.clone();
        let base = bases[c % bases.len()].clone();
        let i = next.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            let Some(holder) = holders.get(i) else {
                return false;
            };
            stop_wizard(&base, holder, i).await.is_ok()
        })
    })
}

/// Consent, captcha, verification, the card, and the stop without refund.
async fn stop_wizard(base: &str, holder: &LoadHolder, i: usize) -> Result<(), wizards::Outcome> {
    let v = Visitor::new(base);
    v.verify("stop", holder).await?;
    let overview = v.get("overview", "/api/stop/overview").await?;
    let card_ref = overview["cards"][0]["card_ref"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let receipt = v
        .post_json(
            "submit",
            "/api/stop/submit",
            &serde_json::json!({ "input": {
                "card_ref": card_ref,
                "choice": "no_refund",
                "step_up_code": null,
                "idempotency_key": format!("bench-{i:08}-{}", holder.id_no),
            }}),
        )
        .await?;
    if receipt["serial_no"].is_string() {
        Ok(())
    } else {
        Err(wizards::Outcome::Refused {
            step: "submit",
            status: 200,
            body: receipt.to_string(),
        })
    }
}

/// Holders without a guardian contact (no step-up code: the wizard is all HTTP).
fn holders(letter: char, n: usize) -> Vec<LoadHolder> {
    load_holders(letter, n * 2, false)
        .into_iter()
        .filter(|h| h.guardian_email.is_none())
        .take(n)
        .collect()
}

/// Statements per step of a query and a stop, counted in the log of a server that
/// logs each one (less a new pooled connection's set-up `PRAGMA`s).
async fn statements(
    cli: &Cli,
    url: &str,
    dir: &Path,
    holders: &[LoadHolder],
) -> Vec<(String, usize)> {
    let extra = [
        ("PORTAL_LOG_STATEMENTS", "1".to_owned()),
        ("RUST_LOG", "warn,sqlx::query=info".to_owned()),
    ];
    let p = start_portal(cli, url, dir, "statements", &extra).await;
    let count = || {
        std::fs::read_to_string(&p.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("sqlx::query") && !l.contains("PRAGMA "))
            .count()
    };
    let settle = || tokio::time::sleep(Duration::from_millis(300));
    let mut out = Vec::new();
    let lines = || {
        std::fs::read_to_string(&p.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("sqlx::query") && !l.contains("PRAGMA "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let show = cli.show_statements;
    let mut step = |name: &str, before: usize, after: usize| {
        if show {
            eprintln!("-- {name}");
            for l in &lines()[before..after] {
                let sql = l.split("summary=").nth(1).unwrap_or(l);
                eprintln!("   {}", sql.chars().take(160).collect::<String>());
            }
        }
        out.push((name.to_owned(), after - before));
    };
    let v = Visitor::new(&p.base);
    settle().await;
    let b = count();
    v.get("health", "/api/v1/health").await.expect("health");
    settle().await;
    step("health", b, count());
    let b = count();
    v.verify("query", &holders[0]).await.expect("verify");
    settle().await;
    step("query: consent + captcha + verify", b, count());
    let b = count();
    v.get("overview", "/api/query/overview")
        .await
        .expect("overview");
    settle().await;
    step("query: overview", b, count());
    let b = count();
    stop_wizard(&p.base, &holders[1], 1).await.expect("stop");
    settle().await;
    step("stop: whole wizard", b, count());
    out
}

async fn run(cli: Cli) {
    pin_self(cli.cores);
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    std::fs::create_dir_all(dir.join("data")).expect("data dir");
    eprintln!(
        "server on {} core(s) of {}; {} s rounds × {}",
        cli.cores,
        cpus(),
        cli.seconds,
        cli.rounds
    );
    let floor = start_floor(cli.cores, dir).await;
    let sqlite = format!("sqlite://{}/bench.db", dir.display());
    let per_round = (cli.seconds * 600.0) as usize + 200;
    let wizard_holders = Arc::new(holders('W', per_round * cli.rounds));
    let query_holders = holders('Q', cli.connections.max(2));
    let mut all = query_holders.clone();
    all.extend(wizard_holders.iter().cloned());
    import(&cli, &sqlite, dir, &all);

    let mut rows = Vec::new();
    let portal = start_portal(&cli, &sqlite, dir, "sqlite", &[]).await;
    let pids = [portal.pid()];
    if cli.wants("health") {
        rows.push(
            compare(
                &cli,
                "health",
                "req",
                &floor,
                &pids,
                cli.connections,
                get_unit(format!("{}/api/v1/health", portal.base), cli.connections),
            )
            .await,
        );
    }
    if cli.wants("static") {
        let asset = static_asset(&cli.site);
        rows.push(
            compare(
                &cli,
                &format!("static {asset}"),
                "req",
                &floor,
                &pids,
                cli.connections,
                get_unit(format!("{}/{asset}", portal.base), cli.connections),
            )
            .await,
        );
    }
    if cli.wants("captcha") {
        let consented = consented_visitors(&portal.base, cli.connections).await;
        rows.push(
            compare(
                &cli,
                "captcha shown",
                "req",
                &floor,
                &pids,
                cli.connections,
                captcha_unit(consented),
            )
            .await,
        );
    }
    let (captcha_rss, _) = memory_mb(portal.pid());
    if cli.wants("query") {
        let visitors = query_visitors(&portal.base, &query_holders[..cli.connections]).await;
        rows.push(
            compare(
                &cli,
                "query overview (SQLite)",
                "req",
                &floor,
                &pids,
                cli.connections,
                overview_unit(visitors),
            )
            .await,
        );
    }
    if cli.wants("wizard") {
        let next = Arc::new(AtomicUsize::new(0));
        rows.push(
            compare(
                &cli,
                "stop wizard (SQLite)",
                "wizard",
                &floor,
                &pids,
                cli.clients,
                wizard_unit(
                    vec![portal.base.clone()],
                    wizard_holders.clone(),
                    next.clone(),
                ),
            )
            .await,
        );
    }
    let (rss, peak) = memory_mb(portal.pid());
    drop(portal);

    let mut pg_rows = Vec::new();
    if let Some(admin) = cli.pg_admin_url.as_ref().filter(|_| cli.wants("pg")) {
        let url = fresh_pg_database(admin).await;
        import(&cli, &url, dir, &all);
        for n in [1usize, 2] {
            let instances: Vec<Proc> = {
                let mut v = Vec::new();
                for i in 0..n {
                    v.push(start_portal(&cli, &url, dir, &format!("pg-{n}-{i}"), &[]).await);
                }
                v
            };
            let pids: Vec<u32> = instances.iter().map(Proc::pid).collect();
            let bases: Vec<String> = instances.iter().map(|p| p.base.clone()).collect();
            let next = Arc::new(AtomicUsize::new(0));
            // Fresh holders per PostgreSQL pass: the SQLite pass stopped its own file's cards.
            let held = Arc::new(holders(
                if n == 1 { 'P' } else { 'R' },
                per_round * cli.rounds,
            ));
            import(&cli, &url, dir, &held);
            pg_rows.push(
                compare(
                    &cli,
                    &format!(
                        "stop wizard (PostgreSQL, {n} instance{})",
                        if n == 1 { "" } else { "s" }
                    ),
                    "wizard",
                    &floor,
                    &pids,
                    cli.clients,
                    wizard_unit(bases, held, next),
                )
                .await,
            );
        }
    }
    rows.extend(pg_rows);

    let counted = statements(
        &cli,
        &format!("sqlite://{}/statements.db", dir.display()),
        dir,
        &{
            let h = holders('S', 2);
            import(
                &cli,
                &format!("sqlite://{}/statements.db", dir.display()),
                dir,
                &h,
            );
            h
        },
    )
    .await;

    println!(
        "\nServer on {} of {} cores; medians of {} interleaved rounds of {} s; ratio = the portal's units per server CPU-second ÷ the floor's requests per server CPU-second (bare axum \"ok\").\n",
        cli.cores,
        cpus(),
        cli.rounds,
        cli.seconds
    );
    println!(
        "| scenario | portal /s | p50 ms | p99 ms | CPU µs each | server cores busy | errors | floor req/s | floor CPU µs | ratio to floor |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {:.0} {}/s | {:.1} | {:.1} | {:.0} | {:.2} | {} | {:.0} | {:.1} | {:.3} |",
            r.scenario,
            r.portal.per_sec(),
            r.unit,
            r.portal.p50_ms,
            r.portal.p99_ms,
            r.portal.cpu_us(),
            r.portal.cores_busy(),
            r.portal.errors,
            r.floor.per_sec(),
            r.floor.cpu_us(),
            r.ratio()
        );
        if cli.json {
            println!(
                "{{\"scenario\":{:?},\"per_sec\":{:.1},\"cpu_us\":{:.1},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"errors\":{},\"ratio\":{:.4}}}",
                r.scenario,
                r.portal.per_sec(),
                r.portal.cpu_us(),
                r.portal.p50_ms,
                r.portal.p99_ms,
                r.portal.errors,
                r.ratio()
            );
        }
    }
    println!("\n| statements (SQLite) | count |\n|---|---:|");
    for (step, n) in &counted {
        println!("| {step} | {n} |");
    }
    println!(
        "\nServer memory (SQLite): {captcha_rss:.0} MB resident after the captcha rounds, {rss:.0} MB after all, {peak:.0} MB at peak."
    );
}

/// The largest stylesheet of the site (a file every page loads).
fn static_asset(site: &Path) -> String {
    let mut best: Option<(u64, String)> = None;
    let mut stack = vec![site.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "css") {
                let len = e.metadata().map_or(0, |m| m.len());
                let rel = p.strip_prefix(site).expect("inside").display().to_string();
                if best.as_ref().is_none_or(|(l, _)| len > *l) {
                    best = Some((len, rel));
                }
            }
        }
    }
    best.map(|(_, p)| p)
        .expect("a stylesheet in the site folder")
}

async fn fresh_pg_database(admin: &str) -> String {
    use sea_orm::{ConnectionTrait, Database};
    let name = format!("bench_{}", std::process::id());
    let db = Database::connect(admin).await.expect("PostgreSQL admin");
    db.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .expect("drop");
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create");
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    format!("{base}/{name}")
}
