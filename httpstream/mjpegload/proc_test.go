package mjpegload

import (
	"os"
	"testing"
)

func TestParseStatCPU(t *testing.T) {
	stat := "1234 (we(ird) )name) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 8 0 100 1000000 500 18446744073709551615\n"
	cpu, err := parseStatCPU([]byte(stat))
	if err != nil || cpu != 3.0 {
		t.Errorf("parseStatCPU = %v, %v; want 3 s (300 ticks)", cpu, err)
	}
	if _, err := parseStatCPU([]byte("1234 (x) S 1 2")); err == nil {
		t.Error("short stat: want error")
	}
}

func TestParseStatusHWM(t *testing.T) {
	status := "Name:\tlancam\nVmPeak:\t  9000 kB\nVmHWM:\t    4096 kB\nVmRSS:\t 2048 kB\n"
	if rss, err := parseStatusHWM([]byte(status)); err != nil || rss != 4096*1024 {
		t.Errorf("parseStatusHWM = %v, %v; want 4 MiB", rss, err)
	}
	if _, err := parseStatusHWM([]byte("Name:\tkthreadd\n")); err == nil {
		t.Error("no VmHWM: want error")
	}
}

func TestProcStatsSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	cpu, rss, err := ProcStats(os.Getpid())
	if err != nil || cpu < 0 || rss <= 0 {
		t.Errorf("ProcStats(self) = %v, %v, %v", cpu, rss, err)
	}
	if _, _, err := ProcStats(-5); err == nil {
		t.Error("ProcStats(-5): want error")
	}
}
