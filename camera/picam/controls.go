package picam

import (
	"fmt"
	"slices"
	"strconv"
	"sync"

	"lancam/camera"
	"lancam/camera/uvc"
)

// option is a picture setting rpicam-vid takes on its command line, as a
// camera control: lancam restarts the command to change it (a second or
// two on a Pi), which Control.Restarts says.
type option struct {
	camera.Control
	flag string
	arg  func(v int64) string
}

// percent shows v/100 as rpicam-vid's factor (1 = unchanged).
func percent(v int64) string { return strconv.FormatFloat(float64(v)/100, 'f', -1, 64) }

// menu makes a menu control whose items are rpicam-vid's words.
func menu(id uint32, name, flag string, words ...string) option {
	items := make([]camera.MenuItem, len(words))
	for i, w := range words {
		items[i] = camera.MenuItem{Index: int64(i), Name: w}
	}
	return option{Control: camera.Control{ID: id, Name: name, Type: "menu", Max: int64(len(words) - 1), Step: 1, Menu: items, Restarts: true},
		flag: flag, arg: func(v int64) string { return words[v] }}
}

// slider makes an int control, scaled into the option's value by arg.
func slider(id uint32, name, flag string, lo, hi, def int64, arg func(int64) string) option {
	return option{Control: camera.Control{ID: id, Name: name, Type: "int", Min: lo, Max: hi, Step: 1, Default: def, Restarts: true},
		flag: flag, arg: arg}
}

// options are the settings people change on Camera Modules, with
// rpicam-vid's ranges (brightness -1..1, the factors 0..; ev in stops).
var options = []option{
	slider(1, "Brightness", "--brightness", -100, 100, 0, percent),
	slider(2, "Contrast", "--contrast", 0, 400, 100, percent),
	slider(3, "Saturation", "--saturation", 0, 400, 100, percent),
	slider(4, "Sharpness", "--sharpness", 0, 400, 100, percent),
	slider(5, "Exposure compensation (1/10 EV)", "--ev", -40, 40, 0, func(v int64) string { return strconv.FormatFloat(float64(v)/10, 'f', -1, 64) }),
	menu(6, "White balance", "--awb", "auto", "incandescent", "tungsten", "fluorescent", "indoor", "daylight", "cloudy"),
	menu(7, "Metering", "--metering", "centre", "spot", "average"),
	menu(8, "Exposure mode", "--exposure", "normal", "sport"),
	menu(9, "Denoise", "--denoise", "auto", "off", "cdn_off", "cdn_fast", "cdn_hq"),
}

// Source is a Camera Module: rpicam-vid run by an exec source, with its
// picture settings as camera controls. Values are kept in a ControlStore
// per module (index and sensor model) and given to every start.
type Source struct {
	*camera.ExecSource
	tools Tools
	cfg   CommandConfig
	store *uvc.ControlStore // nil: this run only
	bus   string            // "picam:N", the store's key with model
	model string

	mu     sync.Mutex
	values map[uint32]int64 // set away from the default
}

// NewSource runs rpicam-vid for cfg with the values saved for this module;
// ex configures the exec source (its Argv is set here).
func NewSource(tools Tools, cfg CommandConfig, model string, store *uvc.ControlStore, ex camera.ExecConfig) (*Source, error) {
	s := &Source{tools: tools, cfg: cfg, store: store, bus: SourceName(cfg.Camera), model: model, values: map[uint32]int64{}}
	if store != nil {
		saved := store.Values(s.bus, model)
		for _, o := range options {
			if v, ok := saved[o.Name]; ok && o.Check(v) == nil {
				s.values[o.ID] = v
			}
		}
	}
	argv, err := s.argv()
	if err != nil {
		return nil, err
	}
	ex.Argv = argv
	if s.ExecSource, err = camera.NewExecSource(ex); err != nil {
		return nil, err
	}
	return s, nil
}

// argv is the command with the current values; defaults are left out, so
// that rpicam-vid's own defaults (and its tuning file) apply.
func (s *Source) argv() ([]string, error) {
	argv, err := s.tools.Command(s.cfg)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range options {
		if v, ok := s.values[o.ID]; ok && v != o.Default {
			argv = append(argv, o.flag, o.arg(v))
		}
	}
	return argv, nil
}

// Controls lists the settings with their values.
func (s *Source) Controls() ([]camera.Control, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]camera.Control, len(options))
	for i, o := range options {
		out[i] = o.Control
		out[i].Value = o.Default
		if v, ok := s.values[o.ID]; ok {
			out[i].Value = v
		}
	}
	return out, nil
}

// SetControl changes one setting and restarts rpicam-vid with it.
func (s *Source) SetControl(id uint32, value int64) error {
	i := slices.IndexFunc(options, func(o option) bool { return o.ID == id })
	if i < 0 {
		return fmt.Errorf("%w: no control with id %d", camera.ErrBadControl, id)
	}
	o := options[i]
	if err := o.Check(value); err != nil {
		return err
	}
	s.mu.Lock()
	s.values[id] = value
	s.mu.Unlock()
	if s.store != nil {
		if err := s.store.Save(s.bus, s.model, o.Name, value); err != nil {
			return fmt.Errorf("keeping %s: %w", o.Name, err)
		}
	}
	return s.restart()
}

// ResetControls goes back to rpicam-vid's defaults.
func (s *Source) ResetControls() error {
	s.mu.Lock()
	s.values = map[uint32]int64{}
	s.mu.Unlock()
	if s.store != nil {
		if err := s.store.Forget(s.bus, s.model); err != nil {
			return err
		}
	}
	return s.restart()
}

func (s *Source) restart() error {
	argv, err := s.argv()
	if err != nil {
		return err
	}
	s.SetArgv(argv)
	return nil
}
