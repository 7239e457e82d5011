package kernel

import (
	"os"
	"syscall"
	"testing"
)

// guardPages reports whether buffers get PROT_NONE guard pages. Under
// qemu-user (ADQUAIF_EMULATED=1, set by CI) they do not: qemu 7.2 faults on
// a VMASKMOVPS load whose masked-off lanes reach an inaccessible page, where
// real CPUs do not, so there the comparison runs on sentinels alone.
func guardPages() bool { return os.Getenv("ADQUAIF_EMULATED") == "" }

// guardedRegion returns size accessible bytes between two PROT_NONE pages:
// any access before the first byte or past the last one faults.
func guardedRegion(t testing.TB, size int) []byte {
	if !guardPages() {
		return make([]byte, size)
	}
	page := syscall.Getpagesize()
	data := (size + page - 1) / page * page
	m, err := syscall.Mmap(-1, 0, data+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	if err := syscall.Mprotect(m[:page], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(m[page+data:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	// The accessible bytes end where the trailing guard page starts.
	return m[page+data-size : page+data : page+data]
}
