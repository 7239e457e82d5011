package main

import (
	"fmt"

	"github.com/adquaif/adquaif/asm/step"
)

// wholeByte reports whether a body's bits access fills whole bytes: two
// float32 vectors, 8 lanes, which the main loop (the first to run, from
// lane 0) only ever meets at a multiple of 8 lanes. Steps > 1 stores such a
// byte as it is; every other access of Steps > 1 is a read-modify-write of
// the word holding its lanes.
func (g *bodyGen) wholeByte() bool {
	return !g.tail && g.unroll*g.lanes == 8
}

// storeBits writes the bits of the masks in it.in (one per copy, in lane
// order) for the lanes of this access, j = lane onwards. It packs them into
// the low bits of rTmp, then:
//
// Steps > 1 stores the byte they fill (two float32 vectors), or inserts them
// into the word holding them by rotating it right by the lane (a rotation
// takes its amount mod 64), inserting at bit 0 and rotating back; the row
// pointer that loopBegin set (at the byte or the word of this access) then
// steps to the next row.
//
// Steps = 1 makes the accesses in lane order, so it gathers a word's bits
// in a register and stores the word whole when its last lane is in, moving
// the Bits pointer to the next word; bitsFlush writes the last, partial
// word after the loops.
func (g *bodyGen) storeBits(pos int, it *item) {
	ptr, w := g.stream[g.bits], g.bitsW
	n := len(it.in) * g.lanes // bits written
	if g.tail {
		// One lane: bit 0 of the mask's lane 0.
		n = 1
		g.emit("FMOVS F%d, %s", g.ph(it.in[0]), rTmp)
		if g.sec != step.ManySteps {
			g.emit("AND $1, %s", rTmp)
		}
	} else {
		g.packMask(pos, it.in)
	}
	switch {
	case g.sec != step.ManySteps:
		done := g.label("word")
		g.emit("LSL %s, %s, %s", g.lane, rTmp, rTmp)
		g.emit("ORR %s, %s", rTmp, g.bitsAcc)
		g.emit("ADD $%d, %s", n, g.lane)
		g.emit("TST $63, %s", g.lane)
		g.emit("BNE %s", done)
		g.emit("MOVD.P %s, 8(%s)", g.bitsAcc, g.get(ptr))
		g.put(ptr)
		g.emit("MOVD ZR, %s", g.bitsAcc)
		g.mark(done)
		return
	}
	p := g.get(ptr)
	if g.wholeByte() {
		g.emit("MOVB %s, (%s)", rTmp, p)
	} else {
		g.emit("MOVD (%s), %s", p, w)
		g.emit("ROR %s, %s, %s", g.lane, w, w)
		g.emit("BFI $0, %s, $%d, %s", rTmp, n, w)
		g.emit("NEG %s, %s", g.lane, rTmp)
		g.emit("ROR %s, %s, %s", rTmp, w, w)
		g.emit("MOVD %s, (%s)", w, p)
		if w == rFrame {
			g.emit("MOVD f+0(FP), %s", rFrame)
		}
	}
	g.rowStep(g.bits, p)
	g.put(ptr)
}

// bitsFlush writes, for Steps = 1, the bits gathered of the last word if
// the call ends inside it, keeping the word's bits past the call's lanes.
func (l *lowering) bitsFlush() []string {
	if l.bitsAcc == "" {
		return nil
	}
	ptr, done := l.stream[l.bits], l.prefix+"bitsdone"
	var lines []string
	p := l.regOf(ptr)
	if p != ptr.reg {
		lines = append(lines, fmt.Sprintf("MOVD %s, %s", ptr.addr(), p))
	}
	return append(lines,
		fmt.Sprintf("CBZ %s, %s", p, done),
		fmt.Sprintf("ANDS $63, %s, %s", l.lane, rTmp),
		fmt.Sprintf("BEQ %s", done),
		fmt.Sprintf("MOVD $-1, %s", rTmp),
		fmt.Sprintf("LSL %s, %s, %s // the bits past the call", l.lane, rTmp, rTmp),
		fmt.Sprintf("MOVD (%s), %s", p, l.bitsW),
		fmt.Sprintf("AND %s, %s", rTmp, l.bitsW),
		fmt.Sprintf("ORR %s, %s", l.bitsAcc, l.bitsW),
		fmt.Sprintf("MOVD %s, (%s)", l.bitsW, p),
		done+":",
	)
}

// packMask gathers the lanes of the masks ms (all ones or zero; one vector
// per copy, in lane order) into rTmp, lane k at bit k, the other bits zero.
// Each pass narrows or folds: after USHR leaves 0 or 1 in every element, a
// USRA at twice the element width by (width - bits so far) adds each odd
// element, shifted to just above its even neighbour's bits, into that
// neighbour; what else the high half of a wider element holds stays above
// the bits gathered, and out of the lane moved to rTmp.
func (g *bodyGen) packMask(pos int, ms []int) {
	t := g.scratch(pos, ms[0])
	m0 := g.ph(ms[0])
	switch {
	case g.size == 4 && len(ms) == 1: // 4 lanes of 32 bits
		g.emit("VUSHR $31, V%d.S4, V%d.S4", m0, t)
		g.emit("VUSRA $31, V%d.D2, V%d.D2", t, t)
		g.word(encode("xtn", "2d", t, t, 0))
		g.emit("VUSRA $30, V%d.D2, V%d.D2", t, t)
	case g.size == 4 && len(ms) == 2: // 8 lanes, narrowed to 16 bits
		g.word(encode("xtn", "4s", t, m0, 0))
		g.word(encode("xtn2", "4s", t, g.ph(ms[1]), 0))
		g.emit("VUSHR $15, V%d.H8, V%d.H8", t, t)
		g.emit("VUSRA $15, V%d.S4, V%d.S4", t, t)
		g.emit("VUSRA $30, V%d.D2, V%d.D2", t, t)
		g.word(encode("xtn", "2d", t, t, 0))
		g.emit("VUSRA $28, V%d.D2, V%d.D2", t, t)
	case g.size == 8 && len(ms) == 1: // 2 lanes, narrowed to 32 bits
		g.word(encode("xtn", "2d", t, m0, 0))
		g.emit("VUSHR $31, V%d.S4, V%d.S4", t, t)
		g.emit("VUSRA $31, V%d.D2, V%d.D2", t, t)
	case g.size == 8 && len(ms) == 2: // 4 lanes, narrowed to 32 bits
		g.word(encode("xtn", "2d", t, m0, 0))
		g.word(encode("xtn2", "2d", t, g.ph(ms[1]), 0))
		g.emit("VUSHR $31, V%d.S4, V%d.S4", t, t)
		g.emit("VUSRA $31, V%d.D2, V%d.D2", t, t)
		g.word(encode("xtn", "2d", t, t, 0))
		g.emit("VUSRA $30, V%d.D2, V%d.D2", t, t)
	default:
		panic(fmt.Sprintf("arm64: %s: no packing of %d masks", g.p.Name, len(ms)))
	}
	if g.size == 4 && len(ms) == 2 {
		// The 16-bit pass left bits above the byte.
		g.emit("VMOV V%d.B[0], %s", t, rTmp)
	} else {
		g.emit("VMOV V%d.S[0], %s", t, rTmp)
	}
	g.freeScratch(t, ms[0])
}
