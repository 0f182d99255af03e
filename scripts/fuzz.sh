#!/bin/sh
# scripts/fuzz.sh — run every Fuzz* target of the module for FUZZTIME each.
#
#   scripts/fuzz.sh                  every target, 30s each
#   FUZZTIME=20s scripts/fuzz.sh     shorter (what `make fuzz` in CI uses)
#   scripts/fuzz.sh 'TXT|Peer'       only targets whose name matches (grep -E)
#
# Go fuzzes one target per `go test` invocation, so each target gets its own
#   go test -run '^$' -fuzz '^Name$' -fuzztime $FUZZTIME ./pkg/
# and a summary line (execs, new corpus entries). The exit status is non-zero
# when any target fails.
#
# The seed corpus is what keeps every crasher ever found: plain `go test ./...`
# (and so `make test`) already runs each Fuzz* target over its f.Add seeds and
# over every file in <pkg>/testdata/fuzz/<Name>/, without fuzzing. When a
# target fails here, Go writes the minimized input to
# <pkg>/testdata/fuzz/<Name>/<hash>; fix the bug, then commit that file so the
# crasher stays a regression test for everyone. Inputs that merely found new
# coverage go to Go's cache (`go env GOCACHE`/fuzz), not to the tree.
#
# GO (default: go) and CGO_CFLAGS come from the Makefile when run by make; run
# by hand, export CGO_CFLAGS as the Makefile does (camera/uvc needs the shim).
set -u

FUZZTIME=${FUZZTIME:-30s}
GO=${GO:-go}
filter=${1:-.}

cd "$(dirname "$0")/.." || exit 2

# "dir name" for every func FuzzXxx(f *testing.F) in a _test.go file.
targets=$(grep -rEo --include='*_test.go' --exclude-dir=testdata --exclude-dir=.git \
	'^func Fuzz[A-Za-z0-9_]*\(' . |
	sed -E 's|^\./||; s|/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($| \1|; s|^[^/ ]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($|. \1|' |
	sort -u | while read -r dir name; do
		echo "$name" | grep -Eq -- "$filter" && echo "$dir $name"
	done)
if [ -z "$targets" ]; then
	echo "fuzz: no Fuzz* targets match '$filter'" >&2
	exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
summary=""
n=$(echo "$targets" | wc -l)
echo "fuzz: $n targets, $FUZZTIME each"
while read -r dir name; do
	start=$(date +%s)
	"$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "./$dir/" >"$log" 2>&1
	rc=$?
	# Go's fuzz engine sometimes fails its own shutdown at the end of
	# -fuzztime ("context deadline exceeded", no failing input written)
	# when a worker is slow to stop on a loaded machine. That is not a
	# finding: run the target once more, and only a second failure counts.
	if [ $rc -ne 0 ] && grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
		echo "     $name: the fuzz engine timed out stopping (no failing input); running it again"
		"$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "./$dir/" >"$log" 2>&1
		rc=$?
	fi
	secs=$(($(date +%s) - start))
	# Last progress line: "fuzz: elapsed: 30s, execs: 123 (4/sec), new interesting: 5 (total: 60)"
	last=$(grep -E '^fuzz: elapsed: .*execs: ' "$log" | tail -n 1)
	execs=$(echo "$last" | sed -nE 's/.*execs: ([0-9]+).*/\1/p')
	new=$(echo "$last" | sed -nE 's/.*new interesting: ([0-9]+).*/\1/p')
	total=$(echo "$last" | sed -nE 's/.*\(total: ([0-9]+)\).*/\1/p')
	line=$(printf '%-4s %-20s %-18s execs=%-10s new-corpus=%-4s corpus=%-5s %ss' \
		"$([ $rc -eq 0 ] && echo ok || echo FAIL)" "$name" "./$dir/" "${execs:-?}" "${new:-?}" "${total:-?}" "$secs")
	echo "$line"
	summary="$summary$line
"
	if [ $rc -ne 0 ]; then
		failed=1
		grep -vE '^fuzz: elapsed: ' "$log" | tail -n 40 | sed 's/^/    /'
		crasher=$(sed -nE 's|.*Failing input written to (testdata/fuzz/[^ ]*).*|\1|p' "$log" | tail -n 1)
		if [ -n "$crasher" ]; then
			path="$dir/$crasher"
			path=${path#./}
			echo "    crasher kept at $path"
			echo "    reproduce: $GO test -run '^$name/$(basename "$crasher")\$' ./$dir/"
			echo "    fix the bug, then commit it (git add $path): go test ./... replays it from then on"
		fi
	fi
done <<EOF
$targets
EOF

echo "fuzz summary ($FUZZTIME each):"
printf '%s' "$summary"
if [ $failed -ne 0 ]; then
	echo "fuzz: FAILED (crashers are under <pkg>/testdata/fuzz/; commit them with the fix)" >&2
	exit 1
fi
echo "fuzz: all targets passed"
