#!/usr/bin/env bash
# CI: build the frozen client from build.spec and check it where users run it.
#
#   bash .ci/build_bundle.sh
#
# 1. PyInstaller one-folder build into a temporary folder (never ./dist);
# 2. what must be in the bundle is there, what must not be is not (server stack,
#    PostgreSQL drivers, unused Qt), and it fits the size budget;
# 3. the frozen app's --smoke mode, offscreen (with the revision-0001 fixture
#    database migrated without loss), with no console at all, and under Xvfb (xcb);
# 4. the frozen CLI on a data folder holding a copy of that fixture (`status --json`,
#    and `export` in each format that exists);
# 5. makensis compiles installer/hubdesk.nsi against the bundle (uncompressed: validity);
# 6. the Linux tarball recipe;
# then prints the sizes.  Exits non-zero on any failure.
#
# HUBDESK_BUNDLE_OUT=DIR keeps the output there (default: a temp dir, removed at
# the end); HUBDESK_BUNDLE_MAX_MB (default 150) is the size budget.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)
python=.venv/bin/python
# 150 MB holds with `cryptography` (12 MB, for DESIGN §9's laptop keys) and QtPrintSupport
# (issue 10's printing) because build.spec leaves CUPS and D-Bus, with the TLS, Kerberos
# and systemd libraries behind them, to the Linux system (148 MB on 2026-12-01).
max_mb=${HUBDESK_BUNDLE_MAX_MB:-150}

if [ -n "${HUBDESK_BUNDLE_OUT:-}" ]; then
  out=$HUBDESK_BUNDLE_OUT
  mkdir -p "$out"
else
  out=$(mktemp -d /tmp/hubdesk-bundle.XXXXXX)
  trap 'rm -rf "$out"' EXIT
fi
bundle="$out/dist/hubdesk"
fixture="$root/tests/fixtures/hubdesk_rev0001.sqlite"
version=$("$python" -c 'import hubdesk; print(hubdesk.__version__)')

step() { echo "== bundle: $* ($(( $(date +%s) - started )) s)"; }
fail() { echo "bundle: FAILED: $*" >&2; exit 1; }

# --- 1. build ------------------------------------------------------------------
step "PyInstaller build.spec -> $out/dist"
if ! .venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
    --distpath "$out/dist" --workpath "$out/build" build.spec >"$out/pyinstaller.log" 2>&1; then
  tail -n 60 "$out/pyinstaller.log" >&2
  fail "PyInstaller build"
fi
build_seconds=$(( $(date +%s) - started ))

# --- 2. contents -------------------------------------------------------------------
step "bundle contents"
internal="$bundle/_internal"
[ -x "$bundle/hubdesk" ] || fail "no executable $bundle/hubdesk"
for needed in hubdesk/store/migrations/env.py resources/vocabularies.json \
              resources/services_sample.json resources/icons/hubdesk.png; do
  [ -f "$internal/$needed" ] || fail "$needed missing from the bundle"
done
ls "$internal"/hubdesk/store/migrations/versions/0001_*.py >/dev/null 2>&1 \
  || fail "migration versions missing from the bundle"
ls "$internal"/sqlcipher3/_sqlite3*.so >/dev/null 2>&1 || fail "sqlcipher3 missing from the bundle"
# Python modules frozen into the PYZ archive, as PyInstaller recorded them.
pyz_toc=$(ls "$out"/build/build/PYZ-*.toc | head -n 1)
for forbidden in hubdesk.server fastapi uvicorn starlette psycopg psycopg2 MySQLdb pymysql \
                 pytest hypothesis schemathesis numpy tkinter PySide6.QtNetwork PySide6.QtQml \
                 PySide6.QtQuick; do
  if grep -q "('$forbidden'" "$pyz_toc" || grep -q "('$forbidden\." "$pyz_toc"; then
    fail "$forbidden is in the bundle (build.spec should exclude it)"
  fi
done
unwanted=$(find "$internal" \( -name 'libQt6Quick*' -o -name 'libQt6Qml*' -o -name 'libQt6Network*' \
  -o -name 'libQt6WebEngine*' -o -name 'libqgtk3*' -o -name 'libgtk-3*' -o -name '*.qm' \
  -o -name 'libqsqlpsql*' -o -name 'libpq*' -o -name 'libcups.so*' -o -name 'libgnutls*' \
  -o -name 'libdbus-1*' -o -name 'libsystemd*' \) -print | head -n 5)
[ -z "$unwanted" ] || fail "unused Qt or PostgreSQL files, or Linux system libraries, in the bundle: $unwanted"
bundle_mb=$(( $(du -sb "$bundle" | cut -f1) / 1000000 ))  # MB = 10^6 bytes, as bench/ reports
[ "$bundle_mb" -le "$max_mb" ] || fail "bundle is $bundle_mb MB, over the $max_mb MB budget"

# --- 3. smoke ----------------------------------------------------------------------
step "frozen smoke (offscreen)"
if ! QT_QPA_PLATFORM=offscreen HUBDESK_SMOKE_FIXTURE="$fixture" HUBDESK_SMOKE_REPORT="$out/smoke.txt" \
    timeout 180 "$bundle/hubdesk" --smoke; then
  fail "frozen smoke (offscreen): $(cat "$out/smoke.txt" 2>/dev/null)"
fi
grep -q "^hubdesk smoke OK" "$out/smoke.txt" || fail "no OK line from the frozen smoke"
grep -q "frozen" "$out/smoke.txt" || fail "the smoke ran from source, not frozen"
step "frozen smoke with no console (stdout and stderr closed, as in a windowed build)"
QT_QPA_PLATFORM=offscreen HUBDESK_SMOKE_REPORT="$out/smoke-noconsole.txt" \
  timeout 180 "$bundle/hubdesk" --smoke >&- 2>&- \
  || fail "frozen smoke with no console: $(cat "$out/smoke-noconsole.txt" 2>/dev/null)"
grep -q "^hubdesk smoke OK.*no console" "$out/smoke-noconsole.txt" \
  || fail "frozen smoke with no console: $(cat "$out/smoke-noconsole.txt" 2>/dev/null)"
if command -v xvfb-run >/dev/null; then
  step "frozen smoke (Xvfb, xcb)"
  if ! QT_QPA_PLATFORM=xcb HUBDESK_SMOKE_REPORT="$out/smoke-xcb.txt" \
      timeout 180 xvfb-run -a -s "-screen 0 1366x768x24" "$bundle/hubdesk" --smoke; then
    fail "frozen smoke (xcb): $(cat "$out/smoke-xcb.txt" 2>/dev/null)"
  fi
fi

# --- 4. the frozen CLI on an old data folder ---------------------------------------
step "frozen 'status --json' on a copy of the revision-0001 fixture (migrated, then encrypted in place)"
data="$out/old-laptop"
mkdir -p "$data"
cp "$fixture" "$data/hubdesk.sqlite3"
# the fixture's coordinator unlocks (its PIN predates the 6-digit rule); the plain file
# is migrated and encrypted in place at that first unlock (issue 8)
status_json=$(HUBDESK_PIN=2468 timeout 120 "$bundle/hubdesk" --data-dir "$data" \
  --volunteer "Fixture Coordinator" status --json) || fail "frozen 'status --json' on the fixture"
"$python" - "$status_json" "$data" <<'EOF' || fail "frozen 'status --json' gave wrong counts"
import json, sqlite3, sys
status = json.loads(sys.argv[1])
assert status["visits"] == 5 and status["unsent"] == 12, status
with open(f"{sys.argv[2]}/hubdesk.sqlite3", "rb") as handle:
    assert handle.read(16) != b"SQLite format 3\x00", "not encrypted in place"
try:
    sqlite3.connect(f"{sys.argv[2]}/hubdesk.sqlite3").execute("select 1 from sqlite_master").fetchone()
    raise SystemExit("the encrypted file opened as plain SQLite")
except sqlite3.DatabaseError:
    pass
print(f"   status: {status['visits']} visits, {status['unsent']} unsent; encrypted in place")
EOF

step "frozen exports from the migrated fixture"
for format in csv xlsx pdf; do
  if HUBDESK_PIN=2468 QT_QPA_PLATFORM=offscreen timeout 120 "$bundle/hubdesk" --data-dir "$data" \
      --volunteer "Fixture Coordinator" export --from 2026-10-01 --to 2026-10-31 \
      --format "$format" --out "$out/export.$format" >"$out/export-$format.log" 2>&1; then
    [ -s "$out/export.$format" ] || fail "frozen export --format $format wrote nothing"
    echo "   $format: $(stat -c %s "$out/export.$format") bytes"
  elif grep -q "not available yet" "$out/export-$format.log"; then
    echo "   $format: not implemented yet (skipped)"
  else
    cat "$out/export-$format.log" >&2
    fail "frozen export --format $format"
  fi
done
# `export` is the DESIGN §8 report (figures); the anonymous rows behind it are `export-visits`
HUBDESK_PIN=2468 timeout 120 "$bundle/hubdesk" --data-dir "$data" --volunteer "Fixture Coordinator" \
  export-visits --from 2026-10-01 --to 2026-10-31 --out "$out/visits.csv" >"$out/export-visits.log" 2>&1 \
  || { cat "$out/export-visits.log" >&2; fail "frozen export-visits"; }
grep -q "018f0000-0000-7000-8000-0000000f0005" "$out/visits.csv" || fail "export-visits lacks a fixture visit"
grep -q "visits" "$out/export.csv" || fail "the CSV report lacks its visits figure"

# --- 5. Windows installer script -------------------------------------------------------
step "makensis installer/hubdesk.nsi"
command -v makensis >/dev/null || fail "makensis not found (Debian package nsis)"
makensis -V2 -WX -DNOCOMPRESS -DVERSION="$version" -DEXENAME=hubdesk -DSRCDIR="$bundle" \
  -DOUTFILE="$out/HubDesk-$version-setup.exe" installer/hubdesk.nsi >"$out/makensis.log" 2>&1 \
  || { cat "$out/makensis.log" >&2; fail "makensis"; }
[ "$(head -c 2 "$out/HubDesk-$version-setup.exe")" = "MZ" ] || fail "makensis made no Windows executable"

# --- 6. Linux tarball ------------------------------------------------------------------
step "Linux tarball"
tarball=$(installer/linux/build_tarball.sh "$bundle" "$out")
tar -tzf "$tarball" | grep -q '/install.sh$' || fail "tarball has no install.sh"

# --- sizes -------------------------------------------------------------------------------
step "done"
echo "   version:         $version"
echo "   build:           ${build_seconds} s"
echo "   bundle:          ${bundle_mb} MB (budget ${max_mb} MB) in $(find "$bundle" -type f | wc -l) files"
echo "   installer (uncompressed check build): $(( $(stat -c %s "$out/HubDesk-$version-setup.exe") / 1000000 )) MB"
echo "   tarball:         $(( $(stat -c %s "$tarball") / 1000000 )) MB ($(basename "$tarball"))"
dangling=$(find "$bundle" -xtype l | head -n 3)
[ -z "$dangling" ] || fail "dangling symlinks in the bundle: $dangling"
echo "   smoke:           $(cat "$out/smoke.txt")"
echo "bundle: OK in $(( $(date +%s) - started )) s"
