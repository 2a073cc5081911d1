#!/usr/bin/env bash
# Every test, as CI runs it: type check, lint, unit tests, integration tests on PGlite and on a
# real PostgreSQL server (started here, on loopback, and removed after), the production build, and
# the Playwright suite in Debian's Chromium. Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --test || { echo "0 passed, 1 failed"; exit 1; }

reports=.reports
rm -rf "$reports" && mkdir -p "$reports"
pgdir=$(mktemp -d /tmp/cloudrouter-pg.XXXXXX)
# Lab namespaces of this run are named cr-<tag>…; whatever a crashed test left is swept at exit.
export CLOUDROUTER_LAB_RUN="t$(head -c 64 /dev/urandom | tr -dc 'a-z0-9' | head -c 3)"
trap 'scripts/pg-server.sh stop "$pgdir"; [ "$(id -u)" = 0 ] && scripts/lab-sweep.sh "$CLOUDROUTER_LAB_RUN"' EXIT

failed_steps=()
step() {
  local name=$1
  shift
  echo
  echo "=== $name"
  local t0=$SECONDS
  if "$@"; then
    echo "=== $name: ok ($((SECONDS - t0)) s)"
  else
    echo "=== $name: FAILED ($((SECONDS - t0)) s)"
    failed_steps+=("$name")
  fi
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

step "type check" npx tsc --noEmit
step "lint" npx eslint .
step "format (Prettier)" npx prettier --check --log-level warn .
step "unit + integration on PGlite" npx vitest run --project unit --project integration --reporter=default --reporter=json --outputFile.json="$reports/vitest-pglite.json"

pg_tests() {
  eval "$(scripts/pg-server.sh start "$pgdir")" || return 1
  TEST_DATABASE_URL=$TEST_DATABASE_URL npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$reports/vitest-postgres.json"
}
step "integration on PostgreSQL" pg_tests

# The build comes before the lab step: a lab test runs the built console as a non-root user.
step "production build" npm run build

if [ "${CLOUDROUTER_SKIP_LAB:-}" = 1 ]; then
  echo
  echo "=== lab tests SKIPPED: CLOUDROUTER_SKIP_LAB=1 was set (they need root and network namespaces)"
fi
step "lab (real namespaces, as root)" npx vitest run --project lab --reporter=default --reporter=json --outputFile.json="$reports/vitest-lab.json"

if [[ " ${failed_steps[*]} " != *" production build "* ]]; then
  port=$(free_port)
  step "browser (Playwright + Chromium)" env E2E_PORT="$port" E2E_DATA_DIR="/tmp/cloudrouter-e2e-$port" E2E_REPORT="$reports/e2e.json" E2E_LAB_NAME="${CLOUDROUTER_LAB_RUN}e2e" npx playwright test
  rm -rf "/tmp/cloudrouter-e2e-$port"
fi

node scripts/summarize.mjs "$reports" "${failed_steps[@]+"${failed_steps[@]}"}"
