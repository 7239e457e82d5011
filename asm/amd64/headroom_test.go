package main

import (
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// TestHeadroom lowers the step with room taken (step.Headroom: two more
// optional inputs, one more optional output, two more constants) for every
// ISA, variant and section, and fails if one does not allocate or is
// unrolled more than one level less than the step itself: the headroom of
// the lowering for the model's next inputs must not silently reach zero.
func TestHeadroom(t *testing.T) {
	_, jobs, err := compiled()
	if err != nil {
		t.Fatal(err)
	}
	normal := map[string]config{}
	for _, j := range jobs {
		for _, cfg := range j.cfgs {
			normal[j.p.FuncName(j.isa.name)+"/"+cfg.sec.String()] = cfg
		}
	}
	for _, is := range isas {
		for _, v := range step.Variants() {
			p, q := step.Headroom(v), step.Step(v)
			for _, sec := range p.Sections() {
				t.Run(p.FuncName(is.name)+"/"+sec.String(), func(t *testing.T) {
					t.Parallel()
					cfg, err := choose(is, p, sec)
					if err != nil {
						t.Fatal(err)
					}
					base, ok := normal[q.FuncName(is.name)+"/"+sec.String()]
					if !ok {
						t.Fatalf("%s has no section %s", q.FuncName(is.name), sec)
					}
					if cfg.unroll < base.unroll-1 {
						t.Errorf("unrolled %d, the step %d: more than one level lost\n  headroom: %v\n  step:     %v", cfg.unroll, base.unroll, cfg, base)
					}
					t.Logf("%v (the step: %v)", cfg, base)
				})
			}
		}
	}
}
