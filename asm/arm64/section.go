package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/adquaif/adquaif/asm/step"
)

// sectionPrefix starts the labels of each section's code.
var sectionPrefix = [...]string{step.Plain: "", step.OneStep: "one", step.ManySteps: "many"}

// lowerProgram lowers p's sections and prints its function: the header
// with each section's configuration, the frame of the pointer table, the
// choice of section by Frame.Steps, then the sections.
func lowerProgram(p *step.Program) (*kernel, error) {
	k := &kernel{name: p.FuncName("NEON")}
	var secs []*section
	slots := 0
	for _, sc := range p.Sections() {
		sec, err := lowerSection(p, sc)
		if err != nil {
			return nil, err
		}
		secs = append(secs, sec)
		slots = max(slots, sec.l.slots)
		k.lanes = sec.lanes
		k.unroll = append(k.unroll, sec.unroll)
		k.stats = append(k.stats, sec.stats)
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "\n// func %s(f *generic.%s)\n//\n", k.name, p.GoType(p.DType))
	for _, sec := range secs {
		for _, line := range sec.config() {
			fmt.Fprintf(&w, "// %s\n", line)
		}
	}
	// The stack frame holds the pointer table, if a section has one.
	fmt.Fprintf(&w, "TEXT ·%s(SB), NOSPLIT, $%d-8\n", k.name, 8*slots)
	fmt.Fprintf(&w, "\tMOVD f+0(FP), %s\n", rFrame)
	if len(secs) > 1 {
		fmt.Fprintf(&w, "\tMOVD %d(%s), %s // Steps\n", p.Layout().Steps, rFrame, rTmp)
		// Steps <= 1 takes the one-step section, as generic makes at
		// least one step: the step loop is never entered with no step.
		fmt.Fprintf(&w, "\tCMP $1, %s\n", rTmp)
		fmt.Fprintf(&w, "\tBGT %s\n", sectionPrefix[step.ManySteps])
	}
	for _, sec := range secs {
		if sec.l.sec == step.ManySteps {
			fmt.Fprintf(&w, "%s:\n", sec.l.prefix)
		}
		w.WriteString(sec.text)
	}
	k.text = w.String()
	return k, nil
}

// section is one lowered section of a kernel: its setup, loops and RET.
type section struct {
	lanes, unroll int
	text, stats   string
	bodies        map[string]*body // by loop label
	l             *lowering
}

// lowerSection lowers section sc of program p: the pointers and counters
// get their general registers, the constants and bodies their vector
// registers, then the entry code and the loops are printed.
func lowerSection(p *step.Program, sc step.Section) (*section, error) {
	l, err := newLowering(p, sc)
	if err != nil {
		return nil, err
	}
	setup := l.extendSetup()
	l.allocPointers()
	bodies, err := l.fitBodies(setup)
	if err != nil {
		return nil, err
	}
	sec := &section{lanes: l.lanes, unroll: 1, bodies: map[string]*body{}, l: l}
	var w bytes.Buffer
	ins := func(format string, args ...any) { fmt.Fprintf(&w, "\t"+format+"\n", args...) }
	l.entry(ins, setup)
	if bodies.two != nil {
		sec.unroll = 2
		sec.loop(&w, "loop2", bodies.two, 2*l.lanes)
	}
	sec.loop(&w, "loop1", bodies.one, l.lanes)
	sec.loop(&w, "tail", bodies.tail, 1)
	writeLines(&w, l.bitsFlush())
	ins("RET")
	sec.text = w.String()
	sec.stats = l.stats(bodies)
	return sec, nil
}

// newLowering starts section sc of p: its vector shape, the frame's layout
// and the packed stream, if the program writes one.
func newLowering(p *step.Program, sc step.Section) (*lowering, error) {
	l := &lowering{p: p, sec: sc, prefix: sectionPrefix[sc], size: p.DType.Size(), lay: p.Layout(), setup: map[step.Reg]*step.Op{}, bits: -1}
	l.lanes = 16 / l.size
	l.varr, l.earr = "S4", "4s"
	if p.DType == step.F64 {
		l.varr, l.earr = "D2", "2d"
	}
	for s, spec := range p.Streams {
		if spec.Packed() && p.Used()[s] {
			if l.bits >= 0 {
				// The lane counter and the gathered word of a
				// section serve one packed stream.
				return nil, fmt.Errorf("arm64: %s: packed streams %s and %s; one is lowered", p.Name, p.Streams[l.bits].Name, spec.Name)
			}
			l.bits = step.Stream(s)
		}
	}
	return l, nil
}

// extendSetup returns the section's loop-invariant ops: the program's
// Setup, extended by 1.0 if StoreOne needs it and no op defined it, and,
// for OneStep, by the Loop's Time ops: t is T[0] for every vector.
func (l *lowering) extendSetup() []step.Op {
	p := l.p
	setup := append([]step.Op(nil), p.Setup...)
	if l.sec == step.OneStep {
		step.Walk(p.Ops, func(o *step.Op) {
			if o.Kind == step.OpTime {
				setup = append(setup, *o)
			}
		})
	}
	oneBits := math.Float64bits(1)
	if p.DType == step.F32 {
		oneBits = uint64(math.Float32bits(1))
	}
	l.one = -1
	for i := range setup {
		if setup[i].Kind == step.OpImm && p.Regs[setup[i].Dst] == step.Float && setup[i].Imm == oneBits {
			l.one = setup[i].Dst
		}
	}
	if l.one < 0 {
		l.one = step.Reg(len(p.Regs))
		setup = append(setup, step.Op{Kind: step.OpImm, Dst: l.one, Imm: oneBits})
	}
	for i := range setup {
		l.setup[setup[i].Dst] = &setup[i]
	}
	return setup
}

// setupUses counts the reads of each setup value outside Rare blocks.
func (l *lowering) setupUses() map[step.Reg]int {
	uses := map[step.Reg]int{}
	var count func(ops []step.Op)
	count = func(ops []step.Op) {
		for i := range ops {
			o := &ops[i]
			if o.Kind == step.OpRare {
				continue
			}
			for _, r := range o.Inputs() {
				if _, ok := l.setup[r]; ok {
					uses[r]++
				}
			}
			if o.Kind == step.OpStoreOne {
				uses[l.one]++
			}
			count(o.Body)
		}
	}
	count(l.p.Ops)
	return uses
}

// bodies are the loop bodies of a section: two vectors an iteration (nil
// if they do not fit), one, and one lane.
type bodies struct{ two, one, tail *body }

// fitBodies pins the setup values used outside Rare blocks in vector
// registers (Rare blocks rematerialize what is not pinned) and lowers the
// bodies. If one vector or the lane does not fit in the 32 registers, it
// unpins the least used value, which is then rematerialized before each
// use; two vectors are lowered if they fit with those pins (ManySteps: with
// fewer, see below).
func (l *lowering) fitBodies(setup []step.Op) (bodies, error) {
	uses := l.setupUses()
	var cand []step.Reg
	for r := range setup {
		if uses[setup[r].Dst] > 0 {
			cand = append(cand, setup[r].Dst)
		}
	}
	for len(cand) > pinLimit {
		cand = dropLeastUsed(cand, uses)
	}
	var b bodies
	for {
		l.pin(cand)
		var err1, err2 error
		b.one, err1 = l.body(1, false)
		b.tail, err2 = l.body(1, true)
		if err1 == nil && err2 == nil {
			break
		}
		if len(cand) == 0 {
			return b, fmt.Errorf("arm64: %s does not fit in 32 vector registers: %v %v", l.p.Name, err1, err2)
		}
		cand = dropLeastUsed(cand, uses)
	}
	b.two, _ = l.body(2, false) // nil if two vectors at once do not fit: one per iteration
	if b.two != nil || l.sec != step.ManySteps {
		return b, nil
	}
	// The steps of one vector are a chain of dependent operations, the
	// next step waiting for the last one's V: two vectors interleaved hide
	// half of that latency, which is worth rematerializing a few more
	// constants (a broadcast is off the chain).
	for c2 := cand; len(c2) > 0; {
		c2 = dropLeastUsed(c2, uses)
		l.pin(c2)
		two, err := l.body(2, false)
		if err != nil {
			continue
		}
		var err1, err2 error
		b.two = two
		b.one, err1 = l.body(1, false)
		b.tail, err2 = l.body(1, true)
		if err1 != nil || err2 != nil {
			return b, fmt.Errorf("arm64: %s: with fewer constants pinned, one vector no longer fits: %v %v", l.p.Name, err1, err2)
		}
		return b, nil
	}
	l.pin(cand)
	return b, nil
}

// pin gives the setup values cand the vector registers from V31 down.
func (l *lowering) pin(cand []step.Reg) {
	l.pinned = map[step.Reg]int{}
	for i, r := range cand {
		l.pinned[r] = 31 - i
	}
}

// entry prints the section's entry code: the lane count, the constant
// table, the pointers (ManySteps: but the optional streams', set for each
// vector), the rows, the counters, the row distances kept in registers and
// the pinned constants.
func (l *lowering) entry(ins func(string, ...any), setup []step.Op) {
	p := l.p
	ins("MOVD %d(%s), %s // N", l.lay.N, rFrame, rN)
	ins("MOVD %d(%s), %s // C", l.lay.C, rFrame, rC)
	for s, ptr := range l.stream {
		spec := p.Streams[s]
		if ptr == nil || l.sec == step.ManySteps && spec.Optional {
			continue
		}
		note := ""
		if spec.Optional {
			note = " (nil if absent)"
		}
		ins("MOVD %d(%s), %s // %s%s", l.lay.Stream(step.Stream(s)), rFrame, l.regOf(ptr), spec.Name, note)
		l.saveTo(ins, ptr)
	}
	if p.PerNeur {
		// Row c of the constant table starts at C + c*Stride elements.
		ins("MOVD %d(%s), %s", l.lay.Stride, rFrame, rTmp)
		ins("LSL $%d, %s", step.Log2(l.size), rTmp)
		for c, ptr := range l.row {
			if ptr != nil {
				r := l.regOf(ptr)
				ins("MOVD $%d, %s", c, r)
				ins("MADD %s, %s, %s, %s // row %s", rTmp, rC, r, r, p.Consts[c].Name)
				l.saveTo(ins, ptr)
			}
		}
	}
	if l.lane != "" {
		ins("MOVD ZR, %s // lane", l.lane)
	}
	if l.bitsAcc != "" {
		ins("MOVD ZR, %s // %s word", l.bitsAcc, p.Streams[l.bits].Name)
	}
	for s, r := range l.stride {
		if r != "" {
			ins("MOVD %d(%s), %s // %s row distance", l.lay.Row(step.Stream(s)), rFrame, r, p.Streams[s].Name)
			if k := step.Log2(l.elemSize(step.Stream(s))); k > 0 {
				ins("LSL $%d, %s", k, r)
			}
		}
	}
	for i := range setup {
		if ph, ok := l.pinned[setup[i].Dst]; ok {
			lines := l.materialize(setup[i].Dst, ph)
			for j, line := range lines {
				if j == len(lines)-1 {
					line += " // " + l.describe(setup[i].Dst)
				}
				ins("%s", line)
			}
		}
	}
}

// loop prints a loop over body b that runs while step lanes remain: rN is
// counted down before the test, so an iteration costs one SUBS and one
// branch, and restored after the loop for the next one.
func (sec *section) loop(w *bytes.Buffer, label string, b *body, step int) {
	label = sec.l.prefix + label
	sec.bodies[label] = b
	fmt.Fprintf(w, "\tSUBS $%d, %s\n\tBLT %send\n%s:\n", step, rN, label, label)
	writeLines(w, b.lines)
	fmt.Fprintf(w, "\tSUBS $%d, %s\n\tBGE %s\n%send:\n\tADD $%d, %s\n", step, rN, label, label, step, rN)
}

// writeLines prints a body's lines: labels as they are, instructions and
// comments indented.
func writeLines(w *bytes.Buffer, lines []string) {
	for _, line := range lines {
		if strings.HasSuffix(line, ":") {
			fmt.Fprintf(w, "%s\n", line)
		} else {
			fmt.Fprintf(w, "\t%s\n", line)
		}
	}
}

// stats is the section's line of statistics: its configuration and
// instruction counts per vector (ManySteps: per vector and step), on the
// main path of the main loop.
func (l *lowering) stats(b bodies) string {
	name := fmt.Sprintf("%s (%s)", l.p.FuncName("NEON"), l.sec)
	mb, u := b.one, 1
	if b.two != nil {
		mb, u = b.two, 2
	}
	if l.sec == step.ManySteps {
		return fmt.Sprintf("%s: %d vectors per iteration, %d pinned constants; per vector and step: %.1f instructions on the main path (%.1f with no optional buffer), %d in Rare blocks; per vector: %.1f around the step loop",
			name, u, len(l.pinned), float64(mb.main)/float64(u), float64(mb.bare)/float64(u), b.one.rare, float64(mb.group)/float64(u))
	}
	return fmt.Sprintf("%s: %d vectors per iteration, %d pinned constants; per vector: %d instructions on the main path (%d with no optional buffer), %d in Rare blocks",
		name, u, len(l.pinned), b.one.main, b.one.bare, b.one.rare)
}

// config describes, for the function's header, what the generator chose
// for the section: vectors per iteration, the constants pinned in vector
// registers, and where the pointers, counters and row distances are.
func (sec *section) config() []string {
	l := sec.l
	p := l.p
	loops := "1 vector per iteration of the main loop, then lane by lane."
	if sec.unroll == 2 {
		loops = "2 vectors per iteration of the main loop, then 1, then lane by lane."
	}
	lines := []string{fmt.Sprintf("%s: %s", l.sec, loops)}
	var pins []string
	pinned := l.pinnedRegs()
	for i := range pinned {
		r := pinned[len(pinned)-1-i] // from V31 down
		pins = append(pins, fmt.Sprintf("V%d %s", l.pinned[r], l.describe(r)))
	}
	if len(pins) == 0 {
		pins = []string{"none"}
	}
	lines = append(lines, wrap("  Pinned constants (the others are broadcast before each use): "+strings.Join(pins, ", ")+".")...)
	var regs, table []string
	name := func(s int) string { return p.Streams[s].Name }
	for s, ptr := range l.stream {
		if ptr != nil {
			if ptr.reg != "" {
				regs = append(regs, name(s)+" "+ptr.reg)
			} else {
				table = append(table, name(s))
			}
		}
	}
	for c, ptr := range l.row {
		if ptr != nil {
			if ptr.reg != "" {
				regs = append(regs, "row "+p.Consts[c].Name+" "+ptr.reg)
			} else {
				table = append(table, "row "+p.Consts[c].Name)
			}
		}
	}
	lines = append(lines, wrap("  Pointers in registers: "+orNone(regs)+".")...)
	if len(table) > 0 {
		lines = append(lines, wrap(fmt.Sprintf("  Pointers in the stack table (through %s): %s.", l.rPtr, strings.Join(table, ", ")))...)
	}
	var counters []string
	for _, c := range []struct{ what, reg string }{{"steps left", l.steps}, {"time address", l.tcur}, {"lane", l.lane}, {"bits word", l.bitsAcc}, {"bits word scratch", l.bitsW}} {
		switch c.reg {
		case "":
		case rFrame:
			counters = append(counters, c.what+" "+c.reg+" (the frame register, reloaded after)")
		default:
			counters = append(counters, c.what+" "+c.reg)
		}
	}
	if len(counters) > 0 {
		lines = append(lines, wrap("  Counters: "+strings.Join(counters, ", ")+".")...)
	}
	if l.sec == step.ManySteps {
		var in, out []string
		for s, ptr := range l.stream {
			if ptr == nil || !p.Streams[s].Optional {
				continue
			}
			if r := l.stride[s]; r != "" {
				in = append(in, name(s)+" "+r)
			} else {
				out = append(out, name(s))
			}
		}
		lines = append(lines, wrap("  Row distances in registers: "+orNone(in)+"; reloaded each step: "+orNone(out)+".")...)
	}
	return lines
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// wrap breaks a line of the header at commas to about 100 columns.
func wrap(line string) []string {
	var lines []string
	for len(line) > 100 {
		cut := strings.LastIndex(line[:100], ", ")
		if cut < 0 {
			break
		}
		lines = append(lines, line[:cut+1])
		line = "    " + line[cut+2:]
	}
	return append(lines, line)
}
