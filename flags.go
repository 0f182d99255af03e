package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"lancam/camera"
	"lancam/camera/h264"
	"lancam/httpstream"
)

// passwordEnv names the environment variable a password may come in
// when there is no -password-file. There is deliberately no -password
// flag: every user of the machine could read it in ps.
const passwordEnv = "LANCAM_PASSWORD"

// maxNameBytes keeps "name=" plus the name inside one 255-byte TXT string.
const maxNameBytes = 200

// options are the parsed command-line flags.
type options struct {
	headless    bool
	listen      string
	source      string    // the first camera's spec (the window's chooser drives it)
	cams        []camSpec // every -source, named; one entry at least
	width       int
	height      int
	fps         float64
	quality     int
	maxClients  int
	showVersion bool
	listCameras bool
	name        string // display name on the LAN; "" until defaulted to the hostname
	noMDNS      bool
	rotate      int             // -rotate: 0, 90, 180 or 270 degrees clockwise
	mirror      bool            // -mirror: left-right, after the rotation
	overlay     string          // -overlay: a timestamp format drawn on every frame
	h264        string          // -h264: the H.264 encoder for WebRTC viewers, or "off"
	h264Kbps    int             // -h264-bitrate: kbit/s, 0 = by picture size
	maxWebRTC   int             // -max-webrtc: most concurrent WebRTC viewers
	user        string          // -user: the Basic auth user name
	password    string          // from -password-file or LANCAM_PASSWORD; never logged
	set         map[string]bool // flags given on the command line: they beat saved settings
}

// parseFlags parses and checks every flag, so a typo is one line on stderr
// and exit code 2 before anything starts. -h prints the usage to stdout.
func parseFlags(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("lancam", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // our caller prints the one-line error
	fs.BoolVar(&o.headless, "headless", false, "run without a window: only the HTTP server")
	fs.StringVar(&o.listen, "listen", ":8080", "HTTP address `host:port` to serve on")
	sources := &sourceFlag{list: []camSpec{{spec: "auto"}}}
	fs.Var(sources, "source", "camera: auto (V4L2 camera, else Camera Module, else test), all (every camera), /dev/videoN, picam[:N] (Raspberry Pi Camera Module via rpicam-vid), exec:COMMAND (a command writing JPEGs to stdout), test, or dir:PATH (loop a folder of JPEGs). Give it once per camera to serve several, each as NAME=SPEC or SPEC; the first keeps /stream.mjpg, the others get /cam/NAME/stream.mjpg (default auto)")
	size := fs.String("size", "1280x720", "wanted picture size `WxH`")
	fs.Float64Var(&o.fps, "fps", 30, "wanted frames per second")
	fs.IntVar(&o.quality, "quality", 80, "JPEG quality 1-100 when lancam encodes")
	fs.IntVar(&o.rotate, "rotate", 0, "turn the picture clockwise by 0, 90, 180 or 270 `degrees` (lossless for cameras that send JPEG)")
	fs.BoolVar(&o.mirror, "mirror", false, "mirror the picture left-right (after -rotate)")
	fs.StringVar(&o.overlay, "overlay", "", "draw this text on every frame, with strftime-style %Y %m %d %H %M %S %N (camera name) ..., e.g. '%Y-%m-%d %H:%M:%S' (costs a decode and an encode per frame)")
	fs.IntVar(&o.maxClients, "max-clients", 100, "most concurrent stream viewers; more get 503")
	fs.StringVar(&o.h264, "h264", "auto", "H.264 encoder for WebRTC viewers (/whep): auto (the Pi's hardware encoder, else software), "+strings.Join(h264.Kinds(), ", ")+", or off (MJPEG only)")
	fs.IntVar(&o.h264Kbps, "h264-bitrate", 0, "H.264 target `kbit/s` (default by picture size: 2500 at 1280x720 30 fps)")
	fs.IntVar(&o.maxWebRTC, "max-webrtc", httpstream.DefaultMaxWebRTC, "most concurrent WebRTC viewers; more get 503")
	fs.StringVar(&o.name, "name", "", "display name other lancams and browsers show (default the hostname)")
	fs.BoolVar(&o.noMDNS, "no-mdns", false, "do not announce on the LAN or look for other lancams (mDNS/DNS-SD)")
	fs.StringVar(&o.user, "user", "lancam", "user name viewers give with the password")
	passwordFile := fs.String("password-file", "", "ask viewers for the password on the first line of `FILE` (else $"+passwordEnv+"; neither: no password)")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	fs.BoolVar(&o.listCameras, "list-cameras", false, "print the V4L2 cameras with their formats, sizes and frame rates, and exit")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			fmt.Fprintln(stdout, "Usage: lancam [flags]")
			fs.PrintDefaults()
		}
		return o, err
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o.cams = nameCameras(sources.list)
	o.source = o.cams[0].spec
	var err error
	if o.width, o.height, err = parseSize(*size); err != nil {
		return o, err
	}
	if _, port, err := net.SplitHostPort(o.listen); err != nil {
		return o, fmt.Errorf("-listen %q: want host:port, e.g. :8080", o.listen)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return o, fmt.Errorf("-listen %q: port must be 0-65535", o.listen)
	}
	switch {
	case !(o.fps > 0 && o.fps <= 240):
		return o, fmt.Errorf("-fps %g: want a number above 0 and at most 240", o.fps)
	case o.quality < 1 || o.quality > 100:
		return o, fmt.Errorf("-quality %d: want 1-100", o.quality)
	case o.rotate != 0 && o.rotate != 90 && o.rotate != 180 && o.rotate != 270:
		return o, fmt.Errorf("-rotate %d: want 0, 90, 180 or 270", o.rotate)
	case (camera.Picture{Overlay: o.overlay}).Check() != nil:
		return o, fmt.Errorf("-overlay: %v", (camera.Picture{Overlay: o.overlay}).Check())
	case !utf8.ValidString(o.overlay) || strings.ContainsFunc(o.overlay, unicode.IsControl):
		return o, fmt.Errorf("-overlay %q: want printable text", o.overlay)
	case o.maxClients < 1:
		return o, fmt.Errorf("-max-clients %d: want at least 1", o.maxClients)
	case o.h264 != "off" && !slices.Contains(h264.Kinds(), o.h264):
		return o, fmt.Errorf("-h264 %q: want %s or off", o.h264, strings.Join(h264.Kinds(), ", "))
	case o.h264Kbps < 0 || o.h264Kbps > 50_000:
		return o, fmt.Errorf("-h264-bitrate %d: want 0 (by picture size) or up to 50000 kbit/s", o.h264Kbps)
	case o.maxWebRTC < 1:
		return o, fmt.Errorf("-max-webrtc %d: want at least 1", o.maxWebRTC)
	case len(o.name) > maxNameBytes:
		return o, fmt.Errorf("-name is %d bytes long: at most %d", len(o.name), maxNameBytes)
	case !utf8.ValidString(o.name) || strings.ContainsFunc(o.name, unicode.IsControl):
		return o, fmt.Errorf("-name %q: want printable UTF-8 text", o.name)
	case checkCamSpecs(sources.list) != nil:
		return o, checkCamSpecs(sources.list)
	case o.user == "" || strings.Contains(o.user, ":") || !utf8.ValidString(o.user) || strings.ContainsFunc(o.user, unicode.IsControl):
		return o, fmt.Errorf("-user %q: want a non-empty name without ':' or control characters", o.user)
	}
	if o.password, err = readPassword(*passwordFile); err != nil {
		return o, err
	}
	if o.password != "" {
		o.set["password"] = true // beats the password saved in the window's settings
	}
	return o, nil
}

// readPassword reads the first line of file, or else takes $LANCAM_PASSWORD
// and removes it from the environment so that programs lancam starts do not
// inherit it. The error never quotes the password.
func readPassword(file string) (string, error) {
	env, inEnv := os.LookupEnv(passwordEnv)
	if inEnv {
		os.Unsetenv(passwordEnv)
	}
	if file == "" {
		if strings.ContainsFunc(env, unicode.IsControl) {
			return "", fmt.Errorf("$%s contains control characters", passwordEnv)
		}
		return env, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("-password-file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("-password-file %q: %w", file, err)
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case len(line) >= 4095:
		return "", fmt.Errorf("-password-file %q: the first line is longer than 4 KiB", file)
	case line == "":
		return "", fmt.Errorf("-password-file %q: the first line is empty; put the password there", file)
	case !utf8.ValidString(line) || strings.ContainsFunc(line, unicode.IsControl):
		return "", fmt.Errorf("-password-file %q: the password must be printable UTF-8 text", file)
	}
	return line, nil
}

// parseSize reads "WxH" (also "W×H" or "WXH").
func parseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(strings.NewReplacer("×", "x", "X", "x").Replace(s), "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	if !ok || errW != nil || errH != nil {
		return 0, 0, fmt.Errorf("-size %q: want WxH, e.g. 1280x720", s)
	}
	if w < 16 || h < 16 || w > 7680 || h > 4320 {
		return 0, 0, fmt.Errorf("-size %q: want 16x16 up to 7680x4320", s)
	}
	return w, h, nil
}
