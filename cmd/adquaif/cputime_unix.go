//go:build unix

package main

import (
	"syscall"
	"time"
)

// cpuTime is the processor time the process has used, user and system,
// and true where the system reports it.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
