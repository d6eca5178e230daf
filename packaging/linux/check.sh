#!/usr/bin/env bash
# Checks hdfscope's Linux desktop integration in a throwaway XDG tree (nothing of the user's
# is touched): the desktop entry and AppStream metainfo validate, the MIME XML types an HDF5
# file with a user block and no extension as application/x-hdf5, `xdg-mime default` makes
# hdfscope the handler, and (with a binary and Xvfb) the entry's Exec line opens a file in a
# window that names it, screenshot saved.
#
#   packaging/linux/check.sh [--binary PATH] [--screenshot OUT.png]
#
# Exits 0 when every check that the machine's tools allow passed; names any that failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
id=io.github.hdfscope.Hdfscope
binary=""
screenshot=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --screenshot) screenshot=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data="$tmp/share"

# Installed as the .deb lays them out (see [package.metadata.deb] in Cargo.toml).
install -D -m644 "$here/$id.desktop" "$data/applications/$id.desktop"
install -D -m644 "$here/$id-mime.xml" "$data/mime/packages/$id-mime.xml"
install -D -m644 "$here/$id.metainfo.xml" "$data/metainfo/$id.metainfo.xml"
install -D -m644 "$repo/assets/$id.svg" "$data/icons/hicolor/scalable/apps/$id.svg"
for size in 48 128 256; do
  install -D -m644 "$repo/assets/$id-$size.png" "$data/icons/hicolor/${size}x${size}/apps/$id.png"
done

echo "== desktop-file-validate"
desktop-file-validate "$data/applications/$id.desktop"
echo "== appstreamcli validate"
appstreamcli validate --no-net "$data/metainfo/$id.metainfo.xml"

export XDG_DATA_DIRS="$data:/usr/local/share:/usr/share"
export XDG_DATA_HOME="$tmp/home/share" XDG_CONFIG_HOME="$tmp/home/config"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
update-mime-database "$data/mime"

# The HDF5 signature after a 512-byte user block (as in MATLAB v7.3 files), no extension:
# only the MIME XML's magic can recognise it.
{ head -c 512 /dev/zero; cat "$repo/assets/demo.h5"; } > "$tmp/measurements"
echo "== xdg-mime query filetype (no extension, 512-byte user block)"
# GNOME's path asks gio, which reads the shared-mime-info database under XDG_DATA_DIRS (the
# generic path would ask libmagic, which knows HDF5 without us).
type=$(XDG_CURRENT_DESKTOP=GNOME xdg-mime query filetype "$tmp/measurements")
echo "$type"
[ "$type" = "application/x-hdf5" ] || { echo "FAILED: typed $type" >&2; exit 1; }

echo "== xdg-mime default"
xdg-mime default "$id.desktop" application/x-hdf5 application/x-hdf
handler=$(xdg-mime query default application/x-hdf5)
echo "$handler"
[ "$handler" = "$id.desktop" ] || { echo "FAILED: default is '$handler'" >&2; exit 1; }

if [ -z "$binary" ]; then
  echo "(no --binary: the Exec line was not run)"
  exit 0
fi
if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null; then
  echo "(Xvfb or xdotool missing: the Exec line was not run)"
  exit 0
fi

echo "== the desktop entry's Exec line, under Xvfb"
# %F: every selected file, as separate arguments; here one (the desktop's own expansion).
exec_line=$(sed -n 's/^Exec=//p' "$data/applications/$id.desktop")
read -r -a words <<< "$exec_line"
[ "${words[0]}" = "hdfscope" ] && [ "${words[1]}" = "%F" ] || {
  echo "FAILED: unexpected Exec line '$exec_line'" >&2
  exit 1
}
display=":$((RANDOM % 400 + 100))"
Xvfb "$display" -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
mkdir -p "$tmp/runtime" && chmod 700 "$tmp/runtime"
cp "$repo/assets/demo.h5" "$tmp/double-clicked.h5"
DISPLAY=$display XDG_RUNTIME_DIR="$tmp/runtime" "$binary" "$tmp/double-clicked.h5" \
  >"$tmp/app.log" 2>&1 &
app=$!
found=""
for _ in $(seq 60); do
  sleep 0.5
  # xdotool's name pattern is a regex that the em dash of the title trips up: match the file.
  if found=$(DISPLAY=$display xdotool search --name "double-clicked\.h5" 2>/dev/null); then
    break
  fi
done
if [ -n "$found" ] && [ -n "$screenshot" ]; then
  sleep 2
  DISPLAY=$display import -window root "$screenshot"
  echo "screenshot: $screenshot"
fi
kill "$app" "$xvfb" 2>/dev/null || true
wait "$app" "$xvfb" 2>/dev/null || true
if [ -z "$found" ]; then
  echo "FAILED: no window titled 'double-clicked.h5 — hdfscope'; the app said:" >&2
  cat "$tmp/app.log" >&2
  exit 1
fi
echo "window: double-clicked.h5 — hdfscope"
echo "all desktop checks passed"
