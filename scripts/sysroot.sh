#!/usr/bin/env bash
# Prepare (once) a folder with another architecture's Debian libraries and
# headers for cross builds, and print its path.
#
#   scripts/sysroot.sh arm64|armhf|amd64
#   scripts/sysroot.sh ARCH apt-get ARGS...   run that private apt (below),
#       e.g. `apt-get -s install ./lancam_…_arm64.deb` to check that a
#       package's Depends resolve for ARCH
#   scripts/sysroot.sh ARCH --suite SUITE apt-get ARGS...   the same against
#       another Debian release's main archive (e.g. trixie, which current
#       Raspberry Pi OS is based on), signed with the machine's Debian keys
#
# The packages are fetched with a private apt instance (its own lists and
# status, the machine's sources and keys), unpacked with dpkg -x and never
# installed: the machine needs no `dpkg --add-architecture`, and a foreign
# index that is out of sync with the native one (Multi-Arch version skew,
# seen with Debian's armhf security index) cannot break its apt.
# The folder is kept in ~/.cache/lancam and reused while the package list
# (and this script) are the same.

set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

arch=${1:-}
suite=""
if [[ ${2:-} == --suite ]]; then
	suite=${3:-}
	[[ $suite =~ ^[a-z]+$ && ${4:-} == apt-get ]] || die "--suite wants a release name and then apt-get ARGS"
	set -- "$1" "${@:4}"
fi
sub=${2:-}
case $arch in
arm64 | armhf | amd64) ;;
*)
	echo "usage: $prog arm64|armhf|amd64 [apt-get ARGS...]" >&2
	exit 2
	;;
esac

# What lancam links: TurboJPEG, and for the desktop build GLFW's X11 and
# OpenGL/GLES (Fyne uses GLES 2 on ARM). The C library comes along as a
# dependency; the compiler's own libc headers come from the cross toolchain.
pkgs=(libturbojpeg0-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev
	libxi-dev libxxf86vm-dev libgl-dev libgles-dev)

cache=${XDG_CACHE_HOME:-$HOME/.cache}/lancam
key=$( (printf '%s\n' "$arch" "${pkgs[@]}"; cat "${BASH_SOURCE[0]}") | sha256sum | cut -c1-12)
root=$cache/sysroot-$arch-$key
if [[ -f $root/.complete && $sub != apt-get ]]; then
	echo "$root"
	exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
	die "needs apt-get and dpkg-deb (a Debian-based system)"

work=$cache/apt-$arch${suite:+-$suite}
mkdir -p "$work"/{lists/partial,archives/partial,state}
: >"$work/state/status"
sources=()
if [[ -n $suite ]]; then
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >"$work/sources.list"
	sources=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts=-)
fi
apt=(apt-get -q "${sources[@]}"
	-o Debug::NoLocking=true
	-o APT::Architecture="$arch" -o APT::Architectures::="$arch"
	-o Dir::State="$work/state" -o Dir::State::Lists="$work/lists"
	-o Dir::State::status="$work/state/status"
	-o Dir::Cache="$work" -o Dir::Cache::Archives="$work/archives"
	-o APT::Install-Recommends=false -o APT::Sandbox::User=root)

if [[ $sub == apt-get ]]; then
	shift 2
	compgen -G "$work/lists/*Packages*" >/dev/null || "${apt[@]}" update -qq >&2 || true
	exec "${apt[@]}" "$@"
fi

start=$SECONDS
echo "$prog: fetching $arch libraries for the cross build (once)" >&2
# One index out of sync (a mirror mid-update) only loses that index's
# newer versions; the download below says so if something is then missing.
"${apt[@]}" update -qq >&2 || echo "$prog: some $arch indexes failed; going on with the others" >&2
"${apt[@]}" install -y -qq --download-only "${pkgs[@]}" >&2 ||
	die "could not download the $arch packages (${pkgs[*]})"

tmp=$root.tmp
rm -rf "$tmp"
mkdir -p "$tmp/.control"
for deb in "$work"/archives/*_"$arch".deb "$work"/archives/*_all.deb; do
	[[ -e $deb ]] || continue
	dpkg-deb -x "$deb" "$tmp"
	# shlibs files map a library's soname to the dependency a package
	# linking it needs (scripts/package.sh uses them for Depends).
	name=$(dpkg-deb -f "$deb" Package)
	dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./shlibs 2>/dev/null >"$tmp/.control/$name.shlibs" || true
	[[ -s $tmp/.control/$name.shlibs ]] || rm -f "$tmp/.control/$name.shlibs"
done
rm -f "$work"/archives/*.deb
touch "$tmp/.complete"
rm -rf "$root"
mv "$tmp" "$root"
echo "$prog: $arch sysroot ready in $((SECONDS - start)) s: $root" >&2
echo "$root"
