package ui

import (
	"context"
	"image/color"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lancam/httpstream"
)

// Viewer and grid clients: a frame over 8 MiB is no camera's, and 5 s
// without one means the stream is gone, not slow.
const (
	viewerMaxFrameBytes = 8 << 20
	viewerStallTimeout  = 5 * time.Second
)

// viewer is one window playing one MJPEG URL. Its client goroutine ends
// when the window closes or Run's context ends; done is closed then.
type viewer struct {
	key, title, url string
	win             fyne.Window
	do              func(func())
	view            *jpegView
	label           *widget.Label
	overlay         *fyne.Container
	done            chan struct{} // closed once the client has returned and the view is freed
	// needAuth: the peer announces auth=basic, so the viewer asks for a
	// password before connecting unless one is stored.
	needAuth bool
	prompt   *passwordPrompt // the open login dialog; Fyne's goroutine

	mu    sync.Mutex
	state httpstream.ClientState
	text  string // the overlay's text, "" while playing
}

// OpenPeer opens (or brings forward) the viewer of a listed peer; call it
// on Fyne's goroutine (tray menu, taps).
func (v *lanView) OpenPeer(id string) {
	for _, p := range v.Peers() {
		if p.ID == id {
			url := peerStreamURL(p)
			if url == "" {
				v.log.Warn("lan: peer has no address", "peer", id)
				return
			}
			v.openViewer("peer:"+id, peerName(p), url, p.TXT["auth"] == "basic")
			return
		}
	}
	v.log.Info("lan: peer gone before it could be opened", "peer", id)
}

// OpenURL opens (or brings forward) a viewer for any MJPEG URL; call it on
// Fyne's goroutine.
func (v *lanView) OpenURL(title, streamURL string) {
	u, err := validateStreamURL(streamURL)
	if err != nil {
		v.log.Warn("lan: not opening URL", "url", httpstream.RedactURL(streamURL), "err", err)
		return
	}
	if title = cleanName(title); title == "" {
		title = urlTitle(u)
	}
	v.openViewer("url:"+u, title, u, false)
}

// openViewer focuses the window already showing key or opens a new one.
func (v *lanView) openViewer(key, title, url string, needAuth bool) *viewer {
	v.mu.Lock()
	old := v.viewers[key]
	closed := v.closed
	v.mu.Unlock()
	if old != nil {
		old.win.Show()
		old.win.RequestFocus()
		return old
	}
	if closed {
		return nil
	}
	vw := newViewer(v.cfg.App, v.do, key, title, url, v.cfg.Fit)
	vw.needAuth = needAuth
	ctx, cancel := context.WithCancel(v.base)
	v.mu.Lock()
	v.viewers[key] = vw
	v.mu.Unlock()
	vw.win.SetOnClosed(func() {
		cancel()
		v.mu.Lock()
		if v.viewers[key] == vw {
			delete(v.viewers, key)
		}
		v.mu.Unlock()
	})
	if !v.spawn(func() { vw.run(ctx, v) }) {
		cancel()
		vw.view.Close()
		close(vw.done)
	}
	vw.win.Show()
	return vw
}

// viewerFor is the open viewer for key, for tests.
func (v *lanView) viewerFor(key string) *viewer {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.viewers[key]
}

func newViewer(a fyne.App, do func(func()), key, title, url string, fit func(want, min fyne.Size) fyne.Size) *viewer {
	vw := &viewer{key: key, title: title, url: url, do: do, view: newJPEGView(do), done: make(chan struct{})}
	vw.label = widget.NewLabel("")
	vw.label.Alignment = fyne.TextAlignCenter
	vw.label.Wrapping = fyne.TextWrapWord
	// A dark backdrop keeps the text readable over any picture.
	back := canvas.NewRectangle(color.NRGBA{A: 0xb0})
	back.CornerRadius = 6
	vw.overlay = newCenteredText(vw.label, container.NewStack(back, container.NewPadded(vw.label)), 520, theme.Padding())
	vw.win = a.NewWindow(title)
	toggle := func() { vw.win.SetFullScreen(!vw.win.FullScreen()) }
	vw.win.SetContent(container.NewStack(vw.view, newDoubleTapArea(toggle), vw.overlay))
	fullScreenKeys(vw.win.Canvas(), toggle, func() { vw.win.SetFullScreen(false) })
	size := fyne.NewSize(800, 480)
	if fit != nil {
		size = fit(size, vw.win.Content().MinSize())
	}
	vw.win.Resize(size)
	vw.setState(httpstream.ClientConnecting, nil)
	return vw
}

// run plays the URL until ctx ends, asking for a password when the
// camera wants one and again while it refuses the one given.
func (vw *viewer) run(ctx context.Context, v *lanView) {
	defer close(vw.done)
	defer vw.view.Close()
	log := v.log.With("viewer", vw.title)
	key := credKey(vw.key)
	c, stored := v.creds.load(key)
	ask, wrong := vw.needAuth && !stored, false
	for {
		if ask {
			var ok bool
			if c, ok = vw.askPassword(ctx, c, wrong); !ok {
				return
			}
		}
		if !vw.play(ctx, log, v.creds, key, c) {
			return
		}
		// Refused: a stored password is stale, and retrying it would
		// only get this address blocked by the camera.
		if stored {
			v.creds.forget(key)
			stored = false
		}
		ask, wrong = true, c.header() != nil
		log.Info("camera refused the password; asking")
	}
}

// play runs the client with c until ctx ends, or until the camera answers
// 401, which it reports. Working credentials the user wants remembered
// are saved once the first frame arrives.
func (vw *viewer) play(ctx context.Context, log *slog.Logger, store credStore, key string, c credentials) (refused bool) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	saved := false
	playStream(pctx, vw.url, c.header(), vw.view, log, func(s httpstream.ClientState, err error) {
		if isUnauthorized(err) {
			refused = true
			cancel()
			return
		}
		if s == httpstream.ClientPlaying && c.remember && c.header() != nil && !saved {
			store.save(key, c)
			saved = true
		}
		if refused && s == httpstream.ClientStopped {
			return // the prompt's text replaces "stopped"
		}
		vw.setState(s, err)
	})
	return refused && ctx.Err() == nil
}

// playStream plays an MJPEG URL into view until ctx ends, through the
// capped, reconnecting client (viewer windows and grid cells); header
// carries the Authorization, if any.
func playStream(ctx context.Context, url string, header http.Header, view *jpegView, log *slog.Logger, onState func(httpstream.ClientState, error)) {
	cl := httpstream.NewClient(httpstream.ClientConfig{
		URL:           url,
		Header:        header,
		MaxFrameBytes: viewerMaxFrameBytes,
		StallTimeout:  viewerStallTimeout,
		Logger:        log,
	})
	cl.Run(ctx, func(jpeg []byte) {
		if err := view.ShowFrame(jpeg); err != nil {
			log.Debug("frame skipped", "err", err)
		}
	}, onState)
}

// setState shows the client's state over the picture. A lost stream
// blanks the picture: a frozen frame would look live.
func (vw *viewer) setState(s httpstream.ClientState, err error) {
	text := stateText(vw.title, s, err)
	vw.mu.Lock()
	vw.state, vw.text = s, text
	vw.mu.Unlock()
	if s == httpstream.ClientReconnecting {
		vw.view.clear()
	}
	vw.do(func() {
		setCenteredText(vw.overlay, vw.label, text)
		if text == "" {
			vw.overlay.Hide()
		} else {
			vw.overlay.Show()
		}
	})
}

// status is the last state and overlay text, for tests.
func (vw *viewer) status() (httpstream.ClientState, string) {
	vw.mu.Lock()
	defer vw.mu.Unlock()
	return vw.state, vw.text
}

// cleanErr keeps an error readable in the overlay: errors can quote what a
// server sent.
func cleanErr(err error) string { return cleanText(err.Error(), 200) }
