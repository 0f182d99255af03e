#!/usr/bin/env bash
# soak.sh — long-running leak check of the lancam MJPEG server (make soak;
# not part of make test or CI).
#
# Usage: scripts/soak.sh [path/to/lancam]      (default ./lancam)
#
# Starts `lancam -headless -source test -size 1280x720 -fps 30` and keeps 50
# viewers on it for DURATION, replacing CHURN of them every second, so that
# every connect and disconnect path runs thousands of times. lancam's RSS
# (/proc), goroutines and open descriptors (/status "process") are sampled at
# start, every minute and at the end; it fails if the end exceeds the start
# by more than RSS +20 %, goroutines +10 or fds +10, or if the idle counts
# after the load do not return to the idle counts before it.
#
# Environment:
#   DURATION  load time after a 15 s warm-up (default 10m)
#   VIEWERS   concurrent viewers (default 50)
#   CHURN     viewers replaced every second (default 5)
#   EVERY     sampling interval (default 1m)
#   PORT      server port (default 18090)
#   GO        go command used to build the soak client (default: go)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
server=${1:-./lancam}
port=${PORT:-18090}

die() { echo "soak: $*" >&2; exit 1; }
[[ -x $server ]] || die "server binary $server not found or not executable (build lancam first, or pass its path)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/soak.XXXXXX")
server_pid=
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(cd "$root" && "${GO:-go}" build -o "$tmp/soak" ./scripts/soak) || die "building the soak client failed"

# XDG_CONFIG_HOME: the run must not touch the user's installation id.
XDG_CONFIG_HOME=$tmp "$server" -headless -no-mdns -listen "127.0.0.1:$port" \
	-source test -size 1280x720 -fps 30 -max-clients 200 2>"$tmp/lancam.log" >/dev/null &
server_pid=$!
for _ in $(seq 100); do
	curl -fs "http://127.0.0.1:$port/status" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/lancam.log" >&2; die "lancam exited at start"; }
	sleep 0.1
done

status=0
"$tmp/soak" -url "http://127.0.0.1:$port" -pid "$server_pid" \
	-duration "${DURATION:-10m}" -every "${EVERY:-1m}" \
	-viewers "${VIEWERS:-50}" -churn "${CHURN:-5}" || status=$?
if ((status != 0)); then
	echo "soak: lancam's log (last 40 lines):" >&2
	tail -n 40 "$tmp/lancam.log" >&2
	grep -c 'level=ERROR' "$tmp/lancam.log" >&2 || true
fi
exit "$status"
