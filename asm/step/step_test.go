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
	p := &Program{Frame: AdQuaIFFrame, Name: "bad", Regs: []Class{Float, Float}}
	p.Ops = []Op{{Kind: OpAdd, Dst: 1, A: 0, B: 0}}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "before it is defined") {
		t.Fatalf("Validate = %v, want an undefined-register error", err)
	}
	p = &Program{Frame: AdQuaIFFrame, Name: "bad", Regs: []Class{Float, Mask}}
	p.Setup = []Op{{Kind: OpImm, Dst: 0}}
	p.Ops = []Op{{Kind: OpAdd, Dst: 1, A: 0, B: 0}}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "want float") {
		t.Fatalf("Validate = %v, want a class error", err)
	}
}

func TestBlockDefinitionsDoNotLeak(t *testing.T) {
	p := &Program{Frame: AdQuaIFFrame, Name: "bad", Regs: []Class{Float, Float}}
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
		p := &Program{Frame: AdQuaIFFrame, Name: c.name, Regs: []Class{Float}, Ops: c.ops}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Validate = %v, want an error with %q", c.name, err, c.want)
		}
	}
	ok := &Program{Frame: AdQuaIFFrame, Name: "ok", Regs: []Class{Float, Float}, Ops: []Op{
		{Kind: OpLoad, Dst: 0, Stream: SV},
		{Kind: OpLoop, Body: []Op{{Kind: OpTime, Dst: 1}, {Kind: OpIf, Stream: SI, Body: []Op{{Kind: OpLoad, Dst: 1, Stream: SI}}}}},
		{Kind: OpStore, Stream: SV, A: 0},
	}}
	if err := ok.Validate(); err != nil {
		t.Errorf("a program that keeps the rules: %v", err)
	}
}

// Validate accepts an access of an optional stream only inside an If block
// on it: not bare, not inside an If block on another stream.
func TestValidateOptionalInIf(t *testing.T) {
	load := Op{Kind: OpLoad, Dst: 0, Stream: SI}
	for name, body := range map[string][]Op{
		"bare":         {load},
		"another If":   {{Kind: OpIf, Stream: SG, Body: []Op{load}}},
		"after its If": {{Kind: OpIf, Stream: SI}, load},
	} {
		p := &Program{Frame: AdQuaIFFrame, Name: name, Regs: []Class{Float}, Ops: []Op{{Kind: OpLoop, Body: body}}}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "only inside an If block on it") {
			t.Errorf("%s: Validate = %v, want an error for Load I outside If I", name, err)
		}
	}
	p := &Program{Frame: AdQuaIFFrame, Name: "nested", Regs: []Class{Float}, Ops: []Op{{Kind: OpLoop, Body: []Op{
		{Kind: OpIf, Stream: SG, Body: []Op{{Kind: OpIf, Stream: SI, Body: []Op{load}}}},
	}}}}
	if err := p.Validate(); err != nil {
		t.Errorf("Load I inside If I inside If G: %v", err)
	}
}

// Validate checks each stream access against the frame's stream table.
func TestValidateStreamTable(t *testing.T) {
	cases := []struct {
		name string
		op   Op
		want string
	}{
		{"no such stream", Op{Kind: OpStore, Stream: 99, A: 0}, "no stream 99"},
		{"float store to bools", Op{Kind: OpStore, Stream: SRef, A: 0}, "does not hold"},
		{"read an output", Op{Kind: OpLoad, Dst: 1, Stream: SSpike}, "output stream is not read"},
		{"write an input", Op{Kind: OpStore, Stream: SI, A: 0}, "input stream is not written"},
		{"no such constant", Op{Kind: OpParam, Dst: 1, Param: 99}, "no constant 99"},
	}
	for _, c := range cases {
		p := &Program{Frame: AdQuaIFFrame, Name: c.name, Regs: []Class{Float, Float}}
		p.Setup = []Op{{Kind: OpImm, Dst: 0}}
		p.Ops = []Op{{Kind: OpLoop, Body: []Op{c.op}}}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Validate = %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// The op table answers what the case lists of kinds used to.
func TestOpTable(t *testing.T) {
	for k := Kind(0); k < NumKinds; k++ {
		info := k.Info()
		if info.Name == "" {
			t.Errorf("kind %d has no entry", k)
			continue
		}
		o := &Op{Kind: k}
		store := k == OpStore || k == OpStoreOne || k == OpStoreBool || k == OpStoreBits
		if o.IsStore() != store {
			t.Errorf("%s: IsStore = %v", k, o.IsStore())
		}
		if o.Access() != (store || k == OpLoad || k == OpIf) {
			t.Errorf("%s: Access = %v", k, o.Access())
		}
		if info.Block != (k == OpIf || k == OpRare || k == OpLoop) {
			t.Errorf("%s: Block = %v", k, info.Block)
		}
		if o.Defines() == (store || info.Block) {
			t.Errorf("%s: Defines = %v", k, o.Defines())
		}
	}
}

// The headroom programs use every extra stream and constant of their frame.
func TestHeadroomProgram(t *testing.T) {
	for _, v := range Variants() {
		p := Headroom(v)
		used, consts := p.Used(), p.UsedConsts()
		for _, name := range []string{"X1", "X2", "Y"} {
			s, ok := p.Lookup(name)
			if !ok || !used[s] {
				t.Errorf("%s: stream %s unused", p.Name, name)
			}
		}
		if v.PerNeur && !(consts[cK1] && consts[cK2]) {
			t.Errorf("%s: per-neuron rows K1, K2 unused", p.Name)
		}
		if got := len(p.Streams) - len(AdQuaIFFrame.Streams); got != 3 {
			t.Errorf("%s: %d extra streams, want 3", p.Name, got)
		}
	}
}

func TestFuncName(t *testing.T) {
	p := Step(Variant{F32, Hard, true})
	if got := p.FuncName("AVX512"); got != "stepAVX512F32HardPN" {
		t.Errorf("FuncName = %s", got)
	}
	if got := Exprel(F64).FuncName("NEON"); got != "exprelNEONF64" {
		t.Errorf("FuncName = %s", got)
	}
	if p.Name != "StepF32HardPN" {
		t.Errorf("Name = %s", p.Name)
	}
}
