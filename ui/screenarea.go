package ui

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <X11/Xatom.h>

// lancam_screen reads the X screen's size in pixels and millimetres and the
// work area the desktop leaves to windows (EWMH _NET_WORKAREA of the first
// desktop: the screen minus panels); without a window manager the work
// area is the screen. 0 when there is no X display (Wayland-only).
static int lancam_screen(long *area, int *wpx, int *wmm) {
	Display *d = XOpenDisplay(NULL);
	if (!d) return 0;
	int scr = DefaultScreen(d);
	*wpx = DisplayWidth(d, scr);
	*wmm = DisplayWidthMM(d, scr);
	area[0] = 0; area[1] = 0; area[2] = DisplayWidth(d, scr); area[3] = DisplayHeight(d, scr);
	Atom wa = XInternAtom(d, "_NET_WORKAREA", True);
	Atom type; int format; unsigned long n, after; unsigned char *data = NULL;
	if (wa != None && XGetWindowProperty(d, RootWindow(d, scr), wa, 0, 4, False, XA_CARDINAL,
			&type, &format, &n, &after, &data) == Success && data) {
		long *v = (long *)data;
		if (format == 32 && n >= 4 && v[2] > 0 && v[3] > 0) {
			area[0] = v[0]; area[1] = v[1]; area[2] = v[2]; area[3] = v[3];
		}
		XFree(data);
	}
	XCloseDisplay(d);
	return 1;
}
*/
import "C"

import "image"

// screenInfo is what lancam knows of the screen before its window exists:
// Fyne offers no screen size, and a window larger than the screen (the
// Raspberry Pi touchscreen is 800x480) cannot be reached at the bottom.
type screenInfo struct {
	work    image.Rectangle // pixels free for windows
	widthMM int             // physical width as the X server reports it
	widthPx int
}

// readScreen asks the X server (our own short connection); without an X
// display it is zero, and lancam leaves sizes to the compositor.
func readScreen() screenInfo {
	var area [4]C.long
	var wpx, wmm C.int
	if C.lancam_screen(&area[0], &wpx, &wmm) == 0 {
		return screenInfo{}
	}
	return screenInfo{
		work:    image.Rect(int(area[0]), int(area[1]), int(area[0]+area[2]), int(area[1]+area[3])),
		widthMM: int(wmm), widthPx: int(wpx),
	}
}
