package mjpegload

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// clockTicks is the kernel's USER_HZ (sysconf(_SC_CLK_TCK)), 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// ProcStats returns the CPU time (user + system, in seconds) that process pid
// has used so far, from /proc/PID/stat, and its peak resident set size in
// bytes (VmHWM), from /proc/PID/status. Linux only.
func ProcStats(pid int) (cpuSeconds float64, peakRSSBytes int64, err error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	cpuSeconds, err = parseStatCPU(stat)
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	peakRSSBytes, err = parseStatusHWM(status)
	if err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return cpuSeconds, peakRSSBytes, nil
}

// parseStatCPU reads utime and stime (fields 14 and 15) of a /proc/PID/stat
// line. Fields are counted after the last ')', as the command name in field 2
// may hold spaces and parentheses.
func parseStatCPU(stat []byte) (float64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no ')' in %q", stat)
	}
	f := bytes.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("only %d fields after the command name", len(f))
	}
	var ticks uint64
	for _, s := range f[11:13] {
		n, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return float64(ticks) / clockTicks, nil
}

// parseStatusHWM reads the "VmHWM:   1234 kB" line of /proc/PID/status.
func parseStatusHWM(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmHWM:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, fmt.Errorf("odd VmHWM line %q", line)
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, err
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no VmHWM line (kernel thread or zombie?)")
}
