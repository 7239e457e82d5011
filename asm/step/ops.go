package step

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
	OpStoreBits             // bit lane of Stream = A (A a mask; the stream holds bits, see the package doc)
	OpIf                    // if Stream was given { Body }
	OpRare                  // for the lanes where mask A is set { Body }
	OpLoop                  // for each step of the call { Body }
	NumKinds
)

// Access is what an op does with the stream it names.
type Access int

const (
	NoStream Access = iota // the op names no stream
	Reads                  // it reads the lane's element
	Writes                 // it writes the lane's element: a store
	Tests                  // it tests whether the optional stream was given (If)
)

// Imm is what an op's Imm field holds.
type Imm int

const (
	NoImm   Imm = iota
	Pattern     // a bit pattern, of the class of Dst (OpImm)
	Count       // a shift count (OpShl)
)

// OpInfo is the table's entry for one Kind: everything the IR's
// validation, printer and lowerings need to know about an op without a
// case list of kinds.
type OpInfo struct {
	Name string
	// Args are the classes of the register operands A, B, C, in that
	// order, as many as the op reads. ClassOfB stands for the class of
	// operand B (Select works on floats and bits alike).
	Args []Class
	// Result is the class of Dst, NoResult if the op defines none:
	// ClassOfB for Select, ClassOfDst for Imm (the builder declares it).
	Result Class
	Stream Access
	Imm    Imm
	Param  bool // the op reads constant Param
	Block  bool // the op runs Body: If, Rare, Loop
}

var (
	f1  = []Class{Float}
	f2  = []Class{Float, Float}
	m1  = []Class{Mask}
	ops = [NumKinds]OpInfo{
		OpLoad:      {Name: "Load", Result: Float, Stream: Reads},
		OpParam:     {Name: "Param", Result: Float, Param: true},
		OpImm:       {Name: "Imm", Result: ClassOfDst, Imm: Pattern},
		OpTime:      {Name: "Time", Result: Float},
		OpAdd:       {Name: "Add", Args: f2, Result: Float},
		OpSub:       {Name: "Sub", Args: f2, Result: Float},
		OpMul:       {Name: "Mul", Args: f2, Result: Float},
		OpDiv:       {Name: "Div", Args: f2, Result: Float},
		OpFMA:       {Name: "FMA", Args: []Class{Float, Float, Float}, Result: Float},
		OpAbs:       {Name: "Abs", Args: f1, Result: Float},
		OpCmpGE:     {Name: "CmpGE", Args: f2, Result: Mask},
		OpCmpGT:     {Name: "CmpGT", Args: f2, Result: Mask},
		OpCmpLT:     {Name: "CmpLT", Args: f2, Result: Mask},
		OpCmpLE:     {Name: "CmpLE", Args: f2, Result: Mask},
		OpOr:        {Name: "Or", Args: []Class{Mask, Mask}, Result: Mask},
		OpSelect:    {Name: "Select", Args: []Class{Mask, ClassOfB, ClassOfB}, Result: ClassOfB},
		OpBits:      {Name: "Bits", Args: f1, Result: Bits},
		OpFromBits:  {Name: "FromBits", Args: []Class{Bits}, Result: Float},
		OpIAdd:      {Name: "IAdd", Args: []Class{Bits, Bits}, Result: Bits},
		OpShl:       {Name: "Shl", Args: []Class{Bits}, Result: Bits, Imm: Count},
		OpStore:     {Name: "Store", Args: f1, Result: NoResult, Stream: Writes},
		OpStoreOne:  {Name: "StoreOne", Args: m1, Result: NoResult, Stream: Writes},
		OpStoreBool: {Name: "StoreBool", Args: m1, Result: NoResult, Stream: Writes},
		OpStoreBits: {Name: "StoreBits", Args: m1, Result: NoResult, Stream: Writes},
		OpIf:        {Name: "If", Result: NoResult, Stream: Tests, Block: true},
		OpRare:      {Name: "Rare", Args: m1, Result: NoResult, Block: true},
		OpLoop:      {Name: "Loop", Result: NoResult, Block: true},
	}
)

// Info is the op table's entry for k.
func (k Kind) Info() *OpInfo { return &ops[k] }

func (k Kind) String() string { return ops[k].Name }

// Access reports whether the op names a stream: loads, stores and If.
func (o *Op) Access() bool { return ops[o.Kind].Stream != NoStream }

// IsStore reports whether the op writes its stream.
func (o *Op) IsStore() bool { return ops[o.Kind].Stream == Writes }

// Inputs lists the registers an op reads, in the order of OpInfo.Args.
func (o *Op) Inputs() []Reg {
	return []Reg{o.A, o.B, o.C}[:len(ops[o.Kind].Args)]
}

// Defines reports whether the op writes Dst.
func (o *Op) Defines() bool { return ops[o.Kind].Result != NoResult }

// ArgClass is the class operand i of o must have in p, and ResultClass
// the class of its Dst: the table's, with ClassOfB and ClassOfDst resolved.
func (p *Program) ArgClass(o *Op, i int) Class { return p.resolve(o, ops[o.Kind].Args[i]) }

// ResultClass is the class of the register o defines in p.
func (p *Program) ResultClass(o *Op) Class { return p.resolve(o, ops[o.Kind].Result) }

func (p *Program) resolve(o *Op, c Class) Class {
	switch c {
	case ClassOfB:
		return p.Regs[o.B]
	case ClassOfDst:
		return p.Regs[o.Dst]
	}
	return c
}
