package main

import (
	"strings"
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// A Select whose destination is its B operand (x = m ? x : y) keeps x
// where m is set and takes y elsewhere: one conditional assignment of y,
// not x = y first.
func TestSelectIntoB(t *testing.T) {
	p := &step.Program{Frame: step.AdQuaIFFrame, Name: "SelF32", Func: "Sel", Tag: "F32", DType: step.F32,
		Regs: []step.Class{step.Float, step.Float, step.Mask}, Names: []string{"x", "y", "m"}}
	p.Ops = []step.Op{
		{Kind: step.OpLoad, Dst: 0, Stream: step.SV},
		{Kind: step.OpLoad, Dst: 1, Stream: step.SW},
		{Kind: step.OpCmpGE, Dst: 2, A: 0, B: 1},
		{Kind: step.OpSelect, Dst: 0, A: 2, B: 0, C: 1},
		{Kind: step.OpStore, Stream: step.SV, A: 0},
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	files, err := generateFor([]*step.Program{p})
	if err != nil {
		t.Fatal(err)
	}
	// The code with its whitespace collapsed: gofmt breaks the if.
	src := strings.Join(strings.Fields(string(files["step_gen.go"])), " ")
	if !strings.Contains(src, "if !m { x = y }") || strings.Contains(src, "x = x") {
		t.Errorf("the select is not if !m { x = y }:\n%s", files["step_gen.go"])
	}
}
