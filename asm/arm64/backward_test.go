package main

import (
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// TestBackwardAllocates lowers the backward step (every variant, both
// sections) and exprel' (each type), and fails if one does not allocate.
// In the backward step's many-step section, the FMA that gives a gradient
// carried across the step loop may find a factor in the carried register
// (see lowerFMA); package kernel's TestBackwardManySteps runs that code
// under qemu and holds it to generic's bits.
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
