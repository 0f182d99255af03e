# boot: vivid loads and /dev/video0 appears; lancam serves the test pattern.
. /scenarios/lib.sh
rc=0
vivid_load || rc=1
[ -c /dev/video0 ] && say "/dev/video0 present" || { say "FAIL: no /dev/video0"; rc=1; }
# -list-cameras, and -source auto picking the camera, checked from the log.
lancam -list-cameras 2>&1 | sed 's/^/list-cameras: /'
lancam -headless -no-mdns -listen 127.0.0.1:8081 -source auto -size 640x480 -fps 25 >/tmp/auto.log 2>&1 &
auto=$!
i=0
until st=$(wget -qO- http://127.0.0.1:8081/status 2>/dev/null) && [ -n "$st" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
done
say "auto-status: $(echo "$st" | head -c 200)"
kill $auto; wait $auto
sed 's/^/auto-log: /' /tmp/auto.log | grep 'source auto'
start_lancam -source test -size 640x480 -fps 10 "$@"
wait_exit || exit 1
lancam_alive || { say "FAIL: lancam died"; rc=1; }
exit $rc
