package main

import (
	"fmt"

	"github.com/adquaif/adquaif/asm/step"
)

// access returns the offset of copy c's data from pointer p and whether the
// access may post-increment p: the pointer walks forward as copies are
// first touched, and a later access (a store after a load of the same
// stream) addresses the data behind it. Only an access that runs whenever
// p is used moves p (see walks); any other addresses its data at an offset,
// and p moves at a later access or at the end of the body (settle).
func (g *bodyGen) access(p *pointer, c, width int) (off int, post bool) {
	at := c * width
	if at == g.adv[p] && g.walks(p) {
		g.adv[p] += width
		return width, true
	}
	return at - g.adv[p], false
}

// walks reports whether code emitted now runs on every path that uses
// pointer p after it: outside If blocks, or inside If blocks on p's own
// stream only, which is nil (and so unused) where they do not run
// (step.Validate: an optional stream is accessed only inside an If on
// it). A per-neuron row read first inside an If block on another stream is
// read again after it where the block did not run.
func (g *bodyGen) walks(p *pointer) bool {
	for _, s := range g.ifs {
		if g.stream[s] != p {
			return false
		}
	}
	return true
}

// settle moves each pointer that the body's accesses left short of the
// data of one iteration past the rest (a pointer whose last access is in
// an If block on another stream; ManySteps: the streams read outside the
// step loop; its rows move in nextVector, its optional streams by row).
func (g *bodyGen) settle() {
	var ptrs []*pointer
	var want []int
	for i, p := range g.stream {
		s := step.Stream(i)
		if p != nil && !g.spec(s).Packed() && !(g.sec == step.ManySteps && g.spec(s).Optional) {
			ptrs, want = append(ptrs, p), append(want, g.streamWidth(s))
		}
	}
	if g.sec != step.ManySteps {
		for _, p := range g.row {
			if p != nil {
				ptrs, want = append(ptrs, p), append(want, g.width())
			}
		}
	}
	for i, p := range ptrs {
		if d := want[i] - g.adv[p]; d > 0 {
			g.emit("ADD $%d, %s", d, g.get(p))
			g.put(p)
			g.adv[p] += d
		}
	}
}

// loopBegin sets up the step loop of one vector (or lane): the step count,
// the address of T[0], and the rows of the optional streams at this
// vector's lanes. An absent stream's row stays nil, for its If blocks.
func (g *bodyGen) loopBegin(label string) {
	g.emit("MOVD %d(%s), %s // Steps", g.lay.Steps, rFrame, g.steps)
	g.emit("MOVD %d(%s), %s // T", g.lay.T, rFrame, g.tcur)
	for i, ptr := range g.stream {
		s, spec := step.Stream(i), g.p.Streams[i]
		if ptr == nil || !spec.Optional {
			continue
		}
		p := g.regOf(ptr)
		lab := g.label("nil")
		g.emit("MOVD %d(%s), %s // %s (nil if absent)", g.lay.Stream(s), rFrame, p, spec.Name)
		g.emit("CBZ %s, %s", p, lab)
		switch {
		case spec.Packed() && g.wholeByte():
			g.emit("ADD %s>>3, %s, %s", g.lane, p, p)
		case spec.Packed():
			g.emit("LSR $6, %s, %s", g.lane, rTmp)
			g.emit("ADD %s<<3, %s, %s", rTmp, p, p)
		case spec.Bool():
			g.emit("ADD %s, %s", g.lane, p)
		default:
			g.emit("ADD %s<<%d, %s, %s", g.lane, step.Log2(g.size), p, p)
		}
		g.mark(lab)
		g.put(ptr)
	}
	g.mark(label)
	g.inLoop = true
}

// rowTouch counts an access of optional stream s by copy c in the step
// loop: the last copy's access moves the row pointer to the next step's
// row, folded into the access as a post-increment by the row distance when
// that is a vector access at offset 0 with the distance in a register.
func (g *bodyGen) rowTouch(s step.Stream, c int) (last, fold bool) {
	if !g.walks(g.stream[s]) {
		panic(fmt.Sprintf("arm64: %s: stream %s is accessed in an If block on another stream, which would step its row on some paths only", g.p.Name, g.spec(s).Name))
	}
	g.touched[s]++
	last = g.touched[s] == g.unroll
	if last {
		g.touched[s] = 0
	}
	fold = last && c == 0 && !g.tail && g.stride[s] != "" && !g.spec(s).Bool()
	return last, fold
}

// rowStep moves optional stream s's row pointer, held in register p, to
// the next step's row.
func (g *bodyGen) rowStep(s step.Stream, p string) {
	if r := g.stride[s]; r != "" {
		g.emit("ADD %s, %s", r, p)
		return
	}
	g.emit("MOVD %d(%s), %s // %s row distance", g.lay.Row(s), rFrame, rTmp, g.spec(s).Name)
	if k := step.Log2(g.elemSize(s)); k > 0 {
		g.emit("ADD %s<<%d, %s, %s", rTmp, k, p, p)
	} else {
		g.emit("ADD %s, %s", rTmp, p)
	}
}

func (g *bodyGen) rowLoad(s step.Stream, c, d int) {
	last, fold := g.rowTouch(s, c)
	p := g.get(g.stream[s])
	switch {
	case fold:
		g.emit("VLD1.P (%s)(%s), [V%d.%s]", p, g.stride[s], d, g.varr)
	case last:
		g.loadAt(p, c*16, d)
		g.rowStep(s, p)
	default:
		g.loadAt(p, c*16, d)
		return
	}
	g.put(g.stream[s])
}

// storeOf stores register x as copy c of stream s.
func (g *bodyGen) storeOf(s step.Stream, c, x int) {
	if g.sec != step.ManySteps || !g.spec(s).Optional {
		g.store(g.stream[s], c, x)
		return
	}
	last, fold := g.rowTouch(s, c)
	p := g.get(g.stream[s])
	switch {
	case fold:
		g.emit("VST1.P [V%d.%s], (%s)(%s)", x, g.varr, p, g.stride[s])
	case last:
		g.storeAt(p, c*16, x)
		g.rowStep(s, p)
	default:
		g.storeAt(p, c*16, x)
		return
	}
	g.put(g.stream[s])
}

// loadAt and storeAt access a vector (the tail: a lane) at an offset from
// p, leaving p where it is.
func (g *bodyGen) loadAt(p string, off, d int) {
	if g.tail {
		g.emit("%s %d(%s), F%d", map[int]string{4: "FMOVS", 8: "FMOVD"}[g.size], off, p, d)
		return
	}
	g.emit("FMOVQ %d(%s), F%d", off, p, d)
}

func (g *bodyGen) storeAt(p string, off, x int) {
	if g.tail {
		g.emit("%s F%d, %d(%s)", map[int]string{4: "FMOVS", 8: "FMOVD"}[g.size], x, off, p)
		return
	}
	g.emit("FMOVQ F%d, %d(%s)", x, off, p)
}

// load and store access copy c's vector (the tail: its lane) through
// pointer ptr, moving ptr past it on its first access.
func (g *bodyGen) load(ptr *pointer, c, d int) {
	p := g.get(ptr)
	var post bool
	if g.tail {
		mov := map[int]string{4: "FMOVS", 8: "FMOVD"}[g.size]
		var off int
		if off, post = g.access(ptr, 0, g.size); post {
			g.emit("%s.P %d(%s), F%d", mov, off, p, d)
		} else {
			g.emit("%s %d(%s), F%d", mov, off, p, d)
		}
	} else {
		var off int
		if off, post = g.access(ptr, c, 16); post {
			g.emit("VLD1.P %d(%s), [V%d.%s]", off, p, d, g.varr)
		} else {
			g.emit("FMOVQ %d(%s), F%d", off, p, d)
		}
	}
	if post {
		g.put(ptr)
	}
}

func (g *bodyGen) store(ptr *pointer, c, s int) {
	p := g.get(ptr)
	var post bool
	if g.tail {
		mov := map[int]string{4: "FMOVS", 8: "FMOVD"}[g.size]
		var off int
		if off, post = g.access(ptr, 0, g.size); post {
			g.emit("%s.P F%d, %d(%s)", mov, s, off, p)
		} else {
			g.emit("%s F%d, %d(%s)", mov, s, off, p)
		}
	} else {
		var off int
		if off, post = g.access(ptr, c, 16); post {
			g.emit("VST1.P [V%d.%s], %d(%s)", s, g.varr, off, p)
		} else {
			g.emit("FMOVQ F%d, %d(%s)", s, off, p)
		}
	}
	if post {
		g.put(ptr)
	}
}

// storeBool narrows the mask's lanes to bytes (all ones or zero), moves them
// to a general register, keeps bit 0 of each byte and stores one byte per
// lane.
func (g *bodyGen) storeBool(pos int, it *item) {
	m := g.ph(it.in[0])
	ptr := g.stream[it.op.Stream]
	n, mov, pattern := g.lanes, map[int]string{4: "MOVW", 2: "MOVH"}[g.lanes], "$0x01010101"
	lane := "S[0]"
	if g.tail {
		n, mov, pattern = 1, "MOVB", "$1"
	}
	src := m
	if !g.tail {
		t := g.scratch(pos, it.in[0])
		arr := g.earr
		for _, next := range map[string][]string{"4s": {"4s", "8h"}, "2d": {"2d", "4s", "8h"}}[arr] {
			g.word(encode("xtn", next, t, src, 0))
			src = t
		}
		if g.lanes == 2 {
			lane = "H[0]"
		}
		defer g.freeScratch(t, it.in[0])
	}
	g.emit("VMOV V%d.%s, %s", src, lane, rTmp)
	g.emit("AND %s, %s", pattern, rTmp)
	p := g.get(ptr)
	if g.sec == step.ManySteps {
		last, _ := g.rowTouch(it.op.Stream, it.copy)
		g.emit("%s %s, %d(%s)", mov, rTmp, it.copy*n, p)
		if last {
			g.rowStep(it.op.Stream, p)
			g.put(ptr)
		}
		return
	}
	if off, post := g.access(ptr, it.copy, n); post {
		g.emit("%s.P %s, %d(%s)", mov, rTmp, off, p)
		g.put(ptr)
	} else {
		g.emit("%s %s, %d(%s)", mov, rTmp, off, p)
	}
}
