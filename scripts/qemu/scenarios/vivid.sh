# vivid [LANCAM ARGS]: lancam -source /dev/video0 on vivid (YUYV capture).
# The host may send disconnect / reload through the command channel.
. /scenarios/lib.sh
vivid_load || exit 1
[ $# -gt 0 ] || set -- -size 640x480 -fps 25
start_lancam -source /dev/video0 "$@"
wait_exit || exit 1
lancam_alive || { say "FAIL: lancam died"; exit 1; }
