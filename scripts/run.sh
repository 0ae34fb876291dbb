#!/usr/bin/env bash
# Set up and serve the application on SQLite with the demo data, at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py load_demo
echo
echo "Application : http://127.0.0.1:8000  (back-office : http://127.0.0.1:8000/admin/)"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
