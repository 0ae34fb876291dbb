#!/usr/bin/env bash
# Install what the tests need and run the whole suite (extra arguments go to pytest).
# Uses SQLite by default; set DATABASE_URL=postgres://... to run on PostgreSQL.
# The browser tests (tests/browser) drive Debian's Chromium: when it is missing, it is
# installed here with apt-get (as root, or through sudo). Never `playwright install`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium and fonts for the browser tests (apt-get)…"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    chromium fonts-liberation fonts-dejavu-core >/dev/null
fi

# WeasyPrint (the convention as a PDF) needs Pango, HarfBuzz's subsetter and the DejaVu
# fonts (found by fontconfig, never committed); the PDF tests read it with poppler's tools,
# and poppler's pdftoppm prints the pages of scanned deliberations (conventions/scans.py).
# Signing (pyHanko) stamps with NimbusSans from fonts-urw-base35 (1000 units per em); the
# signature tests check with poppler's pdfsig, trusting the test authority through an NSS
# folder made with certutil (libnss3-tools).
pdf_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
  fonts-dejavu-extra poppler-utils fonts-urw-base35 libnss3-tools)
missing=()
for package in "${pdf_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} for the PDF (apt-get)…"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
exec .venv/bin/pytest "$@"
