#!/usr/bin/env bash
# Starts the real server for the Playwright run: a fresh SQLite database in a temporary
# folder, the roster fixture imported with the CLI, a fixed test captcha.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-3210}
bin=${PORTAL_SERVER_BIN:-../target/debug/server}
# A fixed folder, so tests can read the development outbox (step-up codes).
dir="$(pwd)/.tmp/server"
rm -rf "$dir"
mkdir -p "$dir"
export PORTAL_DATA_DIR="$dir"
export DATABASE_URL="sqlite://$dir/portal.db"
export PORTAL_SECRET_KEY="end-to-end-tests-secret-key-0123456789abcdef"
export PORTAL_DEMO=0
export PORTAL_TEST_CAPTCHA=E2E42
export PORTAL_VERIFY_PER_IP_PER_MIN=1000
export PORTAL_SITE_DIR="${PORTAL_SITE_DIR:-$(cd .. && pwd)/dist}"
export PORTAL_ADDR="127.0.0.1:$port"
# LINE: pushes go to the fake on the next port; the webhook checks this secret.
export PORTAL_LINE_API_BASE="http://127.0.0.1:$((port + 1))"
export PORTAL_LINE_CHANNEL_TOKEN=e2e-line-token
export PORTAL_LINE_CHANNEL_SECRET=e2e-line-secret
export PORTAL_LINE_OFFICIAL_ACCOUNT=@e2e-school
# SMS: to the fake HTTP SMS gateway two ports up (end2end/support/fake-sms.mjs).
export PORTAL_SMS_GATEWAY_URL="http://127.0.0.1:$((port + 2))/api/mtk/SmSend"
export PORTAL_SMS_USER=e2e-sms-user
export PORTAL_SMS_PASSWORD=e2e-sms-password
# LINE Pay: the fake online API and approval page three ports up
# (end2end/support/fake-linepay.mjs, the same channel id and secret).
export PORTAL_LINE_PAY_API_BASE="http://127.0.0.1:$((port + 3))"
export PORTAL_LINE_PAY_CHANNEL_ID=e2e-pay-channel
export PORTAL_LINE_PAY_CHANNEL_SECRET=e2e-pay-secret
# The issuer's key: refunds and the old cards of a reissue (card-life.phone.spec.ts).
export PORTAL_REFUND_API_KEY=e2e-issuer-key-0123456789
"$bin" import-roster fixtures/roster.csv
# Back-office accounts for the desktop tests (passwords on standard input).
echo 'e2e-officer-password' | "$bin" add-user --role officer --username e2e.officer --school E2E001
echo 'e2e-teacher-password' | "$bin" add-user --role teacher --username e2e.t504 --school E2E001 --class 504
echo 'e2e-teacher-password' | "$bin" add-user --role teacher --username e2e.t501 --school E2E001 --class 501
echo 'e2e-operator-password' | "$bin" add-user --role operator --username e2e.operator
# The officer of a second school, whose queue only the keyboard test fills.
echo 'e2e-officer-password' | "$bin" add-user --role officer --username e2e.officer2 --school E2E002
# «讀卡機管理» and «停課日設定» (readers-holidays.desktop.spec.ts): school E2E004's
# card officer and the homeroom teacher of its class 701.
echo 'e2e-officer-password' | "$bin" add-user --role officer --username e2e.gate.officer --school E2E004
echo 'e2e-teacher-password' | "$bin" add-user --role teacher --username e2e.gate.teacher --school E2E004 --class 701
# «訊息發送服務» (notices.desktop.spec.ts): school E2E005's homeroom teacher of 501 and
# its card officer.
echo 'e2e-teacher-password' | "$bin" add-user --role teacher --username e2e.notice.teacher --school E2E005 --class 501
echo 'e2e-officer-password' | "$bin" add-user --role officer --username e2e.notice.officer --school E2E005
# A gate reader (its key for the tests) and a term of the SMS service for 何佳豪.
"$bin" add-reader --school E2E001 --reader-id e2e-gate-1 | tail -n 1 > "$dir/reader-key"
"$bin" add-sms-subscription --school E2E001 --student-no 940005 --mobile 0933222111 \
  --term 115學年度上學期 --from 2026-08-30 --to 2027-01-20
exec "$bin" serve
