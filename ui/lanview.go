package ui

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"lancam/discovery"
)

// How often the list is re-read without events (events can be dropped when
// the browser's buffer is full) and how often thumbnails are refreshed.
const (
	peerRereadInterval = 2 * time.Second
	thumbInterval      = time.Second
)

// The empty states say why the list is empty, so nobody waits for cameras
// that discovery cannot find.
const (
	emptyNoPeers = "No other lancam found on this network yet."
	emptyNoMDNS  = "LAN discovery is off (-no-mdns)."
	emptyNoLAN   = "This computer is not connected to a network: no interface other than loopback is up, " +
		"so other lancams cannot find this one, nor it them. Connect Ethernet or join a Wi-Fi network; " +
		"the list fills in by itself."
)

// Labels of the mode toggle in the tab's toolbar.
const (
	modeListLabel = "List"
	modeGridLabel = "Grid"
)

// lanViewConfig wires the "LAN cameras" tab.
type lanViewConfig struct {
	App    fyne.App
	LAN    LAN          // nil behaves like discovery turned off
	HTTP   *http.Client // for thumbnails; nil = a client with a 3 s timeout
	Logger *slog.Logger
	// Do runs a function on Fyne's goroutine; nil means fyne.Do. The app
	// and tests that own a UI loop pass theirs.
	Do func(func())
	// Fit shrinks a viewer window's size to the screen (App.fitToScreen);
	// nil leaves it as asked.
	Fit func(want, min fyne.Size) fyne.Size
}

// lanView is the "LAN cameras" tab: the other lancams as a list with
// thumbnails or as a grid of live streams, and the viewer windows opened
// from it. Network work runs only while the tab can be seen; every
// goroutine it starts is waited for by Run.
type lanView struct {
	cfg    lanViewConfig
	log    *slog.Logger
	do     func(func()) // how goroutines reach Fyne's: fyne.Do
	thumbs *thumbnails
	creds  credStore // viewer credentials, per peer or host:port
	list   *peerList
	grid   *peerGrid

	// Widgets; changed on Fyne's goroutine only.
	root     *fyne.Container
	empty    *widget.Label
	emptyBox *fyne.Container // lays empty out
	count    *widget.Label

	base   context.Context // parent of viewers, cancelled when Run ends
	cancel context.CancelFunc

	mu        sync.Mutex
	emptyMsg  string           // the empty text last set
	peers     []discovery.Peer // sorted for display
	gridMode  bool
	visible   bool
	changed   chan struct{} // closed and replaced when visible or gridMode change
	onChanged []func()
	viewers   map[string]*viewer
	closed    bool // Run has ended: start nothing more
	wg        sync.WaitGroup
}

// newLANView builds the tab; nothing runs before Run.
func newLANView(cfg lanViewConfig) *lanView {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 3 * time.Second}
	}
	if cfg.Do == nil {
		cfg.Do = fyne.Do
	}
	if cfg.App == nil {
		cfg.App = fyne.CurrentApp()
	}
	v := &lanView{cfg: cfg, log: cfg.Logger, do: cfg.Do, changed: make(chan struct{}), viewers: map[string]*viewer{}}
	v.base, v.cancel = context.WithCancel(context.Background())
	v.creds = credStore{prefs: cfg.App.Preferences()}
	v.thumbs = newThumbnails(cfg.HTTP, v.log)
	v.thumbs.auth = v.creds.peerAuthorization
	v.list = newPeerList(v)
	v.grid = newPeerGrid(v)
	v.emptyMsg = v.emptyText()
	v.empty = widget.NewLabel(v.emptyMsg)
	v.empty.Alignment = fyne.TextAlignCenter
	v.empty.Wrapping = fyne.TextWrapWord
	v.emptyBox = newCenteredText(v.empty, v.empty, 520, 0)
	v.count = widget.NewLabel("")
	mode := widget.NewRadioGroup([]string{modeListLabel, modeGridLabel}, func(s string) {
		v.setGridMode(s == modeGridLabel)
	})
	mode.Horizontal = true
	mode.Required = true
	mode.SetSelected(modeListLabel)
	open := widget.NewButton("Open URL…", v.showOpenURL)
	bar := container.NewHBox(mode, layout.NewSpacer(), v.count, open)
	body := container.NewStack(v.list.obj, v.grid.obj, v.emptyBox)
	v.root = container.NewBorder(bar, nil, nil, nil, body)
	v.layoutBody(0, false)
	return v
}

// Object is the tab's content.
func (v *lanView) Object() fyne.CanvasObject { return v.root }

// emptyText explains an empty list: discovery off, no network, or simply
// nobody there yet.
func (v *lanView) emptyText() string {
	if v.cfg.LAN == nil || v.cfg.LAN.Events() == nil {
		return emptyNoMDNS
	}
	if !v.cfg.LAN.LANStatus().Up {
		return emptyNoLAN
	}
	return emptyNoPeers
}

// SetVisible says whether the tab is selected and its window shown; safe
// from any goroutine.
func (v *lanView) SetVisible(on bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.visible != on {
		v.visible = on
		close(v.changed)
		v.changed = make(chan struct{})
	}
}

// setGridMode switches between the list and the grid; UI goroutine.
func (v *lanView) setGridMode(on bool) {
	v.mu.Lock()
	n := len(v.peers)
	if v.gridMode != on {
		v.gridMode = on
		close(v.changed)
		v.changed = make(chan struct{})
	}
	v.mu.Unlock()
	v.layoutBody(n, on)
}

// layoutBody shows the list, the grid or the empty text; UI goroutine.
func (v *lanView) layoutBody(n int, grid bool) {
	show := func(o fyne.CanvasObject, on bool) {
		if on {
			o.Show()
		} else {
			o.Hide()
		}
	}
	show(v.list.obj, n > 0 && !grid)
	show(v.grid.obj, n > 0 && grid)
	show(v.empty, n == 0)
	switch n {
	case 0:
		v.count.SetText("")
	case 1:
		v.count.SetText("1 camera")
	default:
		v.count.SetText(strconv.Itoa(n) + " cameras")
	}
}

// Peers is the current list, in display order; safe from any goroutine.
func (v *lanView) Peers() []discovery.Peer {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.peers)
}

// OnPeersChanged registers fn, called on Run's goroutine after the list
// changed.
func (v *lanView) OnPeersChanged(fn func()) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.onChanged = append(v.onChanged, fn)
}

// state is what Run needs to decide which work runs.
func (v *lanView) state() (visible, grid bool, changed <-chan struct{}) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.visible, v.gridMode, v.changed
}

// spawn runs fn in a goroutine Run waits for; false once Run has ended, so
// nothing outlives it.
func (v *lanView) spawn(fn func()) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return false
	}
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		fn()
	}()
	return true
}

// reload re-reads the peers and, when they changed, updates the widgets
// and tells the listeners; it also updates the empty text (a network
// interface went or came). Run's goroutine.
func (v *lanView) reload() {
	text := v.emptyText()
	v.mu.Lock()
	newText := text != v.emptyMsg
	v.emptyMsg = text
	v.mu.Unlock()
	if newText {
		v.do(func() { setCenteredText(v.emptyBox, v.empty, text) })
	}
	var peers []discovery.Peer
	if v.cfg.LAN != nil {
		peers = v.cfg.LAN.Peers()
	}
	peers = slices.DeleteFunc(peers, func(p discovery.Peer) bool { return p.ID == "" })
	slices.SortStableFunc(peers, func(a, b discovery.Peer) int {
		if c := strings.Compare(strings.ToLower(peerName(a)), strings.ToLower(peerName(b))); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	v.mu.Lock()
	same := slices.EqualFunc(v.peers, peers, sameShown)
	v.peers = peers
	grid := v.gridMode
	fns := slices.Clone(v.onChanged)
	v.mu.Unlock()
	if same {
		return
	}
	rows := v.list.setPeers(peers)
	v.thumbs.keep(peers)
	cells := v.grid.setPeers(peers)
	v.do(func() {
		v.list.show(rows)
		v.grid.show(cells)
		v.layoutBody(len(peers), grid)
	})
	for _, fn := range fns {
		fn()
	}
}

// Run follows the LAN and does the tab's network work until ctx ends, then
// stops the viewers and waits for every goroutine it started.
func (v *lanView) Run(ctx context.Context) {
	defer v.shutdown()
	var events <-chan discovery.Event
	if v.cfg.LAN != nil {
		events = v.cfg.LAN.Events()
	}
	reread := time.NewTicker(peerRereadInterval)
	defer reread.Stop()
	tick := time.NewTicker(thumbInterval)
	defer tick.Stop()
	var act activity
	defer act.stop(v)
	v.reload()
	for {
		visible, grid, changed := v.state()
		if act.set(ctx, visible, grid) {
			v.startWork(&act)
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-events:
			if !ok {
				events = nil // the browser was closed; the ticker still re-reads
			}
			drain(events)
			v.reload()
			v.startWork(&act) // new peers get their thumbnail or stream now
		case <-reread.C:
			v.reload()
			v.startWork(&act)
		case <-tick.C:
			if act.ctx != nil && !act.grid {
				v.thumbs.fetchAll(act.ctx, v.Peers(), v.spawn)
			}
		case <-v.thumbs.dirty:
			v.do(v.list.refresh)
		case <-changed:
		}
	}
}

// shutdown ends everything Run owns.
func (v *lanView) shutdown() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	v.cancel()
	v.grid.stopAll()
	v.wg.Wait()
	v.grid.closeAll()
	v.thumbs.close()
}
