package uvc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vladimirvivien/go4vl/v4l2"
	"golang.org/x/sys/unix"
)

// numBuffers is how many mmap buffers are queued: enough to ride out a
// scheduling hiccup, few enough to keep latency at a frame or two.
const numBuffers = 4

// v4lDevice is a capture node opened through go4vl's v4l2 layer with our own
// buffer loop: go4vl's device package copies every frame into a pool (a
// second copy) and leaves buffers mapped when its stream loop dies.
type v4lDevice struct {
	path    string
	fd      uintptr
	cap     v4l2.Capability
	neg     negotiated
	bufs    [][]byte
	count   uint32
	pending int // index of the buffer handed out by Read, -1 if none
	on      bool
}

// The v4l2.StreamingDevice methods go4vl's buffer helpers call.

func (d *v4lDevice) Name() string                       { return d.path }
func (d *v4lDevice) Fd() uintptr                        { return d.fd }
func (d *v4lDevice) Capability() v4l2.Capability        { return d.cap }
func (d *v4lDevice) MemIOType() v4l2.IOType             { return v4l2.IOTypeMMAP }
func (d *v4lDevice) GetOutput() <-chan []byte           { return nil }
func (d *v4lDevice) SetInput(<-chan []byte)             {}
func (d *v4lDevice) Buffers() [][]byte                  { return d.bufs }
func (d *v4lDevice) BufferType() v4l2.BufType           { return v4l2.BufTypeVideoCapture }
func (d *v4lDevice) BufferCount() uint32                { return d.count }
func (d *v4lDevice) Start(context.Context) error        { return errors.ErrUnsupported }
func (d *v4lDevice) Stop() error                        { return errors.ErrUnsupported }
func (d *v4lDevice) Negotiated() negotiated             { return d.neg }
func (d *v4lDevice) captureCaps() (ok bool, why string) { return canCapture(d.cap.GetCapabilities()) }

// canCapture decides from a node's device_caps whether lancam can stream
// from it: single-planar capture with streaming I/O, not a mem2mem codec.
func canCapture(caps uint32) (bool, string) {
	switch {
	case caps&(v4l2.CapVideoMem2Mem|v4l2.CapVideoMem2MemMPlane) != 0:
		return false, "memory-to-memory device"
	case caps&v4l2.CapVideoCapture == 0:
		return false, "not a video capture node"
	case caps&v4l2.CapStreaming == 0:
		return false, "no streaming I/O"
	}
	return true, ""
}

// openV4L opens path, negotiates format, size and rate, maps the buffers
// and starts streaming.
func openV4L(path string, w wish) (dev device, err error) {
	fd, err := v4l2.OpenDevice(path, unix.O_RDWR|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	d := &v4lDevice{path: path, fd: fd, pending: -1}
	defer func() {
		if err != nil {
			d.Close()
			err = fmt.Errorf("%s: %w", path, err)
		}
	}()
	if d.cap, err = v4l2.GetCapability(fd); err != nil {
		return nil, err
	}
	if ok, why := d.captureCaps(); !ok {
		return nil, errors.New(why)
	}
	if err = d.negotiate(w); err != nil {
		return nil, err
	}
	if err = d.startStreaming(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *v4lDevice) negotiate(w wish) error {
	descs, err := v4l2.GetAllFormatDescriptions(d.fd)
	if err != nil {
		return err
	}
	var offered []uint32
	for _, f := range descs {
		offered = append(offered, f.PixelFormat)
	}
	fcc, ok := pickFormat(offered)
	if !ok {
		return fmt.Errorf("no usable pixel format (MJPEG, YUYV, NV12, YU12) among %d offered", len(offered))
	}
	width, height := w.width, w.height
	if sizes, err := frameSizes(d.fd, fcc); err == nil {
		if cw, ch, ok := pickSize(sizes, w.width, w.height); ok {
			width, height = cw, ch
		}
	}
	err = v4l2.SetPixFormat(d.fd, v4l2.PixFormat{Width: uint32(width), Height: uint32(height),
		PixelFormat: fcc, Field: v4l2.FieldNone})
	if err != nil {
		return fmt.Errorf("set format %s %dx%d: %w", fourccString(fcc), width, height, err)
	}
	pf, err := v4l2.GetPixFormat(d.fd) // the driver's answer, not go4vl's cache
	if err != nil {
		return err
	}
	if pf.PixelFormat != fcc {
		return fmt.Errorf("driver switched format %s to %s", fourccString(fcc), fourccString(pf.PixelFormat))
	}
	iv := pickInterval(frameIntervals(d.fd, fcc, pf.Width, pf.Height), w.fps)
	// Always set the interval: vivid (and some UVC firmware) otherwise
	// stays at a low default rate. Drivers without S_PARM just refuse.
	_ = v4l2.SetStreamParam(d.fd, v4l2.BufTypeVideoCapture,
		v4l2.StreamParam{Capture: v4l2.CaptureParam{TimePerFrame: v4l2.Fract{Numerator: iv.num, Denominator: iv.den}}})
	fps := 0.0
	if p, err := v4l2.GetStreamParam(d.fd, v4l2.BufTypeVideoCapture); err == nil {
		fps = fract{p.Capture.TimePerFrame.Numerator, p.Capture.TimePerFrame.Denominator}.fps()
	}
	d.neg = negotiated{fourcc: fcc, width: int(pf.Width), height: int(pf.Height),
		stride: int(pf.BytesPerLine), sizeImage: int(pf.SizeImage), fps: fps,
		busInfo: d.cap.BusInfo, card: d.cap.Card}
	return nil
}

// frameSizes lists the sizes offered for fcc.
func frameSizes(fd uintptr, fcc uint32) ([]sizeRange, error) {
	list, err := v4l2.GetFormatFrameSizes(fd, fcc)
	if err != nil {
		return nil, err
	}
	var out []sizeRange
	for _, s := range list {
		z := s.Size
		r := sizeRange{int(z.MinWidth), int(z.MaxWidth), int(z.StepWidth), int(z.MinHeight), int(z.MaxHeight), int(z.StepHeight)}
		if s.Type == v4l2.FrameSizeTypeDiscrete {
			r = discreteSize(int(z.MinWidth), int(z.MinHeight))
		}
		out = append(out, r)
	}
	return out, nil
}

// frameIntervals lists the intervals offered for fcc at w x h. go4vl v0.5.0
// reads stepwise ranges one field off, so a non-discrete answer is taken to
// mean "anything": the wish is asked for and the driver clamps it.
func frameIntervals(fd uintptr, fcc, w, h uint32) []intervalRange {
	var out []intervalRange
	for i := uint32(0); i < 64; i++ {
		e, err := v4l2.GetFormatFrameInterval(fd, i, fcc, w, h)
		if err != nil {
			break
		}
		if e.Type != v4l2.FrameIntervalTypeDiscrete {
			return nil
		}
		f := fract{e.Interval.Min.Numerator, e.Interval.Min.Denominator}
		out = append(out, intervalRange{discrete: true, min: f, max: f})
	}
	return out
}

func (d *v4lDevice) startStreaming() error {
	d.count = numBuffers
	req, err := v4l2.InitBuffers(d)
	if err != nil {
		return err
	}
	d.count = req.Count
	if d.count == 0 {
		return errors.New("driver granted no buffers")
	}
	if d.bufs, err = v4l2.MapMemoryBuffers(d); err != nil {
		return err
	}
	for i := range d.count {
		if _, err := v4l2.QueueBuffer(d.fd, v4l2.IOTypeMMAP, v4l2.BufTypeVideoCapture, i); err != nil {
			return err
		}
	}
	if err := v4l2.StreamOn(d); err != nil {
		return err
	}
	d.on = true
	return nil
}

// Read implements device.
func (d *v4lDevice) Read(timeout time.Duration) (buffer, error) {
	if d.pending >= 0 {
		i := uint32(d.pending)
		d.pending = -1
		if _, err := v4l2.QueueBuffer(d.fd, v4l2.IOTypeMMAP, v4l2.BufTypeVideoCapture, i); err != nil {
			return buffer{}, err
		}
	}
	fds := []unix.PollFd{{Fd: int32(d.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(timeout/time.Millisecond))
	if errors.Is(err, unix.EINTR) || (err == nil && n == 0) {
		return buffer{}, errNoFrame
	}
	if err != nil {
		return buffer{}, err
	}
	b, err := v4l2.DequeueBuffer(d.fd, v4l2.IOTypeMMAP, v4l2.BufTypeVideoCapture)
	if errors.Is(err, unix.EAGAIN) {
		return buffer{}, errNoFrame
	}
	if err != nil {
		return buffer{}, err
	}
	if int(b.Index) >= len(d.bufs) {
		return buffer{}, fmt.Errorf("driver returned buffer %d of %d", b.Index, len(d.bufs))
	}
	d.pending = int(b.Index)
	m := d.bufs[b.Index]
	return buffer{data: m[:min(int(b.BytesUsed), len(m))], errFlag: b.Flags&v4l2.BufFlagError != 0,
		captured: time.Now()}, nil
}

// Close implements device. It carries on past errors (an unplugged node
// fails most ioctls) so that the mappings and the fd are always released.
func (d *v4lDevice) Close() error {
	var errs []error
	if d.on {
		errs = append(errs, v4l2.StreamOff(d))
		d.on = false
	}
	for _, b := range d.bufs {
		errs = append(errs, unix.Munmap(b))
	}
	if d.bufs != nil {
		d.bufs = nil
		_, err := v4l2.ResetBuffers(d)
		errs = append(errs, err)
	}
	errs = append(errs, v4l2.CloseDevice(d.fd))
	return errors.Join(errs...)
}
