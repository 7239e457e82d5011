package step

import "math"

// builder appends ops to a program. Loop-invariant values (immediates and
// homogeneous constants) go to Program.Setup once, deduplicated, so
// every lowering hoists them out of its loop.
type builder struct {
	p     *Program
	ops   *[]Op
	setup map[setupKey]Reg
}

type setupKey struct {
	kind  Kind
	class Class
	val   uint64
}

// newBuilder starts program p, named from its Func and Tag.
func newBuilder(p *Program) *builder {
	p.Name = p.Func + p.Tag
	return &builder{p: p, ops: &p.Ops, setup: map[setupKey]Reg{}}
}

func (b *builder) reg(c Class) Reg {
	b.p.Regs = append(b.p.Regs, c)
	b.p.Names = append(b.p.Names, "")
	return Reg(len(b.p.Regs) - 1)
}

// name gives register r the name n, the name the Go lowering gives its
// variable and listings show; it returns r.
func (b *builder) name(n string, r Reg) Reg {
	b.p.Names[r] = n
	return r
}

func (b *builder) emit(o Op) { *b.ops = append(*b.ops, o) }

func (b *builder) def(k Kind, c Class, o Op) Reg {
	o.Kind, o.Dst = k, b.reg(c)
	b.emit(o)
	return o.Dst
}

func (b *builder) invariant(k Kind, c Class, val uint64, o Op) Reg {
	key := setupKey{k, c, val}
	if r, ok := b.setup[key]; ok {
		return r
	}
	o.Kind, o.Dst = k, b.reg(c)
	b.p.Setup = append(b.p.Setup, o)
	b.setup[key] = o.Dst
	return o.Dst
}

// F is the float constant x rounded to the program's type.
func (b *builder) F(x float64) Reg {
	bits := math.Float64bits(x)
	if b.p.DType == F32 {
		bits = uint64(math.Float32bits(float32(x)))
	}
	return b.invariant(OpImm, Float, bits, Op{Imm: bits})
}

// U is the integer constant x in every lane's bits.
func (b *builder) U(x uint64) Reg { return b.invariant(OpImm, Bits, x, Op{Imm: x}) }

// Zero is a new register holding +0 in every lane, defined in the loop body
// so that a block may assign it.
func (b *builder) Zero() Reg { return b.def(OpImm, Float, Op{}) }

// NegZero is Zero holding -0, the one addend with which FMA(x, y, -0)
// rounds x*y exactly as Mul does, the sign of a zero product included.
func (b *builder) NegZero() Reg { return b.def(OpImm, Float, Op{Imm: b.p.DType.SignBit()}) }

// Time is the current step's t, inside the Loop.
func (b *builder) Time() Reg { return b.def(OpTime, Float, Op{}) }

// Param is constant c, named after it.
func (b *builder) Param(c Const) Reg {
	var r Reg
	if b.p.PerNeur {
		r = b.def(OpParam, Float, Op{Param: c})
	} else {
		r = b.invariant(OpParam, Float, uint64(c), Op{Param: c})
	}
	return b.name(lowerFirst(b.p.Consts[c].Name), r)
}

func (b *builder) Load(s Stream) Reg         { return b.def(OpLoad, Float, Op{Stream: s}) }
func (b *builder) Add(x, y Reg) Reg          { return b.def(OpAdd, Float, Op{A: x, B: y}) }
func (b *builder) Sub(x, y Reg) Reg          { return b.def(OpSub, Float, Op{A: x, B: y}) }
func (b *builder) Mul(x, y Reg) Reg          { return b.def(OpMul, Float, Op{A: x, B: y}) }
func (b *builder) Div(x, y Reg) Reg          { return b.def(OpDiv, Float, Op{A: x, B: y}) }
func (b *builder) FMA(x, y, z Reg) Reg       { return b.def(OpFMA, Float, Op{A: x, B: y, C: z}) }
func (b *builder) Abs(x Reg) Reg             { return b.def(OpAbs, Float, Op{A: x}) }
func (b *builder) GE(x, y Reg) Reg           { return b.def(OpCmpGE, Mask, Op{A: x, B: y}) }
func (b *builder) GT(x, y Reg) Reg           { return b.def(OpCmpGT, Mask, Op{A: x, B: y}) }
func (b *builder) LT(x, y Reg) Reg           { return b.def(OpCmpLT, Mask, Op{A: x, B: y}) }
func (b *builder) LE(x, y Reg) Reg           { return b.def(OpCmpLE, Mask, Op{A: x, B: y}) }
func (b *builder) Or(x, y Reg) Reg           { return b.def(OpOr, Mask, Op{A: x, B: y}) }
func (b *builder) Bits(x Reg) Reg            { return b.def(OpBits, Bits, Op{A: x}) }
func (b *builder) FromBits(x Reg) Reg        { return b.def(OpFromBits, Float, Op{A: x}) }
func (b *builder) IAdd(x, y Reg) Reg         { return b.def(OpIAdd, Bits, Op{A: x, B: y}) }
func (b *builder) Shl(x Reg, n int) Reg      { return b.def(OpShl, Bits, Op{A: x, Imm: uint64(n)}) }
func (b *builder) Store(s Stream, x Reg)     { b.emit(Op{Kind: OpStore, Stream: s, A: x}) }
func (b *builder) StoreOne(s Stream, m Reg)  { b.emit(Op{Kind: OpStoreOne, Stream: s, A: m}) }
func (b *builder) StoreBool(s Stream, m Reg) { b.emit(Op{Kind: OpStoreBool, Stream: s, A: m}) }
func (b *builder) StoreBits(s Stream, m Reg) { b.emit(Op{Kind: OpStoreBits, Stream: s, A: m}) }

// Select is m ? x : y.
func (b *builder) Select(m, x, y Reg) Reg {
	return b.def(OpSelect, b.p.Regs[x], Op{A: m, B: x, C: y})
}

// SelectInto assigns m ? x : dst to the existing register dst.
func (b *builder) SelectInto(dst, m, x Reg) {
	b.emit(Op{Kind: OpSelect, Dst: dst, A: m, B: x, C: dst})
}

// block collects the ops that body emits into a new block op.
func (b *builder) block(o Op, body func()) {
	saved := b.ops
	b.ops = &o.Body
	body()
	b.ops = saved
	b.emit(o)
}

// If runs body only when the optional stream s was given.
func (b *builder) If(s Stream, body func()) { b.block(Op{Kind: OpIf, Stream: s}, body) }

// Loop runs body once per step of the call.
func (b *builder) Loop(body func()) { b.block(Op{Kind: OpLoop}, body) }

// Rare runs body for the lanes of mask m; body must end by selecting its
// results into registers defined before it, under m.
func (b *builder) Rare(m Reg, body func()) { b.block(Op{Kind: OpRare, A: m}, body) }

// set makes the op that defined r (the last one emitted) write dst
// instead: dst = r, for a register defined before a block.
func (b *builder) set(dst, r Reg) {
	last := &(*b.ops)[len(*b.ops)-1]
	if !last.Defines() || last.Dst != r {
		panic("step: set must follow the op that defines its source")
	}
	last.Dst = dst
}
