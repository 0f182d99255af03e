package picam

import (
	"os/exec"
	"syscall"
)

// ownGroup puts cmd in its own process group and makes cancellation kill
// the whole group, so a wrapper script's children die with it instead of
// lingering with the camera open.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
