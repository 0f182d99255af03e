package main

// Capture-to-screen latency in a browser, read off the picture itself: the
// camera writes its clock into every frame as a row of black and white
// blocks, and the page reads them back from each frame it presents.

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"lancam/camera/tjpeg"
	"lancam/internal/testenv"
)

// The clock camera's picture and where its clock code sits. Every edge is
// on the 16-pixel grid of H.264 macroblocks (and JPEG's 8-pixel one), so
// each block is a few flat macroblocks and blur only reaches its rim.
const (
	clockW, clockH = 1280, 720
	clockBits      = 32  // 27 bits of ms since midnight UTC, 5 of check
	clockBlock     = 32  // px, a block's side
	clockX         = 128 // the first block's top-left corner
	clockRowY      = 48
	clockFPS       = 30
	msPerDay       = 86_400_000
)

// clockCameraEnv makes the test binary the camera of TestE2EWebRTCLatency:
// lancam runs it as -source exec:COMMAND with this variable set.
const clockCameraEnv = "LANCAM_E2E_CLOCK_CAMERA"

// runClockCameraIfAsked is the test binary as TestE2EWebRTCLatency's
// camera: TestMain calls it first, before building lancam (which takes
// seconds even from a warm cache, and an exec camera that shows no frame
// for 10 s is restarted by lancam). It reports whether it ran; lancam
// closing the pipe is how the camera is told to stop.
func runClockCameraIfAsked() bool {
	if os.Getenv(clockCameraEnv) == "" {
		return false
	}
	if err := runClockCamera(os.Stdout); err != nil && !errors.Is(err, syscall.EPIPE) {
		fmt.Fprintln(os.Stderr, "clock camera:", err)
		os.Exit(1)
	}
	return true
}

// TestE2EWebRTCLatency measures, in headless Chromium, how long a frame
// takes from capture to being shown: over WebRTC (H.264) and, for the
// README's comparison, over MJPEG. The camera (this test binary, as an
// exec source) stamps each 1280x720 30 fps frame with its capture time; the
// page reads the stamp back from every frame the <video> presents
// (requestVideoFrameCallback), or from the MJPEG <img> every 16 ms, and
// subtracts it from Date.now(): one machine, one clock. It proves that the
// page plays WebRTC at the camera's size, that the frames arrive whole
// enough to read the code from at least 90 % of them, and that latency is
// not grossly wrong (median under a second); the speed itself is for
// benchmarks to judge, so it is only logged.
func TestE2EWebRTCLatency(t *testing.T) {
	t.Parallel()
	bin := testenv.Tool(t, "chromium", "chromium-browser", "google-chrome")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// exec: splits its command as a shell would.
	if strings.Contains(exe, "'") {
		t.Fatalf("the test binary's path %q has a quote: it cannot be quoted for -source exec:", exe)
	}
	l := startLancamCmd(t, []string{lancamBin}, []string{clockCameraEnv + "=1"},
		"-source", "exec:'"+exe+"'", "-size", fmt.Sprintf("%dx%d", clockW, clockH), "-fps", fmt.Sprint(clockFPS))
	// Two measurements, each with a few seconds of start-up, in one
	// browser session.
	c := startChromeVia(t, nil, bin, 45*time.Second)
	c.attachPage(t)

	const measure = 3 * time.Second
	c.navigate(t, l.url("/"))
	// The page itself gives WebRTC 8 s to show a picture, then tries once more.
	waitPageTrue(t, c, 20*time.Second, "WebRTC playing 1280x720", `(() => {
		const v = document.getElementById("video");
		return document.body.dataset.mode === "webrtc" && v.videoWidth === 1280 && v.videoHeight === 720 &&
			!v.paused && v.readyState >= 2;
	})()`)
	rtc := measureClock(t, c, "webrtc", measure)
	var path struct {
		Pair     string  `json:"pair"`
		JitterMS float64 `json:"jitterMS"`
		DecodeMS float64 `json:"decodeMS"`
	}
	c.evalAwait(t, rtcPathJS, &path)
	st := getWebRTCStatus(t, l)
	encoder := "?"
	if len(st.Streams) > 0 && st.Streams[0].H264 != nil {
		encoder = st.Streams[0].H264.Encoder
	}
	camFPS := getStatus(t, l).Source.FPSMeasured

	c.navigate(t, l.url("/?mjpeg"))
	waitPageTrue(t, c, 10*time.Second, "MJPEG playing 1280x720", `document.body.dataset.mode === "mjpeg" &&
		document.getElementById("stream").naturalWidth === 1280`)
	mjpeg := measureClock(t, c, "mjpeg", measure)

	t.Logf("WebRTC (%s): %s, %d presented meanwhile; ICE %s; per frame %.1f ms in the jitter buffer and %.1f ms decoding (browser's averages)",
		encoder, rtc, rtc.Presented, path.Pair, path.JitterMS, path.DecodeMS)
	if len(rtc.Received) > 0 {
		t.Logf("WebRTC capture to last packet received: median %.0f ms", percentile(rtc.Received, 50))
	}
	t.Logf("MJPEG: %s", mjpeg)
	t.Logf("the clock camera ran at %.1f fps", camFPS)
	// How many frames the page gets to look at depends on how busy the
	// machine is (9-30 a second were seen with other tests running): ask
	// only for enough to make a median mean something.
	for _, m := range []clockResult{rtc, mjpeg} {
		if m.Frames < 10 {
			t.Errorf("%s: %d frames looked at in %v, want at least 10", m.Mode, m.Frames, measure)
			continue
		}
		if ok := float64(len(m.Latencies)) / float64(m.Frames); ok < 0.9 {
			t.Errorf("%s: the clock code read from %d of %d frames, want at least 90 %%", m.Mode, len(m.Latencies), m.Frames)
		}
		if med := percentile(m.Latencies, 50); len(m.Latencies) > 0 && med >= 1000 {
			t.Errorf("%s: median latency %.0f ms, want under 1 s", m.Mode, med)
		}
	}
}

// clockResult is one measurement in the page.
type clockResult struct {
	Mode      string    `json:"mode"`
	Frames    int       `json:"frames"`    // frames looked at (MJPEG: new frames, plus unreadable reads)
	Latencies []float64 `json:"latencies"` // ms from capture to shown, one per frame read
	Received  []float64 `json:"received"`  // WebRTC: ms from capture to the frame's last packet
	Seconds   float64   `json:"seconds"`
	Presented int       `json:"presented"` // WebRTC: frames the <video> presented meanwhile (some without a callback)
}

func (r clockResult) String() string {
	if len(r.Latencies) == 0 {
		return fmt.Sprintf("no readable frame among %d", r.Frames)
	}
	return fmt.Sprintf("latency median %.0f ms, p95 %.0f ms, max %.0f ms over %d frames (%.1f/s; code read from %d)",
		percentile(r.Latencies, 50), percentile(r.Latencies, 95), slices.Max(r.Latencies),
		r.Frames, float64(r.Frames)/r.Seconds, len(r.Latencies))
}

// percentile is the p-th percentile (nearest rank) of xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(float64(len(s))*p/100)) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// measureClock runs clockMeasureJS in the page for d.
func measureClock(t *testing.T, c *chrome, mode string, d time.Duration) clockResult {
	t.Helper()
	params, _ := json.Marshal(map[string]any{"mode": mode, "ms": d.Milliseconds(), "x": clockX, "y": clockRowY,
		"bits": clockBits, "block": clockBlock, "day": msPerDay})
	var r clockResult
	c.evalAwait(t, "("+clockMeasureJS+")("+string(params)+")", &r)
	r.Mode = mode
	return r
}

// clockMeasureJS reads the clock code from what the page shows for p.ms
// milliseconds and returns a clockResult. A block counts when the middle
// half of it is clearly black or white (mean below 64 or above 192 of
// 255), and the code when all 32 blocks count and the check matches: a
// picture torn between two frames or smeared by the encoder is not read
// as a wrong time. The canvas copies only the code's row, so reading costs
// the browser little next to decoding.
const clockMeasureJS = `async (p) => {
	const el = document.getElementById(p.mode === "webrtc" ? "video" : "stream");
	const w = p.bits * p.block, q = p.block / 4;
	const canvas = document.createElement("canvas");
	canvas.width = w;
	canvas.height = p.block;
	const ctx = canvas.getContext("2d", { willReadFrequently: true });
	const read = () => {
		ctx.drawImage(el, p.x, p.y, w, p.block, 0, 0, w, p.block);
		const px = ctx.getImageData(0, 0, w, p.block).data;
		let value = 0;
		for (let i = 0; i < p.bits; i++) {
			let sum = 0, n = 0;
			for (let y = q; y < p.block - q; y++) {
				for (let x = i * p.block + q; x < (i + 1) * p.block - q; x++) {
					const o = (y * w + x) * 4;
					sum += px[o] + px[o + 1] + px[o + 2];
					n += 3;
				}
			}
			const mean = sum / n;
			if (mean > 64 && mean < 192) return -1;
			if (mean >= 192) value += 2 ** i;
		}
		const ms = value % 2 ** 27, check = Math.floor(value / 2 ** 27);
		return ms < p.day && ms % 31 === check ? ms : -1;
	};
	// Both clocks are ms of the UTC day: the difference wraps at midnight.
	const since = (ms, at) => ((at % p.day) - ms + p.day) % p.day;
	const out = { frames: 0, latencies: [], received: [] };
	const t0 = performance.now();
	await new Promise((resolve) => {
		// A page that shows nothing must not hang the test: give up a bit
		// after the measuring time.
		const giveUp = setTimeout(resolve, p.ms + 3000);
		const done = () => { clearTimeout(giveUp); resolve(); };
		if (p.mode === "webrtc") {
			const onFrame = (now, meta) => {
				const at = Date.now();
				out.frames++;
				if (out.firstPresented === undefined) out.firstPresented = meta.presentedFrames;
				out.presented = meta.presentedFrames - out.firstPresented + 1;
				const ms = read();
				if (ms >= 0) {
					out.latencies.push(since(ms, at));
					if (meta.receiveTime) out.received.push(since(ms, performance.timeOrigin + meta.receiveTime));
				}
				if (performance.now() - t0 < p.ms) el.requestVideoFrameCallback(onFrame); else done();
			};
			el.requestVideoFrameCallback(onFrame);
		} else {
			// An <img> playing MJPEG tells nobody when it shows a new
			// frame: look every 16 ms (about one display refresh), and
			// count a frame when the time in it changes. This adds up to
			// 16 ms (8 on average) to MJPEG's latency.
			let last = -1;
			const timer = setInterval(() => {
				const at = Date.now();
				const ms = read();
				if (ms < 0) out.frames++;
				else if (ms !== last) {
					last = ms;
					out.frames++;
					out.latencies.push(since(ms, at));
				}
				if (performance.now() - t0 >= p.ms) { clearInterval(timer); done(); }
			}, 16);
		}
	});
	out.seconds = (performance.now() - t0) / 1000;
	return out;
}`

// rtcPathJS describes the page's WebRTC connection from getStats: the ICE
// candidate pair in use, and the browser's mean time per frame in the
// jitter buffer and decoding.
const rtcPathJS = `(async () => {
	const out = { pair: "none", jitterMS: 0, decodeMS: 0 };
	if (typeof rtc === "undefined" || !rtc || !rtc.pc) return out;
	const stats = await rtc.pc.getStats();
	stats.forEach((s) => {
		if (s.type === "transport" && s.selectedCandidatePairId) {
			const pair = stats.get(s.selectedCandidatePairId);
			const l = stats.get(pair.localCandidateId), r = stats.get(pair.remoteCandidateId);
			out.pair = (l.address || "a hidden (mDNS) address") + " (" + l.candidateType + ") to " + r.address + ":" + r.port + " (" + r.candidateType + ")";
		}
		if (s.type === "inbound-rtp" && s.kind === "video") {
			out.jitterMS = 1000 * (s.jitterBufferDelay || 0) / (s.jitterBufferEmittedCount || 1);
			out.decodeMS = 1000 * (s.totalDecodeTime || 0) / (s.framesDecoded || 1);
		}
	});
	return out;
})()`

// waitPageTrue polls a JavaScript expression until it is true. While a
// page loads, its elements are missing: an exception counts as false.
func waitPageTrue(t *testing.T, c *chrome, timeout time.Duration, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	guarded := func(expr string) string {
		return "(() => { try { return " + expr + "; } catch (e) { return null; } })()"
	}
	for {
		var ok *bool
		c.eval(t, guarded(expr), &ok)
		if ok != nil && *ok {
			return
		}
		if time.Now().After(deadline) {
			var mode *string
			c.eval(t, guarded(`document.body.dataset.mode + ": " + document.getElementById("mode").textContent`), &mode)
			plays := "nothing yet"
			if mode != nil {
				plays = *mode
			}
			t.Fatalf("waited %v in vain for the page to show %s; it plays %s", timeout, what, plays)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runClockCamera writes 1280x720 JPEG frames to w at 30 fps until a write
// fails. Each frame carries its capture time in the clock code, on a
// static textured background with a box sweeping across, so that the H.264
// encoder has motion to encode as a real camera would give it. Only what
// changes is redrawn, and TurboJPEG encodes, so this camera costs little
// CPU even in a race-detector build.
func runClockCamera(w io.Writer) error {
	enc, err := tjpeg.NewEncoder()
	if err != nil {
		return err
	}
	defer enc.Close()
	bg := image.NewRGBA(image.Rect(0, 0, clockW, clockH))
	for y := range clockH {
		for x := range clockW {
			bg.SetRGBA(x, y, color.RGBA{uint8(x / 5), uint8(y / 3), uint8((x ^ y) & 0x7f), 255})
		}
	}
	// The code's surround: a black band with a white frame inside, 16 px
	// each, so the blocks' edges meet known colours whatever moves nearby.
	code := image.Rect(clockX, clockRowY, clockX+clockBits*clockBlock, clockRowY+clockBlock)
	fillRect(bg, code.Inset(-32), color.RGBA{A: 255})
	fillRect(bg, code.Inset(-16), color.RGBA{255, 255, 255, 255})
	img := image.NewRGBA(bg.Rect)
	copy(img.Pix, bg.Pix)

	box := image.Rect(0, 320, 192, 512)
	var buf []byte
	tick := time.NewTicker(time.Second / clockFPS)
	defer tick.Stop()
	for range tick.C {
		copyRect(img, bg, box)
		box = box.Add(image.Pt(12, 0))
		if box.Min.X >= clockW {
			box = box.Sub(image.Pt(box.Min.X+box.Dx(), 0))
		}
		fillRect(img, box, color.RGBA{250, 200, 40, 255})

		// The time as late as possible, so that the latency measured
		// includes JPEG encoding, as a real camera's would. The check,
		// the time mod 31, catches any single wrong block.
		ms := uint32(time.Now().UnixMilli() % msPerDay)
		value := ms | (ms%31)<<27
		for i := range clockBits {
			c := color.RGBA{A: 255}
			if value&(1<<i) != 0 {
				c = color.RGBA{255, 255, 255, 255}
			}
			fillRect(img, image.Rect(clockX+i*clockBlock, clockRowY, clockX+(i+1)*clockBlock, clockRowY+clockBlock), c)
		}
		if buf, err = enc.EncodeRGBA(buf[:0], img, tjpeg.Subsamp420, 85); err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// fillRect paints r (clipped to img) in c, a row at a time.
func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	if r.Empty() {
		return
	}
	row := make([]byte, 4*r.Dx())
	for i := 0; i < len(row); i += 4 {
		row[i], row[i+1], row[i+2], row[i+3] = c.R, c.G, c.B, c.A
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(img.Pix[img.PixOffset(r.Min.X, y):], row)
	}
}

// copyRect copies r (clipped) from src to dst, which have the same bounds.
func copyRect(dst, src *image.RGBA, r image.Rectangle) {
	r = r.Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := dst.PixOffset(r.Min.X, y)
		copy(dst.Pix[o:o+4*r.Dx()], src.Pix[o:])
	}
}
