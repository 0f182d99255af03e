package camera

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lancam/camera/tjpeg"
)

// DirSourceConfig configures a DirSource.
type DirSourceConfig struct {
	Dir string
	FPS float64
}

// DirSource loops the JPEG files of a folder in name order at a fixed rate,
// passing each file through byte for byte: a recorded sequence replays
// exactly as captured (and a benchmark serves known frames).
//
// Files are read again for every frame rather than kept in memory: the page
// cache already holds them, and the process stays small however big the
// folder is.
type DirSource struct {
	cfg   DirSourceConfig
	paths []string
	info  SourceInfo
}

// NewDirSource lists and checks the folder now, so a folder without JPEGs or
// with a broken one is an error at start-up rather than a black stream.
func NewDirSource(cfg DirSourceConfig) (*DirSource, error) {
	if cfg.FPS <= 0 || cfg.FPS > 240 {
		return nil, fmt.Errorf("dir source: fps %g out of range 0..240", cfg.FPS)
	}
	entries, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("dir source: %w", err)
	}
	var names []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".jpg" || ext == ".jpeg") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("dir source: no .jpg or .jpeg files in %s", cfg.Dir)
	}
	slices.Sort(names)
	s := &DirSource{cfg: cfg}
	var first *Frame
	for _, n := range names {
		p := filepath.Join(cfg.Dir, n)
		f, err := readJPEG(p)
		if err != nil {
			return nil, fmt.Errorf("dir source: %w", err)
		}
		if first == nil {
			first = f
		}
		s.paths = append(s.paths, p)
	}
	s.info = SourceInfo{Kind: "dir", Device: cfg.Dir, Format: "JPEG files",
		Width: first.Width(), Height: first.Height(), FPS: cfg.FPS}
	return s, nil
}

// Info describes the folder for /status.
func (s *DirSource) Info() SourceInfo { return s.info }

// Len is the number of JPEG files looped.
func (s *DirSource) Len() int { return len(s.paths) }

// Run publishes the files in order, round and round, until ctx ends. A file
// that vanished or broke since start-up is skipped with its error kept for
// the hub; a whole round without one good file ends the run.
func (s *DirSource) Run(ctx context.Context, publish func(*Frame)) error {
	tick := time.NewTicker(time.Duration(float64(time.Second) / s.cfg.FPS))
	defer tick.Stop()
	var seq uint64
	bad := 0
	for i := 0; ; i = (i + 1) % len(s.paths) {
		f, err := readJPEG(s.paths[i])
		if err != nil {
			if bad++; bad >= len(s.paths) {
				return err
			}
			continue
		}
		bad = 0
		seq++
		f.seq, f.captured = seq, time.Now()
		publish(f)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// readJPEG reads one file into a frame that is not yet published (seq and
// capture time are the caller's to set).
func readJPEG(path string) (*Frame, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	hdr, err := tjpeg.DecodeHeader(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid JPEG: %v", path, err)
	}
	return NewFrame(data, hdr.Width, hdr.Height, 0, time.Time{}), nil
}
