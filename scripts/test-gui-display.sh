#!/usr/bin/env bash
# The window binary when its X display does not answer (DISPLAY=:N with no
# server, as after an SSH session's X forwarding went away): one line naming
# the display, exit status 1, no goroutine trace; and a display that does
# answer (xvfb-run, with its X authority) still opens. Needs cgo and the
# Makefile's GUI_APT_PACKAGES.
#
#   scripts/test-gui-display.sh                 build ./cmd/metabench-gui and test it
#   METABENCH_GUI=./metabench-gui scripts/test-gui-display.sh   test a built binary
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${METABENCH_GUI:-}
if [[ -z $bin ]]; then
	CGO_ENABLED=1 $GO build -o "$tmp/metabench-gui" ./cmd/metabench-gui
	bin=$tmp/metabench-gui
fi

# A display number no local server uses.
n=917
while [[ -e /tmp/.X11-unix/X$n ]]; do n=$((n + 1)); done

fail=0
expect_one_line() { # DISPLAY, what it must say, command...
	local display=$1 want=$2
	shift 2
	local msg code
	set +e
	msg=$(DISPLAY=$display timeout 20 "$bin" "$@" 2>&1)
	code=$?
	set -e
	if [[ $code != 1 || $(printf '%s\n' "$msg" | wc -l) != 1 || $msg != *"$want"* || $msg == *goroutine* ]]; then
		echo "FAIL: DISPLAY=$display metabench-gui $*: exit $code, output:"
		printf '%s\n' "$msg" | head -5
		fail=1
	else
		echo "ok: DISPLAY=$display metabench-gui $1: $msg"
	fi
}
expect_one_line ":$n" "cannot open display :$n: no X server answers at /tmp/.X11-unix/X$n" view --task ab
expect_one_line ":$n.0" "cannot open display :$n.0" record --task ab --dir "$tmp/rec"
expect_one_line "localhost:$n" "cannot open display localhost:$n: no X server answers on localhost port $((6000 + n))" view --task ab
if [[ -e $tmp/rec ]]; then
	echo "FAIL: record created its dataset without a display"
	fail=1
fi

# A display that answers opens as before.
if command -v xvfb-run >/dev/null; then
	if xvfb-run -a -s "-screen 0 640x480x24" timeout 60 "$bin" view --task ab --frames 5 --screenshot "$tmp/v.png" >/dev/null && [[ -s $tmp/v.png ]]; then
		echo "ok: a display that answers (xvfb-run) opens"
	else
		echo "FAIL: metabench-gui view under xvfb-run"
		fail=1
	fi
else
	echo "skip: no xvfb-run for the display that answers"
fi
exit $fail
