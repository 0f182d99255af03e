# boot: vivid loads and /dev/video0 appears; lancam serves the test pattern.
. /scenarios/lib.sh
rc=0
vivid_load || rc=1
[ -c /dev/video0 ] && say "/dev/video0 present" || { say "FAIL: no /dev/video0"; rc=1; }
start_lancam -source test -size 640x480 -fps 10 "$@"
wait_exit || exit 1
lancam_alive || { say "FAIL: lancam died"; rc=1; }
exit $rc
