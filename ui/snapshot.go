package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"lancam/camera"
)

// snapshotWait is how long Take snapshot waits for a first frame when the
// camera was not running (window hidden, nobody streaming).
const snapshotWait = 3 * time.Second

// saveSnapshot writes the current frame to ~/Pictures (or home, when there
// is no Pictures folder) as lancam-YYYYMMDD-HHMMSS.jpg and returns the path.
// The frame's bytes are written as they are: no re-encoding.
func saveSnapshot(ctx context.Context, hub *camera.Hub, home string, now time.Time) (string, error) {
	f := hub.Latest()
	if f == nil {
		sub := hub.Subscribe()
		defer sub.Close()
		wctx, cancel := context.WithTimeout(ctx, snapshotWait)
		defer cancel()
		var err error
		if f, err = sub.Next(wctx); err != nil {
			return "", errors.New("the camera sent no picture within 3 s")
		}
	}
	dir := filepath.Join(home, "Pictures")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		dir = home
	}
	base := "lancam-" + now.Format("20060102-150405")
	path := filepath.Join(dir, base+".jpg")
	for i := 2; ; i++ { // two snapshots in one second must not overwrite
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) && i < 100 {
			path = filepath.Join(dir, base+"-"+strconv.Itoa(i)+".jpg")
			continue
		}
		if err != nil {
			return "", err
		}
		_, werr := file.Write(f.JPEG())
		if cerr := file.Close(); werr != nil || cerr != nil {
			os.Remove(path)
			return "", errors.Join(werr, cerr)
		}
		return path, nil
	}
}
