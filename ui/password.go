package ui

import "lancam/httpstream"

// defaultAuthUser is the user name when -user is not given (flags.go has
// the same default).
const defaultAuthUser = "lancam"

// authUser is the user name viewers of this lancam give.
func (a *App) authUser() string {
	if a.cfg.User != "" {
		return a.cfg.User
	}
	return defaultAuthUser
}

// applyAuth makes the server ask for s.Password (none when empty) from the
// next request on, and the announcement say so.
func (a *App) applyAuth(s Settings) {
	var auth *httpstream.BasicAuth
	if s.Password != "" {
		auth = httpstream.NewBasicAuth(a.authUser(), s.Password)
	}
	if a.parts.Server != nil {
		a.parts.Server.SetAuth(auth)
	}
	if a.parts.LAN != nil {
		a.parts.LAN.SetAuth(auth != nil)
	}
}
