package memlimit

import (
	"math"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// physical is the machine's RAM, or the memory limit of the cgroup (v2)
// this process runs in if that is lower, as in a container.
func physical() uint64 {
	limit := uint64(math.MaxUint64)
	var info syscall.Sysinfo_t
	if syscall.Sysinfo(&info) == nil {
		limit = uint64(info.Totalram) * uint64(info.Unit)
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if c, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil { // "max": no limit
			limit = min(limit, c)
		}
	}
	return limit
}
