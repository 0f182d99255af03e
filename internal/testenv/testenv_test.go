package testenv

import (
	"runtime"
	"testing"
)

// TestMissing runs Missing in a subtest with CI set and unset: a failure
// under CI, a skip elsewhere.
func TestMissing(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			var failed, skipped bool
			done := make(chan struct{})
			ft := &fakeT{TB: t, fail: func() { failed = true }, skip: func() { skipped = true }}
			go func() { defer close(done); Tool(ft, "no-such-tool-lancam") }()
			<-done
			if failed != (ci == "true") || skipped != (ci != "true") {
				t.Errorf("CI=%q: failed %v skipped %v", ci, failed, skipped)
			}
		})
	}
	if p := Tool(t, "no-such-tool-lancam", "sh"); p == "" {
		t.Error("Tool did not find sh as the second choice")
	}
}

// fakeT records Fatal and Skip and ends the goroutine as testing.T does.
type fakeT struct {
	testing.TB
	fail, skip func()
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Fatal(...any) { f.fail(); runtimeGoexit() }
func (f *fakeT) Skip(...any)  { f.skip(); runtimeGoexit() }

func runtimeGoexit() { runtime.Goexit() }
