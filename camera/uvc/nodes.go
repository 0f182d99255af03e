package uvc

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/vladimirvivien/go4vl/v4l2"
	"golang.org/x/sys/unix"
)

// devDir is where video nodes live; tests point the helpers elsewhere.
const devDir = "/dev"

// isVideoNode reports whether a /dev entry name is a V4L2 video node
// (video0, video12, ...).
func isVideoNode(name string) bool {
	n, ok := strings.CutPrefix(name, "video")
	if !ok || n == "" {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}

// videoNodes lists dir's video nodes in numeric order (video2 before
// video10). A missing or unreadable dir is simply empty.
func videoNodes(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var nums []int
	for _, e := range entries {
		if isVideoNode(e.Name()) {
			n, _ := strconv.Atoi(strings.TrimPrefix(e.Name(), "video"))
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = filepath.Join(dir, "video"+strconv.Itoa(n))
	}
	return out
}

// findByBusInfo returns the first capture node in dir whose bus info is
// bus, or "" if none. probe reads a node's bus info and whether it can
// capture; it is a parameter so tests need no device.
func findByBusInfo(dir, bus string, probe func(path string) (busInfo string, capture bool)) string {
	if bus == "" {
		return ""
	}
	for _, p := range videoNodes(dir) {
		if b, ok := probe(p); ok && b == bus {
			return p
		}
	}
	return ""
}

// probeBusInfo opens a node just long enough for VIDIOC_QUERYCAP.
func probeBusInfo(path string) (string, bool) {
	c, err := queryCap(path)
	if err != nil {
		return "", false
	}
	ok, _ := canCapture(c.GetCapabilities())
	return c.BusInfo, ok
}

// queryCap returns a node's capabilities without touching its format.
func queryCap(path string) (v4l2.Capability, error) {
	fd, err := v4l2.OpenDevice(path, unix.O_RDWR|unix.O_NONBLOCK, 0)
	if err != nil {
		return v4l2.Capability{}, err
	}
	defer v4l2.CloseDevice(fd)
	return v4l2.GetCapability(fd)
}
