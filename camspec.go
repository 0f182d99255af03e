package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"lancam/camera/picam"
	"lancam/httpstream"
)

// maxCameras bounds how many cameras one process serves: each runs its own
// capture and mDNS announcement, and a Pi's USB bus is the real limit.
const maxCameras = 8

// camSpec is one -source: a camera and the name its URLs (/cam/NAME/) and
// TXT record carry.
type camSpec struct {
	name  string // "" until named (an explicit NAME= or derived from spec)
	spec  string
	named bool // the user gave NAME=
}

// sourceFlag collects -source values: the flag may be given once per
// camera, each value SPEC or NAME=SPEC. The first value given replaces the
// default.
type sourceFlag struct {
	list []camSpec
	set  bool
}

func (f *sourceFlag) String() string {
	if f == nil || len(f.list) == 0 {
		return ""
	}
	var s []string
	for _, c := range f.list {
		s = append(s, c.spec)
	}
	return strings.Join(s, " ")
}

// Set takes one -source value.
func (f *sourceFlag) Set(v string) error {
	if !f.set {
		f.list, f.set = nil, true
	}
	c, err := parseCamSpec(v)
	if err != nil {
		return err
	}
	f.list = append(f.list, c)
	return nil
}

// parseCamSpec reads SPEC or NAME=SPEC. A prefix is a name only when it
// looks like one, so "exec:ffmpeg -i x=y" and "dir:/a=b" stay whole specs.
func parseCamSpec(v string) (camSpec, error) {
	if name, spec, ok := strings.Cut(v, "="); ok && !strings.ContainsAny(name, ":/ ") {
		if err := httpstream.CheckFeedName(name); err != nil {
			return camSpec{}, fmt.Errorf("-source %q: %v", v, err)
		}
		if spec == "" {
			return camSpec{}, fmt.Errorf("-source %q: no camera after %q", v, name+"=")
		}
		return camSpec{name: name, spec: spec, named: true}, nil
	}
	if v == "" {
		return camSpec{}, errors.New("-source is empty: use auto, all, /dev/videoN, picam, exec:COMMAND, test or dir:PATH")
	}
	return camSpec{spec: v}, nil
}

// checkCamSpecs validates the list as a whole: "all" stands alone, names
// are unique, and there are at most maxCameras.
func checkCamSpecs(list []camSpec) error {
	if len(list) > maxCameras {
		return fmt.Errorf("-source given %d times: at most %d cameras", len(list), maxCameras)
	}
	names := map[string]bool{}
	for _, c := range list {
		if (c.spec == "all" || c.spec == "auto") && len(list) > 1 {
			return fmt.Errorf("-source %s cannot be combined with other -source flags", c.spec)
		}
		if c.named && names[c.name] {
			return fmt.Errorf("-source: two cameras named %q", c.name)
		}
		names[c.name] = true
	}
	return nil
}

// nameCameras gives every unnamed camera a name derived from its source
// (/dev/video2 → video2, picam:1 → picam1, dir:/x/garden → garden) and
// makes names unique with -2, -3, ...
func nameCameras(list []camSpec) []camSpec {
	out := make([]camSpec, len(list))
	taken := map[string]bool{}
	for i, c := range list {
		if c.named {
			taken[c.name] = true
		}
		out[i] = c
	}
	for i, c := range out {
		if c.named {
			continue
		}
		base := deriveName(c.spec)
		name := base
		for n := 2; taken[name]; n++ {
			suffix := "-" + strconv.Itoa(n)
			name = base[:min(len(base), 32-len(suffix))] + suffix
		}
		taken[name] = true
		out[i].name = name
	}
	return out
}

// deriveName turns a source spec into a camera name.
func deriveName(spec string) string {
	if i, ok := picam.ParseSource(spec); ok {
		return "picam" + strconv.Itoa(i)
	}
	var raw string
	switch {
	case strings.HasPrefix(spec, "/dev/"):
		raw = filepath.Base(spec)
	case strings.HasPrefix(spec, "dir:"):
		raw = filepath.Base(filepath.Clean(strings.TrimPrefix(spec, "dir:")))
	case strings.HasPrefix(spec, "exec:"):
		raw = "exec"
	default:
		raw = spec
	}
	var b strings.Builder
	for _, r := range strings.ToLower(raw) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 24 {
		name = strings.TrimRight(name[:24], "-")
	}
	if name == "" {
		return "cam"
	}
	return name
}
