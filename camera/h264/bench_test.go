package h264

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkEncode720p encodes the moving 720p clip (JPEG q80 4:2:0, decode
// included) at DefaultBitrate, frame after frame as fast as the encoder
// takes them. ns/op is wall time per frame, which for ffmpeg hides the
// child's work running alongside; cpu-ms/frame is this process's CPU plus
// that of the children reaped by Close (getrusage), so it compares fairly.
func BenchmarkEncode720p(b *testing.B) {
	for _, kind := range []string{"openh264", "x264"} {
		b.Run(kind, func(b *testing.B) {
			fs := clipOf(b, 1280, 720, 60)
			var bytes, frames int
			e := newOrSkip(b, kind, Config{Emit: func(au AccessUnit) { bytes += len(au.Data) }})
			cpu0 := cpuTime()
			for b.Loop() {
				if err := e.Encode(fs[frames%len(fs)], false); err != nil {
					b.Fatal(err)
				}
				frames++
			}
			// Close waits for the last pictures and reaps ffmpeg, so its
			// CPU time is in RUSAGE_CHILDREN from here on.
			if err := e.Close(); err != nil {
				b.Fatal(err)
			}
			cpu := cpuTime() - cpu0
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(frames), "cpu-ms/frame")
			b.ReportMetric(float64(bytes)*8*30/float64(frames)/1000, "kbit/s@30fps")
		})
	}
}

// cpuTime is the user and system time of this process and its reaped
// children.
func cpuTime() time.Duration {
	var t time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			t += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return t
}
