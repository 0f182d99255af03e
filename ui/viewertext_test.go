package ui

import (
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"lancam/httpstream"
)

func TestStateText(t *testing.T) {
	// A real refused connection: a port that was just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, refused := http.Get("http://" + addr + "/stream.mjpg")
	if refused == nil {
		t.Fatal("a closed port answered")
	}
	retry := func(err error, d time.Duration) error { return &httpstream.RetryError{Err: err, Wait: d} }
	for _, c := range []struct {
		s    httpstream.ClientState
		err  error
		want string
	}{
		{httpstream.ClientPlaying, nil, ""},
		{httpstream.ClientConnecting, nil, "Connecting to Kitchen…"},
		{httpstream.ClientReconnecting, retry(refused, 2*time.Second), "Kitchen is not answering — retrying every 2 s"},
		{httpstream.ClientReconnecting, retry(refused, 500*time.Millisecond), "Kitchen is not answering — retrying every 0.5 s"},
		{httpstream.ClientReconnecting, retry(&net.DNSError{Err: "no such host", Name: "kitchen.local", IsNotFound: true}, 10*time.Second),
			"Kitchen cannot be found on the network — retrying every 10 s"},
		{httpstream.ClientReconnecting, retry(fmt.Errorf("%w for 5s", httpstream.ErrStalled), time.Second), "Kitchen stopped sending pictures — retrying every 1 s"},
		{httpstream.ClientReconnecting, retry(&httpstream.HTTPStatusError{Code: 503, Status: "503 Service Unavailable"}, time.Second), "Kitchen is switched off — retrying every 1 s"},
		{httpstream.ClientReconnecting, retry(&httpstream.HTTPStatusError{Code: 500, Status: "500 <b>oops</b>\x1b[2J"}, time.Second), "Kitchen answered 500 <b>oops</b>[2J — retrying every 1 s"},
		{httpstream.ClientReconnecting, nil, "Kitchen lost the connection — retrying"},
		{httpstream.ClientStopped, nil, "Stopped"},
	} {
		if got := stateText("Kitchen", c.s, c.err); got != c.want {
			t.Errorf("stateText(%v, %v) = %q, want %q", c.s, c.err, got, c.want)
		}
	}
}
