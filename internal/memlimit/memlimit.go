// Package memlimit tells whether buffers of a given size fit in the memory
// this process can use, so that a size that cannot fit is refused with an
// error before anything is allocated, rather than by a runtime panic
// (makeslice) or the process dying of exhaustion.
package memlimit

import (
	"fmt"
	"math"
	"math/bits"
	"runtime/debug"
)

// Bytes is the memory this process can use at most: the smallest of the
// machine's physical memory, the memory limit of its Linux cgroup, and the
// soft limit set by runtime/debug.SetMemoryLimit or GOMEMLIMIT, as far as
// each is known, and at most math.MaxInt (no slice is longer).
func Bytes() uint64 {
	limit := min(physical(), uint64(math.MaxInt))
	if soft := debug.SetMemoryLimit(-1); soft >= 0 && soft < math.MaxInt64 {
		limit = min(limit, uint64(soft))
	}
	return limit
}

// A Need adds up the bytes of several arrays. Its zero value is an empty
// need.
type Need struct {
	bytes    uint64
	overflow bool // the sum exceeds a uint64: it fits nowhere
}

// Add adds count elements of size bytes each; a negative count or size
// counts as an overflow.
func (n *Need) Add(count, size int) {
	if count < 0 || size < 0 {
		n.overflow = true
		return
	}
	hi, lo := bits.Mul64(uint64(count), uint64(size))
	sum, carry := bits.Add64(n.bytes, lo, 0)
	n.bytes = sum
	n.overflow = n.overflow || hi != 0 || carry != 0
}

// Check returns an error if the need exceeds Bytes, saying how much it is
// and how much there is.
func (n Need) Check() error {
	limit := Bytes()
	switch {
	case n.overflow:
		return fmt.Errorf("needs more than 2^64 bytes of memory")
	case n.bytes > limit:
		return fmt.Errorf("needs %s of memory, more than the %s this process can use", Size(n.bytes), Size(limit))
	}
	return nil
}

// Size formats a number of bytes with a binary unit: "512 B", "1.5 KiB",
// "23.4 GiB".
func Size(b uint64) string {
	const units = "KMGTPE"
	if b < 1024 {
		return fmt.Sprintf("%d B", b)
	}
	x, i := float64(b)/1024, 0
	for x >= 1024 && i < len(units)-1 {
		x /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", x, units[i])
}
