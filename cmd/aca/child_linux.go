//go:build linux

package main

import (
	"os/exec"
	"runtime"
	"syscall"
)

// childDiesWithParent makes the kernel send SIGKILL to the child when the
// parent dies (Linux's parent-death signal), so that killing aca bench,
// even with SIGKILL, leaves no per-method child running.
func childDiesWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// runChild runs cmd on one locked OS thread: Linux delivers the
// parent-death signal when the thread that started the child exits, not
// the process, and a locked thread is never retired while the child runs.
func runChild(cmd *exec.Cmd) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return cmd.Run()
}
