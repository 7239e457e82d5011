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
