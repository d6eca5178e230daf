#!/usr/bin/env bash
# Starts the release binary in a real X window (Xvfb, software rendering, no GPU) on the demo
# file and on a corpus file, and saves screenshots into docs/. Look at them: if they look
# wrong, they are wrong.
#
# Needs: Xvfb, imagemagick (import), xdotool, Mesa (Vulkan via lavapipe or GL). On Debian,
# as root, missing packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${HOME}/.cache/hdfscope-target}"
export CMAKE="${CMAKE:-${HOME}/.cache/hdfscope-venv/bin/cmake}"

if ! command -v Xvfb >/dev/null || ! command -v import >/dev/null || ! command -v xdotool >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends xvfb imagemagick xdotool x11-utils \
      mesa-vulkan-drivers libvulkan1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 \
      libx11-xcb1 libxcursor1 libxi6 libxrandr2
  else
    echo "screenshots.sh: needs Xvfb, imagemagick and xdotool" >&2
    exit 1
  fi
fi

cargo build --release --quiet
bin="${CARGO_TARGET_DIR}/release/hdfscope"

display=":$((100 + RANDOM % 400))"
Xvfb "${display}" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "${xvfb_pid}" 2>/dev/null || true' EXIT
export DISPLAY="${display}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
chmod 700 "${XDG_RUNTIME_DIR}"
# Fresh settings, so saved window geometry or theme from another run does not leak in.
export XDG_DATA_HOME="$(mktemp -d)"
sleep 1

# shot NAME ARGS...: start the viewer with ARGS, wait for its window, save docs/NAME.png.
# With HOVER="X Y", the pointer rests there first (for the value readout).
shot() {
  local name="$1"
  shift
  "${bin}" "$@" >/dev/null 2>&1 &
  local pid=$!
  xdotool search --sync --name '^hdfscope$' >/dev/null
  sleep 4
  if [ -n "${HOVER:-}" ]; then
    # shellcheck disable=SC2086
    xdotool mousemove ${HOVER}
    sleep 1
  fi
  import -window root "docs/${name}.png"
  kill "${pid}"
  wait "${pid}" 2>/dev/null || true
  echo "wrote docs/${name}.png"
}

shot screenshot-demo
# The demo's NeXus spectrum: data with error band, its fit (an auxiliary signal), legend.
shot screenshot-demo-nexus "assets/demo.h5::/entry"
# Images: a frame of the demo stack with the value under the pointer, an RGB image, and an
# image with physical axes from its dimension scales.
HOVER="600 400" shot screenshot-image-stack "assets/demo.h5::/images/stack"
HOVER="600 400" shot screenshot-image-rgb "assets/demo.h5::/images/rgb"
HOVER="600 400" shot screenshot-image-axes "assets/demo.h5::/images/image"
# Tables: the demo's compound events, and a pandas DataFrame from the corpus as one table.
shot screenshot-table "assets/demo.h5::/tables/events"
pandas="../shared/corpus/generated/pandas_fixed.h5"
if [ -f "${pandas}" ]; then
  shot screenshot-pandas "${pandas}::/df"
fi
nexus="../shared/corpus/fetched/nexus"
if [ -d "${nexus}" ]; then
  shot screenshot-nexus "${nexus}/Therm_6_2.nxs::/entry/data/omega"
  shot screenshot-nexus-plot "${nexus}/writer_1_3.h5::/Scan/data/counts"
  # A detector stack (Eiger, NXmx): 488 frames of 4362 x 4148, a virtual dataset.
  HOVER="600 400" shot screenshot-detector "${nexus}/Therm_6_2.nxs::/entry/data/data"
else
  echo "screenshots.sh: ${nexus} not found, skipping the corpus screenshots" >&2
fi
