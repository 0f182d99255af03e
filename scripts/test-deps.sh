#!/usr/bin/env bash
# Test of scripts/go-toolchain.sh on the path a fresh Raspberry Pi OS takes:
# no usable Go installed, so the toolchain must come from the module proxy
# and must build (with cgo) under GOTOOLCHAIN=local.
#
# Last line is "toolchain: N passed, M failed" (read by CI); exit 1 on failure.
#
# Needs network access to the Go module proxy configured on this machine.
# The ~70 MB zip is kept in ~/.cache/lancam/toolchain-zips between runs
# (same version only); run with LANCAM_GO_ZIP_CACHE= to force a fresh
# download.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script=$here/go-toolchain.sh
gomod=$(dirname "$here")/go.mod

want=$(awk '$1 == "go" { sub(/\r$/, "", $2); print $2; exit }' "$gomod")
want_mm=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$want")

real_cache=${XDG_CACHE_HOME:-$HOME/.cache}
export LANCAM_GO_ZIP_CACHE=${LANCAM_GO_ZIP_CACHE-$real_cache/lancam/toolchain-zips}

# The tests hide every installed go, which would otherwise tell the script
# which proxy this machine uses (`go env GOPROXY`): pin it in the environment.
for g in "$(command -v go || true)" /usr/local/go/bin/go; do
	if [[ -x $g ]] && p=$(cd / && GOTOOLCHAIN=local "$g" env GOPROXY 2>/dev/null) && [[ -n $p ]]; then
		export GOPROXY=$p
		break
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# A PATH holding only the tools go-toolchain.sh may use on a fresh machine,
# and certainly no go. Doubles as a check that the script needs nothing else.
mkdir "$tmp/bin"
for t in bash env uname tr dpkg curl wget awk sed sort head tail uniq \
	mkdir mktemp mv cp rm chmod find flock dirname unzip; do
	if p=$(command -v "$t"); then
		ln -s "$p" "$tmp/bin/$t"
	fi
done

# toolchain CACHE_DIR [PATH_DIR...]: run the script with a PATH of only the
# given directories plus the tool farm, never looking at /usr/local/go.
toolchain() {
	local cache=$1 path=$tmp/bin d
	shift
	for d in "$@"; do path=$d:$path; done
	env PATH="$path" XDG_CACHE_HOME="$cache" LANCAM_GO_SEARCH=path "$script"
}

# check_go GO: it is go.mod's major.minor and builds + runs a cgo program
# with GOTOOLCHAIN=local (what the Makefile does).
check_go() {
	local go=$1 v out cgo=0 mod=$tmp/hello.$RANDOM
	[[ $go == /* && -x $go ]] || { echo "not an absolute executable path: '$go'"; return 1; }
	v=$(env -u GOROOT "$go" version) || { echo "$go version failed"; return 1; }
	[[ $v =~ ^go\ version\ go${want_mm//./\\.}(\.[0-9]+|rc[0-9]+)?\  ]] ||
		{ echo "want go$want_mm.x, got: $v"; return 1; }
	v=${v#go version }
	v=${v%% *}

	mkdir "$mod"
	printf 'module hello\n\ngo %s\n' "$want" >"$mod/go.mod"
	cat >"$mod/main.go" <<-'EOF'
		package main

		import (
			"fmt"
			"runtime"
		)

		func main() { fmt.Println("hello from", runtime.Version(), add(2, 3)) }
	EOF
	cat >"$mod/add_cgo.go" <<-'EOF'
		//go:build cgo

		package main

		// static int add(int a, int b) { return a + b; }
		import "C"

		import "fmt"

		func add(a, b int) string { return fmt.Sprint(int(C.add(C.int(a), C.int(b))), " cgo") }
	EOF
	cat >"$mod/add_nocgo.go" <<-'EOF'
		//go:build !cgo

		package main

		import "fmt"

		func add(a, b int) string { return fmt.Sprint(a+b, " nocgo") }
	EOF
	# lancam itself needs cgo; only a bare machine without gcc skips it here.
	command -v gcc >/dev/null && cgo=1
	out=$(cd "$mod" && env -u GOROOT GOTOOLCHAIN=local GOFLAGS= GOWORK=off CGO_ENABLED=$cgo \
		"$go" build -o hello . 2>&1) || { echo "build failed: $out"; return 1; }
	out=$("$mod/hello") || { echo "hello failed: $out"; return 1; }
	local expect="hello from $v 5 nocgo"
	((cgo)) && expect="hello from $v 5 cgo"
	[[ $out == "$expect" ]] || { echo "hello printed '$out', want '$expect'"; return 1; }
}

# --- tests -----------------------------------------------------------------

# Version ordering, including the traps: 1.9 < 1.26 (not lexical), and a
# go.mod "go 1.26" (language version) is met by 1.26rc1 and 1.26.0.
t_compare() (
	# shellcheck source=scripts/go-toolchain.sh
	source "$script"
	# Ascending; "release" marks how an installed toolchain names itself.
	local ascending=(1.9.0 1.19 "go1.19 release" 1.19.8 1.26 1.26beta1 1.26rc1
		1.26rc2 1.26.0 1.26.1 1.26.9 1.26.10 1.27 1.100.0)
	local v prev="" key prevkey=""
	for v in "${ascending[@]}"; do
		# shellcheck disable=SC2086 # split "VERSION FLAG" on purpose
		key=$(ver_key $v)
		[[ -n $key ]] || { echo "cannot parse '$v'"; return 1; }
		[[ -z $prev || $prevkey < $key ]] || { echo "want $prev < $v ('$prevkey' '$key')"; return 1; }
		prev=$v prevkey=$key
	done
	[[ $(ver_key go1.19 release) == "$(ver_key 1.19.0)" ]] || { echo "go1.19 != 1.19.0"; return 1; }
	[[ -z $(ver_key 1.26.x) && -z $(ver_key garbage) ]] || { echo "accepted garbage"; return 1; }
)

# No go anywhere: download, verify, build. Then reuse it without network.
t_no_go() {
	local go again
	if PATH=$tmp/bin command -v go >/dev/null; then
		echo "test PATH unexpectedly has a go"
		return 1
	fi
	go=$(toolchain "$tmp/c1") || { echo "go-toolchain.sh failed"; return 1; }
	[[ $go == "$tmp/c1/lancam/go/"*/bin/go ]] || { echo "unexpected path '$go'"; return 1; }
	check_go "$go" || return 1
	# Cached: no proxy needed any more (GOPROXY=off would make a download fail).
	again=$(GOPROXY=off toolchain "$tmp/c1") || { echo "reuse failed"; return 1; }
	[[ $again == "$go" ]] || { echo "reuse gave '$again', want '$go'"; return 1; }
}

# fakego DIR VERSION: a go on PATH that claims to be VERSION.
fakego() {
	mkdir -p "$1"
	cat >"$1/go" <<-EOF
		#!/bin/sh
		case "\$1" in
		version) echo "go version go$2 linux/amd64" ;;
		env) echo "\$GOPROXY" ;;
		*) echo "fake go \$*" >&2; exit 2 ;;
		esac
	EOF
	chmod +x "$1/go"
}

# Raspberry Pi OS's Go 1.19 on PATH must be refused and a toolchain fetched.
t_old_go() {
	local go
	fakego "$tmp/old" 1.19.8
	go=$(toolchain "$tmp/c2" "$tmp/old") || { echo "go-toolchain.sh failed"; return 1; }
	[[ $go != "$tmp/old/go" ]] || { echo "accepted go1.19.8"; return 1; }
	[[ $go == "$tmp/c2/lancam/go/"*/bin/go ]] || { echo "unexpected path '$go'"; return 1; }
	check_go "$go"
}

# A go on PATH at exactly the minimum is taken as is (no download).
t_new_enough_go() {
	local go v=$want
	[[ $v =~ ^[0-9]+\.[0-9]+$ ]] && v=$v.0
	fakego "$tmp/new" "$v"
	go=$(GOPROXY=off toolchain "$tmp/c3" "$tmp/new") || { echo "go-toolchain.sh failed"; return 1; }
	[[ $go == "$tmp/new/go" ]] || { echo "go$v on PATH not used, got '$go'"; return 1; }
}

# --- runner ----------------------------------------------------------------

passed=0 failed=0
run() {
	local name=$1 out start=$EPOCHREALTIME rc=0 secs
	out=$("$name" 2>&1) || rc=$?
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	if ((rc == 0)); then
		passed=$((passed + 1))
		echo "ok   ${name#t_} (${secs}s)"
	else
		failed=$((failed + 1))
		echo "FAIL ${name#t_} (${secs}s)"
		sed 's/^/     /' <<<"$out"
	fi
}

run t_compare
run t_no_go
run t_old_go
run t_new_enough_go

echo "toolchain: $passed passed, $failed failed"
((failed == 0))
