// Package tinywindow dials TCP connections with a 4 KB receive buffer, for
// tests of clients that never read: the server's writes then block after a
// few frames instead of after the megabytes Linux would otherwise buffer,
// so its write timeouts and drops start at once.
package tinywindow

import (
	"context"
	"net"
	"syscall"
)

// Dial connects to addr over TCP with SO_RCVBUF set to 4096 before the
// handshake (it must be, for the window the peer sees to be small).
func Dial(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return d.DialContext(ctx, "tcp", addr)
}
