// Package atomicfile writes small state files (ids, saved camera controls)
// so that a reader, another lancam sharing the folder, or a power cut
// never sees half a file.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Replace writes data to path: a synced temporary file beside it, renamed
// over it.
func Replace(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// CreateOnce writes data to path unless the file exists, and returns the
// file's content: of two processes starting at once, the first one's data
// wins for both (a hard link fails when the name exists).
func CreateOnce(path string, data []byte) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	tmp, err := writeTemp(path, data)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return os.ReadFile(path)
}

// writeTemp writes data to a new private file beside path (its folder made
// if missing) and syncs it.
func writeTemp(path string, data []byte) (string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return "", err
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	if cerr := f.Close(); werr != nil || serr != nil || cerr != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("writing %s: %w", path, errors.Join(werr, serr, cerr))
	}
	return f.Name(), nil
}
