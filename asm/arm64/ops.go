package main

import (
	"fmt"

	"github.com/adquaif/adquaif/asm/step"
)

// lowerings is the code of each kind of op, indexed by step.Kind. Blocks
// (If, Rare, Loop) have none: flatten turns them into branches and labels.
// TestEveryOpLowered checks the table against the op table of asm/step.
var lowerings = [step.NumKinds]func(g *bodyGen, pos int, it *item){
	step.OpLoad:      (*bodyGen).lowerLoad,
	step.OpParam:     (*bodyGen).lowerParam,
	step.OpImm:       (*bodyGen).lowerImm,
	step.OpTime:      (*bodyGen).lowerTime,
	step.OpAdd:       (*bodyGen).lowerVec3,
	step.OpSub:       (*bodyGen).lowerVec3,
	step.OpMul:       (*bodyGen).lowerVec3,
	step.OpDiv:       (*bodyGen).lowerVec3,
	step.OpCmpGE:     (*bodyGen).lowerVec3,
	step.OpCmpGT:     (*bodyGen).lowerVec3,
	step.OpCmpLT:     (*bodyGen).lowerVec3,
	step.OpCmpLE:     (*bodyGen).lowerVec3,
	step.OpAbs:       (*bodyGen).lowerAbs,
	step.OpFMA:       (*bodyGen).lowerFMA,
	step.OpOr:        (*bodyGen).lowerOr,
	step.OpSelect:    (*bodyGen).lowerSelect,
	step.OpBits:      (*bodyGen).lowerMove,
	step.OpFromBits:  (*bodyGen).lowerMove,
	step.OpIAdd:      (*bodyGen).lowerIAdd,
	step.OpShl:       (*bodyGen).lowerShl,
	step.OpStore:     (*bodyGen).lowerStore,
	step.OpStoreOne:  (*bodyGen).lowerStoreOne,
	step.OpStoreBool: (*bodyGen).storeBool,
	step.OpStoreBits: (*bodyGen).storeBits,
}

// floatOps is the instruction of each two-operand float op, an encoded WORD;
// swap reverses the operands (a < b is b > a, a <= b is b >= a: still false
// on NaN).
var floatOps = map[step.Kind]struct {
	name string
	swap bool
}{
	step.OpAdd:   {"fadd", false},
	step.OpSub:   {"fsub", false},
	step.OpMul:   {"fmul", false},
	step.OpDiv:   {"fdiv", false},
	step.OpCmpGE: {"fcmge", false},
	step.OpCmpGT: {"fcmgt", false},
	step.OpCmpLT: {"fcmgt", true},
	step.OpCmpLE: {"fcmge", true},
}

func (g *bodyGen) op(pos int, it *item) {
	lower := lowerings[it.op.Kind]
	if lower == nil {
		panic(fmt.Sprintf("arm64: no lowering for %s", it.op.Kind))
	}
	lower(g, pos, it)
}

// va is input i of it as a Go vector operand.
func (g *bodyGen) va(it *item, i int) string { return fmt.Sprintf("V%d.%s", g.ph(it.in[i]), g.varr) }

func (g *bodyGen) lowerLoad(pos int, it *item) {
	d := g.assign(pos, it.dst)
	if s := it.op.Stream; g.sec == step.ManySteps && g.spec(s).Optional {
		g.rowLoad(s, it.copy, d)
	} else {
		g.load(g.stream[s], it.copy, d)
	}
}

func (g *bodyGen) lowerParam(pos int, it *item) {
	d := g.assign(pos, it.dst)
	row := g.row[it.op.Param]
	if g.sec == step.ManySteps {
		// Every step reads the same row; it moves after the loop.
		g.loadAt(g.get(row), it.copy*16, d)
	} else {
		g.load(row, it.copy, d)
	}
}

func (g *bodyGen) lowerImm(pos int, it *item) {
	d := g.assign(pos, it.dst)
	if it.op.Imm == 0 {
		g.emit("VEOR V%d.B16, V%d.B16, V%d.B16", d, d, d)
		return
	}
	g.emit("MOVD $0x%x, %s", it.op.Imm, rTmp)
	g.emit("VDUP %s, V%d.%s", rTmp, d, g.varr)
}

// lowerTime (ManySteps) broadcasts T[s] and moves to T[s+1]; OneStep's t
// is a setup value.
func (g *bodyGen) lowerTime(pos int, it *item) {
	d := g.assign(pos, it.dst)
	g.emit("VLD1R.P %d(%s), [V%d.%s]", g.size, g.tcur, d, g.varr)
}

func (g *bodyGen) lowerVec3(pos int, it *item) {
	d := g.assign(pos, it.dst, it.in...)
	v := floatOps[it.op.Kind]
	a, b := g.ph(it.in[0]), g.ph(it.in[1])
	if v.swap {
		a, b = b, a
	}
	g.word(encode(v.name, g.earr, d, a, b))
}

func (g *bodyGen) lowerAbs(pos int, it *item) {
	d := g.assign(pos, it.dst, it.in...)
	g.word(encode("fabs", g.earr, d, g.ph(it.in[0]), 0))
}

// lowerFMA: VFMLA accumulates into its destination: d = C, then d += A*B.
func (g *bodyGen) lowerFMA(pos int, it *item) {
	in := it.in
	d := g.assign(pos, it.dst, in[2])
	if d != g.ph(in[2]) && g.err == nil { // after an error, d is no register
		if d == g.ph(in[0]) || d == g.ph(in[1]) {
			panic(fmt.Sprintf("arm64: %s: FMA result register V%d is also a factor", g.p.Name, d))
		}
		g.emit("VMOV V%d.B16, V%d.B16", g.ph(in[2]), d)
	}
	g.emit("VFMLA %s, %s, V%d.%s", g.va(it, 1), g.va(it, 0), d, g.varr)
}

func (g *bodyGen) lowerOr(pos int, it *item) {
	d := g.assign(pos, it.dst, it.in...)
	g.emit("VORR V%d.B16, V%d.B16, V%d.B16", g.ph(it.in[1]), g.ph(it.in[0]), d)
}

func (g *bodyGen) lowerSelect(pos int, it *item) {
	m, x, y := g.ph(it.in[0]), g.ph(it.in[1]), g.ph(it.in[2])
	d := g.assign(pos, it.dst, it.in...)
	switch d {
	case y: // insert x where the mask is set
		g.emit("VBIT V%d.B16, V%d.B16, V%d.B16", m, x, d)
	case x: // insert y where the mask is clear
		g.emit("VBIF V%d.B16, V%d.B16, V%d.B16", m, y, d)
	default:
		if d != m {
			g.emit("VMOV V%d.B16, V%d.B16", m, d)
		}
		g.emit("VBSL V%d.B16, V%d.B16, V%d.B16", y, x, d)
	}
}

// lowerMove is a change of class only (Bits, FromBits): the same bits.
func (g *bodyGen) lowerMove(pos int, it *item) {
	d := g.assign(pos, it.dst, it.in...)
	if d != g.ph(it.in[0]) {
		g.emit("VMOV V%d.B16, V%d.B16", g.ph(it.in[0]), d)
	}
}

func (g *bodyGen) lowerIAdd(pos int, it *item) {
	d := g.assign(pos, it.dst, it.in...)
	g.emit("VADD %s, %s, V%d.%s", g.va(it, 1), g.va(it, 0), d, g.varr)
}

func (g *bodyGen) lowerShl(pos int, it *item) {
	d := g.assign(pos, it.dst, it.in...)
	g.emit("VSHL $%d, %s, V%d.%s", it.op.Imm, g.va(it, 0), d, g.varr)
}

func (g *bodyGen) lowerStore(pos int, it *item) {
	g.storeOf(it.op.Stream, it.copy, g.ph(it.in[0]))
}

// lowerStoreOne stores mask AND 1.0: 1.0 where set, +0 where clear (in[1]
// is the setup value 1.0, appended by flattenOp).
func (g *bodyGen) lowerStoreOne(pos int, it *item) {
	in := it.in
	t := g.scratch(pos, in[0])
	g.emit("VAND V%d.B16, V%d.B16, V%d.B16", g.ph(in[1]), g.ph(in[0]), t)
	g.storeOf(it.op.Stream, it.copy, t)
	g.freeScratch(t, in[0])
}
