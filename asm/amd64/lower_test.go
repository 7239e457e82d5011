package main

import (
	"testing"

	"github.com/mmcloughlin/avo/build"

	"github.com/adquaif/adquaif/asm/step"
)

// TestLoopLiveness checks the liveness that the lowering itself uses for a
// register defined before the Loop and last read inside it (r0 below): the
// next step reads it again, so no op of the body may take its register,
// while the state's old value, overwritten before any read, is dead in the
// middle of the body.
//
//	r0 = Load V; r1 = Load W; r2 = Load Last
//	Loop { r3 = Time; r4 = Mul r0 r3; r5 = Add r4 r1; r1 = Mul r5 r5; r2 = Add r2 r4 }
//	Store W r1; Store Last r2
func TestLoopLiveness(t *testing.T) {
	p := &step.Program{Frame: step.AdQuaIFFrame, Name: "StepLiveness", Func: "Step", Tag: "Liveness", DType: step.F32, Regs: make([]step.Class, 6)}
	p.Ops = []step.Op{
		{Kind: step.OpLoad, Dst: 0, Stream: step.SV},
		{Kind: step.OpLoad, Dst: 1, Stream: step.SW},
		{Kind: step.OpLoad, Dst: 2, Stream: step.SLast},
		{Kind: step.OpLoop, Body: []step.Op{
			{Kind: step.OpTime, Dst: 3},
			{Kind: step.OpMul, Dst: 4, A: 0, B: 3},
			{Kind: step.OpAdd, Dst: 5, A: 4, B: 1},
			{Kind: step.OpMul, Dst: 1, A: 5, B: 5},
			{Kind: step.OpAdd, Dst: 2, A: 2, B: 4},
		}},
		{Kind: step.OpStore, Stream: step.SW, A: 1},
		{Kind: step.OpStore, Stream: step.SLast, A: 2},
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, is := range isas {
		f := &fn{is: is, p: p}
		f.schedule()
		var mul, add *step.Op
		step.Walk(f.ops, func(o *step.Op) {
			switch {
			case o.Kind == step.OpMul && o.A == 0:
				mul = o
			case o.Kind == step.OpAdd && o.Dst == 5:
				add = o
			}
		})
		if f.last[0] != f.loopEnd || f.last[0] <= f.pos[mul] {
			t.Errorf("%s: r0 is last mentioned at %d, want the end of the loop body %d", is.name, f.last[0], f.loopEnd)
		}
		if !f.liveAfter(0, f.pos[mul]) {
			t.Errorf("%s: r0 is dead after its read in the loop body; the next step reads it", is.name)
		}
		if f.liveAfter(1, f.pos[add]) {
			t.Errorf("%s: r1 is live after its last read of the step, before it is overwritten", is.name)
		}
		if !f.liveAfter(2, f.pos[add]) {
			t.Errorf("%s: r2 is dead before the op that reads it", is.name)
		}
		// And the whole function lowers and allocates, with both
		// sections.
		ctx := build.NewContext()
		lower(ctx, newData(ctx), is, p, config{sec: step.OneStep, unroll: 2}, config{sec: step.ManySteps, unroll: 3, group: 2})
		if _, err := compile(ctx, map[string]*isa{p.FuncName(is.name): is}); err != nil {
			t.Errorf("%s: %v", is.name, err)
		}
	}
}

// TestEveryOpLowered checks that every op of the op table has exactly one
// lowering: per vector, or once for all the interleaved vectors.
func TestEveryOpLowered(t *testing.T) {
	for k := step.Kind(0); k < step.NumKinds; k++ {
		_, one := perVector[k]
		_, all := allVectors[k]
		if one == all {
			t.Errorf("%s: lowered per vector %v, for all vectors %v; want exactly one", k, one, all)
		}
	}
}
