package main

import "runtime/debug"

// version is lancam's version as `make` stamps it from git describe
// (scripts/version.sh) with -ldflags "-X main.version=…". It is a variable
// only because the linker can set nothing else; nothing assigns it.
var version string

// appVersion is the version for -version, /status, mDNS and the window:
// the stamped one, else the module version Go records from git for a plain
// `go build` (or "devel" outside a checkout).
func appVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
