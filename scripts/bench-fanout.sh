#!/usr/bin/env bash
# bench-fanout.sh — fan-out benchmark of the lancam MJPEG server.
#
# Usage: scripts/bench-fanout.sh [path/to/lancam]      (default ./lancam)
#
# Serves 60 cached 1280x720 JPEGs at 30 fps from a server pinned to CPU 0 and
# loads it from CPU 1 with 50, 200 and 400 stream clients, reporting per-client
# fps, capture-to-arrival delay, refused clients, bad parts, server CPU seconds
# per delivered GB and server peak RSS.
#
# Environment:
#   MJPEGLOAD   mjpegload binary (default: built with ${GO:-go} into a temp dir)
#   GO          go command used for that build (default: go)
#   FRAMES_DIR  frame cache (default: ${XDG_CACHE_HOME:-~/.cache}/lancam/bench-frames-720p)
#   PORT        server port (default 18089)
#   CLIENTS     client counts (default 50,200,400)
#   DURATION    measurement window per run (default 15s)
#   WARMUP      warm-up per run (default 3s)
#   JSON=1      pass -json to mjpegload
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
server=${1:-./lancam}
frames_dir=${FRAMES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lancam/bench-frames-720p}
port=${PORT:-18089}
clients=${CLIENTS:-50,200,400}
duration=${DURATION:-15s}
warmup=${WARMUP:-3s}
nframes=60

die() { echo "bench-fanout: $*" >&2; exit 1; }

[[ -x $server ]] || die "server binary $server not found or not executable (build lancam first, or pass its path)"
command -v curl >/dev/null || die "curl is needed to poll /status"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-fanout.XXXXXX")
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

# 400 clients need 400+ descriptors on each side.
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
nofile=$(ulimit -n)
[[ $nofile == unlimited ]] || (( nofile >= 1024 )) || die "open-file limit $nofile is too low for 400 clients"

# CPU pinning: server on CPU 0, load generator on CPU 1, when there are two.
pin_server=() pin_load=()
if command -v taskset >/dev/null && (( $(nproc) >= 2 )); then
	pin_server=(taskset -c 0) pin_load=(taskset -c 1)
else
	echo "bench-fanout: warning: no taskset or fewer than 2 CPUs: server and load share CPUs" >&2
fi

# Frames: 60 x 1280x720 JPEG (~120 KB each), generated once and cached.
count_frames() { find "$frames_dir" -maxdepth 1 -name 'frame*.jpg' 2>/dev/null | wc -l; }
if (( $(count_frames) < nframes )); then
	command -v ffmpeg >/dev/null || die "ffmpeg is needed to generate $frames_dir (apt-get install ffmpeg)"
	echo "bench-fanout: generating $nframes frames in $frames_dir" >&2
	mkdir -p "$frames_dir"
	ffmpeg -hide_banner -loglevel error -y -f lavfi \
		-i 'testsrc2=size=1280x720:rate=30,noise=alls=8:allf=t' \
		-frames:v "$nframes" -q:v 4 "$frames_dir/frame%03d.jpg"
	(( $(count_frames) >= nframes )) || die "ffmpeg made only $(count_frames) frames in $frames_dir"
fi
echo "bench-fanout: $(count_frames) frames, $(du -sh "$frames_dir" | cut -f1) in $frames_dir" >&2

# Load generator.
if [[ -n ${MJPEGLOAD:-} ]]; then
	mjpegload=$MJPEGLOAD
	[[ -x $mjpegload ]] || die "MJPEGLOAD=$mjpegload is not executable"
else
	mjpegload=$tmp/mjpegload
	(cd "$root" && "${GO:-go}" build -o "$mjpegload" ./httpstream/mjpegload/cmd/mjpegload) ||
		die "building mjpegload failed"
fi

# Server.
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" ; then
	die "something already answers on port $port (set PORT)"
fi
"${pin_server[@]}" "$server" -headless -listen "127.0.0.1:$port" -source "dir:$frames_dir" \
	-fps 30 -max-clients 1000 >"$tmp/server.log" 2>&1 &
server_pid=$!
for ((i = 0; ; i++)); do
	if curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/status"; then
		break
	fi
	if ! kill -0 "$server_pid" 2>/dev/null; then
		cat "$tmp/server.log" >&2
		server_pid=
		die "server exited before answering /status"
	fi
	(( i < 100 )) || { cat "$tmp/server.log" >&2; die "no answer from /status after 10 s"; }
	sleep 0.1
done
echo "bench-fanout: server pid $server_pid on 127.0.0.1:$port" >&2

load_args=(-url "http://127.0.0.1:$port/stream.mjpg" -clients "$clients"
	-duration "$duration" -warmup "$warmup" -pid "$server_pid")
if [[ ${JSON:-} == 1 ]]; then load_args+=(-json); fi
status=0
"${pin_load[@]}" "$mjpegload" "${load_args[@]}" | tee "$tmp/results.txt" || status=$?

kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=

echo
echo "== bench-fanout results ($(basename "$server"), $duration per run, $(nproc) CPUs) =="
cat "$tmp/results.txt"
if (( status != 0 )); then
	echo "bench-fanout: mjpegload exited $status (bad parts or failure); server log tail:" >&2
	tail -n 20 "$tmp/server.log" >&2
fi
exit "$status"
