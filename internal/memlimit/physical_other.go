//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package memlimit

import "math"

// physical is unknown here: only the soft memory limit and the size of the
// address space bound an allocation.
func physical() uint64 { return math.MaxUint64 }
