#!/usr/bin/env bash
# Print lancam's version, from git describe.
#
#   scripts/version.sh          for -version, /status, mDNS: 0.2.0, 0.2.0+3.gabc1234,
#                               0.2.0-dev.41+gabc1234 (no release tag yet)
#   scripts/version.sh --deb    the same as a Debian version (- becomes ~, so a
#                               pre-release sorts before its release)
#
# A release is a tag vX.Y.Z. Without one (or in a clone without tags) the
# version is FyneApp.toml's Version, the next release, as a pre-release
# numbered by commit count. ".dirty" marks uncommitted changes; outside git
# the version is FyneApp.toml's alone.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

base=$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([0-9][0-9.]*\)".*/\1/p' FyneApp.toml)
[[ -n $base ]] || { echo "${0##*/}: no Version in FyneApp.toml" >&2; exit 1; }

v=$base
if git rev-parse --git-dir >/dev/null 2>&1; then
	dirty=
	git diff --quiet HEAD -- 2>/dev/null || dirty=.dirty
	if d=$(git describe --tags --match 'v[0-9]*' --long 2>/dev/null); then
		# vX.Y.Z-N-gHASH
		d=${d#v}
		hash=${d##*-g}
		d=${d%-g*}
		n=${d##*-}
		tag=${d%-*}
		if [[ $n == 0 ]]; then
			v=$tag${dirty:++dirty}
		else
			v=$tag+$n.g$hash$dirty
		fi
	else
		v=$base-dev.$(git rev-list --count HEAD)+g$(git rev-parse --short=7 HEAD)$dirty
	fi
fi

if [[ ${1:-} == --deb ]]; then
	v=${v/-/\~}
fi
echo "$v"
