#!/bin/sh
# Pack the PyInstaller one-folder bundle into hubdesk-<version>-linux-x86_64.tar.gz
# with the menu entry, the icons and install.sh (per-user install to ~/.local).
#
#   installer/linux/build_tarball.sh [BUNDLE_DIR] [OUT_DIR]
#
# BUNDLE_DIR defaults to dist/hubdesk, OUT_DIR to dist.  Prints the archive's path.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
bundle=${1:-"$root/dist/hubdesk"}
out=${2:-"$root/dist"}
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/hubdesk/__init__.py")
arch=$(uname -m)
name="hubdesk-$version-linux-$arch"

[ -x "$bundle/hubdesk" ] || { echo "build_tarball.sh: no bundle at $bundle (build build.spec first)" >&2; exit 1; }
[ -n "$version" ] || { echo "build_tarball.sh: no __version__ in hubdesk/__init__.py" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/icons" "$out"
cp -R "$bundle" "$stage/$name/hubdesk"
cp "$root/installer/linux/hubdesk.desktop" "$root/installer/linux/install.sh" "$stage/$name/"
cp "$root/resources/icons/hubdesk.png" "$root/resources/icons/hubdesk-48.png" \
   "$root/resources/icons/hubdesk.svg" "$stage/$name/icons/"
chmod 755 "$stage/$name/install.sh"
# Reproducible-ish: fixed owner and sorted names.
tar -C "$stage" --owner=0 --group=0 --numeric-owner --sort=name -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
