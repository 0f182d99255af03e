package httpstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// change is one control to set, named by id or by name.
type change struct {
	byID  bool
	id    uint32
	name  string
	value int64
}

func (c change) String() string {
	if c.byID {
		return "with id " + strconv.FormatUint(uint64(c.id), 10)
	}
	return strconv.Quote(c.name)
}

// controlsRequest is a parsed POST to /controls.
type controlsRequest struct {
	reset   bool
	changes []change
}

// parseChanges reads a POST's body, either
//
//	application/x-www-form-urlencoded  id=ID&value=V, name=NAME&value=V or reset=1
//	application/json                   {"id":ID,"value":V}
//	                                   {"controls":[{"id":ID,"value":V}, {"name":NAME,"value":V}, ...]}
//	                                   {"Brightness":200,"Contrast":30} (by name)
//	                                   {"reset":true}
//
// Values are integers; JSON true and false are 1 and 0. It returns the
// status for the error: 413, 415 or 400.
func parseChanges(w http.ResponseWriter, r *http.Request) (controlsRequest, int, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" && mt != "application/x-www-form-urlencoded" {
		return controlsRequest{}, http.StatusUnsupportedMediaType,
			fmt.Errorf("Content-Type %q: send application/json or application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlsBody))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return controlsRequest{}, http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d bytes", maxControlsBody)
		}
		return controlsRequest{}, http.StatusBadRequest, err
	}
	var req controlsRequest
	if mt == "application/json" {
		req, err = parseJSONChanges(body)
	} else {
		req, err = parseFormChanges(string(body))
	}
	if err == nil && !req.reset && len(req.changes) == 0 {
		err = errors.New("nothing to set")
	}
	if err != nil {
		return req, http.StatusBadRequest, fmt.Errorf("bad request: %w", err)
	}
	return req, 0, nil
}

func parseFormChanges(body string) (controlsRequest, error) {
	form, err := url.ParseQuery(body)
	if err != nil {
		return controlsRequest{}, err
	}
	if form.Has("reset") {
		if v := form.Get("reset"); v != "1" && v != "true" {
			return controlsRequest{}, fmt.Errorf("reset=%q: want reset=1", v)
		}
		return controlsRequest{reset: true}, nil
	}
	for _, k := range []string{"id", "name", "value"} {
		if len(form[k]) > 1 {
			return controlsRequest{}, fmt.Errorf("%s given %d times: one control per form", k, len(form[k]))
		}
	}
	if !form.Has("value") {
		return controlsRequest{}, errors.New("no value")
	}
	v, err := strconv.ParseInt(form.Get("value"), 10, 64)
	if err != nil {
		return controlsRequest{}, fmt.Errorf("value %q is not an integer", form.Get("value"))
	}
	c := change{value: v, name: form.Get("name")}
	switch {
	case form.Has("id") && form.Has("name"):
		return controlsRequest{}, errors.New("give id or name, not both")
	case form.Has("id"):
		id, err := strconv.ParseUint(form.Get("id"), 0, 32)
		if err != nil {
			return controlsRequest{}, fmt.Errorf("id %q is not a control id", form.Get("id"))
		}
		c.byID, c.id = true, uint32(id)
	case c.name == "":
		return controlsRequest{}, errors.New("no id or name")
	}
	return controlsRequest{changes: []change{c}}, nil
}

// jsonChange is one entry of {"controls":[...]} or the single-change form.
type jsonChange struct {
	ID    *uint32         `json:"id"`
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

func parseJSONChanges(body []byte) (controlsRequest, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return controlsRequest{}, fmt.Errorf("JSON: %w", err)
	}
	if raw, ok := top["reset"]; ok {
		if len(top) != 1 || string(raw) != "true" {
			return controlsRequest{}, errors.New(`reset: send {"reset":true} alone`)
		}
		return controlsRequest{reset: true}, nil
	}
	var items []jsonChange
	switch {
	case top["controls"] != nil:
		if len(top) != 1 {
			return controlsRequest{}, errors.New(`"controls" must come alone`)
		}
		if err := strictJSON(top["controls"], &items); err != nil {
			return controlsRequest{}, fmt.Errorf("controls: %w", err)
		}
	case top["id"] != nil || top["value"] != nil:
		var one jsonChange
		if err := strictJSON(body, &one); err != nil {
			return controlsRequest{}, err
		}
		items = []jsonChange{one}
	default: // {"Brightness":200,...}, set in the order given
		names, err := objectKeys(body)
		if err != nil {
			return controlsRequest{}, err
		}
		for _, name := range names {
			items = append(items, jsonChange{Name: name, Value: top[name]})
		}
	}
	var req controlsRequest
	for _, it := range items {
		c, err := it.change()
		if err != nil {
			return controlsRequest{}, err
		}
		req.changes = append(req.changes, c)
	}
	return req, nil
}

// objectKeys lists the keys of a JSON object in their order, once each:
// an auto mode must be switched off before the value it governs is set.
func objectKeys(body []byte) ([]string, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	if _, err := d.Token(); err != nil { // the '{', checked by Unmarshal
		return nil, err
	}
	var keys []string
	seen := map[string]bool{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, err
		}
		if k, _ := t.(string); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// strictJSON decodes raw into v, refusing fields v does not have.
func strictJSON(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("JSON: %w", err)
	}
	return nil
}

func (it jsonChange) change() (change, error) {
	c := change{name: it.Name}
	switch {
	case it.ID != nil && it.Name != "":
		return c, errors.New("give id or name, not both")
	case it.ID != nil:
		c.byID, c.id = true, *it.ID
	case it.Name == "":
		return c, errors.New("a control without id or name")
	}
	v, err := jsonInt(it.Value)
	if err != nil {
		return c, fmt.Errorf("control %s: %w", c, err)
	}
	c.value = v
	return c, nil
}

// jsonInt accepts a JSON integer, true or false; not 1.5, 1e3 or "1".
func jsonInt(raw json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(raw))
	switch s {
	case "true":
		return 1, nil
	case "false":
		return 0, nil
	case "":
		return 0, errors.New("no value")
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("value %s is not an integer", oneLine(s))
	}
	return v, nil
}
