package mjpegload

import (
	"math"
	"testing"
	"time"
)

func TestHistIndexRoundTrip(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<histMaxBits; us = us*17/16 + 1 {
		i := histIndex(us)
		if i < prev || i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d after %d", us, i, prev)
		}
		prev = i
		if v := histValue(i); math.Abs(v-float64(us)) > float64(us)/histHalf+0.5 {
			t.Fatalf("histValue(histIndex(%d)) = %v: too far", us, v)
		}
	}
	if histIndex(math.MaxUint64) != histBuckets-1 {
		t.Error("huge values must land in the last bucket")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 {
		t.Error("empty histogram: want 0")
	}
	// 1 ms .. 1000 ms in 10 µs steps, plus one clock-skewed negative sample.
	for d := time.Millisecond; d <= time.Second; d += 10 * time.Microsecond {
		h.record(d)
	}
	h.record(-time.Second)
	var other histogram
	other.record(3 * time.Second)
	h.merge(&other)
	for q, want := range map[float64]time.Duration{0.5: 500 * time.Millisecond, 0.9: 900 * time.Millisecond, 0.99: 990 * time.Millisecond} {
		got := h.quantile(q)
		if diff := (got - want).Abs(); diff > time.Millisecond+want/500 {
			t.Errorf("p%v = %v, want %v", q*100, got, want)
		}
	}
	if h.max != 3*time.Second || h.quantile(1) != 3*time.Second {
		t.Errorf("max = %v, p100 = %v, want 3s", h.max, h.quantile(1))
	}
	if h.quantile(0) != 0 {
		t.Errorf("p0 = %v, want 0 (the negative sample)", h.quantile(0))
	}
}
