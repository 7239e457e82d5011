package main

import (
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// TestBackwardAllocates lowers the backward step (every variant, both
// sections) and exprel' (each type), and fails if one does not allocate.
// The backward step's many-step section ties gradients across the step
// loop whose final FMA may find a factor in the tied register (see
// lowerFMA): that lowering runs, bit for bit, in package kernel's
// TestBackwardManySteps under qemu.
func TestBackwardAllocates(t *testing.T) {
	ps := []*step.Program{step.ExprelDeriv(step.F32), step.ExprelDeriv(step.F64)}
	for _, v := range step.Variants() {
		ps = append(ps, step.Backward(v))
	}
	for _, p := range ps {
		for _, sc := range p.Sections() {
			got, err := lowerSection(p, sc)
			if err != nil {
				t.Errorf("%s (%s): %v", p.Name, sc, err)
				continue
			}
			t.Logf("%s (%s): %d vectors per iteration, %d pointers in the stack table; %s", p.Name, sc, got.unroll, got.l.slots, got.stats)
		}
	}
}
