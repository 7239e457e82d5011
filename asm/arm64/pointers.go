package main

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/adquaif/adquaif/asm/step"
)

// A pointer is the current address of a stream (Steps > 1: of an optional
// stream's current row) or of a per-neuron constant row. Its home is a slot
// of the kernel's pointer table, on the stack; the generator keeps the most
// used pointers in general registers instead, all of them when they fit, so
// a program with more streams and rows than registers still lowers: a
// pointer in the table is loaded into rPtr for each access and stored back
// when the access moves it.
type pointer struct {
	name   string // the table slot's symbol
	reg    string // the pointer's register, or "" if it lives in the table
	slot   int    // the slot's index in the table, if reg is ""
	weight int    // accesses per iteration of a main loop, the step loop's counted stepWeight times
}

// addr is the pointer's table slot, addressed from the pseudo stack pointer.
func (p *pointer) addr() string { return fmt.Sprintf("%s-%d(SP)", p.name, 8*(p.slot+1)) }

// stepWeight ranks an access in the step loop of Steps > 1 against one made
// once per vector: a call of a path makes up to 64 steps per vector.
const stepWeight = 64

// pointerRegs are the general registers for pointers and the loops'
// counters. R18 is the platform register, R27-R30 are the assembler's
// temporary, g, frame and link registers; they are not used. R26 holds a
// closure's context on entry only and is scratch after it
// (cmd/compile/abi-internal.md), so it is the last pointer register.
var pointerRegs = []string{"R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "R16", "R17", "R19", "R20", "R21", "R22", "R23", "R24", "R25", "R26"}

// pointerLimit caps the pointers kept in registers. Tests lower it to force
// the pointer table that the real programs do not need.
var pointerLimit = len(pointerRegs)

// allocPointers gives the section's pointers, counters and row distances
// their places. In order of the registers: the pointer table's scratch
// register rPtr (only if some pointer lives in the table), the pointers
// kept in registers (streams, then rows), then (ManySteps) the step loop's
// counter, time address and lane, or (OneStep with a packed stream) the
// lane, the gathered word and a scratch register, then (ManySteps) as many
// row distances as registers are left (the others are reloaded each step)
// and the scratch register of the bits word, which may borrow the frame
// register. The counters always have registers; the pointers that do not
// fit with them, the least used first, go to the table.
func (l *lowering) allocPointers() {
	ptrs := l.pointers()
	pool := slices.Clone(pointerRegs)
	if l.p.PerNeur {
		// Only the entry code reads the constant table itself: its
		// register is free after the rows are set, for anything but a
		// pointer (the rows are computed from it after the streams are
		// loaded).
		pool = append(pool, rC)
	}
	counters := 0
	if l.sec == step.ManySteps || l.bits >= 0 {
		counters = 3
	}
	inRegs := len(ptrs)
	if inRegs+counters > len(pool) || inRegs > min(pointerLimit, len(pointerRegs)) {
		inRegs = min(len(pool)-counters, pointerLimit+1, len(pointerRegs)) - 1 // rPtr takes one
	}
	take := func() string {
		if len(pool) == 0 {
			return ""
		}
		r := pool[0]
		pool = pool[1:]
		return r
	}
	if inRegs < len(ptrs) {
		l.rPtr = take()
		byWeight := slices.Clone(ptrs)
		slices.SortStableFunc(byWeight, func(a, b *pointer) int { return cmp.Compare(b.weight, a.weight) })
		for _, p := range byWeight[inRegs:] {
			p.slot = l.slots
			l.slots++
		}
	}
	for _, p := range ptrs {
		if p.slot < 0 {
			p.reg = take()
		}
	}
	switch {
	case l.sec == step.ManySteps:
		l.steps, l.tcur, l.lane = take(), take(), take()
	case counters > 0:
		l.lane, l.bitsAcc, l.bitsW = take(), take(), take()
	}
	if l.sec == step.ManySteps {
		l.stride = make([]string, len(l.p.Streams))
		for s, ptr := range l.stream {
			if ptr != nil && l.p.Streams[s].Optional {
				l.stride[s] = take()
			}
		}
		if l.bits >= 0 {
			// The scratch register of the Bits word: the row distances
			// come first, as they are read every step with or without
			// Bits; if none is left, the frame pointer is borrowed and
			// reloaded from the argument after the write.
			if l.bitsW = take(); l.bitsW == "" {
				l.bitsW = rFrame
			}
		}
	}
}

// pointers makes the section's pointers, streams then rows, and counts
// their accesses.
func (l *lowering) pointers() []*pointer {
	var ptrs []*pointer
	p := l.p
	l.stream = make([]*pointer, len(p.Streams))
	for s, used := range p.Used() {
		if used {
			l.stream[s] = &pointer{name: "ptr" + p.Streams[s].Name, slot: -1}
			ptrs = append(ptrs, l.stream[s])
		}
	}
	l.row = make([]*pointer, len(p.Consts))
	if p.PerNeur {
		for c, used := range p.UsedConsts() {
			if used {
				l.row[c] = &pointer{name: "row" + p.Consts[c].Name, slot: -1}
				ptrs = append(ptrs, l.row[c])
			}
		}
	}
	var count func(ops []step.Op, weight int)
	count = func(ops []step.Op, weight int) {
		for i := range ops {
			o := &ops[i]
			switch {
			case o.Access():
				l.stream[o.Stream].weight += weight
			case o.Kind.Info().Param && p.PerNeur:
				l.row[o.Param].weight += weight
			case o.Kind == step.OpLoop && l.sec == step.ManySteps:
				count(o.Body, stepWeight)
				continue
			}
			count(o.Body, weight)
		}
	}
	count(l.p.Ops, 1)
	return ptrs
}

// regOf is the register that holds pointer p while it is used: its own, or
// rPtr for a pointer in the table.
func (l *lowering) regOf(p *pointer) string {
	if p.reg != "" {
		return p.reg
	}
	return l.rPtr
}

// saveTo emits, for a pointer in the table, the store of rPtr to its slot.
func (l *lowering) saveTo(ins func(string, ...any), p *pointer) {
	if p.reg == "" {
		ins("MOVD %s, %s", l.rPtr, p.addr())
	}
}

// get returns a register holding pointer p, loading it from its slot if it
// lives in the table.
// rPtr keeps the last pointer loaded until a label, where another path
// joins.
func (g *bodyGen) get(p *pointer) string {
	if p.reg != "" {
		return p.reg
	}
	if g.inPtr != p {
		g.emit("MOVD %s, %s", p.addr(), g.rPtr)
		g.inPtr = p
	}
	return g.rPtr
}

// put stores a pointer that lives in the table back after an access moved
// it.
func (g *bodyGen) put(p *pointer) { g.saveTo(g.emit, p) }

// mark places label lab: rPtr holds no known pointer after it.
func (g *bodyGen) mark(lab string) {
	g.out = append(g.out, lab+":")
	g.inPtr = nil
}
