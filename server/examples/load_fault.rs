//! Load and fault check on PostgreSQL (run by `scripts/load-fault.sh`): per scenario a
//! fresh database, a roster of `--holders` card holders imported with
//! `server import-roster`, one or two `server serve` instances on it, and `--clients`
//! phones that each run a whole wizard, wait at the confirmation page and press
//! «送出» together. Prints one table row per scenario: acknowledged receipts, those
//! stored exactly once, duplicates, 5xx answers, errors in the servers' logs, time.
//!
//! Scenarios: `stop-1`, `stop-2` (stops on one / two instances), `apply-1`, `apply-2`
//! (applications), `stop-2-kill` (two instances; the second is killed with SIGKILL
//! as soon as it has answered one submission, and its phones whose request broke send
//! the same request, same idempotency key, again to the first, as a phone would).
//!
//! Exit status 1 when any scenario saw a 5xx, a duplicate or an acknowledged receipt
//! that is not stored.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    dead_code
)]

#[path = "../tests/it/common/wizards.rs"]
mod wizards;

use app::server::entities::{cards, replacement_applications as applications, stop_requests};
use clap::Parser;
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use sea_orm::{ConnectionTrait, Database, EntityTrait};
use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Barrier, Notify};
use wizards::{LoadHolder, Outcome, Prepared, load_holders, load_roster};

const SECRET: &str = "load-fault-secret-key-0123456789abcdefgh";

#[derive(Parser)]
struct Args {
    /// The `server` binary.
    #[arg(long)]
    server: PathBuf,
    /// A PostgreSQL URL that may create databases.
    #[arg(long)]
    admin_url: String,
    /// Concurrent wizards per scenario.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Card holders on the roster (at least `clients`).
    #[arg(long, default_value_t = 200)]
    holders: usize,
    /// Comma-separated scenarios.
    #[arg(long, default_value = "stop-1,stop-2,stop-2-kill,apply-1,apply-2")]
    scenarios: String,
    /// Keep the databases and folders (printed) instead of dropping them.
    #[arg(long)]
    keep: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stop,
    Apply,
}

struct Scenario {
    name: String,
    kind: Kind,
    instances: usize,
    kill_second: bool,
}

impl Scenario {
    fn parse(name: &str) -> Option<Self> {
        let (kind, instances, kill_second) = match name {
            "stop-1" => (Kind::Stop, 1, false),
            "stop-2" => (Kind::Stop, 2, false),
            "stop-2-kill" => (Kind::Stop, 2, true),
            "apply-1" => (Kind::Apply, 1, false),
            "apply-2" => (Kind::Apply, 2, false),
            _ => return None,
        };
        Some(Self {
            name: name.to_owned(),
            kind,
            instances,
            kill_second,
        })
    }
}

#[derive(Default)]
struct Row {
    wizards: usize,
    acknowledged: usize,
    stored: usize,
    duplicates: usize,
    five_xx: usize,
    other: usize,
    resent: usize,
    logged_errors: usize,
    elapsed: Duration,
}

/// `postgres://user@host:port/db?x` → the same URL naming `database`.
fn with_database(admin_url: &str, database: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host = base[scheme_end..]
        .find('/')
        .map_or(base, |slash| &base[..scheme_end + slash]);
    match query {
        Some(q) => format!("{host}/{database}?{q}"),
        None => format!("{host}/{database}"),
    }
}

struct Instance {
    child: Option<Child>,
    base: String,
    log: PathBuf,
}

impl Instance {
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

fn env(url: &str, dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", url.to_owned()),
        ("PORTAL_DATA_DIR", dir.join("data").display().to_string()),
        ("PORTAL_SITE_DIR", dir.join("site").display().to_string()),
        ("PORTAL_DEMO", "0".into()),
        ("PORTAL_TEST_CAPTCHA", wizards::LOAD_CAPTCHA.into()),
        ("PORTAL_SECRET_KEY", SECRET.into()),
        ("PORTAL_VERIFY_PER_IP_PER_MIN", "100000".into()),
        ("RUST_LOG", "warn".into()),
    ]
}

async fn start(server: &Path, url: &str, dir: &Path, n: usize) -> Instance {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let log = dir.join(format!("server-{n}.log"));
    let file = std::fs::File::create(&log).expect("log file");
    let child = Command::new(server)
        .arg("serve")
        .envs(env(url, dir))
        .env("PORTAL_ADDR", format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log"))
        .stderr(file)
        .spawn()
        .expect("starting the server");
    let instance = Instance {
        child: Some(child),
        base: format!("http://127.0.0.1:{port}"),
        log,
    };
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(res) = http
            .get(format!("{}/api/v1/health", instance.base))
            .send()
            .await
            && res.status().is_success()
        {
            return instance;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "server {n} did not start; log:\n{}",
        std::fs::read_to_string(&instance.log).unwrap_or_default()
    );
}

fn headshot() -> Vec<u8> {
    let img = ImageBuffer::from_fn(230, 288, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

async fn run(args: &Args, scenario: &Scenario, number: usize) -> Row {
    let name = format!("load_fault_{}_{number}", std::process::id());
    let admin = Database::connect(args.admin_url.as_str())
        .await
        .expect("connecting to the admin URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("CREATE DATABASE");
    let url = with_database(&args.admin_url, &name);
    let dir = tempfile::Builder::new()
        .prefix("load-fault-")
        .tempdir()
        .expect("temporary folder");
    std::fs::create_dir_all(dir.path().join("site")).expect("site folder");
    std::fs::write(
        dir.path().join("site/index.html"),
        "<!doctype html><title>load</title>",
    )
    .expect("index.html");

    let stopped = scenario.kind == Kind::Apply;
    let holders = load_holders('K', args.holders.max(args.clients), stopped);
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, load_roster(&holders, stopped)).expect("roster");
    let out = Command::new(&args.server)
        .arg("import-roster")
        .arg(&roster)
        .envs(env(&url, dir.path()))
        .output()
        .expect("server import-roster");
    assert!(out.status.success(), "import-roster: {out:?}");

    let mut instances = Vec::new();
    for n in 0..scenario.instances {
        instances.push(start(&args.server, &url, dir.path(), n).await);
    }
    let bases: Vec<String> = instances.iter().map(|i| i.base.clone()).collect();
    let photo = Arc::new(headshot());
    let outbox = dir.path().join("data").join("outbox");
    let clients = &holders[..args.clients];
    let barrier = Arc::new(Barrier::new(clients.len() + 1));
    // The second instance's first answer: it is then killed mid-flight.
    let second_answered = Arc::new(Notify::new());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, holder) in clients.iter().cloned().enumerate() {
        let bases = bases.clone();
        let (barrier, photo, outbox) = (barrier.clone(), photo.clone(), outbox.clone());
        let second_answered = second_answered.clone();
        let kind = scenario.kind;
        tasks.spawn(async move {
            let base = &bases[i % bases.len()];
            let key = format!("load-fault-{i:06}");
            let prepared: Result<Prepared, Outcome> = match kind {
                Kind::Stop => wizards::prepare_stop(base, &holder, &outbox, &key).await,
                Kind::Apply => wizards::prepare_apply(base, &holder, &photo, &key).await,
            };
            barrier.wait().await;
            let mut seen = Vec::new();
            let Ok(mut prepared) = prepared else {
                return (i, prepared.err().into_iter().collect::<Vec<_>>());
            };
            let first = prepared.submit().await;
            if i % bases.len() == 1 && first.serial().is_some() {
                second_answered.notify_one();
            }
            let broken = matches!(first, Outcome::Unreachable { .. }) && bases.len() > 1;
            seen.push(first);
            if broken {
                prepared.retarget(&bases[0]);
                seen.push(prepared.submit().await);
            }
            (i, seen)
        });
    }
    barrier.wait().await;
    if scenario.kill_second {
        let _ = tokio::time::timeout(Duration::from_secs(60), second_answered.notified()).await;
        instances[1].kill();
    }
    let mut outcomes: Vec<(usize, Vec<Outcome>)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        outcomes.push(done.expect("wizard task"));
    }
    let elapsed = started.elapsed();

    let db = Database::connect(url.as_str()).await.expect("database");
    let mut row = tally(&db, scenario.kind, clients, &outcomes).await;
    row.elapsed = elapsed;
    row.logged_errors = instances
        .iter()
        .map(|i| {
            std::fs::read_to_string(&i.log)
                .unwrap_or_default()
                .lines()
                .filter(|l| l.contains("ERROR"))
                .count()
        })
        .sum();
    drop(instances);
    let _ = db.close().await;
    if args.keep {
        let kept = dir.keep();
        eprintln!("kept {name} and {}", kept.display());
    } else {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
    }
    let _ = admin.close().await;
    row
}

/// Counts what the clients were told against what the database holds.
async fn tally(
    db: &sea_orm::DatabaseConnection,
    kind: Kind,
    clients: &[LoadHolder],
    outcomes: &[(usize, Vec<Outcome>)],
) -> Row {
    let mut row = Row {
        wizards: clients.len(),
        ..Row::default()
    };
    // serial → (holder's card outer number or holder id as text) of each stored row.
    let stored: Vec<(String, String)> = match kind {
        Kind::Stop => {
            let outer: HashMap<i32, String> = cards::Entity::find()
                .all(db)
                .await
                .expect("cards")
                .into_iter()
                .map(|c| (c.id, c.outer_no))
                .collect();
            stop_requests::Entity::find()
                .all(db)
                .await
                .expect("stops")
                .into_iter()
                .map(|s| {
                    (
                        s.serial_no,
                        outer.get(&s.card_id).cloned().unwrap_or_default(),
                    )
                })
                .collect()
        }
        Kind::Apply => {
            let outer: HashMap<i32, String> = cards::Entity::find()
                .all(db)
                .await
                .expect("cards")
                .into_iter()
                .map(|c| (c.holder_id, c.outer_no))
                .collect();
            applications::Entity::find()
                .all(db)
                .await
                .expect("applications")
                .into_iter()
                .map(|a| {
                    (
                        a.serial_no,
                        outer.get(&a.holder_id).cloned().unwrap_or_default(),
                    )
                })
                .collect()
        }
    };
    let mut per_owner: HashMap<&str, usize> = HashMap::new();
    for (_, owner) in &stored {
        *per_owner.entry(owner.as_str()).or_default() += 1;
    }
    row.duplicates = per_owner.values().filter(|n| **n > 1).count();
    let mut acknowledged: HashMap<&str, usize> = HashMap::new();
    for (i, seen) in outcomes {
        row.five_xx += seen.iter().filter(|o| o.is_5xx()).count();
        row.resent += seen.len().saturating_sub(1);
        let Some(serial) = seen.last().and_then(Outcome::serial) else {
            row.other += usize::from(!seen.last().is_some_and(Outcome::is_5xx));
            if let Some(last) = seen.last() {
                eprintln!("wizard {i}: {last:?}");
            }
            continue;
        };
        row.acknowledged += 1;
        *acknowledged.entry(serial).or_default() += 1;
        let owner = &clients[*i].card_outer_no;
        if stored
            .iter()
            .filter(|(s, o)| s == serial && o == owner)
            .count()
            == 1
        {
            row.stored += 1;
        }
    }
    row.duplicates += acknowledged.values().filter(|n| **n > 1).count();
    row
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let scenarios: Vec<Scenario> = args
        .scenarios
        .split(',')
        .map(|s| Scenario::parse(s.trim()).unwrap_or_else(|| panic!("unknown scenario {s}")))
        .collect();
    println!(
        "{:<12} {:>7} {:>12} {:>6} {:>10} {:>4} {:>5} {:>6} {:>13} {:>9}",
        "scenario",
        "wizards",
        "acknowledged",
        "stored",
        "duplicates",
        "5xx",
        "other",
        "resent",
        "logged errors",
        "elapsed"
    );
    let mut ok = true;
    for (n, scenario) in scenarios.iter().enumerate() {
        let row = run(&args, scenario, n).await;
        ok &= row.five_xx == 0 && row.duplicates == 0 && row.stored == row.acknowledged;
        println!(
            "{:<12} {:>7} {:>12} {:>6} {:>10} {:>4} {:>5} {:>6} {:>13} {:>8.1}s",
            scenario.name,
            row.wizards,
            row.acknowledged,
            row.stored,
            row.duplicates,
            row.five_xx,
            row.other,
            row.resent,
            row.logged_errors,
            row.elapsed.as_secs_f64()
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
