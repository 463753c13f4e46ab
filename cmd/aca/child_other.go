//go:build !linux

package main

import "os/exec"

// childDiesWithParent has no portable equivalent outside Linux: there a
// child ends when the parent cancels it (SIGTERM on interruption), but a
// parent killed outright may leave it running.
func childDiesWithParent(cmd *exec.Cmd) {}

// runChild runs cmd.
func runChild(cmd *exec.Cmd) error { return cmd.Run() }
