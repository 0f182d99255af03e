package ui

import (
	"context"
	"net/http"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lancam/discovery"
	"lancam/httpstream"
)

// A grid cell is small on purpose: jpegView decodes at the DCT scale that
// fits it, so a 720p stream costs about a sixteenth of a full decode.
var gridCellSize = fyne.NewSize(256, 176)

// peerGrid plays every peer's stream at once, each in a small jpegView.
// Its cells belong to Run's goroutine; their widgets change on Fyne's.
type peerGrid struct {
	v     *lanView
	box   *fyne.Container
	obj   fyne.CanvasObject
	cells map[string]*gridCell
}

// gridItem is a cell with the name to show, handed from Run's goroutine
// to Fyne's as a value.
type gridItem struct {
	c     *gridCell
	title string
}

// gridCell is one peer in the grid; running while cancel is set.
type gridCell struct {
	id, url     string
	view        *jpegView
	name, state *widget.Label
	stateBox    *fyne.Container // lays state out
	obj         fyne.CanvasObject
	cancel      context.CancelFunc
	done        chan struct{}
}

func newPeerGrid(v *lanView) *peerGrid {
	box := container.NewGridWrap(gridCellSize)
	return &peerGrid{v: v, box: box, obj: container.NewVScroll(box), cells: map[string]*gridCell{}}
}

// setPeers makes the cells match peers and returns them in display order;
// a peer whose stream URL changed gets a fresh cell. Run's goroutine.
func (g *peerGrid) setPeers(peers []discovery.Peer) []gridItem {
	out := make([]gridItem, 0, len(peers))
	keep := make(map[string]bool, len(peers))
	for _, p := range peers {
		url := peerStreamURL(p)
		c := g.cells[p.ID]
		if c != nil && c.url != url {
			g.remove(c)
			c = nil
		}
		if c == nil {
			c = g.newCell(p.ID, url)
			g.cells[p.ID] = c
		}
		keep[p.ID] = true
		out = append(out, gridItem{c, peerName(p)})
	}
	for id, c := range g.cells {
		if !keep[id] {
			g.remove(c)
			delete(g.cells, id)
		}
	}
	return out
}

// cellFor is the cell on screen for a peer, for tests; Fyne's goroutine.
func (g *peerGrid) cellFor(id string) *gridCell {
	for _, o := range g.box.Objects {
		if t, ok := o.(*tapArea); ok && t.cell != nil && t.cell.id == id {
			return t.cell
		}
	}
	return nil
}

// show puts cells on screen; Fyne's goroutine.
func (g *peerGrid) show(items []gridItem) {
	objs := make([]fyne.CanvasObject, len(items))
	for i, it := range items {
		it.c.name.SetText(it.title)
		objs[i] = it.c.obj
	}
	g.box.Objects = objs
	g.box.Refresh()
}

func (g *peerGrid) newCell(id, url string) *gridCell {
	c := &gridCell{id: id, url: url, view: newJPEGView(g.v.do)}
	c.name = widget.NewLabel("")
	c.name.Alignment = fyne.TextAlignCenter
	c.name.Truncation = fyne.TextTruncateEllipsis
	c.state = widget.NewLabel("")
	c.state.Alignment = fyne.TextAlignCenter
	c.state.Wrapping = fyne.TextWrapWord
	c.stateBox = newCenteredText(c.state, c.state, 10000, 0)
	pic := container.NewStack(c.view, c.stateBox)
	ta := newTapArea(container.NewBorder(nil, c.name, nil, nil, pic), func() { g.v.OpenPeer(id) })
	ta.cell = c
	c.obj = ta
	return c
}

// playAll starts the streams of the cells that are not playing.
func (g *peerGrid) playAll(ctx context.Context) {
	for _, c := range g.cells {
		if c.cancel != nil || c.url == "" {
			continue
		}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		c := c
		if !g.v.spawn(func() { defer close(done); c.play(cctx, g.v) }) {
			cancel()
			return
		}
		c.cancel, c.done = cancel, done
	}
}

// play runs the cell's client until ctx ends, with the password stored
// for the peer. A refused one stops the cell until the grid is shown again:
// retrying would only get this address blocked by the camera. Opening the
// peer's viewer asks for the password.
func (c *gridCell) play(ctx context.Context, v *lanView) {
	var header http.Header
	if auth := v.creds.peerAuthorization(c.id); auth != "" {
		header = http.Header{"Authorization": {auth}}
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	refused := false
	playStream(pctx, c.url, header, c.view, v.log.With("grid", c.id), func(s httpstream.ClientState, err error) {
		text := cellStateText(s)
		switch {
		case isUnauthorized(err):
			refused = true
			cancel()
			text = "password needed: click to log in"
		case refused:
			return
		case s == httpstream.ClientStopped:
			text = ""
		}
		v.do(func() { setCenteredText(c.stateBox, c.state, text) })
	})
}

// stop ends the cell's stream and waits for it; the picture is blanked so
// that showing the grid again does not start with an old frame.
func (c *gridCell) stop() {
	if c.cancel == nil {
		return
	}
	c.cancel()
	<-c.done
	c.cancel, c.done = nil, nil
	c.view.clear()
}

// remove stops a cell for good and frees its decoder.
func (g *peerGrid) remove(c *gridCell) {
	c.stop()
	c.view.Close()
}

// stopAll pauses every stream (grid hidden, or Run ending).
func (g *peerGrid) stopAll() {
	for _, c := range g.cells {
		c.stop()
	}
}

// closeAll frees every cell's decoder once nothing plays any more.
func (g *peerGrid) closeAll() {
	for id, c := range g.cells {
		g.remove(c)
		delete(g.cells, id)
	}
}

// tapArea makes any content tappable without a button's look.
type tapArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
	cell    *gridCell // nil outside the grid
}

func newTapArea(content fyne.CanvasObject, onTap func()) *tapArea {
	t := &tapArea{content: content, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

// CreateRenderer is Fyne's hook.
func (t *tapArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }

// Tapped opens the peer.
func (t *tapArea) Tapped(*fyne.PointEvent) { t.onTap() }

// drain swallows queued events: one re-read covers them all.
func drain(ch <-chan discovery.Event) {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// activity is the work that runs while the tab is seen: thumbnails in list
// mode, streams in grid mode. Its ctx is nil while nothing may run.
type activity struct {
	ctx    context.Context
	cancel context.CancelFunc
	grid   bool
}

// set moves to the wanted state and reports whether it changed.
func (a *activity) set(parent context.Context, visible, grid bool) bool {
	if (a.ctx != nil) == visible && a.grid == grid {
		return false
	}
	if a.cancel != nil {
		a.cancel()
	}
	a.ctx, a.cancel = nil, nil
	a.grid = grid
	if visible {
		a.ctx, a.cancel = context.WithCancel(parent)
	}
	return true
}

// stop cancels the current work and waits for the grid's streams.
func (a *activity) stop(v *lanView) {
	if a.cancel != nil {
		a.cancel()
	}
	a.ctx, a.cancel = nil, nil
	v.grid.stopAll()
}

// startWork starts what the current activity needs and stops the grid's
// streams when the grid is not what is seen.
func (v *lanView) startWork(a *activity) {
	if a.ctx == nil || !a.grid {
		v.grid.stopAll()
	}
	if a.ctx == nil {
		return
	}
	if a.grid {
		v.grid.playAll(a.ctx)
		return
	}
	v.thumbs.fetchAll(a.ctx, v.Peers(), v.spawn)
}

// cellStateText is stateText for a grid cell, which shows the camera's
// name under it and has no room for the reason.
func cellStateText(s httpstream.ClientState) string {
	switch s {
	case httpstream.ClientPlaying:
		return ""
	case httpstream.ClientConnecting:
		return "connecting…"
	case httpstream.ClientReconnecting:
		return "reconnecting…"
	}
	return s.String()
}
