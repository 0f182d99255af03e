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

// maxDirCache is how many bytes of JPEG files a DirSource keeps in memory;
// larger folders are read from disk for every frame instead.
const maxDirCache = 256 << 20

// DirSourceConfig configures a DirSource.
type DirSourceConfig struct {
	Dir string
	FPS float64
}

// DirSource loops the JPEG files of a folder in name order at a fixed rate,
// passing each file through byte for byte: a recorded sequence replays
// exactly as captured (and a benchmark serves known frames).
type DirSource struct {
	cfg   DirSourceConfig
	files []dirFrame
	info  SourceInfo
}

type dirFrame struct {
	path string
	w, h int
	data []byte // nil when the folder is too big to cache
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
	var total int
	for _, n := range names {
		p := filepath.Join(cfg.Dir, n)
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("dir source: %w", err)
		}
		hdr, err := tjpeg.DecodeHeader(data)
		if err != nil {
			return nil, fmt.Errorf("dir source: %s is not a valid JPEG: %v", p, err)
		}
		total += len(data)
		s.files = append(s.files, dirFrame{path: p, w: hdr.Width, h: hdr.Height, data: data})
	}
	if total > maxDirCache {
		for i := range s.files {
			s.files[i].data = nil
		}
	}
	first := s.files[0]
	s.info = SourceInfo{Kind: "dir", Device: cfg.Dir, Format: "JPEG files",
		Width: first.w, Height: first.h, FPS: cfg.FPS}
	return s, nil
}

// Info describes the folder for /status.
func (s *DirSource) Info() SourceInfo { return s.info }

// Len is the number of JPEG files looped.
func (s *DirSource) Len() int { return len(s.files) }

// Run publishes the files in order, round and round, until ctx ends. A file
// that vanished or broke since start-up is skipped with its error kept for
// the hub; a whole round without one good file ends the run.
func (s *DirSource) Run(ctx context.Context, publish func(*Frame)) error {
	tick := time.NewTicker(time.Duration(float64(time.Second) / s.cfg.FPS))
	defer tick.Stop()
	var seq uint64
	var lastErr error
	bad := 0
	for i := 0; ; i = (i + 1) % len(s.files) {
		f, err := s.load(s.files[i])
		if err != nil {
			lastErr = err
			if bad++; bad >= len(s.files) {
				return lastErr
			}
			continue
		}
		bad = 0
		seq++
		publish(f.withSeq(seq))
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

type loaded struct {
	data []byte
	w, h int
}

func (l loaded) withSeq(seq uint64) *Frame {
	return NewFrame(l.data, l.w, l.h, seq, time.Now())
}

func (s *DirSource) load(f dirFrame) (loaded, error) {
	if f.data != nil {
		return loaded{f.data, f.w, f.h}, nil
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return loaded{}, err
	}
	hdr, err := tjpeg.DecodeHeader(data)
	if err != nil {
		return loaded{}, fmt.Errorf("%s is not a valid JPEG: %v", f.path, err)
	}
	return loaded{data, hdr.Width, hdr.Height}, nil
}
