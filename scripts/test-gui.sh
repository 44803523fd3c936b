#!/usr/bin/env bash
# Window tests: builds the GUI binary with cgo and runs the ebiten tests in a
# real window on a virtual X display (xvfb-run). Needs the Debian packages
# libx11-dev libxext-dev libgl1-mesa-dev libxrandr-dev libxcursor-dev
# libxinerama-dev libxi-dev libxxf86vm-dev xvfb xauth xdotool.
#
#   scripts/test-gui.sh                 run the window tests
#   scripts/test-gui.sh -readme         also rewrite assets/readme/view.png and record.gif
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

args=()
if [[ "${1:-}" == "-readme" ]]; then
	args=(-args -readme "$PWD/assets/readme")
fi

CGO_ENABLED=1 $GO vet -tags guitest ./gui/ ./cmd/metabench-gui/...
CGO_ENABLED=1 $GO run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags guitest ./gui/ ./cmd/metabench-gui/...
# Both binaries go into a temporary directory, side by side: the ones
# `make build` and `make gui` made stay as they are.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 $GO build -o "$tmp/metabench" .
CGO_ENABLED=1 $GO build -o "$tmp/metabench-gui" ./cmd/metabench-gui
export MB="$tmp/metabench"

# The headless binary hands `view` to metabench-gui next to it: a real
# window for 60 frames, its last frame saved; without a display, one line.
xvfb-run -a -s "-screen 0 1280x1024x24" \
	"$MB" view --task "ab c" --speed 4 --frames 60 --screenshot "$tmp/view.png"
test -s "$tmp/view.png"
set +e
msg=$(env -u DISPLAY "$MB" view --task ab 2>&1); code=$?
set -e
if [[ $code != 2 || $(printf '%s\n' "$msg" | wc -l) != 1 || $msg != *"no display"* ]]; then
	echo "metabench view without a display: exit $code, output: $msg"; exit 1
fi
# A display that does not answer (as after SSH), through the headless
# binary's hand-over: one line naming it, no trace (scripts/test-gui-display.sh
# tests the window binary itself).
n=917
while [[ -e /tmp/.X11-unix/X$n ]]; do n=$((n + 1)); done
set +e
msg=$(DISPLAY=:$n "$MB" view --task ab 2>&1); code=$?
set -e
if [[ $code == 0 || $(printf '%s\n' "$msg" | wc -l) != 1 || $msg != *":$n"* ]]; then
	echo "metabench view on a dead display: exit $code, output: $msg"; exit 1
fi
# Real key events (XTEST, through xdotool) reach the window: Esc quits.
cat >"$tmp/esc.sh" <<'EOS'
"$MB" view --task ab &
pid=$!
for _ in $(seq 300); do
	wid=$(xdotool search --name "metabench view" 2>/dev/null | head -1) && [ -n "$wid" ] && break
	sleep 0.1
done
if [ -z "$wid" ]; then kill $pid; echo "the window did not appear within 30 s"; exit 1; fi
# The window may map before its event loop reads keys (a loaded machine
# takes seconds): press Esc every 2 s, up to 30 s.
for i in $(seq 60); do
	kill -0 $pid 2>/dev/null || break
	if (( i % 4 == 1 )); then xdotool windowfocus --sync "$wid" key Escape 2>/dev/null || true; fi
	sleep 0.5
done
if kill -0 $pid 2>/dev/null; then kill $pid; echo "Esc did not close the window within 30 s"; exit 1; fi
wait $pid
EOS
xvfb-run -a -s "-screen 0 1280x1024x24" bash "$tmp/esc.sh"

# The recording test runs `metabench demos replay` on the dataset it saves.
METABENCH_BIN="$MB" CGO_ENABLED=1 \
	xvfb-run -a -s "-screen 0 1280x1024x24" \
	$GO test -tags guitest -count=1 -v ./gui/ "${args[@]}"
