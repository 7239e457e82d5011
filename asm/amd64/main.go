// Command amd64 lowers the step programs of asm/step to x86-64 assembly with
// avo: AVX2+FMA (YMM, 8 float32 or 4 float64 lanes, masks as vectors of
// all-ones lanes) and AVX-512 (ZMM, 16 or 8 lanes, opmask registers). It
// writes the assembly and its Go declarations (avo's stub file) for package
// kernel.
//
// Each op of a program becomes one instruction where the ISA has one (see
// lower.go); the lowerings are tables over the op kinds (perVector,
// allVectors), and everything about streams, constants and the frame comes
// from the program's tables (step.Frame, its Layout). The loop-invariant
// ops of Program.Setup are hoisted: a constant is either held in a
// register for the whole call or, when registers run out, broadcast once
// into an aligned table on the stack and read as a memory operand. Stream
// pointers and per-neuron constant rows are addressed the same way: each
// pointer is in a register of its own or in a slot on the stack, loaded
// once per op for all interleaved vectors, so that a program with more
// streams than registers still allocates. A step function has two
// sections, one for one-step calls and one for several steps (the step
// loop), chosen once per call by Frame.Steps; the step loop may keep each
// vector's state on the stack between its steps. How far each section's
// main loop is unrolled, and which constants, rows and stream pointers stay
// in registers, is decided per section by asking avo's register allocator:
// the generator tries the most aggressive configuration first and keeps
// the first one that allocates, which makes the choice deterministic. A
// program with more values live at once than the vector registers hold
// (the backward step on AVX2) keeps some on the stack from their
// definition on, the longest-lived first, read back as memory operands:
// the fewest with which the leanest configuration allocates, then the
// search as before with that many. A program that allocates without them
// never gets any, so the step's kernels are unchanged. The
// assembly carries each section's configuration in its function's header
// and a comment per IR op; -v prints the configurations and the main
// loops' instruction counts.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
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
	out := fs.String("out", "", "directory of package kernel")
	verbose := fs.Bool("v", false, "print each function's configuration and main-loop instruction counts")
	fs.Parse(os.Args[1:])
	if *out == "" {
		log.Fatal("amd64: -out is required")
	}
	files, report, err := generate()
	if err != nil {
		log.Fatal(err)
	}
	if *verbose {
		fmt.Fprint(os.Stderr, report)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(*out, name), src, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// The files generate writes into package kernel: the assembly and its Go
// declarations (avo's stub file).
const (
	asmFile  = "step_amd64.s"
	declFile = "step_amd64.go"
)

// config is how one section of a function is lowered.
type config struct {
	sec    step.Section
	unroll int  // independent vectors per main-loop iteration
	group  int  // ManySteps: vectors interleaved op by op in the step loop, one group's step after another's
	vpins  int  // constants held in vector registers (the most used first)
	gpins  int  // per-neuron constant rows whose pointer stays in a register
	spins  int  // streams whose pointer stays in a register (the most used first, see streamOrder)
	spill  bool // save the values live across a Rare block inside it
	park   bool // ManySteps: keep each vector's state on the stack between its steps
	vspill int  // values kept on the stack from their definition on (the first of the spill order)
}

// String describes the configuration, as the header of the function's
// assembly and in the generator's report.
func (cfg config) String() string {
	s := fmt.Sprintf("%s: unroll %d (step loop groups of %d), %d constants, %d rows and %d streams in registers, spill %v",
		cfg.sec, cfg.unroll, max(cfg.group, 1), cfg.vpins, cfg.gpins, cfg.spins, cfg.spill)
	if cfg.park {
		s += ", states parked"
	}
	if cfg.vspill > 0 {
		s += fmt.Sprintf(", %d values on the stack", cfg.vspill)
	}
	return s
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
			for _, sec := range p.Sections() {
				cfg, err := choose(is, p, sec)
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
	f, err = compile(ctx, isaOf(jobs))
	return f, jobs, err
}

// generate lowers every program and prints the files of package kernel, by
// name, and the report of -v.
func generate() (files map[string][]byte, report string, err error) {
	f, jobs, err := compileAll()
	if err != nil {
		return nil, "", err
	}
	return printFile(f, jobs)
}

// printFile prints the compiled file f of jobs.
func printFile(f *ir.File, jobs []job) (files map[string][]byte, report string, err error) {

	var rep strings.Builder
	for i, fn := range f.Functions() {
		j := jobs[i]
		lanes := j.isa.lanes(j.p.DType)
		fmt.Fprintf(&rep, "%s (Requires: %s)\n", fn.Name, strings.Join(fn.ISA, ", "))
		for _, cfg := range j.cfgs {
			group, stp := mainLoopInstructions(fn, cfg.sec)
			per := func(n int) float64 { return float64(n) / float64(cfg.unroll*lanes) }
			fmt.Fprintf(&rep, "  %s: %d lanes: ", cfg, cfg.unroll*lanes)
			if cfg.sec == step.ManySteps {
				fmt.Fprintf(&rep, "per step %3d instructions = %5.2f per lane, ", stp, per(stp))
			}
			fmt.Fprintf(&rep, "per group %3d instructions = %5.2f per lane\n", group, per(group))
		}
	}

	// A fixed generator name (not os.Args) keeps the output reproducible.
	pc := printer.Config{Name: "asm/amd64 from the programs of asm/step", Pkg: "kernel"}
	asm, err := printer.NewGoAsm(pc).Print(f)
	if err != nil {
		return nil, "", err
	}
	decl, err := printer.NewStubs(pc).Print(f)
	if err != nil {
		return nil, "", err
	}
	return map[string][]byte{asmFile: asm, declFile: decl}, rep.String(), nil
}

// isaOf maps each function's name to its ISA.
func isaOf(jobs []job) map[string]*isa {
	m := map[string]*isa{}
	for _, j := range jobs {
		m[j.p.FuncName(j.isa.name)] = j.isa
	}
	return m
}

// compile runs avo's passes over the functions of ctx, which isas maps to
// their ISAs.
func compile(ctx *build.Context, isas map[string]*isa) (*ir.File, error) {
	f, err := ctx.Result()
	if err != nil {
		return nil, err
	}
	if err := compilePasses(isas).Execute(f); err != nil {
		return nil, err
	}
	return f, nil
}

// compilePasses is avo's pass.Compile with its register allocation
// replaced by allocate, which gives each function the vector registers
// its ISA encodes.
func compilePasses(isas map[string]*isa) pass.Interface {
	return pass.Concat(compileStart, pass.FunctionPass(func(fn *ir.Function) error { return allocate(fn, isas[fn.Name]) }), compileEnd)
}

var compileStart = pass.Concat(
	pass.Verify,
	pass.FunctionPass(pass.PruneJumpToFollowingLabel),
	pass.FunctionPass(pass.PruneDanglingLabels),
	pass.FunctionPass(pass.LabelTarget),
	pass.FunctionPass(pass.CFG),
	pass.InstructionPass(pass.ZeroExtend32BitOutputs),
	pass.FunctionPass(pass.Liveness),
)

var compileEnd = pass.Concat(
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

// allocate is pass.AllocateRegisters with the vector registers limited to
// those that is encodes (see isas).
func allocate(fn *ir.Function, is *isa) error {
	as := map[reg.Kind]*pass.Allocator{}
	for _, i := range fn.Instructions() {
		for _, r := range i.Registers() {
			k := r.Kind()
			if as[k] != nil {
				continue
			}
			rs := reg.FamilyOfKind(k).Registers()
			if k == reg.KindVector {
				rs = slices.DeleteFunc(slices.Clone(rs), func(p reg.Physical) bool { return int(p.PhysicalIndex()) >= is.vectors })
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
			return fmt.Errorf("%s registers: %w", kindNames[k], err)
		}
		if err := fn.Allocation.Merge(al); err != nil {
			return err
		}
	}
	return nil
}

// streamPinLimit caps the stream pointers a section keeps in registers,
// alwaysPark makes every step loop park its vectors' states, and
// valueSpillMin is the fewest values a section keeps on the stack (all,
// if it exceeds the spill order). The step programs need none of them: a
// test lowers every kernel with none pinned, all parked and every value on
// the stack, and runs the kernel's tests on them.
var (
	streamPinLimit = int(^uint(0) >> 1)
	alwaysPark     = false
	valueSpillMin  = 0
)

// kindNames names the register kinds in allocation errors.
var kindNames = map[reg.Kind]string{reg.KindGP: "general-purpose", reg.KindVector: "vector", reg.KindOpmask: "opmask"}

// choose finds the most aggressive configuration of p's section sec for
// is that avo's register allocator accepts: the deepest unroll first; for
// the step loop, the states kept in registers before parked; pairs of
// vectors before single ones; no spill before spills; then as many stream
// pointers, per-neuron row pointers and constants in registers as fit.
// With none of them in registers, every pointer and constant is read
// through the stack, which leaves the general-purpose registers to the
// lane index, the bounds and the temporaries of one op. The sections of a
// function share no register (one of them runs), so each is tried alone.
func choose(is *isa, p *step.Program, sec step.Section) (config, error) {
	alone := map[string]*isa{p.FuncName(is.name): is}
	try := func(cfg config) error {
		ctx := build.NewContext()
		lower(ctx, newData(ctx), is, p, cfg)
		_, err := compile(ctx, alone)
		return err
	}
	fits := func(cfg config) bool { return try(cfg) == nil }
	nconst := len(constantsOf(is, p))
	nstream := 0
	for _, used := range p.Used() {
		if used {
			nstream++
		}
	}
	nstream = min(nstream, streamPinLimit)
	most := is.maxUnroll
	if sec == step.ManySteps {
		most = is.maxSerial
	}
	// The step loop interleaves pairs of vectors if they fit, else
	// emits one vector's step after another; it parks the vectors'
	// states only if that keeps more vectors in flight.
	groups, parks := []int{1}, []bool{false}
	if sec == step.ManySteps {
		groups, parks = []int{2, 1}, []bool{false, true}
		if alwaysPark {
			parks = []bool{true}
		}
	}
	search := func(vspill int) (config, bool) {
		for u := most; u >= 1; u-- {
			for _, park := range parks {
				for _, g := range groups {
					for _, spill := range []bool{false, true} {
						cfg, ok := fitStreams(config{sec: sec, unroll: u, group: g, spill: spill, park: park, vspill: vspill}, nstream, fits)
						if !ok {
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
							more(&cfg.gpins, len(p.Consts))
						}
						more(&cfg.vpins, nconst)
						return cfg, true
					}
				}
			}
		}
		return config{}, false
	}
	// The leanest configuration: if it does not allocate, nothing does
	// with vspill values on the stack, and more must go there.
	nspill := len(spillOrder(is, p))
	vspill := min(valueSpillMin, nspill)
	lean := config{sec: sec, unroll: 1, group: 1, spill: true, park: sec == step.ManySteps, vspill: vspill}
	if fits(lean) {
		if cfg, ok := search(vspill); ok {
			return cfg, nil
		}
	}
	// Too many values live at once even for one vector: keep the fewest
	// values on the stack with which the leanest configuration
	// allocates, then search again with that many.
	if k, ok := fewestSpills(lean, vspill, nspill, fits); ok {
		if cfg, ok := search(k); ok {
			return cfg, nil
		}
	}
	err := try(config{sec: sec, unroll: 1, group: 1, vspill: nspill})
	return config{}, fmt.Errorf("amd64: %s (%s) does not allocate even without unrolling and with every value on the stack: %v", p.FuncName(is.name), sec, err)
}

// fewestSpills finds, by bisection between lo (which does not fit) and n,
// the fewest values kept on the stack with which cfg fits; false if it
// does not fit even with all n.
func fewestSpills(cfg config, lo, n int, fits func(config) bool) (int, bool) {
	cfg.vspill = n
	if !fits(cfg) {
		return 0, false
	}
	hi := n
	for hi-lo > 1 {
		cfg.vspill = (lo + hi) / 2
		if fits(cfg) {
			hi = cfg.vspill
		} else {
			lo = cfg.vspill
		}
	}
	return hi, true
}

// fitStreams sets cfg.spins to the most of the section's n streams whose
// pointers fit in registers along with everything else cfg holds there,
// and reports false if cfg does not fit even with none (which is tried
// second, so that a configuration that cannot fit costs two tries).
func fitStreams(cfg config, n int, fits func(config) bool) (config, bool) {
	cfg.spins = n
	if fits(cfg) {
		return cfg, true
	}
	cfg.spins = 0
	if !fits(cfg) {
		return cfg, false
	}
	for cfg.spins = n - 1; cfg.spins > 0 && !fits(cfg); cfg.spins-- {
	}
	return cfg, true
}

// mainLoopInstructions counts the instructions of section m's unrolled
// main loop that run on the common path, from its loop label to its tail
// label, without the bodies of Rare blocks (which run only when a lane
// needs exprel's slow path): steps is those of the step loop (from its next
// label to its back edge, run once per step), group the others (run once
// per vector group, with the state's loads and stores; in OneStep, all).
func mainLoopInstructions(fn *ir.Function, sec step.Section) (group, steps int) {
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
			case string(x) == "loop"+sfx(sec):
				in = true
			case string(x) == "tail"+sfx(sec):
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
				steps++
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
	return group, steps
}

// spillOrder is the spill order of p's functions for is (see
// spillCandidates).
func spillOrder(is *isa, p *step.Program) []step.Reg {
	f := &fn{is: is, p: p}
	f.schedule()
	return f.spillCandidates()
}
