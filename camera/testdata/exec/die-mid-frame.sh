#!/bin/sh
# Two whole frames, then half of one, then exit 3: a producer that crashes
# mid-frame. $1 is a JPEG file, $2 a file that counts the runs.
echo run >>"$2"
cat "$1" "$1"
head -c 300 "$1"
exit 3
