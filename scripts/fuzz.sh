#!/usr/bin/env bash
# Short coverage-guided fuzzing of every Fuzz target in the module (`make fuzz`).
#
# The budget is a number of executions per target (FUZZ_EXECS), not a time:
# a wall-clock -fuzztime races the fuzzing engine's shutdown on a loaded
# machine and fails with "context deadline exceeded" although no input
# failed (golang/go#51484, #75804). A count has no deadline; a slow machine
# only takes longer.
#
# Every target runs even after one fails. A failure prints go test's output
# and the failing inputs the fuzzer wrote under testdata/fuzz, so the CI log
# alone is enough to reproduce it (`go test -run 'FuzzX/<name>' ./pkg`, after
# saving the input to that path).
set -euo pipefail

GO=${GO:-go}
execs=${FUZZ_EXECS:-100000}
export CGO_ENABLED=0

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
for pkg in $($GO list -f '{{if .TestGoFiles}}{{.ImportPath}}{{end}}' ./...); do
	dir=$($GO list -f '{{.Dir}}' "$pkg")
	for target in $($GO test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		corpus="$dir/testdata/fuzz/$target"
		before=$(ls "$corpus" 2>/dev/null | sort || true)
		start=$(date +%s)
		if $GO test -run '^$' -fuzz "^$target\$" -fuzztime "${execs}x" "$pkg" >"$log" 2>&1; then
			echo "fuzz $pkg $target: ok, $execs inputs in $(($(date +%s) - start)) s"
			continue
		fi
		failed=1
		echo "fuzz $pkg $target: FAILED after $(($(date +%s) - start)) s"
		sed 's/^/    /' "$log"
		after=$(ls "$corpus" 2>/dev/null | sort || true)
		for input in $(comm -13 <(echo "$before") <(echo "$after")); do
			echo "    failing input $corpus/$input:"
			sed 's/^/        /' "$corpus/$input"
		done
	done
done
exit $failed
