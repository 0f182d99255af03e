package ui

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
)

// Preference key prefixes of remembered viewer credentials: per peer id,
// which survives a peer's change of address, and per host:port for typed
// URLs, which have nothing better.
const (
	peerAuthPrefix = "peerauth."
	urlAuthPrefix  = "urlauth."
)

// credentials are what a viewer logs in with.
type credentials struct {
	user, pass string
	remember   bool // keep them in the preferences once they work
}

// header is the Authorization header for c, nil without a password.
func (c credentials) header() http.Header {
	if c.user == "" && c.pass == "" {
		return nil
	}
	return http.Header{"Authorization": {c.authorization()}}
}

// authorization is the Basic header value.
func (c credentials) authorization() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.pass))
}

// credStore keeps viewer credentials in Fyne's preferences, which are safe
// for concurrent use.
type credStore struct {
	prefs fyne.Preferences
}

// credKey is the preference key for a viewer key ("peer:ID" or "url:URL"),
// "" when its credentials must not be stored.
func credKey(viewerKey string) string {
	if id, ok := strings.CutPrefix(viewerKey, "peer:"); ok && id != "" {
		return peerAuthPrefix + id
	}
	if raw, ok := strings.CutPrefix(viewerKey, "url:"); ok {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			return ""
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
		}
		return urlAuthPrefix + strings.ToLower(u.Hostname()) + ":" + port
	}
	return ""
}

// load returns the stored credentials for key.
func (s credStore) load(key string) (credentials, bool) {
	if key == "" || s.prefs == nil {
		return credentials{}, false
	}
	// A Basic user name cannot contain ':', so the first one splits.
	user, pass, ok := strings.Cut(s.prefs.String(key), ":")
	if !ok {
		return credentials{}, false
	}
	return credentials{user: user, pass: pass, remember: true}, true
}

// save keeps c under key.
func (s credStore) save(key string, c credentials) {
	if key == "" || s.prefs == nil || strings.Contains(c.user, ":") {
		return
	}
	s.prefs.SetString(key, c.user+":"+c.pass)
}

// forget drops what is stored under key: it was refused.
func (s credStore) forget(key string) {
	if key == "" || s.prefs == nil {
		return
	}
	s.prefs.RemoveValue(key)
}

// peerAuthorization is the Authorization header value for a listed peer,
// "" when none is stored; thumbnails and grid cells use it.
func (s credStore) peerAuthorization(id string) string {
	c, ok := s.load(peerAuthPrefix + id)
	if !ok {
		return ""
	}
	return c.authorization()
}
