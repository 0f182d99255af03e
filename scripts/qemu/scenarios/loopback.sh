# loopback [FPS [LANCAM ARGS]]: v4l2loopback /dev/video10 fed by the producer
# with /data/loop/*.jpg (640x480 MJPEG) at FPS (25); lancam -source /dev/video10.
# The host may send pause / resume through the command channel.
. /scenarios/lib.sh
fps=${1:-25}
[ $# -gt 0 ] && shift
loop_load || exit 1
producer /dev/video10 640x480 "$fps" /data/loop &
sleep 1
[ $# -gt 0 ] || set -- -size 640x480 -fps "$fps"
start_lancam -source /dev/video10 "$@"
wait_exit || exit 1
lancam_alive || { say "FAIL: lancam died"; exit 1; }
