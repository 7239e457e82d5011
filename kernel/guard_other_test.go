//go:build !linux

package kernel

import "testing"

// Without mmap guard pages, buffers are checked by their sentinels alone.
func guardPages() bool { return false }

func guardedRegion(_ testing.TB, size int) []byte { return make([]byte, size) }
