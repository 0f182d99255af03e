package ui

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"lancam/camera/uvc"
)

// cameraChoice is one entry of the camera chooser.
type cameraChoice struct {
	Label  string // what the chooser shows
	Source string // the -source value it stands for
}

// Labels of the synthetic entries.
const (
	labelAuto = "Automatic (first that works)" // else the test pattern; short enough for the chooser at 800x480
	labelTest = "Test pattern"
)

// cameraChoices lists the chooser's entries: automatic, each camera, the
// test pattern, and the current source if it is none of those (a folder).
func cameraChoices(cams []uvc.Camera, current string) []cameraChoice {
	out := []cameraChoice{{labelAuto, "auto"}}
	for _, c := range cams {
		name := c.Card
		if name == "" {
			name = c.Driver
		}
		out = append(out, cameraChoice{fmt.Sprintf("%s (%s)", name, c.Path), c.Path})
	}
	out = append(out, cameraChoice{labelTest, "test"})
	if !slices.ContainsFunc(out, func(c cameraChoice) bool { return c.Source == current }) && current != "" {
		out = append(out, cameraChoice{current, current})
	}
	return out
}

// commonSizes are offered for sources without a size list (test pattern,
// folder, a camera with a continuous range).
func commonSizes() [][2]int {
	return [][2]int{{640, 360}, {640, 480}, {800, 600}, {1280, 720}, {1920, 1080}}
}

// commonRates likewise.
func commonRates() []float64 { return []float64{5, 10, 15, 20, 25, 30} }

// sizeChoices lists "WxH" for the camera at path (largest first), or the
// common sizes when the camera gives no list.
func sizeChoices(cams []uvc.Camera, path string) []string {
	seen := map[[2]int]bool{}
	for _, c := range cams {
		if c.Path != path {
			continue
		}
		for _, f := range c.Formats {
			if f.Range {
				for _, s := range commonSizes() {
					if len(f.Sizes) == 2 && s[0] >= f.Sizes[0].Width && s[0] <= f.Sizes[1].Width && s[1] >= f.Sizes[0].Height && s[1] <= f.Sizes[1].Height {
						seen[s] = true
					}
				}
				continue
			}
			for _, s := range f.Sizes {
				seen[[2]int{s.Width, s.Height}] = true
			}
		}
	}
	if len(seen) == 0 {
		for _, s := range commonSizes() {
			seen[s] = true
		}
	}
	sizes := make([][2]int, 0, len(seen))
	for s := range seen {
		sizes = append(sizes, s)
	}
	sort.Slice(sizes, func(i, j int) bool {
		if a, b := sizes[i][0]*sizes[i][1], sizes[j][0]*sizes[j][1]; a != b {
			return a > b
		}
		return sizes[i][0] > sizes[j][0]
	})
	out := make([]string, len(sizes))
	for i, s := range sizes {
		out[i] = fmt.Sprintf("%dx%d", s[0], s[1])
	}
	return out
}

// rateChoices lists the frame rates the camera offers at w×h (highest
// first), or the common rates.
func rateChoices(cams []uvc.Camera, path string, w, h int) []string {
	seen := map[float64]bool{}
	for _, c := range cams {
		if c.Path != path {
			continue
		}
		for _, f := range c.Formats {
			for _, s := range f.Sizes {
				if s.Width == w && s.Height == h {
					for _, r := range s.FPS {
						seen[r] = true
					}
				}
			}
		}
	}
	rates := make([]float64, 0, len(seen))
	for r := range seen {
		rates = append(rates, r)
	}
	if len(rates) == 0 {
		rates = commonRates()
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(rates)))
	out := make([]string, len(rates))
	for i, r := range rates {
		out[i] = formatFPS(r)
	}
	return out
}

// formatFPS prints 30 as "30" and 7.5 as "7.5".
func formatFPS(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }

// parseSizeChoice reads "WxH".
func parseSizeChoice(s string) (int, int, bool) {
	ws, hs, ok := strings.Cut(s, "x")
	w, e1 := strconv.Atoi(ws)
	h, e2 := strconv.Atoi(hs)
	return w, h, ok && e1 == nil && e2 == nil && w > 0 && h > 0
}
