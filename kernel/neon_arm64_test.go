//go:build !purego

package kernel

import (
	"fmt"
	"testing"
)

// The NEON kernels are checked against generic by TestPaths (every length,
// offset and guard page) and TestGolden (bits shared with amd64), both run
// under qemu-aarch64 in CI; here, only what is particular to arm64.

// TestNEONDispatch checks that arm64 picks NEON and can be switched off.
func TestNEONDispatch(t *testing.T) {
	if got, want := Available(), []string{"neon", "generic"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Available() = %v, want %v", got, want)
	}
	defer SetISA(ISA())
	for _, name := range []string{"generic", "neon"} {
		if err := SetISA(name); err != nil {
			t.Fatal(err)
		}
		if ISA() != name {
			t.Fatalf("after SetISA(%q), ISA() = %q", name, ISA())
		}
	}
	if err := SetISA("avx2"); err == nil {
		t.Fatal(`SetISA("avx2") succeeded on arm64`)
	}
}
