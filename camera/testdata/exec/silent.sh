#!/bin/sh
# Never writes a byte, ignores SIGTERM, and leaves a child in its process
# group that would outlive it if only the leader were killed: $1 counts runs.
echo run >>"$1"
trap '' TERM
sleep 1000 &
while :; do sleep 1; done
