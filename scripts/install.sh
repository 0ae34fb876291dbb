#!/usr/bin/env bash
# Install what the tests need, and nothing when it is all in place (scripts/test.sh and
# .ci/run call it): Debian packages with apt-get (as root, or through sudo), then the
# Python packages in .venv, again only when pyproject.toml changed since the last install.
#
# - Chromium, for the browser tests (tests/browser): Debian's, never `playwright install`.
# - WeasyPrint (the convention as a PDF) needs Pango, HarfBuzz's subsetter and the DejaVu
#   fonts (found by fontconfig, never committed); the PDF tests read it with poppler's
#   tools, and poppler's pdftoppm prints the pages of scanned deliberations
#   (conventions/scans.py).
# - Signing (pyHanko) stamps with NimbusSans from fonts-urw-base35 (1000 units per em); the
#   signature tests check with poppler's pdfsig, trusting the test authority through an NSS
#   folder made with certutil (libnss3-tools).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium fonts-liberation libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  fonts-dejavu-core fonts-dejavu-extra poppler-utils fonts-urw-base35 libnss3-tools)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (apt-get)…"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.ctg-dev-installed
wanted=$(sha256sum pyproject.toml | cut -d " " -f 1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
  echo "$wanted" >"$stamp"
fi
