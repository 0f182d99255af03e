package main

import (
	"net"
	"slices"

	"lancam/discovery"
)

// ownIDs are the ids our cameras announce now.
func (l *lan) ownIDs() (ids []string, port int) {
	l.mu.Lock()
	port = l.port
	l.mu.Unlock()
	for i, c := range l.cfg.Cameras {
		ids = append(ids, l.ident.CameraID(port, i, c.Name))
	}
	return ids, port
}

// isSelf says whether an answer is one of our own cameras: one of our ids,
// from our port, at an address of this machine. An answer with our id but
// from elsewhere is a copy of this installation (seen handles it).
// Our retired ids count too: answers with them may still be on their way.
func (l *lan) isSelf(p discovery.Peer) bool {
	ids, port := l.ownIDs()
	l.mu.Lock()
	retired := slices.Contains(l.retired, p.ID)
	l.mu.Unlock()
	return (retired || slices.Contains(ids, p.ID)) && p.Port == port && hasLocalAddr(p.Addrs)
}

// seen notices another machine (or another lancam on this one) announcing
// one of our ids: the id files were copied, e.g. SD cards cloned with their
// machine id. Each copy that notices takes a fresh id, so the cameras
// become distinct without anyone doing anything.
func (l *lan) seen(p discovery.Peer) {
	ids, _ := l.ownIDs()
	if !slices.Contains(ids, p.ID) {
		return
	}
	l.log.Warn("discovery: another lancam announces our id (copied config or cloned SD card); taking a new id",
		"id", p.ID, "other", p.URL(), "other_host", p.Host)
	l.mu.Lock()
	l.retired = append(l.retired, ids...)
	l.mu.Unlock()
	l.ident.Renew()
	l.refresh("a new id")
}

// hasLocalAddr says whether any of addrs belongs to this machine.
func hasLocalAddr(addrs []net.IP) bool {
	local, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range local {
		if n, ok := a.(*net.IPNet); ok && slices.ContainsFunc(addrs, n.IP.Equal) {
			return true
		}
	}
	return false
}

// interfaceWith finds the interface that carries ip.
func interfaceWith(ip net.IP) (*net.Interface, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifaces {
		addrs, _ := ifaces[i].Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
				return &ifaces[i], nil
			}
		}
	}
	return nil, &net.AddrError{Err: "no interface has this address", Addr: ip.String()}
}
