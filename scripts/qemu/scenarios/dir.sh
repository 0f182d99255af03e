# dir [FPS]: lancam -source dir:/data/loop (the producer's JPEGs, no V4L2):
# a self-test of the host side of the loopback tests that works without
# lancam's V4L2 source.
. /scenarios/lib.sh
start_lancam -source dir:/data/loop -size 640x480 -fps "${1:-25}"
wait_exit || exit 1
