#!/usr/bin/env bash
# Install what the tests need and run the whole suite (extra arguments go to pytest).
# Uses SQLite by default; set DATABASE_URL=postgres://... to run on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
exec .venv/bin/pytest "$@"
