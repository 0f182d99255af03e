#!/usr/bin/env bash
# Build lancam's Debian packages: the desktop app (lancam) and the build
# without a GUI for Raspberry Pi OS Lite (lancam-headless), for each
# architecture asked (default arm64 armhf amd64).
#
#   scripts/package.sh [-o DIR] [ARCH...]
#
# Other architectures than the machine's are cross-compiled with Debian's
# cross compilers (gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf, …)
# against a folder of that architecture's libraries (scripts/sysroot.sh).
# Depends are worked out from the libraries the binary links and loads,
# through the shlibs files of the packages that ship them, as
# dpkg-shlibdeps does. Environment: GO (the go command), CGO_CFLAGS (as the
# Makefile sets it).

set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

out=$here/dist
if [[ ${1:-} == -o ]]; then
	out=$(realpath -m "$2")
	shift 2
fi
arches=("$@")
((${#arches[@]})) || arches=(arm64 armhf amd64)

GO=${GO:-go}
host=$(dpkg --print-architecture)
version=$("$here/scripts/version.sh")
debversion=$("$here/scripts/version.sh" --deb)
export GOTOOLCHAIN=local CGO_ENABLED=1
CGO_CFLAGS=${CGO_CFLAGS:--O2 -g}
# go4vl's header shim (see the Makefile), when not run through make.
[[ $CGO_CFLAGS == *cgo-shim* ]] || CGO_CFLAGS+=" -I$here/camera/uvc/shim"

# Libraries the desktop build loads with dlopen rather than links (GLFW's
# X11 extensions and GL/EGL): Depends must name them too. Any other dlopen
# name in the binary (Vulkan, OSMesa, Wayland) is optional at run time.
dlopened=(libGL.so.1 libEGL.so.1 libGLESv2.so.2 libX11-xcb.so.1 libXcursor.so.1
	libXrandr.so.2 libXinerama.so.1 libXi.so.6 libXxf86vm.so.1 libXrender.so.1)

triplet() {
	case $1 in
	amd64) echo x86_64-linux-gnu ;;
	arm64) echo aarch64-linux-gnu ;;
	armhf) echo arm-linux-gnueabihf ;;
	*) die "unsupported architecture $1 (amd64, arm64, armhf)" ;;
	esac
}

# go4vl_workspace: go4vl v0.5.0 does not compile for 32-bit ARM: two casts
# to *[1 << 30]C.struct_v4l2_ext_control make an array type larger than
# the address space. The cast only views a C array of at most a few
# hundred controls, so a 1 << 20 bound is as good. The armhf build uses a
# copy of the module with that one change (made here with sed, kept in
# the user's cache, not in this repository) through a go.work replace, so
# every other package still comes from (and shares) the build cache.
# Prints the go.work path, or nothing once go4vl no longer needs it.
go4vl_workspace() {
	local dir ver copy gover
	dir=$(cd "$here" && "$GO" list -m -f '{{.Dir}}' github.com/vladimirvivien/go4vl)
	ver=$(cd "$here" && "$GO" list -m -f '{{.Version}}' github.com/vladimirvivien/go4vl)
	grep -q '\[1 << 30\]C\.struct_v4l2_ext_control' "$dir/v4l2/ext_controls.go" || return 0
	copy=${XDG_CACHE_HOME:-$HOME/.cache}/lancam/go4vl-$ver-arm32
	if [[ ! -f $copy/.patched ]]; then
		rm -rf "$copy"
		mkdir -p "${copy%/*}"
		cp -r "$dir" "$copy"
		chmod -R u+w "$copy"
		sed -i 's/\[1 << 30\]C\.struct_v4l2_ext_control/[1 << 20]C.struct_v4l2_ext_control/g' "$copy/v4l2/ext_controls.go"
		touch "$copy/.patched"
	fi
	gover=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$here/go.mod")
	printf 'go %s\n\nuse %s\n\nreplace github.com/vladimirvivien/go4vl %s => %s\n' \
		"$gover" "$here" "$ver" "$copy" >"$copy.work"
	echo "$copy.work"
}

# build ARCH VARIANT OUT: the binary, stripped, with the version stamped.
# env(1) keeps the last of two assignments: the cross CGO_CFLAGS wins.
build() {
	local arch=$1 variant=$2 bin=$3 tags=() env=(CGO_CFLAGS="$CGO_CFLAGS") work
	[[ $variant == headless ]] && tags=(-tags nogui)
	case $arch in
	amd64) env+=(GOARCH=amd64) ;;
	arm64) env+=(GOARCH=arm64) ;;
	armhf)
		env+=(GOARCH=arm GOARM=7)
		work=$(go4vl_workspace)
		[[ -z $work ]] || env+=(GOWORK="$work")
		;;
	esac
	if [[ $arch != "$host" ]]; then
		local t sr
		t=$(triplet "$arch")
		command -v "$t-gcc" >/dev/null || die "$t-gcc missing (Debian: gcc-$t)"
		sr=$("$here/scripts/sysroot.sh" "$arch")
		env+=(CC="$t-gcc"
			CGO_CFLAGS="$CGO_CFLAGS -I$sr/usr/include -I$sr/usr/include/$t"
			CGO_LDFLAGS="-L$sr/usr/lib/$t -L$sr/lib/$t -Wl,-rpath-link,$sr/usr/lib/$t -Wl,-rpath-link,$sr/lib/$t"
			PKG_CONFIG_LIBDIR="$sr/usr/lib/$t/pkgconfig:$sr/usr/share/pkgconfig"
			PKG_CONFIG_SYSROOT_DIR="$sr")
	fi
	(cd "$here" && env "${env[@]}" "$GO" build "${tags[@]}" \
		-ldflags "-s -w -X main.version=$version" -o "$bin" .) ||
		die "building $variant for $arch failed"
}

# shlibs_files ARCH: the shlibs files that say which package ships which
# library of ARCH.
shlibs_files() {
	if [[ $1 == "$host" ]]; then
		ls /var/lib/dpkg/info/*.shlibs | grep -v -- '-cross\.shlibs$'
	else
		ls "$("$here/scripts/sysroot.sh" "$1")"/.control/*.shlibs
	fi
}

# depends ARCH BIN: the Depends field for BIN.
depends() {
	local arch=$1 bin=$2 sonames so name ver dep deps=() files
	mapfile -t files < <(shlibs_files "$arch")
	sonames=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
	for so in "${dlopened[@]}"; do
		if grep -qaF -- "$so" "$bin"; then
			sonames+=$'\n'$so
		fi
	done
	for so in $(sort -u <<<"$sonames"); do
		if [[ $so =~ ^(.+)\.so\.(.+)$ ]]; then
			name=${BASH_REMATCH[1]} ver=${BASH_REMATCH[2]}
		elif [[ $so =~ ^(.+)-([0-9.]+)\.so$ ]]; then
			name=${BASH_REMATCH[1]} ver=${BASH_REMATCH[2]}
		else
			die "cannot read soname $so of $bin"
		fi
		dep=$(awk -v n="$name" -v v="$ver" '$1 == n && $2 == v { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "${files[@]}")
		[[ -n $dep ]] || die "no package of $arch ships $so (needed by $bin)"
		deps+=("$dep")
	done
	# One entry per package, the strictest version (sort -V puts it last).
	printf '%s\n' "${deps[@]}" | sort -V | awk '{ last[$1] = $0 } END { for (p in last) print last[p] }' |
		sort | paste -sd, | sed 's/,/, /g'
}

# package ARCH VARIANT: build, lay out and pack one .deb.
package() {
	local arch=$1 variant=$2 pkg stage work start=$SECONDS
	pkg=lancam
	[[ $variant == headless ]] && pkg=lancam-headless
	stage=$(mktemp -d)
	work=$(mktemp -d)
	trap 'rm -rf "$stage" "$work"' RETURN
	install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/lib/systemd/user" "$stage/usr/share/doc/$pkg"
	build "$arch" "$variant" "$work/lancam"
	install -m 0755 "$work/lancam" "$stage/usr/bin/lancam"
	install -m 0644 "$here/packaging/lancam-headless.service" "$stage/usr/lib/systemd/user/"
	install -m 0644 "$here/packaging/copyright" "$stage/usr/share/doc/$pkg/copyright"
	printf '%s (%s) stable; urgency=medium\n\n  * Built from %s.\n\n -- %s  %s\n' \
		"$pkg" "$debversion" "$(git -C "$here" describe --always --dirty 2>/dev/null || echo "a source tree")" \
		"$maintainer" "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)}")" |
		gzip -9n >"$stage/usr/share/doc/$pkg/changelog.gz"
	local desc conflicts section=video suggests=rpicam-apps
	if [[ $variant == gui ]]; then
		install -D -m 0644 "$here/packaging/lancam.desktop" "$stage/usr/share/applications/lancam.desktop"
		(cd "$here/packaging/icons" && find hicolor -name '*.png' -exec install -D -m 0644 {} "$stage/usr/share/icons/{}" \;)
		conflicts=lancam-headless
		# Raspberry Pi OS's X11 panel (lxpanel) hosts only XEmbed tray
		# icons; snixembed shows StatusNotifierItem icons (lancam's) there.
		suggests+=", snixembed"
		desc="LAN camera: share a camera on the local network with one click
 A desktop app (window and tray) that turns the computer's camera (USB/V4L2,
 a Raspberry Pi camera, or a test pattern) into an MJPEG camera on the LAN.
 Browsers, VLC, ffmpeg and other lancams find it by mDNS and play it at
 http://<host>:8080/stream. It also shows the other lancams on the LAN.
 Runs headless with -headless (see the lancam-headless user service)."
	else
		conflicts=lancam
		desc="LAN camera without a desktop (Raspberry Pi OS Lite)
 lancam built without its window and tray, so it needs no X or OpenGL
 libraries: an MJPEG HTTP server for the computer's camera that announces
 itself by mDNS. Start it as a systemd user service:
 systemctl --user enable --now lancam-headless"
	fi
	cat >"$stage/DEBIAN/control" <<CONTROL
Package: $pkg
Version: $debversion
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $(depends "$arch" "$stage/usr/bin/lancam")
Conflicts: $conflicts
Replaces: $conflicts
Recommends: ffmpeg
Suggests: $suggests
Section: $section
Priority: optional
Homepage: https://github.com/lancam/lancam
Description: $desc
CONTROL
	local deb=$out/${pkg}_${debversion}_$arch.deb
	dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
	printf '%s: %-45s %6s KB  %3d s\n' "$prog" "${deb##*/}" "$(($(stat -c %s "$deb") / 1024))" $((SECONDS - start)) >&2
}

maintainer="lancam developers <lancam@users.noreply.github.com>"
mkdir -p "$out"
total=$SECONDS
for arch in "${arches[@]}"; do
	triplet "$arch" >/dev/null
	rm -f "$out"/lancam_*_"$arch".deb "$out"/lancam-headless_*_"$arch".deb
	package "$arch" gui
	package "$arch" headless
done
echo "$prog: ${#arches[@]} architecture(s), $((2 * ${#arches[@]})) packages in $((SECONDS - total)) s: $out" >&2
