#!/usr/bin/env bash
# bench-gui.sh: what lancam's desktop window costs. lancam runs in window
# mode under a private Xvfb (software GL) with a private session bus and a
# tray host, `-source test -size 1280x720 -fps 30 -no-mdns`; for SHOWN_S
# seconds with the window shown, then HIDDEN_S with it closed to the tray;
# then a second lancam at -fps 1 for STILL_S seconds shown (what the window
# costs between frames: it repaints only when a frame arrives). For each
# phase: CPU (utime+stime from /proc/PID/stat, % of one core; "GL" is the
# part in Mesa's llvmpipe threads, the software rasteriser), RSS (VmRSS
# from /proc/PID/status, sampled each second: average and peak) and
# lancam's own preview log (painted fps, decode+scale ms).
#
# The tray host is the Go one of the GUI tests (gui_tray_test.go,
# TestGUITrayHostTool, built with `go test -c -tags gui`); it also closes
# the window the way a window manager's close button does (WM_DELETE_WINDOW),
# so neither a window manager nor xdotool is needed.
#
# usage: scripts/bench-gui.sh [path/to/lancam]   (default: build it)
# env:   GO (go command), SHOWN_S, HIDDEN_S, STILL_S (default 20 each), KEEP=1 keeps the logs
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
SHOWN_S=${SHOWN_S:-20}
HIDDEN_S=${HIDDEN_S:-20}
STILL_S=${STILL_S:-20}
WARMUP_S=3

for tool in Xvfb dbus-daemon; do
	command -v "$tool" >/dev/null || { echo "bench-gui: $tool is not installed (scripts/deps.sh test)" >&2; exit 1; }
done

# The same cgo shim as the Makefile (same path, so the build cache is shared).
if [[ "${CGO_CFLAGS:-}" != *cgo-shim-* ]]; then
	shim_src=camera/uvc/shim/linux/videodev2.h
	shim_dir=$HOME/.cache/lancam/cgo-shim-$(sha256sum "$shim_src" | cut -c1-12)
	mkdir -p "$shim_dir/linux"
	cmp -s "$shim_src" "$shim_dir/linux/videodev2.h" || cp "$shim_src" "$shim_dir/linux/videodev2.h"
	export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -I$shim_dir"
fi
export CGO_ENABLED=1

tmp=$(mktemp -d /tmp/lancam-bench-gui.XXXXXX)
pids=()
cleanup() {
	local rc=$?
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [[ ${KEEP:-} == 1 || $rc != 0 ]]; then
		echo "bench-gui: logs kept in $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE PATTERN SECONDS WHAT: poll until FILE has a line matching PATTERN.
wait_for() {
	local end=$((SECONDS + $3))
	until grep -q -- "$2" "$1" 2>/dev/null; do
		if ((SECONDS >= end)); then
			echo "bench-gui: no $4 after $3 s; $1:" >&2
			tail -20 "$1" >&2 || true
			exit 1
		fi
		sleep 0.1
	done
}

bin=${1:-}
if [[ -z $bin ]]; then
	echo "bench-gui: building lancam and the tray host tool..."
	"$GO" build -o "$tmp/lancam" .
	bin=$tmp/lancam
fi
"$GO" test -c -tags gui -o "$tmp/gui.test" .

# A private X server and session bus; each tells us its name on fd 3.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -br -noreset 3>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
pids+=($!)
dbus-daemon --session --nofork --nopidfile --address="unix:path=$tmp/bus" --print-address=3 3>"$tmp/bus.addr" >"$tmp/dbus.log" 2>&1 &
pids+=($!)
wait_for "$tmp/display" '^[0-9]' 20 "Xvfb display"
wait_for "$tmp/bus.addr" '^unix:' 20 "session bus address"
export DISPLAY=:$(head -1 "$tmp/display")
export DBUS_SESSION_BUS_ADDRESS=$(head -1 "$tmp/bus.addr")
unset WAYLAND_DISPLAY XAUTHORITY
export XDG_RUNTIME_DIR=$tmp/run && mkdir -m 700 -p "$XDG_RUNTIME_DIR"

# The tray host first: lancam looks for one when it starts. (The test
# binary's TestMain builds its own lancam first, from the build cache.)
LANCAM_TRAYHOST_TOOL=1 LANCAM_TRAYHOST_SECONDS=$((SHOWN_S + HIDDEN_S + STILL_S + 120)) \
	"$tmp/gui.test" -test.run '^TestGUITrayHostTool$' -test.v >"$tmp/tool.log" 2>&1 &
tool=$!
pids+=($tool)
wait_for "$tmp/tool.log" '^tray host ready' 120 "tray host"

# start_lancam FPS: lancam with the window shown, its preview running.
start_lancam() {
	mkdir -p "$tmp/home"
	: >"$tmp/lancam.log"
	HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_CACHE_HOME=$tmp/home/.cache LIBGL_ALWAYS_SOFTWARE=1 \
		"$bin" -source test -size 1280x720 -fps "$1" -no-mdns -listen 127.0.0.1:0 >"$tmp/lancam.out" 2>"$tmp/lancam.log" &
	lancam=$!
	pids+=($lancam)
	wait_for "$tmp/tool.log" "^item registered.*$lancam\|^item registered" 15 "tray item registration"
	wait_for "$tmp/lancam.log" 'msg=preview .*shown=true' 20 "preview log line"
	sleep "$WARMUP_S"
}

# stop_lancam: SIGTERM; code is its exit code.
stop_lancam() {
	kill -TERM "$lancam"
	for _ in $(seq 50); do kill -0 "$lancam" 2>/dev/null || break; sleep 0.1; done
	code=0
	wait "$lancam" || code=$?
}
start_lancam 30

hz=$(getconf CLK_TCK)
cpu_ticks() { # utime+stime of lancam (fields 14, 15; the name in () may hold spaces)
	local s
	s=$(<"/proc/$lancam/stat")
	s=${s##*) }
	awk '{print $12 + $13}' <<<"$s"
}
gl_ticks() { # the same for lancam's llvmpipe threads
	local t s sum=0
	for t in /proc/$lancam/task/*; do
		[[ $(<"$t/comm") == llvmpipe* ]] || continue
		s=$(<"$t/stat")
		s=${s##*) }
		sum=$((sum + $(awk '{print $12 + $13}' <<<"$s")))
	done
	echo "$sum"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$lancam/status"; }

# measure PHASE SECONDS: one row of the table. The first preview line of a
# phase may cover time before it and is skipped.
rows=()
measure() {
	local phase=$1 secs=$2
	local lines0 t0 c0 g0 t1 c1 g1 sum=0 peak=0 n=0 r
	lines0=$(grep -c 'msg=preview' "$tmp/lancam.log" || true)
	t0=$(date +%s.%N)
	c0=$(cpu_ticks)
	g0=$(gl_ticks)
	for ((i = 0; i < secs; i++)); do
		sleep 1
		kill -0 "$lancam" 2>/dev/null || { echo "bench-gui: lancam exited" >&2; tail -20 "$tmp/lancam.log" >&2; exit 1; }
		r=$(rss_kb)
		sum=$((sum + r)) n=$((n + 1))
		((r > peak)) && peak=$r
	done
	c1=$(cpu_ticks)
	g1=$(gl_ticks)
	t1=$(date +%s.%N)
	local preview
	preview=$(grep 'msg=preview' "$tmp/lancam.log" | tail -n +"$((lines0 + 2))" |
		sed -n 's/.*fps=\([0-9.]*\) decode_ms=\([0-9.]*\) shown=\([a-z]*\).*/\1 \2 \3/p' |
		awk '{f += $1; d += $2; n++; s = $3} END {if (n) printf "%.1f %.2f %s(%d)", f/n, d/n, s, n; else print "- - -"}')
	rows+=("$(awk -v p="$phase" -v s="$secs" -v c0="$c0" -v c1="$c1" -v g0="$g0" -v g1="$g1" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
		-v avg="$((sum / n))" -v peak="$peak" -v pv="$preview" \
		'BEGIN {split(pv, v, " "); printf "%-7s %4d  %7.1f  %6.1f  %8.1f  %8.1f  %7s  %8s  %s", p, s, 100*(c1-c0)/hz/(t1-t0), 100*(g1-g0)/hz/(t1-t0), avg/1024, peak/1024, v[1], v[2], v[3]}')")
}

echo "bench-gui: measuring ${SHOWN_S} s shown, ${HIDDEN_S} s hidden, ${STILL_S} s shown at 1 fps (lancam pid $lancam, DISPLAY $DISPLAY)..."
measure shown "$SHOWN_S"
kill -USR1 "$tool"
wait_for "$tmp/tool.log" '^window closed' 10 "closed window"
wait_for "$tmp/lancam.log" 'msg=preview .*shown=false' 10 "hidden preview log line"
measure hidden "$HIDDEN_S"
stop_lancam
((code == 0)) || { echo "bench-gui: lancam exited with $code" >&2; exit 1; }
start_lancam 1
measure still "$STILL_S"
stop_lancam

echo
echo "lancam window mode, -source test -size 1280x720 -fps 30 (still: -fps 1), Xvfb + LIBGL_ALWAYS_SOFTWARE=1, $(nproc) cores"
echo "CPU: % of one core (GL: of it in llvmpipe); RSS: MB, sampled each second; fps, dec ms: mean of lancam's 2 s preview log lines"
printf "%-7s %4s  %7s  %6s  %8s  %8s  %7s  %8s  %s\n" phase sec "CPU %" "GL %" "RSS avg" "RSS peak" fps "dec ms" "shown(lines)"
for r in "${rows[@]}"; do echo "$r"; done
echo "exit code after SIGTERM: $code"
if grep -q panic "$tmp/lancam.log"; then
	echo "bench-gui: lancam panicked:" >&2
	cat "$tmp/lancam.log" >&2
	exit 1
fi
((code == 0))
