# Shared helpers of the guest scenarios (busybox sh). Sourced by /init, the
# scenarios and the command CGI.

say() { echo "guest[$(cut -d' ' -f1 /proc/uptime)]: $*"; }

# guest_exit RC: power off through isa-debug-exit (QEMU exits (RC<<1)|1).
guest_exit() {
	sync
	printf "\\$(printf %o "$1")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}

# load MODULE [PARAMS...]: insmod the module and its dependencies in order;
# PARAMS go to the module itself (the last of the list).
load() {
	mod=$1
	shift
	last=$(tail -n 1 /lib/qmods/"$mod".list)
	for ko in $(cat /lib/qmods/"$mod".list); do
		name=$(basename "$ko" .ko | tr - _)
		grep -q "^$name " /proc/modules && continue
		if [ "$ko" = "$last" ]; then insmod "$ko" "$@"; else insmod "$ko"; fi || {
			say "insmod $ko failed"; return 1; }
	done
}

# unload MODULE: rmmod, retrying while a process still holds the device.
unload() {
	i=0
	while ! rmmod "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge 50 ] && { say "rmmod $1: still busy after 5 s"; rmmod "$1"; return 1; }
		sleep 0.1
	done
	say "rmmod $1 after $i retries"
}

vivid_load() {
	load vivid n_devs=1 node_types=0x1 || return 1
	for f in /sys/class/video4linux/*/name; do say "v4l2 $f: $(cat "$f")"; done
}

loop_load() {
	load v4l2loopback devices=1 video_nr=10 exclusive_caps=1 card_label=lancam-loop || return 1
	for f in /sys/class/video4linux/*/name; do say "v4l2 $f: $(cat "$f")"; done
}

# start_lancam ARGS...: lancam -headless -listen :8080 ARGS in the background.
start_lancam() {
	say "lancam -headless -no-mdns -listen :8080 $*"
	lancam -headless -no-mdns -listen :8080 "$@" &
	echo $! >/tmp/lancam.pid
}

# lancam_alive: running and not a zombie (ash does not reap until wait).
lancam_alive() {
	p=$(cat /tmp/lancam.pid)
	[ -e /proc/"$p"/status ] && ! grep -q '^State:.*Z' /proc/"$p"/status
}

# wait_exit: block until the host sends "exit" (or 300 s pass, or lancam
# exits: then the guest powers off at once and the host test fails fast).
wait_exit() {
	i=0
	while [ ! -e /tmp/exit ] && [ $i -lt 3000 ]; do
		lancam_alive || { wait "$(cat /tmp/lancam.pid)"; say "FAIL: lancam exited (status $?)"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
	[ -e /tmp/exit ] || say "no exit command from the host in 300 s"
}

# Commands the host sends through GET /cgi-bin/cmd?NAME (cmd.cgi).
cmd_ping() { echo pong; }
cmd_exit() { touch /tmp/exit; echo exiting; }
# cmd_unplug: a lasting USB unplug. vivid's Disconnect control alone is not
# one: the node fails with ENODEV, but vivid re-registers it as soon as its
# last user closes it, so a reopening lancam would find it back at once. So
# the node is first taken out of /dev (as udev does on unplug), then
# Disconnect is pressed on the hidden node. The device comes back with
# cmd_reload (rmmod vivid, which needs lancam to have closed it; insmod).
cmd_unplug() {
	mv /dev/video0 /dev/.video0-unplugged
	v4l2ctl /dev/.video0-unplugged Disconnect 2>&1
	rm -f /dev/.video0-unplugged
	ls /dev/video* 2>&1
}
# cmd_disconnect: just vivid's Disconnect button (the node stays).
cmd_disconnect() { v4l2ctl /dev/video0 Disconnect 2>&1; ls /dev/video* 2>&1; }
cmd_reload() { unload vivid && vivid_load; ls /dev/video* 2>&1; }
cmd_pause() { touch /tmp/producer.pause; echo paused; }
cmd_resume() { rm -f /tmp/producer.pause; echo resumed; }
cmd_ps() { ps; ls -l /dev/video* 2>&1; lsmod; }
cmd_ctrls() { v4l2ctl /dev/video0 2>&1; }
