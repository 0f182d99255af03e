#!/bin/sh
# run.sh KDIR INITRD LOG [APPEND...] — boots the test guest under TCG and
# returns the guest's exit code (the scenario's), 124 on timeout, 125 when
# QEMU failed or the guest stopped without a code.
# Env: PORT (host port forwarded to guest :8080, default 18080), CMDPORT
# (host port to the guest's command channel :9000, default PORT+1), TIMEOUT
# (seconds, default 120), MEM (MB, default 512).
# The serial console goes to LOG as is (no per-line processing: it starved
# QEMU on 2 cores). Only 127.0.0.1 is forwarded.
set -u
KDIR=${1:?usage: run.sh KDIR INITRD LOG [APPEND...]}
INITRD=${2:?usage: run.sh KDIR INITRD LOG [APPEND...]}
LOG=${3:?usage: run.sh KDIR INITRD LOG [APPEND...]}
shift 3
PORT=${PORT:-18080}
CMDPORT=${CMDPORT:-$((PORT + 1))}
TIMEOUT=${TIMEOUT:-120}
kernel=$KDIR/vmlinux
[ -f "$kernel" ] || kernel=$KDIR/vmlinuz
timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg -m "${MEM:-512}" -smp 1 \
	-display none -monitor none -serial "file:$LOG" -no-reboot \
	-kernel "$kernel" -initrd "$INITRD" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 $*" \
	-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:8080,hostfwd=tcp:127.0.0.1:$CMDPORT-:9000" \
	-device virtio-net-pci,netdev=n0,romfile= \
	-device isa-debug-exit,iobase=0xf4,iosize=4
q=$?
case $q in
124 | 137) echo "run.sh: timeout after $TIMEOUT s" >&2; exit 124 ;;
esac
if [ $((q & 1)) -eq 1 ]; then exit $((q >> 1)); fi
echo "run.sh: qemu exit $q without a guest code" >&2
exit 125
