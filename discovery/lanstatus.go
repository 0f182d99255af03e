package discovery

import (
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// LANRetryInterval is how often a browser or announcer that found no LAN
// interface looks again (quietly): interfaces come up after lancam starts,
// as when a Raspberry Pi joins its Wi-Fi after boot.
const LANRetryInterval = 3 * time.Second

// Interface is a network interface as the LAN check sees it.
type Interface struct {
	Name  string
	Flags net.Flags
	Addrs []net.Addr
}

// InterfaceLister lists the machine's network interfaces with their
// addresses; SystemInterfaces is the real one, tests inject fakes.
type InterfaceLister func() ([]Interface, error)

// SystemInterfaces lists this machine's interfaces (net.Interfaces and
// each one's addresses).
func SystemInterfaces() ([]Interface, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]Interface, 0, len(ifaces))
	for _, ifc := range ifaces {
		addrs, _ := ifc.Addrs() // an interface gone meanwhile has none
		out = append(out, Interface{Name: ifc.Name, Flags: ifc.Flags, Addrs: addrs})
	}
	return out, nil
}

// LANStatus says whether mDNS has a network to work on: whether some
// interface other than loopback is up, multicast-capable and has an
// address. Without one, other lancams cannot find this one and it finds
// none.
type LANStatus struct {
	Up         bool
	Interfaces []string // the usable interfaces, sorted; nil when Up is false or unknown
}

// NoLANMessage is LANStatus.Message when no LAN interface is up.
const NoLANMessage = "No network interface other than loopback is up: other lancams cannot find this one."

// Message says the status in plain words, for /status and the window.
func (s LANStatus) Message() string {
	switch {
	case !s.Up:
		return NoLANMessage
	case len(s.Interfaces) == 1:
		return "Network interface up: " + s.Interfaces[0] + "."
	case len(s.Interfaces) > 1:
		return "Network interfaces up: " + strings.Join(s.Interfaces, ", ") + "."
	}
	return "Network interfaces could not be listed; discovery is tried anyway."
}

// CheckLAN lists the interfaces with list (nil: SystemInterfaces) and says
// whether one is usable for mDNS. A failure to list counts as up, with no
// interfaces named: discovery then tries, and says why if it fails.
func CheckLAN(list InterfaceLister) LANStatus {
	if list == nil {
		list = SystemInterfaces
	}
	ifaces, err := list()
	if err != nil {
		return LANStatus{Up: true}
	}
	var names []string
	for _, ifc := range ifaces {
		if lanUsable(ifc) && !slices.Contains(names, ifc.Name) {
			names = append(names, ifc.Name)
		}
	}
	slices.Sort(names)
	return LANStatus{Up: len(names) > 0, Interfaces: names}
}

// lanUsable: up, multicast-capable, not loopback, with an IP address.
func lanUsable(ifc Interface) bool {
	if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagMulticast == 0 || ifc.Flags&net.FlagLoopback != 0 {
		return false
	}
	for _, a := range ifc.Addrs {
		var ip net.IP
		switch v := a.(type) {
		case *net.IPNet:
			ip = v.IP
		case *net.IPAddr:
			ip = v.IP
		}
		if ip != nil && !ip.IsLoopback() && !ip.IsUnspecified() {
			return true
		}
	}
	return false
}

// lanWatch remembers the last LAN check and, when it has a logger, says
// each change once: "no LAN interface up" when that becomes true (also at
// the first check), and which interface came up when one does. A nil list
// means not watched: always up (the caller chose its interfaces).
type lanWatch struct {
	list InterfaceLister
	log  *slog.Logger // nil: quiet

	mu      sync.Mutex
	st      LANStatus
	checked bool
}

// check looks at the interfaces now; changed is true when Up flipped since
// the last check (not at the first one).
func (w *lanWatch) check() (st LANStatus, changed bool) {
	if w.list == nil {
		return LANStatus{Up: true}, false
	}
	st = CheckLAN(w.list)
	w.mu.Lock()
	prev, first := w.st, !w.checked
	w.st, w.checked = st, true
	w.mu.Unlock()
	changed = !first && prev.Up != st.Up
	if w.log != nil {
		switch {
		case !st.Up && (first || changed):
			w.log.Warn("discovery: no network interface other than loopback is up: other lancams cannot find this one, nor it them; discovery resumes by itself when one comes up")
		case st.Up && changed:
			names := strings.Join(st.Interfaces, ", ")
			if names == "" {
				names = "(the interfaces could not be listed; trying anyway)"
			}
			w.log.Info("discovery: LAN interface up again: " + names)
		}
	}
	return st, changed
}

// status is the last check's result, checking first if there was none.
func (w *lanWatch) status() LANStatus {
	if w.list == nil {
		return LANStatus{Up: true}
	}
	w.mu.Lock()
	st, ok := w.st, w.checked
	w.mu.Unlock()
	if !ok {
		st, _ = w.check()
	}
	st.Interfaces = slices.Clone(st.Interfaces)
	return st
}
