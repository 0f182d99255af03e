package main

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"lancam/internal/atomicfile"
)

// The files beside the id that tie it to one machine and one port. An id
// file alone cannot tell an installation from its copy: SD cards are cloned
// to set up several Pis, and two lancams may share one home folder.
const (
	// idMachineFile holds a hash of the machine id the stored id was made
	// on; a different machine id means the files were copied.
	idMachineFile = "lancam/id-machine"
	// idPortFile holds the port whose first camera announces the stored id
	// itself; other ports and cameras announce ids derived from it.
	idPortFile = "lancam/id-port"
)

// defaultMachineIDFiles are where systemd and D-Bus keep the machine id.
var defaultMachineIDFiles = []string{"/etc/machine-id", "/var/lib/dbus/machine-id"}

// identityConfig configures loadIdentity.
type identityConfig struct {
	ConfigDir      string   // the user's config folder; "" keeps ids for this run only
	MachineIDFiles []string // nil: /etc/machine-id, then /var/lib/dbus/machine-id
	Logger         *slog.Logger
}

// installIdentity gives every camera this process serves an id of its own
// that is stable across restarts and distinct from every other lancam's:
// the stored installation id for the first camera on the installation's
// port, and for every other port and camera a hash of the stored id, the
// port and the camera's name. It replaces the stored id when the files
// turn out to be a copy (another machine id, or another lancam on the LAN
// announcing one of our ids: a card cloned with its machine id).
type installIdentity struct {
	dir     string // config folder, "" when nothing is stored
	machine string // hash of the machine id, "" when there is none
	log     *slog.Logger

	mu       sync.Mutex
	base     string
	homePort int // 0 until the first announcement binds it
}

// loadIdentity reads (or makes) the stored id and checks that it was made
// on this machine. An unusable config folder costs only recognisability
// across restarts, so it is a warning, not an error.
func loadIdentity(cfg identityConfig) *installIdentity {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	files := cfg.MachineIDFiles
	if files == nil {
		files = defaultMachineIDFiles
	}
	x := &installIdentity{dir: cfg.ConfigDir, machine: machineHash(files), log: log}
	if x.dir == "" {
		x.base = randomID()
		return x
	}
	base, err := loadInstallID(x.dir)
	if err != nil {
		log.Warn("discovery: no stable id, using one for this run only", "err", err)
		x.dir, x.base = "", randomID()
		return x
	}
	x.base = base
	if x.machine == "" {
		return x
	}
	stored, err := createOrRead(filepath.Join(x.dir, idMachineFile), x.machine)
	switch {
	case err != nil:
		log.Warn("discovery: cannot record the machine the id belongs to", "err", err)
	case stored != x.machine:
		log.Warn("discovery: the lancam id was made on another machine (copied config or cloned SD card); taking a new one",
			"file", filepath.Join(x.dir, installIDFile))
		x.renewLocked()
	}
	if p, err := os.ReadFile(filepath.Join(x.dir, idPortFile)); err == nil {
		x.homePort, _ = strconv.Atoi(strings.TrimSpace(string(p)))
	}
	return x
}

// CameraID is the id announced for camera index (named key) of a server on
// port. The first camera on the installation's port keeps the stored id,
// so other lancams' remembered passwords keep working across upgrades.
func (x *installIdentity) CameraID(port, index int, key string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if port > 0 && x.homePort == 0 {
		x.bindPortLocked(port)
	}
	if index == 0 && (port == x.homePort || port == 0) {
		return x.base
	}
	if index == 0 {
		key = "" // the first camera's id should not change with its source
	}
	sum := sha256.Sum256([]byte(x.base + "|" + strconv.Itoa(port) + "|" + key))
	return hex.EncodeToString(sum[:8])
}

// Renew replaces the stored id after another lancam was seen announcing
// one of ours: both are copies of one installation, and each side taking a
// fresh random id makes them two.
func (x *installIdentity) Renew() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.renewLocked()
}

func (x *installIdentity) renewLocked() {
	x.base, x.homePort = randomID(), 0
	if x.dir == "" {
		return
	}
	if err := atomicfile.Replace(filepath.Join(x.dir, installIDFile), []byte(x.base+"\n")); err != nil {
		x.log.Warn("discovery: cannot store the new id; it lasts for this run only", "err", err)
		return
	}
	os.Remove(filepath.Join(x.dir, idPortFile))
	if x.machine != "" {
		if err := atomicfile.Replace(filepath.Join(x.dir, idMachineFile), []byte(x.machine+"\n")); err != nil {
			x.log.Warn("discovery: cannot record the machine the id belongs to", "err", err)
		}
	}
}

// bindPortLocked makes port the installation's port, unless another
// lancam sharing the config folder claimed one first.
func (x *installIdentity) bindPortLocked(port int) {
	x.homePort = port
	if x.dir == "" {
		return
	}
	got, err := createOrRead(filepath.Join(x.dir, idPortFile), strconv.Itoa(port))
	if err != nil {
		x.log.Warn("discovery: cannot record the port the id belongs to", "err", err)
		return
	}
	if p, err := strconv.Atoi(got); err == nil {
		x.homePort = p
	}
}

// machineHash is a hash of the first readable machine id (the id itself is
// meant to stay on the machine), or "" when there is none.
func machineHash(files []string) string {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if id := strings.TrimSpace(string(b)); err == nil && id != "" && id != "uninitialized" {
			sum := sha256.Sum256([]byte("lancam machine " + id))
			return hex.EncodeToString(sum[:8])
		}
	}
	return ""
}

// createOrRead stores value in path unless the file exists, and returns
// the file's content, trimmed (see atomicfile.CreateOnce).
func createOrRead(path, value string) (string, error) {
	b, err := atomicfile.CreateOnce(path, []byte(value+"\n"))
	return strings.TrimSpace(string(b)), err
}
