#!/usr/bin/env bash
# Installs what the console needs, builds it when the sources changed, and starts it on the
# embedded database (./data, or CLOUDROUTER_DATA_DIR; PostgreSQL when DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
# As root the console builds its lab (unless CLOUDROUTER_LAB=off): install what the lab needs too.
if [ "$(id -u)" = 0 ] && [ "${CLOUDROUTER_LAB:-auto}" != off ]; then
  bash scripts/install.sh --lab
else
  bash scripts/install.sh
fi
stamp=.next/.cloudrouter-build.sha
want=$(git ls-files -s -- app components server db agent lab lib public package-lock.json next.config.ts 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ -n "$(git status --porcelain -- app components server db agent lab lib public 2>/dev/null)" ]; then
  npm run build
  echo "$want" > "$stamp"
fi
exec npx next start -p "${PORT:-3000}" -H "${HOST:-127.0.0.1}"
