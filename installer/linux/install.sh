#!/bin/sh
# Install HubDesk for the current user (no root): the bundle to
# ~/.local/lib/hubdesk, a launcher to ~/.local/bin/hubdesk, the menu entry and
# icon under ~/.local/share.  Run from the unpacked tarball:  ./install.sh
# Remove again with:  ./install.sh --uninstall   (your data in
# ~/.local/share/HubDesk is kept; delete that folder yourself to remove it).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=${HUBDESK_PREFIX:-"$HOME/.local"}
lib="$prefix/lib/hubdesk"
bin="$prefix/bin"
apps="$prefix/share/applications"
icons="$prefix/share/icons/hicolor"

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$lib"
    rm -f "$bin/hubdesk" "$apps/hubdesk.desktop" \
        "$icons/256x256/apps/hubdesk.png" "$icons/48x48/apps/hubdesk.png" \
        "$icons/scalable/apps/hubdesk.svg"
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
    echo "HubDesk removed. Your data in ${XDG_DATA_HOME:-$HOME/.local/share}/HubDesk was kept."
    exit 0
fi

[ -x "$here/hubdesk/hubdesk" ] || { echo "install.sh: run me from the unpacked HubDesk folder" >&2; exit 1; }

mkdir -p "$prefix/lib" "$bin" "$apps" "$icons/256x256/apps" "$icons/48x48/apps" "$icons/scalable/apps"
# Replace the whole bundle so no file of an older version is left behind.
rm -rf "$lib.new"
cp -R "$here/hubdesk" "$lib.new"
rm -rf "$lib"
mv "$lib.new" "$lib"
ln -sf "$lib/hubdesk" "$bin/hubdesk"
cp "$here/icons/hubdesk.png" "$icons/256x256/apps/hubdesk.png"
cp "$here/icons/hubdesk-48.png" "$icons/48x48/apps/hubdesk.png"
cp "$here/icons/hubdesk.svg" "$icons/scalable/apps/hubdesk.svg"
sed "s|^Exec=hubdesk|Exec=\"$lib/hubdesk\"|" "$here/hubdesk.desktop" > "$apps/hubdesk.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
echo "HubDesk installed: $lib (menu entry: $apps/hubdesk.desktop)"
