//go:build nogui

package main

import (
	"context"
	"io"
	"log/slog"
)

// runWindow in a build without the desktop window (Raspberry Pi OS Lite, no
// X or GL libraries) serves headless.
func runWindow(ctx context.Context, opts options, stdout, stderr io.Writer, log *slog.Logger) int {
	log.Info("this lancam is built without the desktop window; running headless")
	return runHeadless(ctx, opts, stdout, stderr, log)
}
