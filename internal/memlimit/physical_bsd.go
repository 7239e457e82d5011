//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package memlimit

import (
	"math"

	"golang.org/x/sys/unix"
)

// physical is the machine's RAM, from sysctl.
func physical() uint64 {
	for _, name := range []string{"hw.memsize", "hw.physmem64", "hw.physmem"} {
		if b, err := unix.SysctlUint64(name); err == nil && b > 0 {
			return b
		}
	}
	return math.MaxUint64
}
