// Command amd64 lowers the step programs of asm/step to x86-64 assembly with
// avo: AVX2+FMA (YMM, 8 float32 or 4 float64 lanes, masks as vectors of
// all-ones lanes) and AVX-512 (ZMM, 16 or 8 lanes, opmask registers). It
// writes the assembly and its Go declarations (avo's stub file) for package
// kernel.
//
// Each op of a program becomes one instruction where the ISA has one (see
// lower.go). The loop-invariant ops of Program.Setup are hoisted: a constant
// is either held in a register for the whole call or, when registers run out,
// broadcast once into an aligned table on the stack and read as a memory
// operand. A step function has two sections, one for one-step calls and one
// for several steps (the step loop), chosen once per call by Frame.Steps.
// How far each section's main loop is unrolled and how many constants stay
// in registers is decided per section by asking avo's register allocator:
// the generator tries the most aggressive configuration first and keeps the
// first one that allocates, which makes the choice deterministic.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
	"github.com/mmcloughlin/avo/reg"

	"github.com/adquaif/adquaif/asm/step"
)

func main() {
	// A flag set of our own: importing avo's build package registers
	// avo's flags on the default one.
	fs := flag.NewFlagSet("amd64", flag.ExitOnError)
	out := fs.String("out", "", "assembly output file")
	stubs := fs.String("stubs", "", "Go declarations output file")
	verbose := fs.Bool("v", false, "print each function's configuration and main-loop instruction counts")
	fs.Parse(os.Args[1:])
	if *out == "" || *stubs == "" {
		log.Fatal("amd64: -out and -stubs are required")
	}
	asm, decl, report, err := generate()
	if err != nil {
		log.Fatal(err)
	}
	if *verbose {
		fmt.Fprint(os.Stderr, report)
	}
	if err := os.WriteFile(*out, asm, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*stubs, decl, 0o644); err != nil {
		log.Fatal(err)
	}
}

// config is how one section of a function is lowered.
type config struct {
	mode   mode
	unroll int  // independent vectors per main-loop iteration
	group  int  // modeMany: vectors interleaved op by op in the step loop, one group's step after another's
	vpins  int  // constants held in vector registers (the most used first)
	gpins  int  // per-neuron constant rows whose pointer stays in a register
	spins  int  // streams whose pointer stays in a register (the most used first, see streamOrder)
	spill  bool // save the values live across a Rare block inside it
}

// mode is which calls a section of a function serves. A program with a
// Loop gets two sections, so that the Step API (one step per call) and Run
// (up to 64) each run the code that suits them (see stepLoop).
type mode int

const (
	modePlain mode = iota // a program without a Loop (exprel)
	modeOne               // Steps == 1: the Loop's body once
	modeMany              // Steps > 1: the step loop
)

var modeNames = [...]string{"plain", "one step", "many steps"}

func (m mode) String() string { return modeNames[m] }

// modesOf lists the sections of p's function.
func modesOf(p *step.Program) []mode {
	if loopOf(p.Ops) == nil {
		return []mode{modePlain}
	}
	return []mode{modeOne, modeMany}
}

// job is one function of the file: a program lowered for an ISA, a
// configuration per section.
type job struct {
	isa  *isa
	p    *step.Program
	cfgs []config
}

// compileAll lowers every program for every ISA, each in the configuration
// that choose picks, into one compiled file; jobs[i] is function i.
func compileAll() (f *ir.File, jobs []job, err error) {
	for _, is := range isas {
		for _, p := range step.All() {
			var cfgs []config
			for _, m := range modesOf(p) {
				cfg, err := choose(is, p, m)
				if err != nil {
					return nil, nil, err
				}
				cfgs = append(cfgs, cfg)
			}
			jobs = append(jobs, job{is, p, cfgs})
		}
	}
	ctx := build.NewContext()
	ctx.ConstraintExpr("!purego")
	d := newData(ctx)
	for _, j := range jobs {
		lower(ctx, d, j.isa, j.p, j.cfgs...)
	}
	f, err = compile(ctx)
	return f, jobs, err
}

func generate() (asm, decl []byte, report string, err error) {
	f, jobs, err := compileAll()
	if err != nil {
		return nil, nil, "", err
	}

	var rep strings.Builder
	for i, fn := range f.Functions() {
		j := jobs[i]
		lanes := j.isa.lanes(j.p.DType)
		fmt.Fprintf(&rep, "%s (Requires: %s)\n", fn.Name, strings.Join(fn.ISA, ", "))
		for _, cfg := range j.cfgs {
			group, stp := mainLoopInstructions(fn, cfg.mode)
			per := func(n int) float64 { return float64(n) / float64(cfg.unroll*lanes) }
			fmt.Fprintf(&rep, "  %-10s unroll %d (step loop groups of %d), %2d constants in registers, %d rows and %d streams pinned, spill %-5v: %2d lanes: ",
				cfg.mode, cfg.unroll, max(cfg.group, 1), cfg.vpins, cfg.gpins, cfg.spins, cfg.spill, cfg.unroll*lanes)
			if cfg.mode == modeMany {
				fmt.Fprintf(&rep, "per step %3d instructions = %5.2f per lane, ", stp, per(stp))
			}
			fmt.Fprintf(&rep, "per group %3d instructions = %5.2f per lane\n", group, per(group))
		}
	}

	// A fixed generator name (not os.Args) keeps the output reproducible.
	pc := printer.Config{Name: "asm/amd64 from the programs of asm/step", Pkg: "kernel"}
	asm, err = printer.NewGoAsm(pc).Print(f)
	if err != nil {
		return nil, nil, "", err
	}
	decl, err = printer.NewStubs(pc).Print(f)
	if err != nil {
		return nil, nil, "", err
	}
	return asm, decl, rep.String(), nil
}

func compile(ctx *build.Context) (*ir.File, error) {
	f, err := ctx.Result()
	if err != nil {
		return nil, err
	}
	if err := compilePasses.Execute(f); err != nil {
		return nil, err
	}
	return f, nil
}

// compilePasses is avo's pass.Compile with its register allocation
// replaced by allocate, which keeps AVX2 functions to the 16 vector
// registers that VEX can encode.
var compilePasses = pass.Concat(
	pass.Verify,
	pass.FunctionPass(pass.PruneJumpToFollowingLabel),
	pass.FunctionPass(pass.PruneDanglingLabels),
	pass.FunctionPass(pass.LabelTarget),
	pass.FunctionPass(pass.CFG),
	pass.InstructionPass(pass.ZeroExtend32BitOutputs),
	pass.FunctionPass(pass.Liveness),
	pass.FunctionPass(allocate),
	pass.FunctionPass(pass.BindRegisters),
	pass.FunctionPass(pass.VerifyAllocation),
	pass.FunctionPass(pass.EnsureBasePointerCalleeSaved),
	pass.Func(pass.IncludeTextFlagHeader),
	pass.FunctionPass(pass.PruneSelfMoves),
	pass.FunctionPass(pass.RequiredISAExtensions),
	pass.FunctionPass(dropBaselineISA),
)

// dropBaselineISA removes from a function's required extensions the ones
// every x86-64 CPU has, so that the "// Requires:" lines list exactly what
// dispatch must check. avo files the PREFETCHh instructions under "MMX+"
// (AMD's name for the SSE integer and prefetch additions), and SSE is part
// of the x86-64 baseline, as is CMOV.
func dropBaselineISA(fn *ir.Function) error {
	fn.ISA = slices.DeleteFunc(fn.ISA, func(s string) bool { return s == "MMX+" || s == "CMOV" })
	return nil
}

// allocate is pass.AllocateRegisters, except that avo offers X16-X31 (and
// their Y and Z views) for every vector register, and the assembler would
// encode an AVX2 instruction that names Y16 with EVEX, which needs
// AVX512VL: so functions whose name says AVX2 get X0-X15 only.
func allocate(fn *ir.Function) error {
	as := map[reg.Kind]*pass.Allocator{}
	for _, i := range fn.Instructions() {
		for _, r := range i.Registers() {
			k := r.Kind()
			if as[k] != nil {
				continue
			}
			rs := reg.FamilyOfKind(k).Registers()
			if k == reg.KindVector && strings.Contains(fn.Name, "AVX2") {
				var low []reg.Physical
				for _, p := range rs {
					if p.PhysicalIndex() < 16 {
						low = append(low, p)
					}
				}
				rs = low
			}
			a, err := pass.NewAllocator(rs)
			if err != nil {
				return err
			}
			// Like avo: BP last, since using it costs a save and restore.
			for _, p := range rs {
				if p.Info()&reg.BasePointer != 0 {
					a.SetPriority(p.ID(), -1)
				}
			}
			as[k] = a
		}
	}
	for _, i := range fn.Instructions() {
		for _, r := range i.Registers() {
			as[r.Kind()].Add(r.ID())
		}
	}
	for _, i := range fn.Instructions() {
		for _, d := range i.OutputRegisters() {
			out := i.LiveOut.OfKind(d.Kind())
			out.DiscardRegister(d)
			as[d.Kind()].AddInterferenceSet(d, out)
		}
	}
	fn.Allocation = reg.NewEmptyAllocation()
	// Each kind is allocated on its own; a fixed order keeps it obvious
	// that the result does not depend on map iteration.
	var kinds []reg.Kind
	for k := range as {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	for _, k := range kinds {
		al, err := as[k].Allocate()
		if err != nil {
			return err
		}
		if err := fn.Allocation.Merge(al); err != nil {
			return err
		}
	}
	return nil
}

// choose finds the most aggressive configuration of p's section m for is
// that avo's register allocator accepts: the deepest unroll first, then as
// many stream pointers, per-neuron row pointers and constants in registers
// as fit. With none of them in registers, every pointer and constant is
// read through the stack, which leaves the general-purpose registers to the
// lane index, the bounds and the temporaries of one op. The sections of a
// function share no register (one of them runs), so each is tried alone.
func choose(is *isa, p *step.Program, m mode) (config, error) {
	fits := func(cfg config) bool {
		ctx := build.NewContext()
		lower(ctx, newData(ctx), is, p, cfg)
		_, err := compile(ctx)
		return err == nil
	}
	nconst := len(constantsOf(is, p))
	nstream := len(streamsOf(p.Ops))
	most := is.maxUnroll
	if m == modeMany {
		most = is.maxSerial
	}
	// The step loop interleaves pairs of vectors if they fit, else
	// emits one vector's step after another.
	groups := []int{1}
	if m == modeMany {
		groups = []int{2, 1}
	}
	for u := most; u >= 1; u-- {
		for _, g := range groups {
			for _, spill := range []bool{false, true} {
				cfg := config{mode: m, unroll: u, group: g, spill: spill, spins: nstream}
				for cfg.spins > 0 && !fits(cfg) {
					cfg.spins--
				}
				if !fits(cfg) {
					continue
				}
				more := func(pins *int, most int) {
					for *pins < most {
						*pins++
						if !fits(cfg) {
							*pins--
							return
						}
					}
				}
				if p.PerNeur {
					more(&cfg.gpins, int(step.NumConsts))
				}
				more(&cfg.vpins, nconst)
				return cfg, nil
			}
		}
	}
	ctx := build.NewContext()
	lower(ctx, newData(ctx), is, p, config{mode: m, unroll: 1, group: 1})
	_, err := compile(ctx)
	return config{}, fmt.Errorf("amd64: %s (%s) does not allocate even without unrolling: %v", name(is, p), m, err)
}

// mainLoopInstructions counts the instructions of section m's unrolled
// main loop that run on the common path, from its loop label to its tail
// label, without the bodies of Rare blocks (which run only when a lane
// needs exprel's slow path): step is those of the step loop (from its next
// label to its back edge, run once per step), group the others (run once
// per vector group, with the state's loads and stores; in modeOne, all).
func mainLoopInstructions(fn *ir.Function, m mode) (group, step int) {
	in := false
	skipTo, stepLoop := "", ""
	target := func(x *ir.Instruction) string {
		if len(x.Operands) == 1 && x.IsBranch {
			if l, ok := x.Operands[0].(interface{ Asm() string }); ok {
				return l.Asm()
			}
		}
		return ""
	}
	for _, node := range fn.Nodes {
		switch x := node.(type) {
		case ir.Label:
			switch {
			case string(x) == "loop"+m.sfx():
				in = true
			case string(x) == "tail"+m.sfx():
				in = false
			case string(x) == skipTo:
				skipTo = ""
			case in && strings.HasPrefix(string(x), "next"):
				stepLoop = string(x)
			}
		case *ir.Instruction:
			if !in || skipTo != "" {
				continue
			}
			if stepLoop != "" {
				step++
			} else {
				group++
			}
			switch t := target(x); {
			case strings.HasPrefix(t, "rare"):
				skipTo = t
			case t == stepLoop:
				stepLoop = ""
			}
		}
	}
	return group, step
}
