package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lancam/discovery"
)

// thumbSize is a row's picture; thumbnails decode at the DCT scale that
// covers it, so a 1080p snapshot costs a fraction of a full decode.
var thumbSize = fyne.NewSize(128, 72)

// errUnauthorized says a peer wants a password we do not have.
var errUnauthorized = errors.New("a password is needed")

// maxThumbBytes bounds a snapshot download: a peer is a stranger on the LAN.
const maxThumbBytes = 8 << 20

// peerRow is what a row shows; rows are made on Run's goroutine and read on
// Fyne's, so they are values.
type peerRow struct {
	ID, Name, Host, Details string
}

// peerList is the default view: one row per peer with a thumbnail.
type peerList struct {
	v   *lanView
	obj *widget.List

	mu   sync.Mutex
	rows []peerRow // what the list shows; set on Fyne's goroutine
}

func newPeerList(v *lanView) *peerList {
	l := &peerList{v: v}
	l.obj = widget.NewList(l.length, func() fyne.CanvasObject { return newRowView(v) }, l.update)
	l.obj.OnSelected = func(i widget.ListItemID) {
		l.obj.Unselect(i) // a row is a button, not a selection
		if r, ok := l.row(i); ok {
			v.OpenPeer(r.ID)
		}
	}
	return l
}

// setPeers makes the rows for peers; any goroutine.
func (l *peerList) setPeers(peers []discovery.Peer) []peerRow {
	rows := make([]peerRow, len(peers))
	for i, p := range peers {
		rows[i] = peerRow{ID: p.ID, Name: peerName(p), Host: peerHost(p), Details: peerDetails(p)}
	}
	return rows
}

// show puts rows on screen; Fyne's goroutine.
func (l *peerList) show(rows []peerRow) {
	l.mu.Lock()
	l.rows = rows
	l.mu.Unlock()
	l.obj.Refresh()
}

// refresh redraws the rows, e.g. for new thumbnails; Fyne's goroutine.
func (l *peerList) refresh() { l.obj.Refresh() }

// shown is a copy of the rows on screen, for tests.
func (l *peerList) shown() []peerRow {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]peerRow(nil), l.rows...)
}

func (l *peerList) length() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.rows)
}

func (l *peerList) row(i int) (peerRow, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < 0 || i >= len(l.rows) {
		return peerRow{}, false
	}
	return l.rows[i], true
}

func (l *peerList) update(i widget.ListItemID, o fyne.CanvasObject) {
	r, ok := l.row(i)
	if !ok {
		return
	}
	img, failed := l.v.thumbs.get(r.ID)
	o.(*rowView).set(r, img, failed)
}

// rowView is one row: thumbnail, name, host and details, Open button.
type rowView struct {
	widget.BaseWidget
	id                  string
	pic                 *canvas.Image
	placeholder         *widget.Icon
	name, host, details *widget.Label
	hostRow             *fyne.Container // host and details; laid out again when they change
	open                *widget.Button
	content             fyne.CanvasObject
}

func newRowView(v *lanView) *rowView {
	r := &rowView{pic: canvas.NewImageFromImage(nil), placeholder: widget.NewIcon(theme.MediaVideoIcon())}
	r.pic.FillMode = canvas.ImageFillContain
	r.pic.SetMinSize(thumbSize)
	r.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.host = widget.NewLabel("")
	r.host.Truncation = fyne.TextTruncateEllipsis
	r.details = widget.NewLabel("")
	r.details.Truncation = fyne.TextTruncateEllipsis
	r.open = widget.NewButton("Open", func() { v.OpenPeer(r.id) })
	thumb := container.NewStack(canvas.NewRectangle(blackColor), r.placeholder, r.pic)
	r.hostRow = container.New(hostFirstLayout{r.host}, r.host, r.details)
	text := container.NewVBox(r.name, r.hostRow)
	r.content = container.NewBorder(nil, nil, thumb, container.NewCenter(r.open), text)
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer is Fyne's hook.
func (r *rowView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// set shows row data; a peer without a picture shows an icon instead, a
// broken one when its snapshot failed.
func (r *rowView) set(row peerRow, img image.Image, failed bool) {
	r.id = row.ID
	r.name.SetText(row.Name)
	r.host.SetText(row.Host)
	r.details.SetText(row.Details)
	r.hostRow.Refresh()
	r.pic.Image = img
	r.pic.Refresh()
	if failed {
		r.placeholder.SetResource(theme.BrokenImageIcon())
	} else {
		r.placeholder.SetResource(theme.MediaVideoIcon())
	}
}

// thumbnails fetches the peers' snapshots, one request in flight per peer.
type thumbnails struct {
	hc    *http.Client
	log   *slog.Logger
	dirty chan struct{} // a thumbnail changed; coalesced
	// auth is the Authorization value for a peer id ("" for none); set
	// before the first fetch.
	auth func(id string) string
	// requests counts snapshot requests, for tests and the log.
	requests atomic.Uint64

	dec frameDecoder // locks on its own, so decoding does not hold up the list's reads of mu

	mu       sync.Mutex
	inflight map[string]bool
	// refused holds, per peer that answered 401, the Authorization it
	// refused: no more fetches until it changes, so that a thumbnail does
	// not get this address blocked for guessing.
	refused map[string]string
	imgs    map[string]image.Image
	failed  map[string]bool
}

func newThumbnails(hc *http.Client, log *slog.Logger) *thumbnails {
	return &thumbnails{hc: hc, log: log, dirty: make(chan struct{}, 1),
		inflight: map[string]bool{}, refused: map[string]string{}, imgs: map[string]image.Image{}, failed: map[string]bool{}}
}

// get is the peer's latest thumbnail and whether its last fetch failed.
func (t *thumbnails) get(id string) (image.Image, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.imgs[id], t.failed[id]
}

// keep forgets the peers that left.
func (t *thumbnails) keep(peers []discovery.Peer) {
	ids := make(map[string]bool, len(peers))
	for _, p := range peers {
		ids[p.ID] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for id := range t.imgs {
		if !ids[id] {
			delete(t.imgs, id)
		}
	}
	for id := range t.failed {
		if !ids[id] {
			delete(t.failed, id)
		}
	}
	for id := range t.refused {
		if !ids[id] {
			delete(t.refused, id)
		}
	}
}

// fetchAll starts a fetch for every listed peer that has none in flight.
func (t *thumbnails) fetchAll(ctx context.Context, peers []discovery.Peer, spawn func(func()) bool) {
	for _, p := range peers {
		url := peerSnapshotURL(p)
		auth := ""
		if t.auth != nil {
			auth = t.auth(p.ID)
		}
		t.mu.Lock()
		was, denied := t.refused[p.ID]
		busy := t.inflight[p.ID] || (denied && was == auth)
		if !busy {
			t.inflight[p.ID] = true
		}
		t.mu.Unlock()
		if busy {
			continue
		}
		id := p.ID
		if !spawn(func() { t.fetch(ctx, id, url, auth) }) {
			t.mu.Lock()
			delete(t.inflight, id)
			t.mu.Unlock()
			return
		}
	}
}

// fetch downloads and decodes one snapshot.
func (t *thumbnails) fetch(ctx context.Context, id, url, auth string) {
	img, err := t.load(ctx, url, auth)
	t.mu.Lock()
	delete(t.inflight, id)
	delete(t.refused, id)
	if errors.Is(err, errUnauthorized) {
		t.refused[id] = auth
	}
	if ctx.Err() != nil {
		t.mu.Unlock()
		return // cancelled because the tab was hidden: not the peer's fault
	}
	if err != nil {
		delete(t.imgs, id)
		if !t.failed[id] {
			t.log.Info("lan: thumbnail failed", "peer", id, "url", url, "err", err)
		}
		t.failed[id] = true
	} else {
		t.imgs[id] = img
		delete(t.failed, id)
	}
	t.mu.Unlock()
	select {
	case t.dirty <- struct{}{}:
	default:
	}
}

func (t *thumbnails) load(ctx context.Context, url, auth string) (image.Image, error) {
	if url == "" {
		return nil, errors.New("no address")
	}
	t.requests.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, errUnauthorized
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxThumbBytes+1)); err != nil {
		return nil, err
	}
	if buf.Len() > maxThumbBytes {
		return nil, errors.New("snapshot larger than 8 MiB")
	}
	return t.decode(buf.Bytes())
}

// decode makes a fresh small image: the renderer may still hold the last.
func (t *thumbnails) decode(jpeg []byte) (image.Image, error) {
	img, err := t.dec.decode(nil, jpeg, 2*int(thumbSize.Width), 2*int(thumbSize.Height))
	if img == nil {
		return nil, err // not a nil *image.RGBA inside a non-nil image.Image
	}
	return img, nil
}

// close frees the decoder once no fetch runs.
func (t *thumbnails) close() { t.dec.Close() }

// hostFirstLayout lays out a row's host and details labels side by side:
// the host gets the width its text needs, the details what is left, and
// both truncate with an ellipsis when the row is narrow. (An HBox gives a
// truncating label only its minimum, the ellipsis: the host showed "…".)
type hostFirstLayout struct{ host *widget.Label }

// Layout is Fyne's hook.
func (l hostFirstLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) != 2 {
		return
	}
	need := fyne.MeasureText(l.host.Text, theme.TextSize(), l.host.TextStyle).Width + 2*theme.InnerPadding() + 1
	hw := min(need, size.Width)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(hw, size.Height))
	objs[1].Move(fyne.NewPos(hw, 0))
	objs[1].Resize(fyne.NewSize(max(size.Width-hw, 0), size.Height))
}

// MinSize is Fyne's hook: the two ellipses side by side.
func (hostFirstLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s = fyne.NewSize(s.Width+m.Width, max(s.Height, m.Height))
	}
	return s
}
