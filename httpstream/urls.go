package httpstream

import (
	"net"
	"os"
	"strings"
)

// PageURLs lists the addresses people can type to reach the page of a
// server listening on addr: the .local name (mDNS) and each LAN IPv4
// address when listening on all interfaces, else just the address given.
func PageURLs(addr string) []string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(host)
	if host != "" && (ip == nil || !ip.IsUnspecified()) {
		return []string{"http://" + net.JoinHostPort(host, port) + "/"}
	}
	var urls []string
	if h, err := os.Hostname(); err == nil && h != "" {
		urls = append(urls, "http://"+net.JoinHostPort(strings.ToLower(h)+".local", port)+"/")
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			urls = append(urls, "http://"+net.JoinHostPort(n.IP.String(), port)+"/")
		}
	}
	if len(urls) == 0 {
		urls = append(urls, "http://"+net.JoinHostPort("localhost", port)+"/")
	}
	return urls
}
