#!/usr/bin/env bash
# Install what the tests need (scripts/install.sh) and run the whole suite in parallel, one
# process per core (pytest-xdist; each process has its own test database and live server).
# Extra arguments go to pytest: `-n 0` runs in this process alone, a path runs one file.
# Uses SQLite by default; set DATABASE_URL=postgres://... to run on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/pytest -n auto --dist loadfile "$@"
