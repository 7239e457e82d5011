package main

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mmcloughlin/avo/ir"
	"github.com/mmcloughlin/avo/operand"

	"github.com/adquaif/adquaif/asm/internal/gentest"
	"github.com/adquaif/adquaif/asm/step"
)

// compiled is compileAll, run once for all the tests that read it.
func compiled() (*ir.File, []job, error) {
	r := compileOnce()
	return r.f, r.jobs, r.err
}

var compileOnce = sync.OnceValue(func() (r struct {
	f    *ir.File
	jobs []job
	err  error
}) {
	r.f, r.jobs, r.err = compileAll()
	return r
})

// TestGenerated regenerates the assembly and its declarations in memory and
// fails if the files in package kernel differ: a plain go test catches a
// stale generated file (or a change to asm/step that was not regenerated).
func TestGenerated(t *testing.T) {
	f, jobs, err := compiled()
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := printFile(f, jobs)
	if err != nil {
		t.Fatal(err)
	}
	gentest.Compare(t, kernelDir, files)
}

// kernelDir is package kernel, where the generated files are.
const kernelDir = "../../kernel"

// TestStepLoopKeepsState checks the structure of every step function's
// sections: the state (the State streams: for the step V, w and the last
// spike time) crosses memory once per vector group (a load per
// interleaved vector for each Load of the program, a store for each
// Store). The one-step section has no step loop; the many-step section
// has one, and on its common path (without the Rare blocks) nothing is
// written to memory except the optional output streams and the stack
// (parked states, values kept there), and the state's streams are not
// accessed. A stream's pointer is followed from the frame into registers
// and through the stack slots that hold it.
func TestStepLoopKeepsState(t *testing.T) {
	f, jobs, err := compiled()
	if err != nil {
		t.Fatal(err)
	}
	for i, fn := range f.Functions() {
		j := jobs[i]
		if step.LoopOf(j.p.Ops) == nil {
			continue
		}
		if len(j.cfgs) != 2 || j.cfgs[0].sec != step.OneStep || j.cfgs[1].sec != step.ManySteps {
			t.Fatalf("%s: sections %v, want one step and many steps", fn.Name, j.cfgs)
		}
		for _, cfg := range j.cfgs {
			t.Run(fn.Name+"/"+strings.ReplaceAll(cfg.sec.String(), " ", "-"), func(t *testing.T) {
				checkSection(t, fn, j.p, cfg)
			})
		}
	}
}

func checkSection(t *testing.T, fn *ir.Function, p *step.Program, cfg config) {
	lay := p.Layout()
	type count struct{ loads, stores, wantLoads, wantStores int }
	state := map[step.Stream]*count{}
	for _, o := range p.Ops {
		if s := p.Streams[o.Stream]; o.Access() && o.Kind != step.OpIf && s.Dir == step.State {
			c := state[o.Stream]
			if c == nil {
				c = &count{}
				state[o.Stream] = c
			}
			if o.IsStore() {
				c.wantStores += cfg.unroll
			} else {
				c.wantLoads += cfg.unroll
			}
		}
	}
	if len(state) == 0 {
		t.Fatal("the program accesses no state stream")
	}

	// The register that holds the frame, and the registers and stack
	// slots that hold a stream's pointer (in this section).
	frame, frameAtEntry := "", ""
	inReg, inSlot := map[string]step.Stream{}, map[string]step.Stream{}
	found := false
	isStack := func(m operand.Mem) bool { return m.Base != nil && m.Base.Asm() == "SP" }
	inSection := cfg.sec == step.OneStep
	in, inLoop, steps, skipTo := false, "", 0, ""
	for _, node := range fn.Nodes {
		switch x := node.(type) {
		case ir.Label:
			switch s := string(x); {
			case s == "many":
				// The many-step section starts with the frame's
				// register as the function's entry left it.
				inSection = cfg.sec == step.ManySteps
				frame = frameAtEntry
				inReg, inSlot = map[string]step.Stream{}, map[string]step.Stream{}
			case !inSection:
			case s == "loop"+sfx(cfg.sec):
				in = true
			case s == "tail"+sfx(cfg.sec):
				in = false
			case s == skipTo:
				skipTo = ""
			case in && strings.HasPrefix(s, "next"):
				inLoop = s
				steps++
			}
		case *ir.Instruction:
			if len(x.Operands) == 0 {
				continue
			}
			src, srcMem := x.Operands[0].(operand.Mem)
			if x.Opcode == "MOVQ" && srcMem && src.Base != nil && src.Base.Asm() == "FP" {
				frame = x.Operands[1].Asm()
				frameAtEntry = frame
				continue
			}
			if !inSection {
				continue
			}
			// Where a pointer goes: from the frame, a register or a
			// slot into a register or a slot.
			var moved *step.Stream
			switch x.Opcode {
			case "ADDQ": // the step loop moving a row pointer on
				if s, ok := inReg[x.Operands[1].Asm()]; ok {
					moved = &s
				} else if s, ok := inSlot[x.Operands[1].Asm()]; ok {
					moved = &s
				}
			case "MOVQ":
				switch {
				case srcMem && src.Base != nil && src.Base.Asm() == frame && src.Disp < lay.C:
					s := step.Stream((src.Disp - lay.Stream(0)) / step.SliceSize)
					moved = &s
				case srcMem && isStack(src):
					if s, ok := inSlot[src.Asm()]; ok {
						moved = &s
					}
				case !srcMem:
					if s, ok := inReg[x.Operands[0].Asm()]; ok {
						moved = &s
					}
				}
			}
			for _, out := range x.Outputs {
				name := out.Asm()
				if m, ok := out.(operand.Mem); ok && isStack(m) {
					delete(inSlot, name)
					if moved != nil {
						inSlot[name] = *moved
					}
					continue
				}
				if name == frame && moved == nil {
					frame = ""
				}
				delete(inReg, name)
				if moved != nil {
					inReg[name] = *moved
					found = true
				}
			}
			if !in {
				continue
			}
			for _, op := range x.Operands {
				m, ok := op.(operand.Mem)
				if !ok || m.Base == nil {
					continue
				}
				s, isStream := inReg[m.Base.Asm()]
				store := slices.Contains(x.Outputs, op)
				if inLoop != "" {
					optional := isStream && p.Streams[s].Optional
					if isStream && !optional {
						t.Errorf("step loop accesses %s: %s %v", p.Streams[s].Name, x.Opcode, x.Operands)
					}
					if store && skipTo == "" && !optional && !isStack(m) {
						t.Errorf("step loop stores to %s: %s %v", m.Asm(), x.Opcode, x.Operands)
					}
					continue
				}
				if c := state[s]; isStream && c != nil && !strings.HasPrefix(x.Opcode, "PREFETCH") {
					if store {
						c.stores++
					} else {
						c.loads++
					}
				}
			}
			if x.IsBranch && len(x.Operands) == 1 {
				switch l := x.Operands[0].Asm(); {
				case strings.HasPrefix(l, "rare"):
					skipTo = l
				case l == inLoop:
					inLoop = ""
				}
			}
		}
	}
	if !found {
		t.Fatal("no stream pointers found")
	}
	want := map[step.Section]int{step.OneStep: 0, step.ManySteps: 1}[cfg.sec]
	if steps != want {
		t.Fatalf("%d step loops in the main loop, want %d", steps, want)
	}
	for s, c := range state {
		if c.loads != c.wantLoads || c.stores != c.wantStores {
			t.Errorf("%s: %d loads and %d stores per vector group, want %d and %d", p.Streams[s].Name, c.loads, c.stores, c.wantLoads, c.wantStores)
		}
	}
}
