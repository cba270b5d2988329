//go:build !linux

package natsbin

import "syscall"

// sysProcAttr is nil where the kernel cannot kill a child with its parent
// (Pdeathsig is Linux's): there a node outlives a process that dies
// without stopping it.
func sysProcAttr() *syscall.SysProcAttr { return nil }
