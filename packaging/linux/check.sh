#!/usr/bin/env bash
# Checks hdfscope's Linux desktop integration in a throwaway root and XDG tree (nothing of the
# user's is touched). With --deb, builds the .deb with cargo-deb, checks its Depends and unpacks
# it into a temporary root; otherwise copies the files as the .deb lays them out. Then: the
# desktop entry and AppStream metainfo validate; the MIME XML types an HDF5 file with a user
# block and no extension as application/x-hdf5; `xdg-mime default` makes hdfscope the handler;
# and (with a binary, Xvfb and xdotool) the entry's Exec line opens a file in a window that
# names it, and a second launch with two files hands them to that window and exits.
#
#   packaging/linux/check.sh [--deb | --binary PATH] [--screenshot OUT.png]
#
# Exits 0 when every check that the machine's tools allow passed; names any that failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
id=io.github.hdfscope.Hdfscope
binary=""
screenshot=""
build_deb=""
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) build_deb=yes; shift ;;
    --binary) binary=$2; shift 2 ;;
    --screenshot) screenshot=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
data="$root/usr/share"

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

if [ -n "$build_deb" ]; then
  echo "== cargo deb"
  # cargo-deb prints the package's path last; the release build is incremental after the
  # first run (keep CARGO_TARGET_DIR).
  deb=$(cd "$repo" && cargo deb --locked --quiet | tail -n 1)
  [ -f "$deb" ] || fail "cargo deb did not name a package ('$deb')"
  echo "$deb"
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "Depends: $depends"
  # libc from dpkg-shlibdeps, and the libraries winit, wgpu and eframe dlopen (which it
  # cannot see).
  for lib in libc6 libx11-6 libxkbcommon0 libwayland-client0 libegl1 libvulkan1 \
    libfontconfig1 libdbus-1-3; do
    [[ ", $depends," == *", $lib"[\ ,\(]* ]] || fail "Depends lacks $lib"
  done
  [[ $(dpkg-deb -f "$deb" Recommends) == *xdg-desktop-portal* ]] || fail "Recommends lacks a portal"
  if command -v lintian >/dev/null; then
    echo "== lintian"
    # Errors fail; the warnings left are no man page and no bug closed by the first upload.
    lintian --fail-on error "$deb" 2>&1 | grep -v "running with root privileges" || true
    lintian --fail-on error "$deb" >/dev/null 2>&1 || fail "lintian reports errors"
  fi
  dpkg-deb -x "$deb" "$root"
  binary="$root/usr/bin/hdfscope"
  for f in "$binary" "$data/applications/$id.desktop" "$data/mime/packages/$id-mime.xml" \
    "$data/metainfo/$id.metainfo.xml" "$data/icons/hicolor/scalable/apps/$id.svg" \
    "$data/icons/hicolor/48x48/apps/$id.png" "$data/icons/hicolor/128x128/apps/$id.png" \
    "$data/icons/hicolor/256x256/apps/$id.png"; do
    [ -s "$f" ] || fail "the package lacks ${f#"$root"}"
  done
  [ -x "$binary" ] || fail "usr/bin/hdfscope is not executable"
  echo "unpacked into a temporary root: usr/bin/hdfscope, the desktop entry, MIME XML, metainfo, 4 icons"
else
  # Laid out as the .deb installs them (see [package.metadata.deb] in Cargo.toml).
  install -D -m644 "$here/$id.desktop" "$data/applications/$id.desktop"
  install -D -m644 "$here/$id-mime.xml" "$data/mime/packages/$id-mime.xml"
  install -D -m644 "$here/$id.metainfo.xml" "$data/metainfo/$id.metainfo.xml"
  install -D -m644 "$repo/assets/$id.svg" "$data/icons/hicolor/scalable/apps/$id.svg"
  for size in 48 128 256; do
    install -D -m644 "$repo/assets/$id-$size.png" "$data/icons/hicolor/${size}x${size}/apps/$id.png"
  done
fi

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
[ "$type" = "application/x-hdf5" ] || fail "typed $type"

echo "== xdg-mime default"
xdg-mime default "$id.desktop" application/x-hdf5 application/x-hdf
handler=$(xdg-mime query default application/x-hdf5)
echo "$handler"
[ "$handler" = "$id.desktop" ] || fail "default is '$handler'"

if [ -z "$binary" ]; then
  echo "(no --binary or --deb: the Exec line was not run)"
  exit 0
fi
if ! command -v Xvfb >/dev/null || ! command -v xdotool >/dev/null; then
  echo "(Xvfb or xdotool missing: the Exec line was not run)"
  exit 0
fi

echo "== the desktop entry's Exec line, under Xvfb"
# The desktop runs the Exec line with %F replaced by the selected files; `hdfscope` is found
# on PATH, as on an installed system.
exec_line=$(sed -n 's/^Exec=//p' "$data/applications/$id.desktop")
read -r -a words <<< "$exec_line"
[ "${words[0]}" = "hdfscope" ] && [ "${words[1]}" = "%F" ] || fail "unexpected Exec line '$exec_line'"
mkdir -p "$tmp/bin"
ln -s "$(realpath "$binary")" "$tmp/bin/hdfscope"
export PATH="$tmp/bin:$PATH"
# Xvfb picks a free display and writes its number once it accepts connections.
Xvfb -displayfd 3 -screen 0 1280x800x24 3>"$tmp/display" >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 100); do
  [ -s "$tmp/display" ] && break
  sleep 0.1
done
[ -s "$tmp/display" ] || fail "Xvfb did not start"
display=":$(head -n 1 "$tmp/display")"
# A private runtime directory, as the desktop gives each user: the single-instance socket
# lives there.
runtime="$tmp/runtime"
mkdir -p "$runtime" && chmod 700 "$runtime"
for name in double-clicked second third; do
  cp "$repo/assets/demo.h5" "$tmp/$name.h5"
done
session=(env DISPLAY="$display" XDG_RUNTIME_DIR="$runtime")
"${session[@]}" "${words[0]}" "$tmp/double-clicked.h5" >"$tmp/app.log" 2>&1 &
app=$!
finish() {
  kill "$app" "$xvfb" 2>/dev/null || true
  wait "$app" "$xvfb" 2>/dev/null || true
}
# The id of the window whose title matches, within 30 s. xdotool's pattern is a regex that
# the title's em dash trips up: match the file name.
window_named() {
  local w
  for _ in $(seq 60); do
    if w=$(DISPLAY=$display xdotool search --name "$1" 2>/dev/null); then
      echo "$w"
      return 0
    fi
    sleep 0.5
  done
  return 1
}
if ! window=$(window_named "double-clicked\.h5"); then
  finish
  fail "no window titled 'double-clicked.h5 — hdfscope'; the app said: $(cat "$tmp/app.log")"
fi
echo "window: double-clicked.h5 — hdfscope"

echo "== a second launch with two files, while the window runs"
# As a file manager does for "Open" on two selected files: one process, both paths.
if ! "${session[@]}" timeout 20 "${words[0]}" "$tmp/second.h5" "$tmp/third.h5" \
  >"$tmp/second.log" 2>&1; then
  finish
  fail "the second launch did not exit cleanly: $(cat "$tmp/second.log")"
fi
if ! shown=$(window_named "third\.h5"); then
  names=$(DISPLAY=$display xdotool search --name hdfscope getwindowname %@ 2>/dev/null || true)
  finish
  fail "the running window did not show third.h5 (windows: $names); it said: $(cat "$tmp/app.log")"
fi
if [ "$shown" != "$window" ]; then
  finish
  fail "third.h5 is in window $shown, not in the running window $window"
fi
echo "second launch: handed over; the running window now shows third.h5 — hdfscope"
if [ -n "$screenshot" ]; then
  sleep 2
  DISPLAY=$display import -window root "$screenshot"
  echo "screenshot: $screenshot"
fi
finish
echo "all desktop checks passed"
