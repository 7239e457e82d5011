package step

import (
	"strings"
	"testing"
)

func TestProgramsValidate(t *testing.T) {
	for _, p := range All() {
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		main, blocks := p.Count()
		t.Logf("%s: %d regs, %d setup ops, %d ops per vector, %d in blocks", p.Name, len(p.Regs), len(p.Setup), main, blocks)
	}
}

func TestValidateRejectsUndefined(t *testing.T) {
	p := &Program{Name: "bad", Regs: []Class{Float, Float}}
	p.Ops = []Op{{Kind: OpAdd, Dst: 1, A: 0, B: 0}}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "before it is defined") {
		t.Fatalf("Validate = %v, want an undefined-register error", err)
	}
	p = &Program{Name: "bad", Regs: []Class{Float, Mask}}
	p.Setup = []Op{{Kind: OpImm, Dst: 0}}
	p.Ops = []Op{{Kind: OpAdd, Dst: 1, A: 0, B: 0}}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "want float") {
		t.Fatalf("Validate = %v, want a class error", err)
	}
}

func TestBlockDefinitionsDoNotLeak(t *testing.T) {
	p := &Program{Name: "bad", Regs: []Class{Float, Float}}
	p.Ops = []Op{
		{Kind: OpIf, Stream: SI, Body: []Op{{Kind: OpLoad, Dst: 0, Stream: SI}}},
		{Kind: OpStore, Stream: SV, A: 0},
	}
	if err := p.Validate(); err == nil {
		t.Fatal("a register defined only inside an If block was accepted after it")
	}
}

// Validate enforces the Loop's rules: one Loop, at the top level; Time only
// inside it; optional streams inside it and the state outside it.
func TestValidateLoopRules(t *testing.T) {
	cases := []struct {
		name string
		ops  []Op
		want string
	}{
		{"time outside", []Op{{Kind: OpTime, Dst: 0}}, "Time outside the Loop"},
		{"nested", []Op{{Kind: OpLoop, Body: []Op{{Kind: OpLoop}}}}, "a Loop inside a Loop"},
		{"two loops", []Op{{Kind: OpLoop}, {Kind: OpLoop}}, "2 loops"},
		{"state inside", []Op{{Kind: OpLoop, Body: []Op{{Kind: OpLoad, Dst: 0, Stream: SV}}}}, "optional streams are accessed inside"},
		{"optional outside", []Op{{Kind: OpLoop}, {Kind: OpLoad, Dst: 0, Stream: SI}}, "optional streams are accessed inside"},
	}
	for _, c := range cases {
		p := &Program{Name: c.name, Regs: []Class{Float}, Ops: c.ops}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Validate = %v, want an error with %q", c.name, err, c.want)
		}
	}
	ok := &Program{Name: "ok", Regs: []Class{Float, Float}, Ops: []Op{
		{Kind: OpLoad, Dst: 0, Stream: SV},
		{Kind: OpLoop, Body: []Op{{Kind: OpTime, Dst: 1}, {Kind: OpIf, Stream: SI, Body: []Op{{Kind: OpLoad, Dst: 1, Stream: SI}}}}},
		{Kind: OpStore, Stream: SV, A: 0},
	}}
	if err := ok.Validate(); err != nil {
		t.Errorf("a program that keeps the rules: %v", err)
	}
}
