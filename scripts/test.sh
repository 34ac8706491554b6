#!/usr/bin/env bash
# `npm test`: installs what the tests need (Debian chromium, a running PostgreSQL), then runs
# typecheck, unit, integration (PGlite and PostgreSQL) and Playwright e2e in real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "› installing Debian chromium for the e2e tests"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "› starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

rm -rf .test-reports && mkdir -p .test-reports
echo "› typecheck"
npx tsc --noEmit
echo "› import boundaries"
npm run --silent lint:deps
echo "› lint"
npm run --silent lint
echo "› unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json=.test-reports/unit.json
echo "› integration tests (PGlite and PostgreSQL)"
npx vitest run --project int --reporter=default --reporter=json --outputFile.json=.test-reports/int.json
echo "› e2e tests (Chromium)"
npx playwright test

node scripts/test-summary.mjs .test-reports/unit.json .test-reports/int.json .test-reports/e2e.json
