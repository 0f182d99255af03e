package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// installIDFile is where the instance id lives, under the user's config
// folder ($XDG_CONFIG_HOME or ~/.config): stable across restarts and
// upgrades, so other lancams and the GUI's remembered passwords keep
// recognising this camera even when its name or address changes.
const installIDFile = "lancam/id"

// loadInstallID returns the id stored under configDir, creating it on first
// use. Two processes starting at once agree on one id: the new id is written
// to a private temporary file and linked into place, which fails if another
// process got there first, and then that one's id is read.
func loadInstallID(configDir string) (string, error) {
	path := filepath.Join(configDir, installIDFile)
	if id, err := readInstallID(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return id, err
	}
	if _, err := createOrRead(path, randomID()); err != nil {
		return "", err
	}
	return readInstallID(path)
}

// readInstallID reads and checks an id file; a damaged one is an error
// rather than silently becoming a new camera on the LAN.
func readInstallID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(b))
	if len(id) < 8 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-')
	}) {
		return "", fmt.Errorf("%s: not a lancam id (delete the file to make a new one)", path)
	}
	return id, nil
}

// randomID is a new installation id, or the fallback when the id file
// cannot be read or written: this run is still discoverable, just not
// recognisable after a restart.
func randomID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}
