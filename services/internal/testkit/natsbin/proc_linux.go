package natsbin

import "syscall"

// sysProcAttr makes the kernel SIGKILL a node when the thread that started
// it ends, so that no nats-server outlives a killed test or benchmark.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
