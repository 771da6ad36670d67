#!/bin/sh
# A real screenshot of the frozen app's main window under Xvfb, on demo data.
#
#   installer/screenshot_frozen.sh [BUNDLE_DIR] [OUT.png]
#
# BUNDLE_DIR defaults to dist/hubdesk, OUT to docs/screenshots/frozen-main-window.png.
# Needs xvfb-run and ImageMagick (import, convert).  The app is started with
# auto-unlock (--volunteer + HUBDESK_PIN), the X screen is captured after it
# settles, and the black screen around the window is trimmed.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bundle=${1:-"$root/dist/hubdesk"}
out=${2:-"$root/docs/screenshots/frozen-main-window.png"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

HUBDESK_PIN=123456 "$bundle/hubdesk" --data-dir "$work/data" --volunteer Coordinator \
    demo --visits 400 --days 14 --seed 3
cat > "$work/take.sh" <<SCRIPT
#!/bin/sh
HUBDESK_PIN=123456 QT_QPA_PLATFORM=xcb "$bundle/hubdesk" --data-dir "$work/data" --volunteer Coordinator &
app=\$!
sleep \${HUBDESK_SCREENSHOT_WAIT:-8}
import -window root "$work/root.png"
kill \$app
wait \$app || true
SCRIPT
chmod +x "$work/take.sh"
xvfb-run -a -s "-screen 0 1366x768x24" "$work/take.sh"
mkdir -p "$(dirname "$out")"
convert "$work/root.png" -trim +repage "$out"
echo "$out"
