package ui

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"lancam/httpstream"
)

// stateText is what a viewer called title says while it has no live
// picture: in words, with how often it tries again, never a Go error
// (`Get "http://…": dial tcp …: connection refused`).
func stateText(title string, s httpstream.ClientState, err error) string {
	switch s {
	case httpstream.ClientPlaying:
		return ""
	case httpstream.ClientConnecting:
		return "Connecting to " + title + "…"
	case httpstream.ClientReconnecting:
		text := title + " " + lostReason(err)
		var re *httpstream.RetryError
		if errors.As(err, &re) && re.Wait > 0 {
			text += " — retrying every " + formatWait(re.Wait)
		} else {
			text += " — retrying"
		}
		return text
	case httpstream.ClientStopped:
		return "Stopped"
	}
	return s.String()
}

// lostReason says in words why a stream is gone.
func lostReason(err error) string {
	var he *httpstream.HTTPStatusError
	var dns *net.DNSError
	var ne net.Error
	switch {
	case err == nil:
		return "lost the connection"
	case errors.Is(err, httpstream.ErrStalled):
		return "stopped sending pictures"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "is not answering"
	case errors.As(err, &dns):
		return "cannot be found on the network"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "cannot be reached"
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusServiceUnavailable:
			return "is switched off"
		case http.StatusNotFound:
			return "has no camera at this address"
		case http.StatusUnauthorized, http.StatusForbidden:
			return "refused the password"
		}
		return "answered " + cleanText(he.Status, 60)
	case errors.Is(err, httpstream.ErrNotMJPEG):
		return "does not send a camera stream"
	case errors.As(err, &ne) && ne.Timeout():
		return "is not answering in time"
	}
	return "lost the connection"
}

// formatWait is a retry interval as people say it: "0.5 s", "2 s".
func formatWait(d time.Duration) string {
	return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64) + " s"
}
