package picam

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Camera is one module as --list-cameras describes it.
type Camera struct {
	Index  int    // the --camera number; rpicam-apps numbers in listing order
	Model  string // sensor name, e.g. "imx708_wide"
	Width  int    // active pixel array; from the largest mode if not printed
	Height int
	Path   string // libcamera id, the device-tree path of the sensor
	Modes  []Mode
}

// Mode is one raw sensor mode. The same size appears once per bit depth and
// packing in the listing; lancam only cares about size and speed, so those
// are merged (keeping the fastest) and sorted largest first.
type Mode struct {
	Width, Height int
	FPS           float64 // 0 when the tool did not say (libcamera-apps before mid 2022)
}

var (
	// logLine matches libcamera's "[0:01:23.456] [1234]  INFO ..." lines,
	// which can land on stdout when stderr is merged or LIBCAMERA_LOG_FILE
	// points there.
	logLine = regexp.MustCompile(`^\[\s*\d+:\d+:\d+\.\d+\]`)
	// header matches "0 : imx708_wide [4608x2592 10-bit RGGB] (/base/...)",
	// the older "0 : imx219 [3280x2464] (/base/...)" and, when libcamera
	// knows no pixel array, "0 : ov5647 (/base/...)". Every version ends
	// the line with the libcamera id in parentheses; requiring it keeps
	// stray "N : text" lines out.
	header = regexp.MustCompile(`^(\d+)\s*:\s*(.+?)\s*(?:\[([^\]]*)\]?)?\s*\((.*)\)$`)
	// modeSize matches one "1536x864 [120.13 fps - (768, 432)/3072x1728 crop]";
	// the optional bracket swallows the crop so its size is not taken for a mode.
	modeSize = regexp.MustCompile(`(\d+)x(\d+)\s*(\[[^\]]*\])?`)
	size     = regexp.MustCompile(`(\d+)x(\d+)`)
	fps      = regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?)\s*fps`)
	// modeFormat is the "'SRGGB10_CSI2P' :" that starts a format's sizes.
	modeFormat = regexp.MustCompile(`^'[^']*'\s*:`)
)

// ParseList reads --list-cameras output from rpicam-hello or libcamera-hello
// of any vintage. It never fails: lines it does not understand are skipped,
// so log noise or a changed banner costs nothing, and garbage yields no
// cameras.
func ParseList(out []byte) []Camera {
	var cams []Camera
	var cur *Camera
	for _, raw := range strings.Split(string(out), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || logLine.MatchString(line) {
			continue
		}
		if c, ok := parseHeader(line); ok {
			cams = append(cams, c)
			cur = &cams[len(cams)-1]
			continue
		}
		if cur == nil {
			continue
		}
		rest, ok := modeText(line)
		if !ok {
			continue
		}
		for _, m := range modeSize.FindAllStringSubmatch(rest, -1) {
			w, _ := strconv.Atoi(m[1])
			h, _ := strconv.Atoi(m[2])
			var f float64
			if fm := fps.FindStringSubmatch(m[3]); fm != nil {
				f, _ = strconv.ParseFloat(fm[1], 64)
			}
			if w > 0 && h > 0 {
				cur.Modes = append(cur.Modes, Mode{w, h, f})
			}
		}
	}
	for i := range cams {
		finish(&cams[i])
	}
	return cams
}

// parseHeader reads a camera's first line. A header must start at the line's
// first character in the real output, but the indentation has been trimmed,
// so a mode line is told apart by its "WxH" before any colon.
func parseHeader(line string) (Camera, bool) {
	m := header.FindStringSubmatch(line)
	if m == nil || size.MatchString(m[2]) || strings.ContainsAny(m[2][:1], "'[") {
		return Camera{}, false
	}
	idx, err := strconv.Atoi(m[1])
	if err != nil {
		return Camera{}, false
	}
	c := Camera{Index: idx, Model: strings.TrimSpace(strings.TrimSuffix(m[2], "]")), Path: m[4]}
	if s := size.FindStringSubmatch(m[3]); s != nil {
		c.Width, _ = strconv.Atoi(s[1])
		c.Height, _ = strconv.Atoi(s[2])
	}
	return c, c.Model != ""
}

// modeText strips "Modes:" and the "'FORMAT' :" prefix and reports whether
// the line is a mode line at all: one of those prefixes or a bare size
// continuing the previous format.
func modeText(line string) (string, bool) {
	isMode := false
	if rest, ok := strings.CutPrefix(line, "Modes:"); ok {
		line, isMode = strings.TrimSpace(rest), true
	}
	if loc := modeFormat.FindStringIndex(line); loc != nil {
		line, isMode = strings.TrimSpace(line[loc[1]:]), true
	}
	if !isMode {
		loc := size.FindStringIndex(line)
		isMode = loc != nil && loc[0] == 0
	}
	return line, isMode
}

// finish merges modes of equal size, sorts them largest first and fills a
// sensor size the header did not give.
func finish(c *Camera) {
	best := map[[2]int]float64{}
	for _, m := range c.Modes {
		k := [2]int{m.Width, m.Height}
		if f, ok := best[k]; !ok || m.FPS > f {
			best[k] = m.FPS
		}
	}
	c.Modes = c.Modes[:0]
	for k, f := range best {
		c.Modes = append(c.Modes, Mode{k[0], k[1], f})
	}
	sort.Slice(c.Modes, func(i, j int) bool {
		a, b := c.Modes[i], c.Modes[j]
		if a.Width*a.Height != b.Width*b.Height {
			return a.Width*a.Height > b.Width*b.Height
		}
		return a.Width > b.Width
	})
	if len(c.Modes) == 0 {
		c.Modes = nil
	}
	if (c.Width == 0 || c.Height == 0) && len(c.Modes) > 0 {
		c.Width, c.Height = c.Modes[0].Width, c.Modes[0].Height
	}
}
