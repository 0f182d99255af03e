package ui

/*
#cgo LDFLAGS: -lX11
#include <stdlib.h>
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/Xutil.h>

// Errors on our own connection (the window went away) must not take the
// process down: Xlib's default handler exits.
static int lancam_ignore_x_error(Display *d, XErrorEvent *e) { return 0; }

static Display *lancam_open(void) {
	Display *d = XOpenDisplay(NULL);
	if (d) XSetErrorHandler(lancam_ignore_x_error);
	return d;
}

// lancam_iconified: 1 when the window manager has minimised w (ICCCM
// WM_STATE = IconicState, or EWMH _NET_WM_STATE has _NET_WM_STATE_HIDDEN).
// The atoms are interned by the caller, once: each XInternAtom is a round
// trip to the X server.
static int lancam_iconified(Display *d, Window w, Atom wmState, Atom netState, Atom hidden) {
	Atom type; int format; unsigned long n, after; unsigned char *data = NULL;
	int iconic = 0;
	if (wmState != None && XGetWindowProperty(d, w, wmState, 0, 2, False, AnyPropertyType,
			&type, &format, &n, &after, &data) == Success && data) {
		if (format == 32 && n >= 1 && ((long *)data)[0] == IconicState) iconic = 1;
		XFree(data);
		data = NULL;
	}
	if (!iconic && netState != None && hidden != None && XGetWindowProperty(d, w, netState, 0, 64, False,
			XA_ATOM, &type, &format, &n, &after, &data) == Success && data) {
		for (unsigned long i = 0; format == 32 && i < n; i++)
			if (((Atom *)data)[i] == hidden) iconic = 1;
		XFree(data);
	}
	return iconic;
}
*/
import "C"

import (
	"unsafe"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
)

// iconWatch tells whether the window is minimised. Fyne has no event for
// it, so lancam asks the X server (its own connection, used by one
// goroutine at a time) about the window's ICCCM/EWMH state; under Wayland
// or without X it always says no.
type iconWatch struct {
	dpy                       *C.Display
	win                       C.Window
	wmState, netState, hidden C.Atom // None until the window manager made them
}

// newIconWatch prepares a watch for w; call on the UI goroutine once the
// window exists.
func newIconWatch(w fyne.Window) *iconWatch {
	nw, ok := w.(driver.NativeWindow)
	if !ok {
		return &iconWatch{}
	}
	var handle uintptr
	nw.RunNative(func(ctx any) {
		if x, ok := ctx.(driver.X11WindowContext); ok {
			handle = x.WindowHandle
		}
	})
	if handle == 0 {
		return &iconWatch{}
	}
	return &iconWatch{dpy: C.lancam_open(), win: C.Window(handle)}
}

// Iconified polls the window's state.
func (iw *iconWatch) Iconified() bool {
	if iw.dpy == nil {
		return false
	}
	for _, a := range []struct {
		atom *C.Atom
		name string
	}{{&iw.wmState, "WM_STATE"}, {&iw.netState, "_NET_WM_STATE"}, {&iw.hidden, "_NET_WM_STATE_HIDDEN"}} {
		if *a.atom == C.None {
			*a.atom = internAtom(iw.dpy, a.name)
		}
	}
	return C.lancam_iconified(iw.dpy, iw.win, iw.wmState, iw.netState, iw.hidden) != 0
}

// Close drops the X connection.
func (iw *iconWatch) Close() {
	if iw.dpy != nil {
		C.XCloseDisplay(iw.dpy)
		iw.dpy = nil
	}
}

// internAtom is XInternAtom(only_if_exists): None while no client made it.
func internAtom(d *C.Display, name string) C.Atom {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.XInternAtom(d, cs, C.True)
}
