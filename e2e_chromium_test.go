package main

import (
	"fmt"
	"image"
	"math"
	"strings"
	"testing"
	"time"

	"lancam/internal/testenv"
)

// TestE2EChromium opens the page in headless Chromium and checks, from two
// screenshots, that it shows a live picture: the stream's <img> holds a
// 640x360 frame, its area is not blank, and it changes while the browser
// keeps receiving frames. The page's status line must also say "online".
// The camera offers MJPEG only (-h264 off), as lancam did before WebRTC:
// the page then plays MJPEG (TestE2EWebRTCChromium covers WebRTC).
func TestE2EChromium(t *testing.T) {
	t.Parallel()
	bin := testenv.Tool(t, "chromium", "chromium-browser", "google-chrome")
	l := startLancam(t, "-source", "test", "-size", "640x360", "-fps", "30", "-h264", "off")
	c := startChrome(t, bin)

	c.attachPage(t)
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := c.call("Page.navigate", map[string]any{"url": l.url("/")}, &nav); err != nil || nav.ErrorText != "" {
		t.Fatalf("navigating to %s: %v %s", l.url("/"), err, nav.ErrorText)
	}
	v := c.waitPage(t, "a frame in the <img> and the badge online", func(v pageView) bool {
		return v.NaturalWidth > 0 && v.Badge == "online"
	})
	if v.NaturalWidth != 640 || v.NaturalHeight != 360 {
		t.Errorf("the <img> holds a %dx%d picture, want 640x360", v.NaturalWidth, v.NaturalHeight)
	}
	if !strings.Contains(v.Source, "640×360") {
		t.Errorf("the page's source line %q does not show 640×360", v.Source)
	}

	shot1 := c.screenshot(t, "1.png")
	st := waitStatus(t, l, 5*time.Second, "the browser as the one viewer", func(st statusDoc) bool { return len(st.Clients) == 1 })
	sent0 := st.Clients[0].Sent
	// About a second of frames later (30 at 30 fps), the picture must have
	// changed on screen too.
	waitStatus(t, l, 5*time.Second, "30 more frames sent to the browser", func(st statusDoc) bool {
		return len(st.Clients) == 1 && st.Clients[0].Sent >= sent0+30
	})
	shot2 := c.screenshot(t, "2.png")

	if shot1.Bounds() != shot2.Bounds() {
		t.Fatalf("screenshots differ in size: %v and %v", shot1.Bounds(), shot2.Bounds())
	}
	scale := float64(shot1.Bounds().Dx()) / v.InnerWidth
	area := image.Rect(int(v.X*scale)+2, int(v.Y*scale)+2, int((v.X+v.Width)*scale)-2, int((v.Y+v.Height)*scale)-2).
		Intersect(shot1.Bounds())
	if area.Dx() < 300 || area.Dy() < 150 {
		t.Fatalf("the stream's <img> is shown only %v big (page view %+v)", area, v)
	}
	if colors, sd := imageVariety(shot1, area); colors < 6 || sd < 20 {
		t.Errorf("the stream area %v looks blank: %d colours, luma standard deviation %.1f", area, colors, sd)
	}
	if n := countChanged(shot1, shot2, area); n < 100 {
		t.Errorf("only %d pixels of the stream area %v changed between the screenshots: the picture is not moving", n, area)
	} else {
		t.Logf("%d of %d pixels of the stream area changed between the screenshots", n, area.Dx()*area.Dy())
	}
}

// pageView is what the test reads of the page's state.
type pageView struct {
	NaturalWidth  int     `json:"nw"` // of the picture in the stream <img>, 0 before the first frame
	NaturalHeight int     `json:"nh"`
	X, Y          float64 // the <img>'s box in CSS pixels
	Width, Height float64
	InnerWidth    float64 `json:"innerWidth"`
	Badge         string  `json:"badge"`  // the status badge: "online", "no frames", …
	Source        string  `json:"source"` // the status line describing the source
}

const pageViewJS = `(() => {
	const img = document.getElementById("stream");
	if (!img) return null;
	const r = img.getBoundingClientRect();
	const text = (id) => (document.getElementById(id) || {}).textContent || "";
	return {nw: img.naturalWidth, nh: img.naturalHeight, x: r.left, y: r.top, width: r.width, height: r.height,
		innerWidth: window.innerWidth, badge: text("badge"), source: text("source")};
})()`

// waitPage polls the page's state until cond holds.
func (c *chrome) waitPage(t *testing.T, what string, cond func(pageView) bool) pageView {
	t.Helper()
	for {
		var res struct {
			Result struct {
				Value *pageView `json:"value"`
			} `json:"result"`
			ExceptionDetails any `json:"exceptionDetails"`
		}
		err := c.call("Runtime.evaluate", map[string]any{"expression": pageViewJS, "returnByValue": true}, &res)
		if err != nil || res.ExceptionDetails != nil {
			t.Fatalf("reading the page: %v %v", err, res.ExceptionDetails)
		}
		if v := res.Result.Value; v != nil && cond(*v) {
			return *v
		}
		if time.Now().After(c.deadline.Add(-3 * time.Second)) {
			t.Fatalf("waited in vain for the page to show %s; last: %+v", what, res.Result.Value)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// imageVariety counts the distinct colours (at 4 bits a channel) in r of
// img and the standard deviation of their luma: a blank or flat area has
// few colours and a small deviation.
func imageVariety(img image.Image, r image.Rectangle) (colors int, lumaSD float64) {
	seen := map[[3]uint32]bool{}
	var n, sum, sumSq float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[[3]uint32{cr >> 12, cg >> 12, cb >> 12}] = true
			luma := (0.299*float64(cr) + 0.587*float64(cg) + 0.114*float64(cb)) / 257
			n++
			sum += luma
			sumSq += luma * luma
		}
	}
	if n == 0 {
		return 0, 0
	}
	mean := sum / n
	return len(seen), math.Sqrt(max(sumSq/n-mean*mean, 0))
}

// countChanged counts the pixels in r that differ between a and b.
func countChanged(a, b image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			if ar != br || ag != bg || ab != bb {
				n++
			}
		}
	}
	return n
}

// box is an element's bounding box in CSS pixels, relative to the viewport.
type box struct {
	X, Y, W, H float64
}

func (b box) right() float64  { return b.X + b.W }
func (b box) bottom() float64 { return b.Y + b.H }

// pageLayout is what TestE2EChromiumPageLayout reads of the page.
type pageLayout struct {
	Title       string `json:"title"`
	H1          string `json:"h1"`
	Markup      int    `json:"markup"` // elements inside <title> and <h1>: none, names are text
	InnerWidth  float64
	InnerHeight float64
	ScrollWidth float64 // of the document: more than InnerWidth scrolls sideways
	NW          int     `json:"nw"`  // natural width of the stream <img>'s picture
	Pic         box     `json:"pic"` // the stream <img>
	LAN         box     `json:"lan"` // the LAN cameras list (its section)
	Cards       []box   `json:"cards"`
}

const pageLayoutJS = `(() => {
	const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; };
	const img = document.getElementById("stream"), lan = document.getElementById("lan"), h1 = document.querySelector("h1");
	if (document.readyState !== "complete" || !img || !lan || !h1) return null;
	return {title: document.title, h1: h1.textContent, markup: document.querySelectorAll("title *, h1 *").length,
		innerWidth: innerWidth, innerHeight: innerHeight, scrollWidth: document.documentElement.scrollWidth,
		nw: img.naturalWidth, pic: box(img), lan: box(lan), cards: [...document.querySelectorAll("#peers .peer")].map(box)};
})()`

// TestE2EChromiumPageLayout opens a two-camera lancam with a hostile name
// in headless Chromium. Each camera's page is titled with that camera's
// name, as text. In a 1280x800 or 1280x600 window the LAN list (here the
// lancam's other camera) is a column beside the picture, its first card
// wholly on screen, and the picture fills the rest of the width as far as
// the window's height allows; in a 400x800 one (a phone) the list comes
// below the picture, which takes the whole width.
func TestE2EChromiumPageLayout(t *testing.T) {
	t.Parallel()
	bin := testenv.Tool(t, "chromium", "chromium-browser", "google-chrome")
	const name = `Garage <b>&"cam'</b>`
	l := startLancam(t, "-source", "test", "-source", "garage=test", "-size", "640x480", "-fps", "10", "-h264", "off", "-name", name)
	c := startChrome(t, bin)
	c.attachPage(t)

	read := func(what string, cond func(pageLayout) bool) pageLayout {
		t.Helper()
		var v *pageLayout
		for {
			v = nil
			c.eval(t, pageLayoutJS, &v)
			if v != nil && cond(*v) {
				return *v
			}
			if time.Now().After(c.deadline.Add(-3 * time.Second)) {
				t.Fatalf("waited in vain for the page to show %s; last: %+v", what, v)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	loaded := func(v pageLayout) bool { return v.NW > 0 && len(v.Cards) > 0 }

	c.navigate(t, l.url("/"))
	v := read("the title", func(v pageLayout) bool { return v.Title != "" })
	if v.Title != name+" test — lancam" {
		t.Errorf("the first camera's page is titled %q, want %q", v.Title, name+" test — lancam")
	}

	c.navigate(t, l.url("/cam/garage/"))
	v = read("a picture and the other camera in the list", loaded)
	if want := name + " garage — lancam"; v.Title != want || v.H1 != name+" garage" || v.Markup != 0 {
		t.Errorf("title %q, heading %q, %d elements in them; want %q, %q and none", v.Title, v.H1, v.Markup, want, name+" garage")
	}
	// 1280x800, and 1280x600 (a browser window on a 1280x720 screen),
	// where a 4:3 picture as wide as the space left would not fit.
	for _, size := range [][2]float64{{1280, 800}, {1280, 600}} {
		c.setViewport(t, int(size[0]), int(size[1]))
		v = read("the wide layout", func(v pageLayout) bool { return v.InnerHeight == size[1] && loaded(v) })
		at := fmt.Sprintf("%vx%v", size[0], size[1])
		c.screenshot(t, at+".png")
		if v.InnerWidth != size[0] {
			t.Fatalf("the viewport is %vx%v, want %s", v.InnerWidth, v.InnerHeight, at)
		}
		card := v.Cards[0]
		switch {
		case v.LAN.Y >= v.InnerHeight || card.bottom() > v.InnerHeight:
			t.Errorf("at %s the LAN list (%+v, first card %+v) is not on screen without scrolling", at, v.LAN, card)
		case v.Pic.X >= v.LAN.X || v.Pic.right() > v.LAN.X || v.LAN.Y > v.Pic.bottom():
			t.Errorf("at %s the picture %+v is not beside the LAN list %+v", at, v.Pic, v.LAN)
		case v.Pic.bottom() > v.InnerHeight || v.Pic.W < 0.6*v.InnerWidth:
			t.Errorf("at %s the picture %+v does not fill the space left of the list and fit the window", at, v.Pic)
		case v.ScrollWidth > v.InnerWidth:
			t.Errorf("at %s the page is %v px wide: it scrolls sideways", at, v.ScrollWidth)
		}
		t.Logf("%s: picture %+v, LAN list %+v, first card %+v", at, v.Pic, v.LAN, card)
	}

	c.setViewport(t, 400, 800)
	v = read("the phone layout", func(v pageLayout) bool { return v.InnerWidth == 400 && loaded(v) })
	c.screenshot(t, "400x800.png")
	if v.LAN.Y < v.Pic.bottom() || v.Pic.W < 0.9*v.InnerWidth || v.ScrollWidth > v.InnerWidth {
		t.Errorf("at 400x800 the LAN list %+v is not below the full-width picture %+v (page %v px wide)", v.LAN, v.Pic, v.ScrollWidth)
	}
	t.Logf("400x800: picture %+v, LAN list %+v", v.Pic, v.LAN)
}
