package main

import (
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// TestHeadroom lowers, for every variant and both sections, the step
// program with two more optional inputs, one more optional output and two
// more constants (step.Headroom), and fails if it does not allocate or
// computes more than one level fewer vectors per iteration of its main loop
// than the step itself (NEON has two levels: two vectors interleaved, or
// one). It keeps the room for the next stream from silently reaching zero.
func TestHeadroom(t *testing.T) {
	for _, v := range step.Variants() {
		normal, room := step.Step(v), step.Headroom(v)
		for _, sc := range normal.Sections() {
			want, err := lowerSection(normal, sc)
			if err != nil {
				t.Fatalf("%s (%s): %v", normal.Name, sc, err)
			}
			got, err := lowerSection(room, sc)
			if err != nil {
				t.Errorf("%s (%s): %v", room.Name, sc, err)
				continue
			}
			if got.unroll < want.unroll-1 {
				t.Errorf("%s (%s): %d vectors per iteration, %s has %d", room.Name, sc, got.unroll, normal.Name, want.unroll)
			}
			t.Logf("%s (%s): %d vectors per iteration (step: %d), %d pointers in the stack table; %s",
				room.Name, sc, got.unroll, want.unroll, got.l.slots, got.stats)
		}
	}
}
