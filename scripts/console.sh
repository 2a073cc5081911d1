#!/usr/bin/env bash
# Installs what the console needs, builds it when the sources changed, and starts it on the
# embedded database (./data, or CLOUDROUTER_DATA_DIR; PostgreSQL when DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
stamp=.next/.cloudrouter-build.sha
want=$(git ls-files -s -- app components server db agent lab public package-lock.json next.config.ts 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ -n "$(git status --porcelain -- app components server db agent lab 2>/dev/null)" ]; then
  npm run build
  echo "$want" > "$stamp"
fi
exec npx next start -p "${PORT:-3000}" -H "${HOST:-127.0.0.1}"
