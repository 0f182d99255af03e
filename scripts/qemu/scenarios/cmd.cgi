#!/bin/sh
# CGI behind busybox httpd on guest port 9000: GET /cgi-bin/cmd?NAME runs
# cmd_NAME from lib.sh, and logs it to the serial console.
. /scenarios/lib.sh
echo "Content-Type: text/plain"
echo
case $QUERY_STRING in
*[!a-z0-9_]* | "") echo "bad command"; exit 0 ;;
esac
say "host command: $QUERY_STRING" >/dev/console
out=$(cmd_"$QUERY_STRING" 2>&1)
echo "$out" | sed "s/^/  $QUERY_STRING: /" >/dev/console
echo "$out"
