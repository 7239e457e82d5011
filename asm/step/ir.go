// Package step holds the AdQuaIFRef step written once, as a small program of
// vector operations (the IR). Every execution path of the library is a
// mechanical translation of these programs: asm/golang prints plain Go,
// asm/amd64 prints AVX2 and AVX-512 assembly with avo, asm/arm64 prints NEON.
//
// The IR (ir.go, ops.go, frame.go, validate.go, build.go, print.go,
// section.go, variant.go) knows nothing of the model: a program carries its frame (the
// streams and constants it addresses, see Frame) and its variant. The model's
// programs are adquaif.go (the step), exprel.go, backward.go and expon.go (the
// input rows of exponential conductances); another program is a new file of
// the same kind.
//
// Every arithmetic op is one IEEE-754 operation with a single rounding, so a
// lowering that maps each op to one instruction (or, in Go, one statement with
// an explicit conversion) reproduces the program's results bit for bit.
//
// A program is straight-line code over virtual registers, with three kinds
// of structured block:
//
//   - Loop: ops run once per step of the call (Frame.Steps times, at least
//     once), the state (the State streams: for the step V, w, last spike)
//     carried in registers from one step to the next: loaded before the
//     loop, stored after it. Inside it,
//     Time is that step's t, and the optional streams are addressed at that
//     step's row. A step program is one Loop between its state's loads and
//     stores, so that a vector of neurons crosses memory once per call,
//     however many steps the call makes.
//   - If: ops run only when an optional buffer (for the step I, Delta,
//     Spike, Ref, Bits) was given. The condition is the same for every lane and every call-site
//     iteration, so vector lowerings branch once per block of lanes.
//   - Rare: ops run only for lanes whose mask is set (exprel's large-argument
//     path). Vector lowerings skip the block when no lane of a vector needs it
//     and otherwise compute it for all lanes; the block ends in Selects on the
//     same mask, so a lane's result never depends on its neighbours.
//
// StoreBits writes one bit per lane: lane j of a call is bit j%64 of word
// j/64 of the step's row, so a call's lanes start at bit 0 of its first
// word. Vector lowerings write a vector's bits together: whole bytes, or a
// read-modify-write of one byte for vectors of fewer than 8 lanes; in the
// last, partial vector, the bits of the lanes past N within its span are
// written as zero. Bits of lanes past N beyond that span are not touched.
//
// Registers may be assigned more than once (the Rare and If blocks update
// values computed before them); lowerings treat a register as a variable.
package step

// DType is the element type a program computes in.
type DType int

const (
	F32 DType = iota
	F64
)

func (d DType) String() string { return [...]string{"F32", "F64"}[d] }

// Size is the element size in bytes.
func (d DType) Size() int { return [...]int{4, 8}[d] }

// SignBit is the sign bit of a float of type d.
func (d DType) SignBit() uint64 { return 1 << (8*d.Size() - 1) }

// MantBits is the number of explicit mantissa bits.
func (d DType) MantBits() int { return [...]int{23, 52}[d] }

// Bias is the exponent bias.
func (d DType) Bias() int { return [...]int{127, 1023}[d] }

// Class is what a register holds.
type Class int

const (
	Float Class = iota // one float per lane
	Mask               // one boolean per lane
	Bits               // the bit pattern of a float, as an unsigned integer per lane

	// Stand-ins of the op table (OpInfo), never a register's class.
	NoResult   // the op defines no register
	ClassOfB   // the class of operand B
	ClassOfDst // the class the builder gave Dst
)

func (c Class) String() string {
	return [...]string{"float", "mask", "bits", "no result", "class of B", "class of Dst"}[c]
}

// Reg is a virtual register. Registers are numbered from 0 in order of
// creation; Program.Regs gives their classes.
type Reg int

// Stream is a per-neuron buffer that a program reads or writes: an index
// into its Frame's Streams.
type Stream int

// Const is a per-population value precomputed from the parameters: an index
// into its Frame's Consts. Homogeneous programs broadcast it; per-neuron
// programs load it from row Const of the constant table.
type Const int

// Op is one operation. Fields not used by its Kind are zero. What each
// Kind reads, defines and accesses is its OpInfo (ops.go).
type Op struct {
	Kind    Kind
	Dst     Reg
	A, B, C Reg
	Stream  Stream
	Param   Const
	Imm     uint64 // OpImm: bit pattern; OpShl: shift count
	Body    []Op   // OpIf, OpRare, OpLoop
}

// Program is one variant of a model's step (or a helper kernel such as
// exprel), for one vector of lanes.
type Program struct {
	*Frame // the streams and constants it addresses

	// Name is Func + Tag, the program's name in messages and listings.
	Name string
	// Func is what the program computes, the stem of its functions'
	// names ("Step", "Exprel"); Tag names its variant in them ("F32SoftPN",
	// "F32"). See FuncName.
	Func, Tag string
	DType     DType
	Reset     Reset
	PerNeur   bool // constants are per-neuron rows instead of broadcasts

	Regs  []Class  // class of each virtual register
	Names []string // the builder's name of each register, "" if it gave none
	Setup []Op     // loop-invariant ops (immediates, homogeneous constants), run once
	Ops   []Op     // the ops for one vector of lanes
}

// Variant is the compiled form p computes.
func (p *Program) Variant() Variant { return Variant{p.DType, p.Reset, p.PerNeur} }

// Walk calls fn for every op of ops in program order, entering blocks.
func Walk(ops []Op, fn func(*Op)) {
	for i := range ops {
		fn(&ops[i])
		Walk(ops[i].Body, fn)
	}
}
