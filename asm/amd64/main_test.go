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
// sections: V, w and the last spike time cross memory once per vector
// group (one load and one store per interleaved vector). The one-step
// section has no step loop; the many-step section has one, and on its
// common path (without the Rare blocks, which may save registers on the
// stack) nothing is written to memory except the optional output streams,
// and the state's streams are not accessed.
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
	// The frame's register, then the stream pointers that the section
	// loads from it (and keeps in registers to its end).
	frame, frameAtEntry := "", ""
	streamOf := map[string]step.Stream{}
	inSection := cfg.sec == step.OneStep
	for _, node := range fn.Nodes {
		if l, ok := node.(ir.Label); ok && l == "many" {
			// The many-step section starts with the frame's register
			// as the function's entry left it.
			inSection = cfg.sec == step.ManySteps
			frame = frameAtEntry
			continue
		}
		x, ok := node.(*ir.Instruction)
		if !ok || len(x.Operands) == 0 {
			continue
		}
		m, ok := x.Operands[0].(operand.Mem)
		switch {
		case x.Opcode == "MOVQ" && ok && m.Base != nil && m.Base.Asm() == "FP":
			frame = x.Operands[1].Asm()
			frameAtEntry = frame
			continue
		case inSection && x.Opcode == "MOVQ" && ok && m.Base != nil && m.Base.Asm() == frame && m.Disp < lay.C:
			streamOf[x.Operands[1].Asm()] = step.Stream((m.Disp - lay.Stream(0)) / step.SliceSize)
		}
		// Once the frame's register holds something else, loads based
		// on it are not the frame's.
		for _, out := range x.Outputs {
			if out.Asm() == frame {
				frame = ""
			}
		}
	}
	if len(streamOf) == 0 {
		t.Fatal("no stream pointers found")
	}

	type count struct{ loads, stores int }
	group := map[step.Stream]*count{}
	for i, s := range p.Streams {
		if s.Dir == step.State {
			group[step.Stream(i)] = &count{}
		}
	}
	in, inLoop, steps := false, "", 0
	skipTo := ""
	for _, node := range fn.Nodes {
		switch x := node.(type) {
		case ir.Label:
			switch s := string(x); {
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
			if !in {
				continue
			}
			for _, op := range x.Operands {
				m, ok := op.(operand.Mem)
				if !ok || m.Base == nil {
					continue
				}
				s, isStream := streamOf[m.Base.Asm()]
				store := slices.Contains(x.Outputs, op)
				if inLoop != "" {
					optional := isStream && p.Streams[s].Optional
					if isStream && !optional {
						t.Errorf("step loop accesses %s: %s %v", p.Streams[s].Name, x.Opcode, x.Operands)
					}
					if store && skipTo == "" && !optional {
						t.Errorf("step loop stores to %s: %s %v", m.Asm(), x.Opcode, x.Operands)
					}
					continue
				}
				if c := group[s]; isStream && c != nil && !strings.HasPrefix(x.Opcode, "PREFETCH") {
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
	want := map[step.Section]int{step.OneStep: 0, step.ManySteps: 1}[cfg.sec]
	if steps != want {
		t.Fatalf("%d step loops in the main loop, want %d", steps, want)
	}
	for s, c := range group {
		if c.loads != cfg.unroll || c.stores != cfg.unroll {
			t.Errorf("%s: %d loads and %d stores per vector group, want %d of each", p.Streams[s].Name, c.loads, c.stores, cfg.unroll)
		}
	}
}
