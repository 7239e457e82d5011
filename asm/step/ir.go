// Package step holds the AdQuaIFRef step written once, as a small program of
// vector operations (the IR). Every execution path of the library is a
// mechanical translation of these programs: asm/golang prints plain Go,
// asm/amd64 prints AVX2 and AVX-512 assembly with avo, asm/arm64 prints NEON.
//
// Every arithmetic op is one IEEE-754 operation with a single rounding, so a
// lowering that maps each op to one instruction (or, in Go, one statement with
// an explicit conversion) reproduces the program's results bit for bit.
//
// A program is straight-line code over virtual registers, with three kinds
// of structured block:
//
//   - Loop: ops run once per step of the call (Frame.Steps times, at least
//     once), the state (V, w, last spike) carried in registers from one
//     step to the next: loaded before the loop, stored after it. Inside it,
//     Time is that step's t, and the optional streams are addressed at that
//     step's row. A step program is one Loop between its state's loads and
//     stores, so that a vector of neurons crosses memory once per call,
//     however many steps the call makes.
//   - If: ops run only when an optional buffer (I, Delta, Spike, Refractory)
//     was given. The condition is the same for every lane and every call-site
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

import "fmt"

// DType is the element type a program computes in.
type DType int

const (
	F32 DType = iota
	F64
)

func (d DType) String() string { return [...]string{"F32", "F64"}[d] }

// Size is the element size in bytes.
func (d DType) Size() int { return [...]int{4, 8}[d] }

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
)

func (c Class) String() string { return [...]string{"float", "mask", "bits"}[c] }

// Reg is a virtual register. Registers are numbered from 0 in order of
// creation; Program.Regs gives their classes.
type Reg int

// Stream names a per-neuron buffer that the step reads or writes.
type Stream int

const (
	SV     Stream = iota // membrane potential, read and written
	SW                   // adaptation current, read and written
	SLast                // last spike time, read and written
	SI                   // input current, optional input
	SDelta               // delta input, optional input
	SSpike               // spike output (1 or 0), optional
	SRef                 // refractory output ([]bool), optional
	SBits                // spike output as bits ([]uint64: lane j is bit j%64 of word j/64), optional
	NumStreams
)

var streamNames = [...]string{"V", "W", "Last", "I", "Delta", "Spike", "Ref", "Bits"}

func (s Stream) String() string { return streamNames[s] }

// Optional reports whether the buffer may be absent (nil).
func (s Stream) Optional() bool { return s >= SI }

// Bool reports whether the buffer holds one bool (byte) per neuron instead of
// one float.
func (s Stream) Bool() bool { return s == SRef }

// Packed reports whether the buffer holds one bit per neuron, in uint64
// words, instead of one float.
func (s Stream) Packed() bool { return s == SBits }

// Const names a per-population value precomputed by the kernel package from
// the parameters and dt. Homogeneous programs broadcast it; per-neuron
// programs load it from row Const of the constant table.
type Const int

const (
	CVTh    Const = iota // V_th
	CVThRst              // V_th - V_reset (soft reset)
	CVReset              // V_reset (hard reset)
	CB                   // b
	CVRest               // V_rest
	CVC                  // V_c
	CDtCTau              // dt*c/tau
	CDtRTau              // dt*R/tau
	CKeep                // exp(-dt/tau_w): the share of w kept over one step
	CKa                  // a*(1 - exp(-dt/tau_w))
	CTauRef              // tau_ref
	NumConsts
)

var constNames = [...]string{"VTh", "VThRst", "VReset", "B", "VRest", "VC", "DtCTau", "DtRTau", "Keep", "Ka", "TauRef"}

func (c Const) String() string { return constNames[c] }

// Kind is an operation.
type Kind int

const (
	OpLoad      Kind = iota // Dst = Stream[lane]
	OpParam                 // Dst = constant Param (broadcast, or per-neuron row)
	OpImm                   // Dst = the float (Float) or integer (Bits) with bit pattern Imm, broadcast
	OpTime                  // Dst = the time of the loop's current step, broadcast
	OpAdd                   // Dst = A + B
	OpSub                   // Dst = A - B
	OpMul                   // Dst = A * B
	OpDiv                   // Dst = A / B
	OpFMA                   // Dst = A*B + C, rounded once
	OpAbs                   // Dst = |A| (clears the sign bit)
	OpCmpGE                 // Dst = A >= B (ordered: false if either is NaN)
	OpCmpGT                 // Dst = A > B
	OpCmpLT                 // Dst = A < B
	OpCmpLE                 // Dst = A <= B
	OpOr                    // Dst = A || B, on masks
	OpSelect                // Dst = A ? B : C (A a mask)
	OpBits                  // Dst = the bit pattern of float A
	OpFromBits              // Dst = the float whose bit pattern is A
	OpIAdd                  // Dst = A + B, integers (wrapping)
	OpShl                   // Dst = A << Imm, integers
	OpStore                 // Stream[lane] = A (a float)
	OpStoreOne              // Stream[lane] = A ? 1.0 : 0.0 (A a mask)
	OpStoreBool             // Stream[lane] = A (A a mask; the stream holds bools)
	OpStoreBits             // bit lane of Stream = A (A a mask; the stream holds bits, see below)
	OpIf                    // if Stream was given { Body }
	OpRare                  // for the lanes where mask A is set { Body }
	OpLoop                  // for each step of the call { Body }
	NumKinds
)

var kindNames = [...]string{"Load", "Param", "Imm", "Time", "Add", "Sub", "Mul", "Div", "FMA", "Abs",
	"CmpGE", "CmpGT", "CmpLT", "CmpLE", "Or", "Select", "Bits", "FromBits", "IAdd", "Shl",
	"Store", "StoreOne", "StoreBool", "StoreBits", "If", "Rare", "Loop"}

func (k Kind) String() string { return kindNames[k] }

// Op is one operation. Fields not used by its Kind are zero.
type Op struct {
	Kind    Kind
	Dst     Reg
	A, B, C Reg
	Stream  Stream
	Param   Const
	Imm     uint64 // OpImm: bit pattern; OpShl: shift count
	Body    []Op   // OpIf, OpRare, OpLoop
}

// Program is one variant of the step (or a helper kernel such as exprel).
type Program struct {
	Name    string
	DType   DType
	Reset   Reset
	PerNeur bool    // constants are per-neuron rows instead of broadcasts
	Regs    []Class // class of each virtual register
	Setup   []Op    // loop-invariant ops (immediates, homogeneous constants), run once
	Ops     []Op    // the ops for one vector of lanes
}

// Reset is the reset rule after a spike.
type Reset int

const (
	Soft Reset = iota
	Hard
)

func (r Reset) String() string { return [...]string{"Soft", "Hard"}[r] }

// Walk calls fn for every op of ops in program order, entering blocks.
func Walk(ops []Op, fn func(*Op)) {
	for i := range ops {
		fn(&ops[i])
		Walk(ops[i].Body, fn)
	}
}

// Inputs lists the registers an op reads.
func (o *Op) Inputs() []Reg {
	switch o.Kind {
	case OpLoad, OpParam, OpImm, OpTime, OpIf, OpLoop:
		return nil
	case OpAbs, OpBits, OpFromBits, OpShl, OpStore, OpStoreOne, OpStoreBool, OpStoreBits, OpRare:
		return []Reg{o.A}
	case OpFMA, OpSelect:
		return []Reg{o.A, o.B, o.C}
	}
	return []Reg{o.A, o.B}
}

// Defines reports whether the op writes Dst.
func (o *Op) Defines() bool {
	switch o.Kind {
	case OpStore, OpStoreOne, OpStoreBool, OpStoreBits, OpIf, OpRare, OpLoop:
		return false
	}
	return true
}

// Validate checks register classes, that every register is defined before
// it is read on every path, and the Loop rules: at most one Loop, at the top
// level; Time only inside it; the optional streams accessed only inside it
// and the state only outside it.
func (p *Program) Validate() error {
	defined := make([]bool, len(p.Regs))
	loops := 0
	hasLoop := false
	for i := range p.Ops {
		hasLoop = hasLoop || p.Ops[i].Kind == OpLoop
	}
	var check func(ops []Op, def []bool, inLoop bool) error
	check = func(ops []Op, def []bool, inLoop bool) error {
		for i := range ops {
			o := &ops[i]
			if err := checkLoop(o, hasLoop, inLoop); err != nil {
				return fmt.Errorf("%s: op %d: %w", p.Name, i, err)
			}
			if o.Kind == OpLoop {
				loops++
			}
			for _, r := range o.Inputs() {
				if int(r) >= len(def) || !def[r] {
					return fmt.Errorf("%s: op %d (%s) reads r%d before it is defined", p.Name, i, o.Kind, r)
				}
			}
			if err := p.checkClasses(o); err != nil {
				return fmt.Errorf("%s: op %d: %w", p.Name, i, err)
			}
			if o.Body != nil {
				// A block may run or not: what it defines is defined after
				// it only if it was defined before.
				inner := append([]bool(nil), def...)
				if err := check(o.Body, inner, inLoop || o.Kind == OpLoop); err != nil {
					return err
				}
			}
			if o.Defines() {
				def[o.Dst] = true
			}
		}
		return nil
	}
	for i := range p.Setup {
		switch p.Setup[i].Kind {
		case OpImm, OpParam:
		default:
			return fmt.Errorf("%s: setup op %d is %s, not loop-invariant", p.Name, i, p.Setup[i].Kind)
		}
		defined[p.Setup[i].Dst] = true
	}
	if err := check(p.Ops, defined, false); err != nil {
		return err
	}
	if loops > 1 {
		return fmt.Errorf("%s: %d loops, want at most one", p.Name, loops)
	}
	return nil
}

// checkLoop checks op o's place with respect to the step loop, in a
// program that has one (hasLoop) or not.
func checkLoop(o *Op, hasLoop, inLoop bool) error {
	switch o.Kind {
	case OpLoop:
		if inLoop {
			return fmt.Errorf("a Loop inside a Loop")
		}
	case OpTime:
		if !inLoop {
			return fmt.Errorf("Time outside the Loop")
		}
	case OpLoad, OpStore, OpStoreOne, OpStoreBool, OpStoreBits, OpIf:
		if hasLoop && o.Stream.Optional() != inLoop {
			return fmt.Errorf("%s %s: optional streams are accessed inside the Loop and the state outside it", o.Kind, o.Stream)
		}
	}
	return nil
}

func (p *Program) checkClasses(o *Op) error {
	want := func(r Reg, c Class) error {
		if p.Regs[r] != c {
			return fmt.Errorf("%s: r%d is %s, want %s", o.Kind, r, p.Regs[r], c)
		}
		return nil
	}
	var ins []Class
	out := Float
	switch o.Kind {
	case OpAdd, OpSub, OpMul, OpDiv:
		ins = []Class{Float, Float}
	case OpFMA:
		ins = []Class{Float, Float, Float}
	case OpAbs, OpStore:
		ins = []Class{Float}
	case OpCmpGE, OpCmpGT, OpCmpLT, OpCmpLE:
		ins, out = []Class{Float, Float}, Mask
	case OpOr:
		ins, out = []Class{Mask, Mask}, Mask
	case OpSelect:
		ins, out = []Class{Mask, p.Regs[o.B], p.Regs[o.B]}, p.Regs[o.B]
	case OpBits:
		ins, out = []Class{Float}, Bits
	case OpFromBits:
		ins = []Class{Bits}
	case OpIAdd:
		ins, out = []Class{Bits, Bits}, Bits
	case OpShl:
		ins, out = []Class{Bits}, Bits
	case OpStoreOne, OpStoreBool, OpStoreBits, OpRare:
		ins = []Class{Mask}
	case OpImm:
		out = p.Regs[o.Dst]
	}
	for i, r := range o.Inputs() {
		if err := want(r, ins[i]); err != nil {
			return err
		}
	}
	if o.Defines() {
		return want(o.Dst, out)
	}
	return nil
}
