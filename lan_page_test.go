//go:build lan

package main

import (
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// peerCard is what the test reads of one card in the page's LAN list.
type peerCard struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Href  string `json:"href"`
	Loads int    `json:"loads"` // thumbnails loaded so far
	NW    int    `json:"nw"`    // natural width of the current thumbnail
}

const peerCardsJS = `[...document.querySelectorAll("#peers .peer")].map(a => ({
	id: a.dataset.id, name: a.querySelector(".pname").textContent, href: a.href,
	loads: Number(a.dataset.loads || 0), nw: a.querySelector("img").naturalWidth }))`

// TestLANPage opens a lancam's page in headless Chromium inside the private
// LAN: it lists the two other cameras by name, with thumbnails refreshed
// about once a second and links to their pages, both on screen beside the
// picture in a 1280x800 window; a hostile name stays text; a camera that
// goes away leaves the list.
func TestLANPage(t *testing.T) {
	t.Parallel()
	bin := testenv.Tool(t, "chromium", "chromium-browser", "google-chrome")
	lab := newNetLab(t)
	for i, h := range []string{"viewer", "porch", "shed"} {
		lab.addHost(h, i+1)
	}
	const hostile = `<img src=x onerror="document.title='owned'">Shed`
	viewer := lab.startLancam("viewer", labConfigDir(t, "viewer"))
	lab.startLancam("porch", labConfigDir(t, "porch"), "-name", "Front porch")
	shed := lab.startLancam("shed", labConfigDir(t, "shed"), "-name", hostile)
	waitPeers(t, viewer, seenWithin, "two peers", func(d peersDoc) bool { return len(d.Peers) == 2 })

	c := startChromeVia(t, []string{"ip", "netns", "exec", lab.ns("viewer")}, bin, 45*time.Second)
	c.attachPage(t)
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := c.call("Page.navigate", map[string]any{"url": "http://" + viewer.addr + "/"}, &nav); err != nil || nav.ErrorText != "" {
		t.Fatalf("navigating: %v %s", err, nav.ErrorText)
	}
	cards := func() []peerCard {
		var cs []peerCard
		c.eval(t, peerCardsJS, &cs)
		return cs
	}
	waitCards := func(what string, within time.Duration, ok func([]peerCard) bool) []peerCard {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			cs := cards()
			if ok(cs) {
				return cs
			}
			if time.Now().After(deadline) {
				t.Fatalf("the page did not show %s within %v; cards: %+v", what, within, cs)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	first := waitCards("two cards with thumbnails", 5*time.Second, func(cs []peerCard) bool {
		return len(cs) == 2 && cs[0].NW > 0 && cs[1].NW > 0
	})
	names := []string{first[0].Name, first[1].Name}
	slices.Sort(names)
	if want := []string{hostile, "Front porch"}; !slices.Equal(names, want) {
		t.Errorf("card names %q, want %q", names, want)
	}
	for _, cd := range first {
		if cd.NW != 640 {
			t.Errorf("card %q: thumbnail %d px wide, want the peer's 640", cd.Name, cd.NW)
		}
		if !strings.HasPrefix(cd.Href, "http://10.99.0.") || !strings.HasSuffix(cd.Href, ":8080/") {
			t.Errorf("card %q links to %q, want the peer's page", cd.Name, cd.Href)
		}
	}
	var title string
	var imgs int
	c.eval(t, `document.title`, &title)
	c.eval(t, `document.querySelectorAll("#peers img").length`, &imgs)
	if title != "viewer — lancam" || imgs != 2 {
		t.Errorf("the hostile name became markup: title %q (want the viewer's name), %d images in the list", title, imgs)
	}

	// In a 1280x800 window both peers' cards show beside the picture.
	c.setViewport(t, 1280, 800)
	var v pageLayout
	c.eval(t, pageLayoutJS, &v)
	if len(v.Cards) != 2 || v.Cards[1].bottom() > v.InnerHeight || v.Pic.right() > v.LAN.X {
		t.Errorf("at 1280x800 the cards %+v are not all on screen beside the picture %+v", v.Cards, v.Pic)
	}

	// Thumbnails refresh about once a second: three more loads each in 5 s.
	start := time.Now()
	waitCards("three more thumbnails per card", 5*time.Second, func(cs []peerCard) bool {
		return len(cs) == 2 && cs[0].Loads >= first[0].Loads+3 && cs[1].Loads >= first[1].Loads+3
	})
	t.Logf("3 thumbnail refreshes per card took %v", time.Since(start).Round(time.Millisecond))

	// The shed goes away: its card goes too.
	shed.kill(syscall.SIGTERM)
	killed := time.Now()
	waitCards("only the porch", droppedWithin+3*time.Second, func(cs []peerCard) bool {
		return len(cs) == 1 && cs[0].Name == "Front porch"
	})
	t.Logf("the stopped camera left the page after %v", time.Since(killed).Round(time.Millisecond))
}
