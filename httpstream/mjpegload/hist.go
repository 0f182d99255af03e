package mjpegload

import (
	"math"
	"math/bits"
	"time"
)

// The delay histogram is HDR-like: values are microseconds; those below
// histSub have a bucket each, above that every power of two is split into
// histHalf buckets, so a bucket is at most 1/256 of its value wide (±0.2%,
// about 1 ms at 500 ms). Values from 2^32 µs (71 minutes) on share the last
// bucket; the exact maximum is kept aside.
const (
	histSubBits = 9
	histSub     = 1 << histSubBits
	histHalf    = histSub / 2
	histMaxBits = 32
	histBuckets = histSub + (histMaxBits-histSubBits)*histHalf
)

type histogram struct {
	counts [histBuckets]uint32
	n      uint64
	max    time.Duration
}

func histIndex(us uint64) int {
	if us < histSub {
		return int(us)
	}
	if us >= 1<<histMaxBits {
		return histBuckets - 1
	}
	e := bits.Len64(us) - histSubBits // >= 1
	return histSub + (e-1)*histHalf + int(us>>e) - histHalf
}

// histValue is the middle of bucket i, in microseconds.
func histValue(i int) float64 {
	if i < histSub {
		return float64(i)
	}
	k := i - histSub
	e := uint(k/histHalf + 1)
	low := uint64(k%histHalf+histHalf) << e
	return float64(low) + float64(uint64(1)<<e)/2
}

// record adds one delay; negative delays (clock skew) count as zero.
func (h *histogram) record(d time.Duration) {
	d = max(d, 0)
	h.counts[histIndex(uint64(d/time.Microsecond))]++
	h.n++
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the delay at or below which a fraction q of the samples
// fall, or 0 with no samples.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			d := time.Duration(histValue(i) * float64(time.Microsecond))
			return min(d, h.max)
		}
	}
	return h.max
}
