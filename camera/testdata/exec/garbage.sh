#!/bin/sh
# Frames with junk before, between and after them (log text, zeros, a lone
# 0xFF), then stays alive without writing: $1 is a JPEG file, $2 how many.
i=0
while [ "$i" -lt "$2" ]; do
	printf 'INFO some log line on stdout\n\000\000\377'
	cat "$1"
	i=$((i + 1))
done
printf 'trailing junk'
exec sleep 1000
