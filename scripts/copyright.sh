#!/usr/bin/env bash
# Write packaging/copyright (Debian's machine-readable format, DEP-5):
# lancam's own MIT licence, then every Go module compiled into the desktop
# build (a superset of the headless one) and the Go standard library, each
# with the copyright lines and the licence text of its own licence file —
# MIT and BSD ask binary distributions to carry both.
#
#   GO=go scripts/copyright.sh          rewrite packaging/copyright
#   GO=go scripts/copyright.sh --check  fail if it is out of date (make test)
#
# A module whose licence this script cannot tell apart stops it: a person
# has to look at it before lancam ships with it.
set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
GO=${GO:-go}
target=packaging/copyright

# licence_of FILE: the DEP-5 short name of the licence text in FILE.
licence_of() {
	local text
	text=$(tr -s ' \n\t' ' ' <"$1")
	case $text in
	*"Apache License"*"Version 2.0"*) echo Apache-2.0 ;;
	*"Mozilla Public License"*"2.0"*) echo MPL-2.0 ;;
	*"Permission is hereby granted, free of charge"*) echo Expat ;;
	*"Permission to use, copy, modify, and/or distribute"* | *"Permission to use, copy, modify, and distribute"*) echo ISC ;;
	*"Redistribution and use in source and binary forms"*"Neither the name"*) echo BSD-3-clause ;;
	*"Redistribution and use in source and binary forms"*) echo BSD-2-clause ;;
	*) return 1 ;;
	esac
}

# notices FILE: its copyright lines (not the templates in Apache's appendix).
notices() {
	grep -E '^[[:space:]]*Copyright[[:space:]]+(\([cC]\)|©|[0-9])' "$1" | grep -v '\[yyyy\]' |
		sed -E 's/^[[:space:]]+//; s/^Copyright[[:space:]]+//; s/[[:space:]]+$//' | sort -u || true
}

# body FILE: the licence text as a DEP-5 field continuation (" ." for blank
# lines); Apache and MPL point to the copies every Debian system has.
body() {
	case $2 in
	Apache-2.0 | MPL-2.0)
		echo " On Debian systems the full text is in /usr/share/common-licenses/$2."
		return
		;;
	esac
	sed -E 's/[[:space:]]+$//' "$1" | awk 'NF == 0 { print " ."; next } { print " " $0 }' |
		awk '{ lines[NR] = $0 } END { s = 1; while (s <= NR && lines[s] == " .") s++;
			e = NR; while (e >= s && lines[e] == " .") e--; for (i = s; i <= e; i++) print lines[i] }'
}

# stanza NAME DIR: one Files paragraph for the code in DIR.
stanza() {
	local name=$1 dir=$2 file lic
	file=$(find "$dir" -maxdepth 1 -type f \( -iname 'licen[cs]e*' -o -iname 'copying*' \) | sort | head -1)
	[[ -n $file ]] || die "$name: no licence file in $dir"
	lic=$(licence_of "$file") || die "$name: cannot tell the licence of $file; look at it"
	echo
	echo "Files: go-modules/$name/*"
	local first=1 n
	while IFS= read -r n; do
		[[ -n $n ]] || continue
		if ((first)); then echo "Copyright: $n"; first=0; else echo " $n"; fi
	done < <(notices "$file")
	((first)) && echo "Copyright: the authors of $name (its licence file names none)"
	echo "License: $lic"
	body "$file" "$lic"
}

generate() {
	cat <<'HEAD'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: lancam
Source: https://github.com/lancam/lancam
Comment: The lancam binary is a Go program: the Go modules listed below
 (as go-modules/PATH) and the Go standard library (go-modules/std) are
 compiled into it.
 Written by scripts/copyright.sh from each module's own licence file.

Files: *
Copyright: 2026 the lancam developers
License: Expat
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all
 copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
 SOFTWARE.
HEAD
	stanza std "$("$GO" env GOROOT)" # the Go standard library
	local path dir
	while read -r path dir; do
		stanza "$path" "$dir"
	done < <("$GO" list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Dir}}{{end}}{{end}}' . | sort -u)
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
generate >"$tmp"
if [[ ${1:-} == --check ]]; then
	cmp -s "$tmp" "$target" || die "$target is out of date (a Go module changed): run scripts/copyright.sh"
	exit 0
fi
mv "$tmp" "$target"
trap - EXIT
echo "$prog: wrote $target ($(grep -c '^Files:' "$target") Files paragraphs)" >&2
