#!/usr/bin/env bash
# Set up and serve the application on SQLite with the demo data, at http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
# WeasyPrint (the convention as a PDF) needs Pango, HarfBuzz's subsetter and the DejaVu
# fonts (found by fontconfig, never committed); poppler's pdftoppm turns the pages of a
# scanned deliberation into the images the PDF prints (conventions/scans.py).
pdf_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
  fonts-dejavu-extra poppler-utils)
missing=()
for package in "${pdf_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} for the PDF (apt-get)…"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
  export DEBIAN_FRONTEND=noninteractive
  # The application starts without them: only the PDF download would fail.
  { "${as_root[@]}" apt-get update -qq \
    && "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
    || echo "Warning: could not install ${missing[*]}; the PDF of a convention will not work."
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py load_demo
echo
echo "Application : http://127.0.0.1:8000  (back-office : http://127.0.0.1:8000/admin/)"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
