package main

import (
	"testing"

	"github.com/mmcloughlin/avo/build"

	"github.com/adquaif/adquaif/asm/step"
)

// pressure is a program with n values live at once, more than either
// ISA's vector registers: x1 = V+V, x(i+1) = xi+V, then their sum from
// the last, so that every xi is live until the sum reaches it.
func pressure(n int) *step.Program {
	p := &step.Program{Frame: step.AdQuaIFFrame, Name: "PressureF32", Func: "Pressure", Tag: "F32", DType: step.F32}
	reg := func() step.Reg { p.Regs = append(p.Regs, step.Float); return step.Reg(len(p.Regs) - 1) }
	v := reg()
	p.Ops = append(p.Ops, step.Op{Kind: step.OpLoad, Dst: v, Stream: step.SV})
	xs := []step.Reg{v}
	for range n {
		x := reg()
		p.Ops = append(p.Ops, step.Op{Kind: step.OpAdd, Dst: x, A: xs[len(xs)-1], B: v})
		xs = append(xs, x)
	}
	sum := xs[n]
	for i := n - 1; i >= 1; i-- {
		s := reg()
		p.Ops = append(p.Ops, step.Op{Kind: step.OpAdd, Dst: s, A: sum, B: xs[i]})
		sum = s
	}
	p.Ops = append(p.Ops, step.Op{Kind: step.OpStore, Stream: step.SV, A: sum})
	return p
}

// TestSpillValues lowers a program with more live values than vector
// registers: without values on the stack it must not allocate (else the
// test proves nothing), and choose must find a configuration that keeps
// some there and allocates.
func TestSpillValues(t *testing.T) {
	p := pressure(40)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, is := range isas {
		ctx := build.NewContext()
		lower(ctx, newData(ctx), is, p, config{sec: step.Plain, unroll: 1, group: 1, spill: true})
		if _, err := compile(ctx, map[string]*isa{p.FuncName(is.name): is}); err == nil {
			t.Fatalf("%s: %d live values allocate without the stack; the test needs more", is.name, 40)
		}
		cfg, err := choose(is, p, step.Plain)
		if err != nil {
			t.Fatalf("%s: %v", is.name, err)
		}
		if cfg.vspill == 0 || cfg.vspill > len(spillOrder(is, p)) {
			t.Errorf("%s: %v: want some of the %d values on the stack", is.name, cfg, len(spillOrder(is, p)))
		}
		t.Logf("%s: %v", is.name, cfg)
	}
}

// TestBackwardAllocates lowers the backward step (every variant and
// section) and exprel' for every ISA, and fails if one does not allocate.
func TestBackwardAllocates(t *testing.T) {
	ps := []*step.Program{step.ExprelDeriv(step.F32), step.ExprelDeriv(step.F64)}
	for _, v := range step.Variants() {
		ps = append(ps, step.Backward(v))
	}
	for _, is := range isas {
		for _, p := range ps {
			for _, sec := range p.Sections() {
				t.Run(p.FuncName(is.name)+"/"+sec.String(), func(t *testing.T) {
					t.Parallel()
					cfg, err := choose(is, p, sec)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%v", cfg)
				})
			}
		}
	}
}
