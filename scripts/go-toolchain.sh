#!/usr/bin/env bash
# Print the absolute path of a `go` binary that satisfies the `go` line of the
# repository's go.mod, downloading an official toolchain if none is installed.
#
#   GO = $(shell scripts/go-toolchain.sh)     # stdout: /abs/path/to/bin/go
#
# Why: Debian 12 / Raspberry Pi OS ship Go 1.19, far older than go.mod needs,
# and Go < 1.21 cannot switch toolchains itself (GOTOOLCHAIN). So we fetch the
# very same zip GOTOOLCHAIN would fetch (module golang.org/toolchain) from the
# Go module proxy and unpack it into the user's cache; no root needed.
#
# Search order: `go` on PATH, /usr/local/go/bin/go, our cache, then download.
# Once something is cached this script does no network access at all; to move
# to a newer patch release delete the cache dir
# (${XDG_CACHE_HOME:-~/.cache}/lancam/go).
#
# Environment knobs (mostly for scripts/test-deps.sh):
#   LANCAM_GO_SEARCH     which installed Go to consider before the cache:
#                        comma list of "path" and "usr-local"; "none" for
#                        neither. Default "path,usr-local".
#   LANCAM_GO_ZIP_CACHE  directory to keep/reuse the downloaded zip (same
#                        version only), so repeated test runs skip ~70 MB.
#   GOPROXY              used only when no `go` exists to ask `go env GOPROXY`.
#
# Errors: one line on stderr, exit 1. stdout carries only the path.

set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$prog" "$*" >&2; }

# ver_key VERSION [bare-is-release]
# Turn a Go version ("1.26", "1.26rc1", "1.26.3", optional "go" prefix) into a
# fixed-width string whose lexical order is Go's version order:
#   1.26 (language version) < 1.26beta1 < 1.26rc1 < 1.26.0 < 1.26.1 < 1.27
# A bare "1.N" in go.mod is the language version (lowest of the family), but
# a toolchain that calls itself "go1.19" is the 1.19.0 release (pre-1.21
# naming), hence the second argument. Prints nothing for unparseable input.
ver_key() {
	local v=${1#go} bare_release=${2:-} major minor kind=0 num=0 rest
	[[ $v =~ ^([0-9]+)\.([0-9]+)(.*)$ ]] || return 0
	major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
	if [[ -z $rest ]]; then
		[[ -n $bare_release ]] && kind=3
	elif [[ $rest =~ ^beta([0-9]+)$ ]]; then
		kind=1 num=${BASH_REMATCH[1]}
	elif [[ $rest =~ ^rc([0-9]+)$ ]]; then
		kind=2 num=${BASH_REMATCH[1]}
	elif [[ $rest =~ ^\.([0-9]+)$ ]]; then
		kind=3 num=${BASH_REMATCH[1]}
	else
		return 0
	fi
	# 10# forces base 10 so "08" is not read as octal.
	printf '%06d.%06d.%d.%06d\n' "$((10#$major))" "$((10#$minor))" "$kind" "$((10#$num))"
}

# installed_version GO: the version a go binary reports ("1.26.8"), or "devel".
# GOTOOLCHAIN=local and cd / stop a Go >= 1.21 from switching to (or
# complaining about) another toolchain because of the caller's go.mod.
installed_version() {
	local out
	out=$(cd / && GOTOOLCHAIN=local "$1" version 2>/dev/null) || return 0
	# "go version go1.26.8 linux/amd64" | "go version devel go1.27-abc ..."
	local w1 w2 w3
	read -r w1 w2 w3 _ <<<"$out"
	[[ $w1 == go && $w2 == version ]] || return 0
	case $w3 in
	devel) echo devel ;;
	go*) echo "${w3#go}" ;;
	esac
}

# satisfies GO: does this go binary meet go.mod's requirement?
satisfies() {
	local v k
	[[ -x $1 ]] || return 1
	v=$(installed_version "$1")
	[[ $v == devel ]] && return 0 # development builds are newer than releases
	k=$(ver_key "$v" release)
	[[ -n $k && ! $k < $want_key ]]
}

# host_platform: GOOS-GOARCH of the toolchain that runs on this machine.
# GOOS/GOARCH from the environment are deliberately ignored: they describe a
# cross-compilation target, not the host.
host_platform() {
	local os arch=
	os=$(uname -s | tr '[:upper:]' '[:lower:]')
	# Prefer dpkg: a 64-bit Pi kernel with 32-bit Raspberry Pi OS userland
	# reports aarch64 from uname but can only run armhf binaries.
	if command -v dpkg >/dev/null 2>&1; then
		case $(dpkg --print-architecture 2>/dev/null) in
		amd64) arch=amd64 ;;
		arm64) arch=arm64 ;;
		armhf | armel) arch=armv6l ;; # Go publishes one 32-bit ARM build (GOARM=6)
		i386) arch=386 ;;
		ppc64el) arch=ppc64le ;;
		riscv64) arch=riscv64 ;;
		s390x) arch=s390x ;;
		loong64) arch=loong64 ;;
		esac
	fi
	if [[ -z $arch ]]; then
		case $(uname -m) in
		x86_64 | amd64) arch=amd64 ;;
		aarch64 | arm64) arch=arm64 ;;
		armv6l | armv7l | armv8l) arch=armv6l ;;
		i?86) arch=386 ;;
		ppc64le) arch=ppc64le ;;
		riscv64) arch=riscv64 ;;
		s390x) arch=s390x ;;
		loongarch64) arch=loong64 ;;
		*) die "unsupported machine architecture '$(uname -m)'" ;;
		esac
	fi
	echo "$os-$arch"
}

# fetch URL OUT: download URL to file OUT ("-" = stdout); fail on HTTP errors.
# The tool's own error message is kept in $tmp/fetch.err for fetch_error, so
# that failures end up as one line.
fetch() {
	local url=$1 out=$2 rc=0
	if command -v curl >/dev/null 2>&1; then
		# --netrc-optional: like the go command, take proxy credentials
		# from ~/.netrc when present.
		local opts=(-fL --netrc-optional --retry 2 --connect-timeout 20 -o "$out")
		if [[ $out != - && -t 2 ]]; then
			# 70 MB take a while on a Pi: show progress to a human.
			curl "${opts[@]}" --progress-bar "$url" || rc=$?
		else
			curl "${opts[@]}" -sS "$url" 2>"$tmp/fetch.err" || rc=$?
		fi
	elif command -v wget >/dev/null 2>&1; then
		wget -nv -O "$out" "$url" 2>"$tmp/fetch.err" || rc=$?
	else
		die "need curl or wget to download Go (apt-get install curl)"
	fi
	return "$rc"
}

fetch_error() {
	local m
	m=$(tail -n 1 "$tmp/fetch.err" 2>/dev/null) || true
	m=${m#curl: }
	echo "${m:-download failed}"
}

# proxy_list: the GOPROXY entries to try, one per line. Asks `go env` when any
# go exists (even a too-old one: it knows `go env -w` and go.env settings),
# otherwise $GOPROXY, otherwise the default public proxy.
proxy_list() {
	local raw="" g entry found=0 saw_off=0
	for g in "$@"; do
		raw=$(cd / && GOTOOLCHAIN=local "$g" env GOPROXY 2>/dev/null) || raw=""
		[[ -n $raw ]] && break
	done
	[[ -n $raw ]] || raw=${GOPROXY:-https://proxy.golang.org,direct}
	# Entries are separated by "," or "|"; the separators only differ in
	# fallback policy, and we fall back to the next entry on any failure.
	for entry in ${raw//[,|]/ }; do
		case $entry in
		off) saw_off=1 ;;
		direct | noproxy) ;; # no "direct" source for a toolchain zip here
		http://* | https://* | file://*)
			echo "${entry%/}"
			found=1
			;;
		esac
	done
	if ((!found)); then
		((saw_off)) && die "GOPROXY=$raw forbids downloads and no Go >= $want is installed"
		echo https://proxy.golang.org
	fi
}

# best_cached DIR PLATFORM: newest cached toolchain for PLATFORM that satisfies
# go.mod, as the path of its bin/go.
best_cached() {
	local d best="" best_key="" k
	for d in "$1"/v0.0.1-go*."$2"; do
		[[ -x $d/bin/go ]] || continue
		k=${d##*/v0.0.1-go}
		k=$(ver_key "${k%."$2"}" release)
		[[ -n $k && ! $k < $want_key && ! $k < $best_key ]] || continue
		satisfies "$d/bin/go" || continue # guards against a damaged unpack
		best=$d/bin/go best_key=$k
	done
	echo "$best"
}

# in_wanted_minor REL: is REL ("1.26.3", "1.26rc1") a version of go.mod's
# major.minor? (A plain prefix test would let 1.2 match 1.26.)
in_wanted_minor() {
	[[ $1 =~ ^${want_mm//./\\.}(\.[0-9]+|rc[0-9]+|beta[0-9]+)$ ]]
}

# pick_version LIST PLATFORM: from the proxy's version list, the module
# version of the newest toolchain of go.mod's major.minor for PLATFORM that
# meets the requirement. Releases sort above rc/beta of the same minor, so
# those are only picked when no release exists yet.
pick_version() {
	local v rel k best="" best_key=""
	while read -r v; do
		[[ $v == v0.0.1-go*".$2" ]] || continue
		rel=${v#v0.0.1-go}
		rel=${rel%."$2"}
		in_wanted_minor "$rel" || continue
		k=$(ver_key "$rel")
		[[ -n $k && ! $k < $want_key && $k > $best_key ]] || continue
		best=$v best_key=$k
	done <<<"$1"
	echo "$best"
}

# newest_in_minor LIST: versions ("1.26.11") of go.mod's major.minor that
# LIST has for any platform and that meet the requirement, newest first.
newest_in_minor() {
	local v rel k
	while read -r v; do
		rel=${v#v0.0.1-go}
		rel=${rel%.*-*}
		in_wanted_minor "$rel" || continue
		k=$(ver_key "$rel")
		if [[ ! $k < $want_key ]]; then
			echo "$k $rel"
		fi
	done <<<"$1" | sort -r -u | awk '{ print $2 }' | uniq
}

# install_toolchain PROXY MODVER DEST: download, verify and unpack one
# toolchain zip into DEST, atomically: DEST either doesn't exist or is whole.
install_toolchain() {
	local proxy=$1 modver=$2 dest=$3 base zip root info got gover
	base=$proxy/golang.org/toolchain/@v/$modver
	root=golang.org/toolchain@$modver
	gover=${modver#v0.0.1-}
	gover=${gover%."$platform"}

	# The proxy's metadata must name the exact version we asked for.
	info=$(fetch "$base.info" -) || die "cannot fetch $base.info: $(fetch_error)"
	[[ $info == *'"Version"'*"\"$modver\""* ]] || die "unexpected $base.info: $info"

	if [[ -n ${LANCAM_GO_ZIP_CACHE:-} && -f $LANCAM_GO_ZIP_CACHE/$modver.zip ]]; then
		zip=$LANCAM_GO_ZIP_CACHE/$modver.zip
		note "using $gover for $platform from $zip"
	else
		zip=$tmp/toolchain.zip
		note "downloading $gover for $platform from $proxy (~70 MB, once)"
		fetch "$base.zip" "$zip" || die "download of $base.zip failed: $(fetch_error)"
	fi

	# sum.golang.org is not reachable from every network this runs on, so
	# check what we can: a well-formed zip whose entries all lie under the
	# module root (no path tricks) and include bin/go; unzip then checks
	# every CRC, and finally the binary must report the expected version.
	unzip -Z1 "$zip" >"$tmp/entries" 2>/dev/null || die "$zip is not a valid zip file"
	awk -v root="$root/" '
		index($0, root) != 1 || $0 ~ /(^|\/)\.\.(\/|$)/ { bad = 1 }
		$0 == root "bin/go" { hasgo = 1 }
		END { exit bad ? 2 : hasgo ? 0 : 3 }' "$tmp/entries" ||
		die "$zip is not a Go toolchain: entries outside $root/ or no bin/go"
	unzip -q "$zip" -d "$tmp/x" || die "unpacking $zip failed"

	# Module zips need not keep file modes; the go command resets the same
	# files after its own toolchain downloads.
	chmod +x "$tmp/x/$root"/bin/* "$tmp/x/$root"/pkg/tool/*/*

	got=$(cd / && env -u GOROOT GOTOOLCHAIN=local "$tmp/x/$root/bin/go" version 2>&1) ||
		die "downloaded go does not run: $got"
	[[ $got == "go version $gover "* ]] ||
		die "downloaded go reports '$got', expected $gover"

	# Keep the verified zip for the next run (tests); drop older versions.
	if [[ -n ${LANCAM_GO_ZIP_CACHE:-} && $zip == "$tmp/toolchain.zip" ]]; then
		mkdir -p "$LANCAM_GO_ZIP_CACHE"
		rm -f "$LANCAM_GO_ZIP_CACHE"/v0.0.1-go*".$platform.zip"
		cp "$zip" "$LANCAM_GO_ZIP_CACHE/.$modver.zip.tmp"
		mv -f "$LANCAM_GO_ZIP_CACHE/.$modver.zip.tmp" "$LANCAM_GO_ZIP_CACHE/$modver.zip"
	fi

	# rename(2) within one file system is atomic, so a concurrent `make`
	# sees either nothing or the complete tree. If one beat us, keep theirs.
	mv -T "$tmp/x/$root" "$dest" 2>/dev/null || [[ -x $dest/bin/go ]] ||
		die "cannot move the toolchain into $dest"
}

main() {
	local here gomod want g cands=() search cache best proxies proxy list="" modver="" v why=""
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	gomod=$(dirname "$here")/go.mod
	[[ -r $gomod ]] || die "cannot read $gomod"
	want=$(awk '$1 == "go" { sub(/\r$/, "", $2); print $2; exit }' "$gomod")
	want_key=$(ver_key "$want")
	[[ -n $want_key ]] || die "cannot parse the go line of $gomod ('$want')"
	want_mm=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$want")

	# 1. An installed Go that is new enough.
	search=${LANCAM_GO_SEARCH-path,usr-local}
	if [[ ,$search, == *,path,* ]] && g=$(command -v go); then
		[[ $g == /* ]] || g=$PWD/$g
		cands+=("$g")
	fi
	if [[ ,$search, == *,usr-local,* ]]; then
		cands+=(/usr/local/go/bin/go)
	fi
	for g in ${cands[@]+"${cands[@]}"}; do
		if satisfies "$g"; then
			echo "$g"
			return
		fi
	done

	# 2. A toolchain we downloaded earlier (no network needed).
	# Per the XDG spec a relative XDG_CACHE_HOME is ignored (and the printed
	# path must be absolute).
	cache=${XDG_CACHE_HOME:-}
	[[ $cache == /* ]] || cache=${HOME:?HOME is not set}/.cache
	cache=$cache/lancam/go
	platform=$(host_platform)
	best=$(best_cached "$cache" "$platform")
	if [[ -n $best ]]; then
		echo "$best"
		return
	fi

	# 3. Download.
	command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 ||
		die "no Go >= $want found and no curl or wget to download it (apt-get install curl)"
	command -v unzip >/dev/null 2>&1 ||
		die "no Go >= $want found and no unzip to install it (apt-get install unzip)"
	proxies=$(proxy_list ${cands[@]+"${cands[@]}"})
	mkdir -p "$cache" || die "cannot create $cache"
	# Lock so that parallel makes don't fetch 70 MB twice.
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$cache/.lock"
		flock 9
		best=$(best_cached "$cache" "$platform")
		if [[ -n $best ]]; then
			echo "$best"
			return
		fi
	fi
	# Leftovers of runs that were SIGKILLed.
	find "$cache" -maxdepth 1 -name '.tmp.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
	tmp=$(mktemp -d "$cache/.tmp.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 1' INT TERM HUP

	for proxy in $proxies; do
		if ! list=$(fetch "$proxy/golang.org/toolchain/@v/list" -); then
			why="$proxy: $(fetch_error)"
			continue
		fi
		modver=$(pick_version "$list" "$platform")
		if [[ -z $modver ]]; then
			# Caching proxies (Athens, mirrors) list only what they fetched
			# before; probe the newest versions seen for other platforms.
			for v in $(newest_in_minor "$list" | head -n 3); do
				if fetch "$proxy/golang.org/toolchain/@v/v0.0.1-go$v.$platform.info" - >/dev/null 2>&1; then
					modver=v0.0.1-go$v.$platform
					break
				fi
			done
		fi
		[[ -n $modver ]] && break
	done
	[[ -n $list ]] || die "cannot reach the Go module proxy ($why)"
	[[ -n $modver ]] || die "the Go module proxy has no Go $want_mm toolchain >= $want for $platform"

	install_toolchain "$proxy" "$modver" "$cache/$modver"
	echo "$cache/$modver/bin/go"
}

# Sourcing (scripts/test-deps.sh does) only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
