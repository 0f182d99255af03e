#!/bin/sh
# mkinitramfs.sh OUTDIR LANCAM_BINARY [SCENARIO [ARGS...]]
# Builds an uncompressed initramfs (faster to unpack under TCG than gzip)
# with busybox-static, the kernel modules for vivid, v4l2loopback and
# virtio-net, a static lancam, the static producer and v4l2ctl tools (built
# here from producer.c and v4l2ctl.c), scenarios/*.sh and an /init.
# OUTDIR is prepare.sh's cache (the newest prepared kernel is used, or KDIR=).
# SCENARIO [ARGS] is the default guest scenario; the kernel command line's
# lancam.scenario=NAME and lancam.args=A,B,C override it.
# Env: INITRD (output, default OUTDIR/initramfs.cpio), QEMU_DATA (a folder
# copied to /data in the guest, e.g. JPEGs for the producer).
set -eu
export LC_ALL=C
OUT=${1:?usage: mkinitramfs.sh OUTDIR LANCAM_BINARY [SCENARIO [ARGS...]]}
BIN=${2:?usage: mkinitramfs.sh OUTDIR LANCAM_BINARY [SCENARIO [ARGS...]]}
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "$OUT" && pwd)
if [ -z "${KDIR:-}" ]; then
	KDIR=$(ls -dt "$OUT"/*/.done 2>/dev/null | head -1)
	[ -n "$KDIR" ] || { echo "mkinitramfs: no prepared kernel in $OUT (run prepare.sh)" >&2; exit 1; }
	KDIR=$(dirname "$KDIR")
fi
kver=$(basename "$KDIR")
INITRD=${INITRD:-$OUT/initramfs.cpio}

# Static guest tools, rebuilt when their source changes.
mkdir -p "$OUT/tools"
for t in producer v4l2ctl; do
	if [ ! -x "$OUT/tools/$t" ] || [ "$HERE/$t.c" -nt "$OUT/tools/$t" ]; then
		gcc -O2 -Wall -static -o "$OUT/tools/$t" "$HERE/$t.c"
	fi
done

R=$(mktemp -d "${TMPDIR:-/tmp}/lancam-initramfs.XXXXXX")
trap 'rm -rf "$R"' EXIT
mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys" "$R/tmp" "$R/etc" "$R/lib/qmods" "$R/data" "$R/www/cgi-bin"
cp /bin/busybox "$R/bin/busybox"
cp "$BIN" "$R/bin/lancam"
cp "$OUT/tools/producer" "$OUT/tools/v4l2ctl" "$R/bin/"
cp -r "$HERE/scenarios" "$R/scenarios"
[ -n "${QEMU_DATA:-}" ] && cp -r "$QEMU_DATA"/. "$R/data/"

# Modules: for each top-level module a list of .ko files in load order.
M=$KDIR/root
for mod in vivid virtio_net virtio_pci v4l2loopback; do
	if [ "$mod" = v4l2loopback ]; then
		modprobe -d "$M" -S "$kver" --show-depends videodev | awk '$1=="insmod" {print $2}' >"$R/lib/qmods/$mod.src"
		echo "$KDIR/extra/v4l2loopback.ko" >>"$R/lib/qmods/$mod.src"
	else
		modprobe -d "$M" -S "$kver" --show-depends "$mod" | awk '$1=="insmod" {print $2}' >"$R/lib/qmods/$mod.src"
	fi
	: >"$R/lib/qmods/$mod.list"
	while read -r ko; do
		b=$(basename "$ko")
		[ -f "$R/lib/qmods/$b" ] || cp "$ko" "$R/lib/qmods/$b"
		echo "/lib/qmods/$b" >>"$R/lib/qmods/$mod.list"
	done <"$R/lib/qmods/$mod.src"
	rm "$R/lib/qmods/$mod.src"
done

echo "$*" >"$R/etc/scenario"
cp "$HERE/init" "$R/init"
chmod +x "$R/init" "$R"/scenarios/*.sh
cp "$HERE/scenarios/cmd.cgi" "$R/www/cgi-bin/cmd"
chmod +x "$R/www/cgi-bin/cmd"
(cd "$R" && find . | cpio -o -H newc --quiet) >"$INITRD.tmp"
mv "$INITRD.tmp" "$INITRD"
echo "mkinitramfs: $INITRD ($(du -m "$INITRD" | cut -f1) MB, kernel $kver, default scenario: ${*:-none})" >&2
