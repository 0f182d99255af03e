//go:build qemu

package main

// One QEMU guest running a scenario: boot, command channel, /status.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// qemuVM is one booted guest.
type qemuVM struct {
	t        *testing.T
	base     string // http://127.0.0.1:PORT (guest :8080)
	cmdBase  string // http://127.0.0.1:CMDPORT/cgi-bin/cmd? (guest :9000)
	log      string
	proc     *exec.Cmd
	done     chan struct{}
	rc       int
	started  time.Time
	bootTime time.Duration // qemu start until /status answered
}

func qemuFreePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// qemuBoot starts the guest with scenario and its args and waits for
// lancam's /status through hostfwd.
func qemuBoot(t *testing.T, scenario string, args ...string) *qemuVM {
	t.Helper()
	qemuSetup(t)
	port, cmdPort := qemuFreePort(t), qemuFreePort(t)
	for cmdPort == port {
		cmdPort = qemuFreePort(t)
	}
	vm := &qemuVM{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port),
		cmdBase: fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/cmd?", cmdPort),
		log:     filepath.Join(t.TempDir(), "serial.log"), done: make(chan struct{})}
	appendArgs := []string{"lancam.scenario=" + scenario}
	if len(args) > 0 {
		appendArgs = append(appendArgs, "lancam.args="+strings.Join(args, ","))
	}
	vm.proc = exec.Command("scripts/qemu/run.sh", append([]string{qemuEnv.kdir, qemuEnv.initrd, vm.log}, appendArgs...)...)
	vm.proc.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), fmt.Sprintf("CMDPORT=%d", cmdPort),
		fmt.Sprintf("TIMEOUT=%d", qemuVMTimeout))
	vm.proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	vm.proc.Stderr = &stderr
	vm.started = time.Now()
	if err := vm.proc.Start(); err != nil {
		t.Fatalf("run.sh: %v", err)
	}
	go func() {
		err := vm.proc.Wait()
		vm.rc = vm.proc.ProcessState.ExitCode()
		if err != nil && vm.rc == 0 {
			vm.rc = -1
		}
		close(vm.done)
	}()
	t.Cleanup(func() {
		select {
		case <-vm.done:
		default:
			syscall.Kill(-vm.proc.Process.Pid, syscall.SIGKILL)
			<-vm.done
		}
		if t.Failed() {
			t.Logf("run.sh stderr: %s", stderr.String())
			t.Logf("serial log (%s), last lines:\n%s", vm.log, vm.tail(60))
		}
	})

	client := &http.Client{Timeout: 3 * time.Second}
	deadline := time.Now().Add(qemuBootTimeout)
	for {
		select {
		case <-vm.done:
			t.Fatalf("guest exited (rc %d) before /status answered", vm.rc)
		default:
		}
		resp, err := client.Get(vm.base + "/status")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /status from the guest within %v (last error %v)", qemuBootTimeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	vm.bootTime = time.Since(vm.started)
	t.Logf("boot to /status: %.2f s", vm.bootTime.Seconds())
	return vm
}

func (vm *qemuVM) tail(n int) string {
	b, _ := os.ReadFile(vm.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cmd runs a guest command (scenarios/lib.sh cmd_NAME) and returns its output.
func (vm *qemuVM) cmd(name string) string {
	vm.t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(vm.cmdBase + name)
	if err != nil {
		vm.t.Fatalf("guest command %s: %v", name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		vm.t.Fatalf("guest command %s: %s %s", name, resp.Status, b)
	}
	return string(b)
}

// stop asks the guest to end its scenario and checks the exit code.
func (vm *qemuVM) stop() {
	vm.t.Helper()
	vm.cmd("exit")
	select {
	case <-vm.done:
	case <-time.After(30 * time.Second):
		vm.t.Fatalf("guest did not power off within 30 s of exit")
	}
	if vm.rc != 0 {
		vm.t.Errorf("guest scenario exit code %d, want 0", vm.rc)
	}
}

func (vm *qemuVM) status() (statusDoc, string) {
	vm.t.Helper()
	var st statusDoc
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(vm.base + "/status")
	if err != nil {
		vm.t.Fatalf("/status: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &st); err != nil {
		vm.t.Fatalf("/status: %v: %s", err, b)
	}
	return st, string(b)
}
