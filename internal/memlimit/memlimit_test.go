package memlimit

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestNeed(t *testing.T) {
	var n Need
	n.Add(3, 8)
	n.Add(5, 1)
	if n.bytes != 29 || n.overflow {
		t.Fatalf("3*8 + 5*1 = %d bytes (overflow %v), want 29", n.bytes, n.overflow)
	}
	if err := n.Check(); err != nil {
		t.Errorf("29 bytes: %v", err)
	}
	for _, tc := range []struct {
		name         string
		count, size  int
		again, wraps bool
	}{
		{"product", math.MaxInt, 8, false, true},
		{"sum", math.MaxInt, 1, true, true},
		{"negative", -1, 8, false, true},
		{"largest", math.MaxInt, 1, false, false},
	} {
		var n Need
		n.Add(tc.count, tc.size)
		if tc.again {
			n.Add(tc.count, tc.size)
			n.Add(tc.count, tc.size)
		}
		if n.overflow != tc.wraps {
			t.Errorf("%s: overflow %v, want %v", tc.name, n.overflow, tc.wraps)
		}
		if tc.wraps && n.Check() == nil {
			t.Errorf("%s: an overflowing need fits", tc.name)
		}
	}
}

func TestBytes(t *testing.T) {
	if b := Bytes(); b < 1<<20 || b > math.MaxInt {
		t.Fatalf("Bytes() = %d", b)
	}
	// The soft limit lowers it.
	prev := debug.SetMemoryLimit(64 << 20)
	defer debug.SetMemoryLimit(prev)
	if b := Bytes(); b != 64<<20 {
		t.Errorf("with a 64 MiB soft limit, Bytes() = %d", b)
	}
	var n Need
	n.Add(65<<20, 1)
	if err := n.Check(); err == nil || err.Error() != "needs 65.0 MiB of memory, more than the 64.0 MiB this process can use" {
		t.Errorf("65 MiB under a 64 MiB limit: %v", err)
	}
}

func TestSize(t *testing.T) {
	for b, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 24 << 30: "24.0 GiB", math.MaxUint64: "16.0 EiB"} {
		if got := Size(b); got != want {
			t.Errorf("Size(%d) = %q, want %q", b, got, want)
		}
	}
}
