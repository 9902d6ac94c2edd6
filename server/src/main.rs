//! `server`: the one program an operator runs (SPEC §9).
//!
//! Every command first migrates the database it is pointed at.

mod api_errors;
mod body_limit;
mod captcha_audio;
mod config;
mod health;
mod home_page;
mod imports;
mod line_pay_return;
mod machine_api;
mod print_centre_api;
mod print_cli;
mod receipts;
mod report_csv;
mod web;

use app::server::audit::Actor;
use app::server::crypto::PiiCipher;
use app::server::session_store::DbSessionStore;
use app::server::staff::{self, NewStaffUser, StaffRole};
use app::server::{AppState, db, demo, outbox, roster};
use clap::{Parser, Subcommand};
use std::future::IntoFuture;
use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_sessions::session_store::ExpiredDeletion;

use config::ServerConfig;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "server", about = "Student Card Service Portal")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum PrintBatchAction {
    /// Collect the waiting applications (of one school) into a new batch.
    Create {
        /// A school code: only that school's applications.
        #[arg(long)]
        school: Option<String>,
    },
    /// Write a batch's print.csv and headshots as one zip.
    Export {
        id: i32,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, seed demo data into an empty database (unless PORTAL_DEMO=0) and serve.
    Serve,
    /// Import a roster CSV; all rows or none.
    ImportRoster { file: std::path::PathBuf },
    /// Move a card holder to another school, class and student number (a roster
    /// import never moves a holder between schools); audited as `holder.transfer`.
    TransferHolder {
        /// The holder's national or resident ID.
        #[arg(long)]
        id_no: String,
        /// The code of the school the holder moves to.
        #[arg(long)]
        to_school: String,
        /// The class there (created if the school has none of that name).
        #[arg(long)]
        class: String,
        /// The student number there (default: the current one).
        #[arg(long)]
        student_no: Option<String>,
    },
    /// Reconcile payments from the collection agency's file
    /// (`payment_no,amount,paid_on,channel`); re-importing a file changes nothing.
    ImportPayments { file: std::path::PathBuf },
    /// Record the card issuer's paid refunds of stops from a file
    /// (`serial,amount,paid_on,method`); re-importing a file changes nothing.
    ImportRefunds { file: std::path::PathBuf },
    /// Print batches for the print centre: `create [--school CODE]` collects the paid
    /// and approved applications not yet in a batch; `export ID --out FILE.zip` writes
    /// print.csv and photos/<serial>.jpg.
    PrintBatch {
        #[command(subcommand)]
        action: PrintBatchAction,
    },
    /// Record the print centre's results from a file (`serial,status,mail_no,at`, or
    /// the JSON of `POST /api/v1/print-results`); re-importing a file changes nothing.
    ImportPrintResults { file: std::path::PathBuf },
    /// Create a back-office account; the password is read from standard input.
    AddUser {
        #[arg(long, value_parser = ["teacher", "officer", "operator"])]
        role: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        school: Option<String>,
        #[arg(long)]
        class: Option<String>,
        /// Also give the account a TOTP second factor; prints the otpauth:// URL for
        /// an authenticator app.
        #[arg(long)]
        totp: bool,
    },
    /// Register a school gate reader for `POST /api/v1/swipes`; prints its API key
    /// (shown once).
    AddReader {
        #[arg(long)]
        school: String,
        /// The reader's name, sent as `reader_id` with each swipe.
        #[arg(long)]
        reader_id: String,
    },
    /// Add a term of the paid SMS arrival/departure service («到離校簡訊服務») for a
    /// student.
    AddSmsSubscription {
        #[arg(long)]
        school: String,
        #[arg(long)]
        student_no: String,
        #[arg(long)]
        mobile: String,
        /// e.g. 115學年度上學期
        #[arg(long)]
        term: String,
        /// First day (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD).
        #[arg(long)]
        to: String,
    },
    /// Run the «未到校» check for a day now (default: today in Taiwan); it runs once
    /// per day whoever starts it.
    CheckAbsences {
        #[arg(long)]
        day: Option<String>,
    },
    /// Move unpaid applications past their deadline plus the grace period to
    /// «逾期未繳» now and message the applicants (the daily job does it after
    /// PORTAL_ABSENCE_CHECK_AT); each application once, whoever runs it.
    ExpireApplications,
}

/// At most this many threads for blocking work (file reads, password hashes).
const BLOCKING_THREADS: usize = 16;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Blocking threads read static files (one per file operation in flight) and hash
    // passwords: tokio's default of 512 let 64 connections fetching files start 64
    // threads, each with its own allocator heap (94 MB resident after the static
    // rounds of scripts/bench.sh); a few per core keep the disk and the CPUs busy.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    let config = ServerConfig::from_env()?;
    if config.database_url.starts_with("sqlite:")
        && let Some(path) = config
            .database_url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:")
            .split('?')
            .next()
            .map(std::path::Path::new)
            .and_then(std::path::Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(path).map_err(|e| format!("creating {}: {e}", path.display()))?;
    }
    let db = db::connect_and_migrate(&config.database_url)
        .await
        .map_err(|e| format!("database {}: {e}", redact(&config.database_url)))?;
    let cipher = Arc::new(PiiCipher::from_secret(&config.load_secret()?));
    let command = cli.command.unwrap_or(Command::Serve);
    let mut portal = config.portal_config();
    // `serve` holds an instance slot for its whole life: its outbox claims carry a
    // stable id, so its next start can release those a crash left behind.
    let instance = match command {
        Command::Serve => {
            let instance = app::server::instance::claim(&config.data_dir)?;
            portal.instance_id.clone_from(&instance.id);
            Some(instance)
        }
        _ => None,
    };
    let ephemeral = db::connect_ephemeral(&config.database_url, &db)
        .await
        .map_err(|e| format!("database {}: {e}", redact(&config.database_url)))?;
    let state = AppState::new(db, cipher, portal)?.with_ephemeral(ephemeral);
    match command {
        Command::Serve => serve(state, config, instance).await,
        Command::ImportRoster { file } => import_roster(&state, &file).await,
        Command::ImportPayments { file } => imports::import_payments(&state, &file).await,
        Command::ImportRefunds { file } => imports::import_refunds(&state, &file).await,
        Command::PrintBatch {
            action: PrintBatchAction::Create { school },
        } => print_cli::create(&state, school.as_deref()).await,
        Command::PrintBatch {
            action: PrintBatchAction::Export { id, out },
        } => print_cli::export(&state, id, &out).await,
        Command::ImportPrintResults { file } => print_cli::import_results(&state, &file).await,
        Command::TransferHolder {
            id_no,
            to_school,
            class,
            student_no,
        } => {
            let t = app::server::holder_transfer::Transfer {
                id_no,
                to_school,
                class,
                student_no,
            };
            match app::server::holder_transfer::transfer_holder(
                &state.db,
                &state.cipher,
                &t,
                Actor::Cli,
            )
            .await
            {
                Ok(done) => {
                    println!(
                        "transferred {}: {} {} ({}) -> {} {} ({})",
                        done.masked_id,
                        done.from.0,
                        done.from.1,
                        done.from.2,
                        done.to.0,
                        done.to.1,
                        done.to.2
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}; nothing was changed");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::AddUser {
            role,
            username,
            school,
            class,
            totp,
        } => add_user(&state, &role, username, school, class, totp).await,
        Command::AddReader { school, reader_id } => {
            match app::notify::swipes::add_reader(&state, &school, &reader_id).await {
                Ok(key) => {
                    println!("Reader {reader_id} added. Its API key (shown once):\n{key}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(format!("add-reader: {e:?}")),
            }
        }
        Command::AddSmsSubscription {
            school,
            student_no,
            mobile,
            term,
            from,
            to,
        } => add_sms_subscription(&state, &school, &student_no, &mobile, &term, (&from, &to)).await,
        Command::ExpireApplications => {
            let ids = app::holder::notices::expire_unpaid(&state, chrono::Utc::now())
                .await
                .map_err(|e| format!("expire-applications: {e}"))?;
            deliver_all(&state, &ids).await;
            println!("{} messages queued", ids.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckAbsences { day } => {
            let now = chrono::Utc::now();
            let day = match day {
                Some(d) => app::domain::dates::parse_iso_date(&d)
                    .ok_or_else(|| format!("--day {d}: expected YYYY-MM-DD"))?,
                None => app::notify::service::taiwan_day(now),
            };
            let ids = app::notify::swipes::run_absence_check(&state, day, now)
                .await
                .map_err(|e| format!("check-absences: {e:?}"))?;
            deliver_all(&state, &ids).await;
            println!("{day}: {} messages queued", ids.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Hides the password in a database URL before it is printed.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// How long a shutdown waits for the requests in flight before it exits anyway.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);
/// How long a shutdown waits for the outbox worker to finish the message in hand.
const WORKER_STOP_LIMIT: Duration = Duration::from_secs(10);

async fn serve(
    state: AppState,
    config: ServerConfig,
    _instance: Option<app::server::instance::Instance>,
) -> Result<ExitCode, String> {
    if config.test_captcha.is_some() {
        tracing::warn!(
            "PORTAL_TEST_CAPTCHA is set: a fixed captcha answer is accepted. Never use it in production."
        );
    }
    let seeded = if config.demo {
        demo::seed_if_empty(&state.db, &state.cipher)
            .await
            .map_err(|e| format!("demo data: {e}"))?
    } else {
        false
    };
    if seeded {
        app::notify::service::seed_demo(&state)
            .await
            .map_err(|e| format!("demo data (parent): {e:?}"))?;
    }
    // Expired sessions, spent per-IP counts and expired captchas are deleted every ten
    // minutes.
    let store = DbSessionStore::new(state.ephemeral.clone());
    let purge_db = state.db.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(tokio::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "deleting expired sessions failed");
            }
            if let Err(e) = app::server::throttle::purge(&purge_db, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "deleting spent limits failed");
            }
            if let Err(e) = app::server::captcha::purge_expired(&purge_db).await {
                tracing::warn!(error = %e, "deleting expired captchas failed");
            }
        }
    });
    // The daily «未到校» check: wakes every minute, runs once a day after the
    // configured time (a database row makes it once across instances).
    let absence_state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(tokio::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            match app::notify::swipes::absence_tick(&absence_state, chrono::Utc::now()).await {
                Ok(ids) => deliver_all(&absence_state, &ids).await,
                Err(e) => tracing::warn!(error = ?e, "absence check failed"),
            }
        }
    });
    // Whether writes reach the disk, for /api/v1/health.
    tokio::spawn(db::watch_writes(
        state.db.clone(),
        state.config.instance_id.clone(),
    ));
    // The outbox worker: sends queued messages, retries, takes over a dead worker's.
    // First the messages this instance was sending when it last stopped: nobody is
    // sending them any more.
    let released = outbox::worker::release_own_claims(&state)
        .await
        .map_err(|e| format!("outbox: {e}"))?;
    if released > 0 {
        tracing::warn!(
            released,
            "messages this instance was sending when it stopped are due again"
        );
    }
    let worker = outbox::worker::spawn(state.clone());
    let app = web::router(state.clone(), &config).await;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("listening on {}: {e}", config.addr))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("Student Card Service Portal listening on http://{local}/");
    if config.demo {
        print_demo(seeded);
    }
    use axum::serve::ListenerExt;
    // TCP_NODELAY: multi-part responses otherwise stall on delayed ACKs (TOOLCHAIN.md).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // Ctrl-C or SIGTERM: no new connections; the requests in flight finish (for at
    // most DRAIN_LIMIT), then the worker finishes the message in hand.
    let signal = shutdown_signal()?;
    let (signalled, mut draining) = tokio::sync::watch::channel(false);
    let serving = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        signal.await;
        tracing::info!("shutting down: finishing the requests in flight");
        let _ = signalled.send(true);
    })
    .into_future();
    let drain_limit = async move {
        let _ = draining.wait_for(|started| *started).await;
        tokio::time::sleep(DRAIN_LIMIT).await;
    };
    tokio::select! {
        served = serving => served.map_err(|e| e.to_string())?,
        () = drain_limit => tracing::warn!(
            "requests still in flight {} s after the shutdown signal; exiting anyway",
            DRAIN_LIMIT.as_secs()
        ),
    }
    state.delivery.stop();
    if tokio::time::timeout(WORKER_STOP_LIMIT, worker)
        .await
        .is_err()
    {
        tracing::warn!(
            "the outbox worker is still sending; that message goes out again at the next start"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM (what `systemctl stop`, `docker stop` and
/// Kubernetes send). SIGTERM is listened for from the call on.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("listening for SIGTERM: {e}"))?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
}

async fn deliver_all(state: &AppState, ids: &[String]) {
    for id in ids {
        if let Err(e) = app::server::outbox::deliver(state, id).await {
            tracing::warn!(error = %e, "message not delivered yet");
        }
    }
}

async fn add_sms_subscription(
    state: &AppState,
    school: &str,
    student_no: &str,
    mobile: &str,
    term: &str,
    (from, to): (&str, &str),
) -> Result<ExitCode, String> {
    use app::server::entities::{holders, schools};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let date = |v: &str| {
        app::domain::dates::parse_iso_date(v).ok_or_else(|| format!("{v}: expected YYYY-MM-DD"))
    };
    let period = (date(from)?, date(to)?);
    let school = schools::Entity::find()
        .filter(schools::Column::Code.eq(school))
        .one(&state.db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no school {school}"))?;
    let holder = holders::Entity::find()
        .filter(holders::Column::SchoolId.eq(school.id))
        .filter(holders::Column::StudentNo.eq(student_no))
        .one(&state.db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no student {student_no} at {}", school.code))?;
    let id = app::notify::service::add_sms_subscription(state, holder.id, mobile, term, period)
        .await
        .map_err(|e| format!("add-sms-subscription: {e:?}"))?;
    println!("SMS subscription {id} added");
    Ok(ExitCode::SUCCESS)
}

fn print_demo(seeded: bool) {
    if seeded {
        println!("Demo data was created.");
    }
    println!("\nDemo card holders (any wizard; the captcha is shown on the page):");
    println!("  {:<12} {:<12} shows", "ID", "birth date");
    for h in demo::SHOWCASE_TABLE {
        println!("  {:<12} {:<12} {}", h.id_no, h.birth_date, h.shows);
    }
    println!("\nDemo back-office logins (role, username, password):");
    for (role, username, _, _, password) in demo::STAFF {
        println!("  {role:<9} {username:<15} {password}");
    }
    let (account, password) = app::notify::service::DEMO_PARENT;
    println!("\nDemo parent login (家長專區, /parent): {account} / {password}");
    println!();
}

async fn import_roster(state: &AppState, file: &std::path::Path) -> Result<ExitCode, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    match roster::import(&state.db, &state.cipher, &bytes, Actor::Cli).await {
        Ok(summary) => {
            println!("imported {summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(roster::ImportError::Invalid(errors)) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} invalid row(s); nothing was written", errors.len());
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.to_string()),
    }
}

async fn add_user(
    state: &AppState,
    role: &str,
    username: String,
    school_code: Option<String>,
    class_name: Option<String>,
    totp: bool,
) -> Result<ExitCode, String> {
    let role = StaffRole::parse(role).ok_or("unknown role")?;
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| format!("reading the password from standard input: {e}"))?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    match staff::add_user(
        &state.db,
        NewStaffUser {
            role,
            username: username.clone(),
            password,
            school_code,
            class_name,
        },
    )
    .await
    {
        Ok(id) => {
            println!("created {} {username} (id {id})", role.as_str());
            if totp {
                let url = staff::enable_totp(&state.db, &state.cipher, &username).await?;
                println!("second factor: add this to an authenticator app:\n{url}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
