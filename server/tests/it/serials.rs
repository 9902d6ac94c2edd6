//! Serial numbers under load: 32 parallel clients each run a whole stop (or apply)
//! wizard against one server, and against two servers sharing the database, and all
//! press «送出» at the same moment. No 5xx, every acknowledged serial stored exactly
//! once, no serial given twice, none skipped. And the counters start from the serials
//! stored before they existed. On SQLite, or on PostgreSQL with
//! `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::server::entities::{cards, replacement_applications as applications, stop_requests};
use chrono::{Duration, Utc};
use common::wizards::{LoadHolder, Outcome, Prepared, load_holders, load_roster};
use common::{TestDb, TestServer};
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{EntityTrait, Set};
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::sync::Arc;
use tokio::sync::Barrier;

const CLIENTS: usize = 32;

/// A fresh database with `holders` imported by the CLI, and `instances` servers on it.
async fn setup(
    holders: &[LoadHolder],
    stopped_cards: bool,
    instances: usize,
) -> (TestDb, Vec<TestServer>) {
    let db = TestDb::new().await;
    let roster = db.write_file("roster.csv", &load_roster(holders, stopped_cards));
    let out = db.cli(&["import-roster", roster.to_str().expect("path")], None);
    assert!(out.status.success(), "{out:?}");
    let mut servers = Vec::new();
    for _ in 0..instances {
        servers.push(TestServer::start(&db, &[("PORTAL_VERIFY_PER_IP_PER_MIN", "1000")]).await);
    }
    (db, servers)
}

/// Prepares every wizard (holder `i` on server `i % n`), waits until all are at
/// their confirmation page, then submits them all at once.
async fn run_all<F, Fut>(servers: &[TestServer], holders: &[LoadHolder], prepare: F) -> Vec<Outcome>
where
    F: Fn(String, LoadHolder, String) -> Fut,
    Fut: std::future::Future<Output = Result<Prepared, Outcome>> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(holders.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, holder) in holders.iter().enumerate() {
        let base = servers[i % servers.len()].base.clone();
        let prepared = prepare(
            base,
            holder.clone(),
            format!("load-{i:04}-{}", uuid_like(i)),
        );
        let barrier = barrier.clone();
        tasks.spawn(async move {
            let prepared = prepared.await;
            barrier.wait().await;
            let outcome = match prepared {
                Ok(p) => p.submit().await,
                Err(outcome) => outcome,
            };
            (i, outcome)
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; holders.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, outcome) = done.expect("wizard task");
        outcomes[i] = Some(outcome);
    }
    outcomes.into_iter().map(Option::unwrap).collect()
}

fn uuid_like(i: usize) -> String {
    format!("3f2504e0-4f89-11d3-9a0c-{i:012}")
}

/// Every wizard acknowledged, no two with one serial, and each day's serials
/// `prefix…000001` up to the count without a gap.
fn acknowledged_serials(outcomes: &[Outcome], prefix: &str, servers: &[TestServer]) -> Vec<String> {
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| o.serial().is_none()).collect();
    let five_xx = outcomes.iter().filter(|o| o.is_5xx()).count();
    let logs: String = servers.first().map(TestServer::log).unwrap_or_default();
    assert_eq!(five_xx, 0, "5xx answers: {failed:?}\nserver log:\n{logs}");
    assert!(failed.is_empty(), "not acknowledged: {failed:?}");
    let serials: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.serial().map(str::to_owned))
        .collect();
    let mut per_day: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for s in &serials {
        assert!(s.starts_with(prefix) && s.len() == 16, "{s}");
        per_day
            .entry(&s[..10])
            .or_default()
            .push(s[10..].parse().expect("sequence"));
    }
    for (day, mut seqs) in per_day {
        seqs.sort_unstable();
        let expected: Vec<u32> = (1..=u32::try_from(seqs.len()).unwrap()).collect();
        assert_eq!(seqs, expected, "serials of {day}: duplicates or gaps");
    }
    serials
}

async fn stops_under_load(instances: usize) {
    let holders = load_holders('D', CLIENTS, false);
    let (db, servers) = setup(&holders, false, instances).await;
    let outbox = db.path().join("data").join("outbox");
    let outcomes = run_all(&servers, &holders, |base, holder, key| {
        let outbox = outbox.clone();
        async move { common::wizards::prepare_stop(&base, &holder, &outbox, &key).await }
    })
    .await;
    let serials = acknowledged_serials(&outcomes, "ST", &servers);

    // Each acknowledged serial is stored exactly once, for that holder's card.
    let stored = stop_requests::Entity::find().all(&db.db).await.unwrap();
    assert_eq!(stored.len(), CLIENTS);
    let card_of: HashMap<i32, String> = cards::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.outer_no))
        .collect();
    for (serial, holder) in serials.iter().zip(&holders) {
        let rows: Vec<_> = stored.iter().filter(|r| &r.serial_no == serial).collect();
        assert_eq!(rows.len(), 1, "{serial} stored {} times", rows.len());
        assert_eq!(card_of[&rows[0].card_id], holder.card_outer_no, "{serial}");
    }
}

#[tokio::test]
async fn thirty_two_parallel_stops_on_one_server_get_distinct_stored_serials() {
    stops_under_load(1).await;
}

#[tokio::test]
async fn thirty_two_parallel_stops_on_two_servers_get_distinct_stored_serials() {
    stops_under_load(2).await;
}

/// A 230×288 PNG headshot.
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

async fn applications_under_load(instances: usize) {
    let holders = load_holders('E', CLIENTS, true);
    let (db, servers) = setup(&holders, true, instances).await;
    let photo = Arc::new(headshot());
    let outcomes = run_all(&servers, &holders, |base, holder, key| {
        let photo = photo.clone();
        async move { common::wizards::prepare_apply(&base, &holder, &photo, &key).await }
    })
    .await;
    let serials = acknowledged_serials(&outcomes, "AP", &servers);

    let stored = applications::Entity::find().all(&db.db).await.unwrap();
    assert_eq!(stored.len(), CLIENTS);
    for serial in &serials {
        let rows = stored.iter().filter(|r| &r.serial_no == serial).count();
        assert_eq!(rows, 1, "{serial} stored {rows} times");
    }
    // Payment serials 1…32: no payment number given twice.
    let mut payment: Vec<i64> = stored.iter().map(|a| a.payment_serial).collect();
    payment.sort_unstable();
    assert_eq!(
        payment,
        (1..=i64::try_from(CLIENTS).unwrap()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn thirty_two_parallel_applications_on_one_server_get_distinct_stored_serials() {
    applications_under_load(1).await;
}

#[tokio::test]
async fn thirty_two_parallel_applications_on_two_servers_get_distinct_stored_serials() {
    applications_under_load(2).await;
}

/// Serials stored before the counters existed are never handed out again.
#[tokio::test]
async fn counters_continue_from_the_serials_stored_before_the_upgrade() {
    let stoppers = load_holders('F', 2, false);
    let applicants = load_holders('G', 2, true);
    let db = TestDb::new().await;
    let mut roster = load_roster(&stoppers, false);
    roster.push_str(
        load_roster(&applicants, true)
            .split_once('\n')
            .expect("header")
            .1,
    );
    let file = db.write_file("roster.csv", &roster);
    let out = db.cli(&["import-roster", file.to_str().expect("path")], None);
    assert!(out.status.success(), "{out:?}");

    // Back to the schema before the counters, with a stop and an application of today.
    let migrations = Migrator::migrations();
    let counters_at = migrations
        .iter()
        .position(|m| m.name() == "m20261124_000001_create_serial_counters")
        .expect("the serial_counters migration");
    let after_counters = (migrations.len() - counters_at) as u32;
    Migrator::down(&db.db, Some(after_counters))
        .await
        .expect("down to before the counters");
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let day = today.format("%Y%m%d").to_string();
    let cards = cards::Entity::find().all(&db.db).await.unwrap();
    let card = |outer: &str| cards.iter().find(|c| c.outer_no == outer).expect("card");
    let old_stop = card(&stoppers[0].card_outer_no);
    let now = Utc::now();
    // Inserted without RETURNING: the entities know columns of later migrations that
    // this older schema lacks (PostgreSQL would name them in the RETURNING list).
    stop_requests::Entity::insert(stop_requests::ActiveModel {
        serial_no: Set(format!("ST{day}000041")),
        card_id: Set(old_stop.id),
        holder_id: Set(old_stop.holder_id),
        choice: Set("no_refund".into()),
        balance_at_stop: Set(0),
        fees: Set(0),
        refund_amount: Set(0),
        no_contact_flag: Set(true),
        review_status: Set("pending".into()),
        stopped_at: Set(now),
        protected_from: Set(now),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&db.db)
    .await
    .expect("old stop");
    let old_app = card(&applicants[0].card_outer_no);
    applications::Entity::insert(applications::ActiveModel {
        serial_no: Set(format!("AP{day}000007")),
        holder_id: Set(old_app.holder_id),
        card_type: Set("KL-PRIMARY".into()),
        reason: Set("lost".into()),
        delivery: Set("school".into()),
        recipient_name_enc: Set("x".into()),
        recipient_phone_enc: Set("x".into()),
        photo_file: Set("x.jpg".into()),
        photo_sha256: Set("x".into()),
        fee: Set(100),
        amount_due: Set(100),
        payment_serial: Set(17),
        payment_no: Set("OLD-PAYMENT-17".into()),
        due_on: Set(today),
        status: Set("closed".into()),
        review_status: Set("approved".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&db.db)
    .await
    .expect("old application");

    // The server migrates at start; the next serials follow the stored ones.
    let server = TestServer::start(&db, &[]).await;
    let outbox = db.path().join("data").join("outbox");
    let stop =
        common::wizards::prepare_stop(&server.base, &stoppers[1], &outbox, "upgrade-stop-0001")
            .await
            .expect("stop wizard")
            .submit()
            .await;
    assert_eq!(stop, Outcome::Acknowledged(format!("ST{day}000042")));
    let apply = common::wizards::prepare_apply(
        &server.base,
        &applicants[1],
        &headshot(),
        "upgrade-apply-0001",
    )
    .await
    .expect("apply wizard")
    .submit()
    .await;
    assert_eq!(apply, Outcome::Acknowledged(format!("AP{day}000008")));
    let new_app = applications::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.serial_no == format!("AP{day}000008"))
        .expect("stored");
    assert_eq!(new_app.payment_serial, 18);
}
