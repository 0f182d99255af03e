package ui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// autostartFile is the XDG autostart entry (freedesktop Desktop Application
// Autostart Specification): the Raspberry Pi desktop starts every
// ~/.config/autostart/*.desktop at login.
func autostartFile(configDir string) string {
	return filepath.Join(configDir, "autostart", "lancam.desktop")
}

// setAutostart writes or removes the autostart entry for exe. A missing
// entry when disabling is not an error.
func setAutostart(configDir, exe string, on bool) error {
	path := autostartFile(configDir)
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	entry := fmt.Sprintf(`[Desktop Entry]
Type=Application
Name=lancam
Comment=Share this camera on the local network
Exec=%s
Icon=lancam
Terminal=false
Categories=AudioVideo;Video;
X-GNOME-Autostart-enabled=true
`, desktopExecQuote(exe))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(entry), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// desktopExecQuote quotes a path for an Exec key (Desktop Entry spec,
// "The Exec key"): quoted, with ", `, $ and \ backslash-escaped, and then,
// as for any string value, every backslash doubled once more; % is doubled
// because it starts a field code.
func desktopExecQuote(s string) string {
	quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`).Replace(s) + `"`
	return strings.NewReplacer(`\`, `\\`, `%`, `%%`).Replace(quoted)
}
