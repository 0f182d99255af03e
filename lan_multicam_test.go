//go:build lan

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lancam/discovery"
	"lancam/internal/testenv"
)

const (
	// The limit for copies of one installation to become distinct
	// peers, counted from all of them answering HTTP.
	clonesApartWithin = 5 * time.Second
	// What lancam logs when it takes a new id because another announces its id.
	renewLog = "another lancam announces our id"
)

// lanNode is one lancam of a test's LAN and how the others must list it.
type lanNode struct {
	host string // lab host, hostname and display name
	addr string // its one address
	port int
	l    *labLancam
}

// startNodes starts every node at once with config folder configs[i], as
// machines booting together do: that is when copies race.
func startNodes(t *testing.T, lab *netLab, nodes []lanNode, configs []string) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			nodes[i].l = lab.startLancamOn(nodes[i].host, configs[i], nodes[i].port, "-source", "test", "-size", "640x360", "-fps", "15")
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// checkMesh says why the nodes' /peers documents are not what the issue
// asks for, or nil: distinct ids, and each lancam lists every other one
// exactly once by its current id, name, port and single address, and never
// itself.
func checkMesh(nodes []lanNode, docs []peersDoc) error {
	selves := make([]string, len(docs))
	for i, d := range docs {
		selves[i] = d.Self.ID
	}
	if s := slices.Sorted(slices.Values(selves)); len(slices.Compact(s)) != len(selves) {
		return fmt.Errorf("ids not distinct: %q", selves)
	}
	for i, d := range docs {
		others := slices.Concat(selves[:i], selves[i+1:])
		sort.Strings(others)
		if got := peerIDs(d); !slices.Equal(got, others) {
			return fmt.Errorf("%s lists %q, want the others' %q", nodes[i].l.addr, got, others)
		}
		for _, p := range d.Peers {
			n := nodes[slices.Index(selves, p.ID)]
			if p.Name != n.host || p.Host != n.host+".local" || p.Port != n.port || !slices.Equal(p.Addrs, []string{n.addr}) ||
				p.Stream != fmt.Sprintf("http://%s:%d/stream.mjpg", n.addr, n.port) {
				return fmt.Errorf("%s lists %s as %+v", nodes[i].l.addr, n.l.addr, p)
			}
		}
	}
	return nil
}

// meshDocs reads every node's /peers.
func meshDocs(nodes []lanNode) (docs []peersDoc, err error) {
	docs = make([]peersDoc, len(nodes))
	for i := 0; err == nil && i < len(nodes); i++ {
		docs[i], err = nodes[i].l.peers()
	}
	return docs, err
}

// waitMesh polls until checkMesh holds and returns the documents and how
// long that took; it fails the test after limit.
func waitMesh(t *testing.T, nodes []lanNode, limit time.Duration) ([]peersDoc, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		docs, err := meshDocs(nodes)
		if err == nil {
			if err = checkMesh(nodes, docs); err == nil {
				return docs, time.Since(start)
			}
		}
		if time.Since(start) > limit {
			t.Fatalf("the lancams did not all list each other within %v: %v", limit, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// holdMesh fails the test unless the mesh stays as it is, with the same
// ids, for d: long enough for stale answers, the status checks of quiet
// peers and a late id conflict to show.
func holdMesh(t *testing.T, nodes []lanNode, want []peersDoc, d time.Duration) {
	t.Helper()
	for until := time.Now().Add(d); time.Now().Before(until); time.Sleep(100 * time.Millisecond) {
		docs, err := meshDocs(nodes)
		if err == nil {
			err = checkMesh(nodes, docs)
		}
		for i := 0; err == nil && i < len(docs); i++ {
			if docs[i].Self.ID != want[i].Self.ID {
				err = fmt.Errorf("%s changed its id from %s to %s", nodes[i].l.addr, want[i].Self.ID, docs[i].Self.ID)
			}
		}
		if err != nil {
			t.Fatalf("the list did not hold: %v", err)
		}
	}
}

// readID reads an id file (lancam/id, lancam/id-port) of a config folder.
func readID(t *testing.T, config, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(config, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestLANSharedConfig: two lancams sharing one config folder on one
// machine (ports 8080 and 8081) and a third on another machine are three
// peers, each listed once by the others with its own port and address,
// none renewing its id: sharing a folder is not a copy.
func TestLANSharedConfig(t *testing.T) {
	t.Parallel()
	lab := newNetLab(t)
	pi, desk := lab.addHost("pi", 1), lab.addHost("desk", 2)
	shared := labConfigDir(t, "pi")
	nodes := []lanNode{{host: "pi", addr: pi, port: 8080}, {host: "pi", addr: pi, port: 8081}, {host: "desk", addr: desk, port: 8080}}
	startNodes(t, lab, nodes, []string{shared, shared, labConfigDir(t, "desk")})
	docs, took := waitMesh(t, nodes, seenWithin)
	t.Logf("all three listed each other %v after all answered", took.Round(time.Millisecond))

	// Whichever pi lancam claimed the folder first announces its id, the
	// other one an id derived from it.
	id, port := readID(t, shared, installIDFile), readID(t, shared, idPortFile)
	for i, n := range nodes[:2] {
		if owns := fmt.Sprint(n.port) == port; owns != (docs[i].Self.ID == id) {
			t.Errorf("%s announces %s; the folder holds id %s for port %s", n.l.addr, docs[i].Self.ID, id, port)
		}
	}
	holdMesh(t, nodes, docs, discovery.DefaultStaleAfter+discovery.DefaultRoundInterval)
	for _, n := range nodes {
		if strings.Contains(n.l.stderr.String(), renewLog) {
			t.Errorf("%s took a new id though nobody copied it:\n%s", n.l.addr, n.l.stderr.String())
		}
	}
}

// TestLANClonedConfig: three Pis set up from one SD card image made after
// lancam's first run (one id, bound to the same machine id and port) sort
// themselves out: within 5 s of all answering each lists exactly the two
// others under distinct ids, stored on disk, and kept across a restart.
func TestLANClonedConfig(t *testing.T) {
	t.Parallel()
	lab := newNetLab(t)
	hosts := []string{"cam-a", "cam-b", "cam-c"}
	nodes := make([]lanNode, len(hosts))
	for i, h := range hosts {
		nodes[i] = lanNode{host: h, addr: lab.addHost(h, i+1), port: 8080}
	}
	// The image: a first run writes the id files; without mDNS, so that
	// nothing on the LAN remembers it.
	image := labConfigDir(t, "image")
	lab.startLancam("cam-a", image, "-no-mdns").kill(syscall.SIGTERM)
	orig := readID(t, image, installIDFile)
	readID(t, image, idMachineFile) // a clone carries the binding to this machine: no escape through it
	if p := readID(t, image, idPortFile); p != "8080" {
		t.Fatalf("the image's id is bound to port %q, want 8080", p)
	}
	configs := make([]string, len(hosts))
	for i, h := range hosts {
		configs[i] = labConfigDir(t, h)
		if err := os.CopyFS(configs[i], os.DirFS(image)); err != nil {
			t.Fatal(err)
		}
	}

	startNodes(t, lab, nodes, configs)
	docs, took := waitMesh(t, nodes, clonesApartWithin)
	t.Logf("the clones listed each other under distinct ids %v after all answered", took.Round(time.Millisecond))
	renewed, changed := 0, 0
	for i, n := range nodes {
		if strings.Contains(n.l.stderr.String(), renewLog) {
			renewed++
		}
		id := readID(t, configs[i], installIDFile)
		if id != docs[i].Self.ID {
			t.Errorf("%s announces %s but stores %s", n.host, docs[i].Self.ID, id)
		}
		if id != orig {
			changed++
		}
	}
	// Distinct ids leave at most one clone with the image's id.
	if renewed == 0 || changed < len(nodes)-1 {
		t.Errorf("%d lancams logged %q, %d of %d id files differ from the image's", renewed, renewLog, changed, len(nodes))
	}
	holdMesh(t, nodes, docs, discovery.DefaultStaleAfter+discovery.DefaultRoundInterval)

	// A restart keeps the new id: the files were rewritten consistently.
	nodes[1].l.kill(syscall.SIGTERM)
	nodes[1].l = lab.startLancam("cam-b", configs[1])
	if again, _ := waitMesh(t, nodes, seenWithin); again[1].Self.ID != docs[1].Self.ID || strings.Contains(nodes[1].l.stderr.String(), renewLog) {
		t.Errorf("cam-b came back as %s, want its %s unchanged:\n%s", again[1].Self.ID, docs[1].Self.ID, nodes[1].l.stderr.String())
	}
}

// TestLANMultiCamera: one lancam serving the test pattern and a folder of
// JPEGs is two cameras on the LAN. avahi resolves two _lancam._tcp
// services with their own ids, names and paths; another lancam lists both
// as peers, never counting them as itself; both streams play in ffprobe
// from that other machine at their own sizes.
func TestLANMultiCamera(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "avahi-browse")
	testenv.Tool(t, "nsenter")
	testenv.Tool(t, "ffprobe")
	ffmpeg := testenv.Tool(t, "ffmpeg")
	frames := filepath.Join(t.TempDir(), "porch")
	if err := os.Mkdir(frames, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runTool(t, ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5",
		"-frames:v", "5", filepath.Join(frames, "f%03d.jpg")); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr)
	}
	lab := newNetLab(t)
	lab.addHost("pi", 1)
	lab.addHost("viewer", 2)
	av := lab.startAvahi("pi") // the Pi's own avahi, as on Raspberry Pi OS
	pi := lab.startLancamOn("pi", labConfigDir(t, "pi"), 8080, "-source", "test", "-source", "dir:"+frames, "-size", "640x360", "-fps", "15")
	viewer := lab.startLancam("viewer", labConfigDir(t, "viewer"))
	var st struct {
		ID      string `json:"id"`
		Streams []struct{ Name, ID string }
	}
	if err := pi.getJSON("/status", &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Streams) != 2 || st.Streams[0].ID == st.Streams[1].ID || st.ID != st.Streams[0].ID {
		t.Fatalf("/status: %+v, want two streams with distinct ids, the first one's at the top", st)
	}
	ids := []string{st.Streams[0].ID, st.Streams[1].ID}
	sort.Strings(ids)
	d, took := waitPeers(t, viewer, seenWithin, "both cameras of pi", func(d peersDoc) bool { return slices.Equal(peerIDs(d), ids) })
	t.Logf("the viewer listed both cameras %v after both lancams answered", took.Round(time.Millisecond))
	vd, _ := viewer.peers()
	waitPeers(t, pi, seenWithin, "only the viewer", func(d peersDoc) bool { return slices.Equal(peerIDs(d), []string{vd.Self.ID}) })

	cams := []struct {
		name, stream, snapshot, page, whep string
		w, h                               int
	}{
		{"test", "/stream.mjpg", "/snapshot.jpg", "/", "/whep", 640, 360},
		{"porch", "/cam/porch/stream.mjpg", "/cam/porch/snapshot.jpg", "/cam/porch/", "/cam/porch/whep", 320, 240},
	}
	for i, c := range cams {
		t.Run(c.name, func(t *testing.T) {
			id, title, size := st.Streams[i].ID, "pi "+c.name, fmt.Sprintf("%dx%d", c.w, c.h)
			if st.Streams[i].Name != c.name {
				t.Errorf("/status stream %d is %q, want %q", i, st.Streams[i].Name, c.name)
			}
			svc := av.waitBrowse(t, "_lancam._tcp", title, func(s avahiService) bool { return slices.Contains(s.TXT, "id="+id) })
			if svc.Addr != "10.99.0.1" || svc.Port != 8080 || !strings.HasPrefix(svc.Name, title+" (") {
				t.Errorf("avahi resolved %+v, want 10.99.0.1:8080 named %s (id)", svc, title)
			}
			for _, kv := range []string{"name=" + title, "cam=" + c.name, "path=" + c.stream, "snapshot=" + c.snapshot, "size=" + size, "webrtc=" + c.whep} {
				if !slices.Contains(svc.TXT, kv) {
					t.Errorf("TXT %q lacks %q", svc.TXT, kv)
				}
			}
			page := av.waitBrowse(t, "_http._tcp", title+"'s page", func(s avahiService) bool { return s.Name == svc.Name })
			if !slices.Equal(page.TXT, []string{"path=" + c.page}) {
				t.Errorf("avahi resolved the page as %+v, want TXT path=%s", page, c.page)
			}

			p, base := d.Peers[slices.IndexFunc(d.Peers, func(p peerDoc) bool { return p.ID == id })], "http://10.99.0.1:8080"
			if p.Camera != c.name || p.Name != title || !slices.Equal(p.Addrs, []string{"10.99.0.1"}) || p.Size != size ||
				p.Stream != base+c.stream || p.Snapshot != base+c.snapshot || p.URL != base+c.page {
				t.Errorf("the viewer lists %s as %+v", title, p)
			}
			out, err := lab.run("viewer", toolTimeout, "ffprobe", "-v", "error", "-select_streams", "v:0",
				"-show_entries", "stream=codec_name,width,height", "-of", "json", p.Stream)
			var probe probeResult
			if err == nil {
				err = json.Unmarshal(out, &probe)
			}
			if err != nil || len(probe.Streams) != 1 || probe.Streams[0].CodecName != "mjpeg" || probe.Streams[0].Width != c.w || probe.Streams[0].Height != c.h {
				t.Errorf("ffprobe %s: %v %s, want one mjpeg stream %s", p.Stream, err, out, size)
			}
		})
	}
}
