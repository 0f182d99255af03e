#!/usr/bin/env bash
# Install what lancam needs on Debian 12 / Raspberry Pi OS, then make sure a
# new enough Go toolchain is available (scripts/go-toolchain.sh).
#
#   scripts/deps.sh run     build and run: compiler, TurboJPEG headers, ...
#   scripts/deps.sh test    run + the tools the tests drive (ffmpeg, chromium, ...)
#   scripts/deps.sh bench   same as test
#   scripts/deps.sh package run + cross compilers, qemu-user and the .deb
#                           checks' tools (make package, make package-test)
#
# Only missing packages are installed (apt-get update runs only then), so the
# common case costs one dpkg-query call and prints nothing. Uses sudo when
# not root.

set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

# Installed with --no-install-recommends, so whatever a recommends-only
# dependency would have brought must be named here:
#   libc6-dev  gcc only *recommends* it, and cgo needs the C headers.
#   unzip      go-toolchain.sh unpacks the Go toolchain zip with it.
#   lib*-dev   Fyne's GLFW driver builds against X11 and OpenGL headers.
#   ffmpeg     encodes H.264 for WebRTC viewers (libx264, or the Pi's
#              hardware encoder); without it the page plays MJPEG only.
run_pkgs=(gcc libc6-dev make pkg-config libturbojpeg0-dev ffmpeg git ca-certificates curl unzip
	libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)
# chromium|chromium-browser: Debian calls it chromium; older Raspberry Pi OS
# images only have chromium-browser. The first one apt can install wins.
# fonts-dejavu-core already comes via fontconfig's Depends; naming it keeps
# headless screenshots rendering text should that chain ever change.
# avahi-daemon, avahi-utils, dbus: the discovery tests run avahi (the mDNS
# stack of Raspberry Pi OS) with its own bus inside a network namespace.
# xvfb, libgl1-mesa-dri (software GL), imagemagick (`import` screenshots):
# the desktop window runs under Xvfb in the tests; dbus-run-session (dbus)
# gives the tray its session bus.
# libopenh264-dev: the optional in-process H.264 encoder (-tags openh264)
# is tested and benchmarked against x264.
test_pkgs=(libopenh264-dev "chromium|chromium-browser" fonts-dejavu-core libjpeg-turbo-progs
	util-linux procps iproute2 avahi-daemon avahi-utils dbus
	xvfb xauth libgl1-mesa-dri imagemagick x11-utils)

# make package cross-compiles for the other two of amd64, arm64 and armhf
# (gcc-<triplet> only recommends its libc6-dev-<arch>-cross); qemu-user runs
# the foreign binaries in the package tests, desktop-file-validate checks
# the menu entry, systemd-analyze the user unit, curl fetches a snapshot.
package_pkgs=(qemu-user desktop-file-utils systemd binutils xz-utils)
host_arch=$(dpkg --print-architecture 2>/dev/null || echo unknown)
for a in amd64:x86-64-linux-gnu arm64:aarch64-linux-gnu armhf:arm-linux-gnueabihf; do
	[[ ${a%%:*} == "$host_arch" ]] || package_pkgs+=("gcc-${a#*:}" "libc6-dev-${a%%:*}-cross")
done

case ${1:-} in
run) pkgs=("${run_pkgs[@]}") ;;
package) pkgs=("${run_pkgs[@]}" "${package_pkgs[@]}") ;;
test | bench) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}" "${package_pkgs[@]}") ;;
*)
	echo "usage: $prog run|test|bench|package" >&2
	exit 2
	;;
esac

# has_candidate PKG: apt knows a version of PKG it could install.
has_candidate() {
	local c
	c=$(apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	[[ -n $c && $c != "(none)" ]]
}

# run_apt CMD...: run apt, showing its output, and on failure stop with
# one line that says what failed: apt's first error (or warning) line,
# e.g. which mirror could not be reached.
run_apt() {
	local log status=0 what first a
	log=$(mktemp)
	"$@" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
	if ((status != 0)); then
		what="apt-get"
		for a in "$@"; do
			case $a in update | install) what="apt-get $a" ;; esac
		done
		first=$(grep -m1 -E '^E: ' "$log" || grep -m1 -E '^(W|Err):' "$log" || true)
		rm -f "$log"
		die "$what failed (exit $status)${first:+: $first}"
	fi
	rm -f "$log"
}

install_missing() {
	local entry alt missing=() choices=()

	if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
		echo "$prog: not a Debian-based system, install these yourself: ${pkgs[*]//|/ or }" >&2
		return
	fi

	# One dpkg-query for all names (alternatives split): it is the whole cost
	# of the usual nothing-to-do case.
	local -A have=()
	local names name status
	read -ra names <<<"${pkgs[*]//|/ }"
	while read -r name status; do
		if [[ $status == "install ok installed" ]]; then
			have[$name]=1
		fi
	done < <(dpkg-query -W -f='${Package} ${Status}\n' "${names[@]}" 2>/dev/null || true)

	for entry in "${pkgs[@]}"; do
		local ok=0
		for alt in ${entry//|/ }; do # split alternatives
			if [[ -n ${have[$alt]-} ]]; then
				ok=1
				break
			fi
		done
		((ok)) || missing+=("$entry")
	done
	((${#missing[@]})) || return 0

	# Wait for a concurrent apt/dpkg (unattended-upgrades on a fresh Pi)
	# instead of failing on its lock. A stalled mirror connection is given
	# up after 30 s and tried again (3 times) instead of hanging for
	# minutes.
	local apt=(apt-get -q -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3
		-o Acquire::http::Timeout=30 -o Acquire::https::Timeout=30)
	if ((EUID == 0)); then
		apt=(env DEBIAN_FRONTEND=noninteractive "${apt[@]}")
	else
		command -v sudo >/dev/null 2>&1 ||
			die "need root or sudo to install: ${missing[*]//|/ or }"
		apt=(sudo DEBIAN_FRONTEND=noninteractive "${apt[@]}")
	fi

	echo "$prog: installing ${missing[*]//|/ or }" >&2
	run_apt "${apt[@]}" update -qq

	for entry in "${missing[@]}"; do
		local pick=""
		for alt in ${entry//|/ }; do
			if has_candidate "$alt"; then
				pick=$alt
				break
			fi
		done
		# Let apt-get print its own "no installation candidate" message.
		choices+=("${pick:-${entry%%|*}}")
	done
	run_apt "${apt[@]}" install -y --no-install-recommends "${choices[@]}"

	# The tests run their own avahi-daemon inside a namespace. One installed
	# just for them must not start announcing this machine on its real LAN.
	if [[ " ${choices[*]} " == *" avahi-daemon "* ]] && [[ -d /run/systemd/system ]]; then
		echo "$prog: avahi-daemon was installed for the tests only: disabling its service" >&2
		local sudo=()
		((EUID == 0)) || sudo=(sudo)
		"${sudo[@]}" systemctl disable --now avahi-daemon.socket avahi-daemon.service >/dev/null 2>&1 || true
	fi
}

install_missing

# Download (once) a Go toolchain if none new enough is installed, so that the
# Makefile's later calls of go-toolchain.sh are instant and offline.
"$(dirname "${BASH_SOURCE[0]}")/go-toolchain.sh" >/dev/null
