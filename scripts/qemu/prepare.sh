#!/bin/sh
# prepare.sh OUTDIR — everything the QEMU V4L2 tests need that is not lancam:
# host packages (qemu, busybox-static, kmod, cpio, xz), Debian's kernel
# (unpacked, never installed), its modules with modules.dep, a vmlinux for a
# fast PVH boot, and v4l2loopback.ko built against the matching headers.
# Everything is cached in OUTDIR/<kver>/; a second run only checks.
# Prints the kernel directory as the last line ("KDIR=...").
set -eu
export LC_ALL=C
OUT=${1:?usage: prepare.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)
say() { echo "prepare: $*" >&2; }

# 1. Host packages, installed only when missing.
need=""
for p in qemu-system-x86 busybox-static kmod cpio xz-utils gcc libc6-dev make; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
	say "installing:$need"
	if ! apt-get install -y -q --no-install-recommends $need >"$OUT/apt.log" 2>&1; then
		apt-get update -q >>"$OUT/apt.log" 2>&1
		apt-get install -y -q --no-install-recommends $need >>"$OUT/apt.log" 2>&1 || {
			tail -20 "$OUT/apt.log" >&2; exit 1; }
	fi
fi

# 2. The kernel the metapackage points at today.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kpkg" ]; then
	apt-get update -q >>"$OUT/apt.log" 2>&1
	kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$kpkg" ] || { say "cannot resolve linux-image-amd64"; exit 1; }
kver=${kpkg#linux-image-}
K=$OUT/$kver
if [ -f "$K/.done" ]; then
	say "cached $kver ($(( $(date +%s) - t0 )) s)"
	echo "KDIR=$K"
	exit 0
fi
rm -rf "$K"
mkdir -p "$K/dl" "$K/root" "$K/hdr"
hpkg=linux-headers-$kver
hcommon=$(apt-cache depends "$hpkg" | awk '/Depends: linux-headers-.*-common/ {print $2; exit}')
kbuild=$(apt-cache depends "$hpkg" | awk '/Depends: linux-kbuild-/ {print $2; exit}')
[ -n "$hcommon" ] && [ -n "$kbuild" ] || { say "cannot resolve header packages of $hpkg"; exit 1; }
say "downloading $kpkg $hpkg $hcommon $kbuild v4l2loopback-dkms"
(cd "$K/dl" && apt-get download -q "$kpkg" "$hpkg" "$hcommon" "$kbuild" v4l2loopback-dkms >"$K/dl/log" 2>&1) || {
	tail -20 "$K/dl/log" >&2; exit 1; }

# 3. Kernel and modules.
dpkg -x "$K"/dl/linux-image-*.deb "$K/root"
depmod -b "$K/root" "$kver"
cp "$K/root/boot/vmlinuz-$kver" "$K/vmlinuz"
# vmlinux: the xz stream inside bzImage, booted directly through PVH (3-4 s
# instead of 6-9 s for the decompressor under TCG).
off=$(grep -obUaP '\xfd7zXZ\x00' "$K/vmlinuz" | head -1 | cut -d: -f1)
if [ -n "$off" ] && tail -c +$((off + 1)) "$K/vmlinuz" | xz -dc --single-stream >"$K/vmlinux" 2>/dev/null &&
	head -c 4 "$K/vmlinux" | grep -q ELF; then
	say "vmlinux extracted ($(du -m "$K/vmlinux" | cut -f1) MB)"
else
	rm -f "$K/vmlinux"
	say "no vmlinux (booting vmlinuz)"
fi

# 4. v4l2loopback against the matching headers, unpacked, not installed.
for d in "$K"/dl/linux-headers-*.deb "$K"/dl/linux-kbuild-*.deb "$K"/dl/v4l2loopback-dkms*.deb; do
	dpkg -x "$d" "$K/hdr"
done
kbdir=$K/hdr/usr/src/linux-headers-$kver
# The headers refer to their -common sibling and kbuild by absolute /usr/...
# paths in places; rewrite those to the unpacked tree.
grep -rlI --include=Makefile -e '/usr/src/linux-headers' -e '/usr/lib/linux-kbuild' "$kbdir" 2>/dev/null |
	while read -r f; do
		sed -i "s#/usr/src/linux-headers#$K/hdr/usr/src/linux-headers#g; s#/usr/lib/linux-kbuild#$K/hdr/usr/lib/linux-kbuild#g" "$f"
	done
for l in $(find "$K/hdr/usr/src" -type l); do
	tgt=$(readlink "$l")
	case $tgt in /usr/*) ln -sfn "$K/hdr$tgt" "$l" ;; esac
done
src=$(ls -d "$K"/hdr/usr/src/v4l2loopback-* | head -1)
mkdir -p "$K/extra"
if make -C "$kbdir" M="$src" modules >"$K/v4l2loopback-build.log" 2>&1 && [ -f "$src/v4l2loopback.ko" ]; then
	cp "$src/v4l2loopback.ko" "$K/extra/"
	say "v4l2loopback built from $(basename "$src")"
else
	# Fallback: the headers installed the ordinary way.
	say "v4l2loopback build against unpacked headers failed; installing $hpkg"
	apt-get install -y -q --no-install-recommends "$hpkg" >>"$OUT/apt.log" 2>&1
	make -C "/usr/src/linux-headers-$kver" M="$src" modules >>"$K/v4l2loopback-build.log" 2>&1 || {
		tail -30 "$K/v4l2loopback-build.log" >&2; exit 1; }
	cp "$src/v4l2loopback.ko" "$K/extra/"
	say "v4l2loopback built against installed $hpkg"
fi
rm -rf "$K/dl"
touch "$K/.done"
say "kernel $kver ready in $(( $(date +%s) - t0 )) s"
echo "KDIR=$K"
