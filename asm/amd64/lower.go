package main

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/adquaif/adquaif/asm/step"
)

// isa is one target instruction set.
type isa struct {
	name      string // as in function names: AVX2, AVX512
	width     int    // vector register bytes
	vectors   int    // vector registers the encoding reaches: X0 up to this
	avx512    bool   // opmask registers and masked moves, else AVX2+FMA
	maxUnroll int    // most vectors interleaved op by op
	maxSerial int    // most vectors in a step loop that emits one's whole step after another
}

// isas lists the targets. avo offers X16-X31 (and their Y and Z views)
// for every vector register, and the assembler would encode an AVX2
// instruction that names Y16 with EVEX, which needs AVX512VL: AVX2 reaches
// the 16 that VEX encodes.
var isas = []*isa{
	{name: "AVX512", width: 64, vectors: 32, avx512: true, maxUnroll: 4, maxSerial: 4},
	{name: "AVX2", width: 32, vectors: 16, maxUnroll: 3, maxSerial: 4},
}

func (is *isa) lanes(d step.DType) int { return is.width / d.Size() }

// Comparison predicates (ordered, quiet: false when either side is NaN, as
// Go's comparisons).
const (
	predLT = 0x11
	predLE = 0x12
	predGE = 0x1d
	predGT = 0x1e
)

// constKey names a loop-invariant vector value: an immediate bit pattern or
// a homogeneous constant of the table.
type constKey struct {
	kind step.Kind // OpImm or OpParam
	val  uint64    // OpImm: the bits; OpParam: the step.Const
}

// constant is a loop-invariant value with its weight for the choice of the
// ones that stay in registers.
type constant struct {
	key    constKey
	weight int
}

// Uses outside Rare and If blocks run for every vector; inside Rare blocks,
// rarely. Uses inside If blocks run only when the caller passes the
// optional stream, so they weigh as little as rare ones: a program is
// fastest without its optional streams, and a present stream's block pays
// with broadcast operands, not the common path with constants kept out of
// registers (G's block once pushed two of exprel's out).
const (
	weightCommon = 16
	weightRare   = 1
)

// absMask, oneFloat and oneInt are constants the lowering itself needs:
// for Abs, StoreOne (AVX-512) and StoreBool (AVX-512).
func absMask(d step.DType) constKey { return constKey{step.OpImm, 1<<(8*d.Size()-1) - 1} }

func oneFloat(d step.DType) constKey {
	if d == step.F32 {
		return constKey{step.OpImm, 0x3f800000}
	}
	return constKey{step.OpImm, 0x3ff0000000000000}
}

func oneInt() constKey { return constKey{step.OpImm, 1} }

// constantsOf lists every loop-invariant value that p needs on is, most used
// first (ties in order of first use), so that the first k of them are the
// best to hold in k registers.
func constantsOf(is *isa, p *step.Program) []constant {
	setupKey := map[step.Reg]constKey{}
	for _, o := range p.Setup {
		setupKey[o.Dst] = keyOf(&o)
	}
	weight := map[constKey]int{}
	var order []constKey
	add := func(k constKey, w int) {
		if _, ok := weight[k]; !ok {
			order = append(order, k)
		}
		weight[k] += w
	}
	for _, o := range p.Setup {
		add(keyOf(&o), 0)
	}
	var walk func(ops []step.Op, w int)
	walk = func(ops []step.Op, w int) {
		for i := range ops {
			o := &ops[i]
			for _, r := range o.Inputs() {
				if k, ok := setupKey[r]; ok {
					add(k, w)
				}
			}
			switch o.Kind {
			case step.OpImm:
				if is.avx512 || o.Imm != 0 {
					add(keyOf(o), w)
				}
			case step.OpAbs:
				add(absMask(p.DType), w)
			case step.OpStoreOne:
				add(oneFloat(p.DType), w)
			case step.OpStoreBool:
				if is.avx512 {
					add(oneInt(), w)
				}
			}
			bw := w
			if o.Kind == step.OpRare || o.Kind == step.OpIf {
				bw = weightRare
			}
			walk(o.Body, bw)
		}
	}
	walk(p.Ops, weightCommon)
	cs := make([]constant, len(order))
	for i, k := range order {
		cs[i] = constant{k, weight[k]}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].weight > cs[j].weight })
	return cs
}

func keyOf(o *step.Op) constKey {
	switch o.Kind {
	case step.OpImm:
		return constKey{step.OpImm, o.Imm}
	case step.OpParam:
		return constKey{step.OpParam, uint64(o.Param)}
	}
	panic(fmt.Sprintf("amd64: %s is not loop-invariant", o.Kind))
}

// data holds the file's read-only constants, each defined once.
type data struct {
	c    *build.Context
	syms map[string]operand.Mem
}

func newData(c *build.Context) *data { return &data{c: c, syms: map[string]operand.Mem{}} }

func (d *data) get(name string, vals ...operand.Constant) operand.Mem {
	if m, ok := d.syms[name]; ok {
		return m
	}
	m := d.c.StaticGlobal(name)
	d.c.DataAttributes(attr.RODATA | attr.NOPTR)
	for _, v := range vals {
		d.c.AppendDatum(v)
	}
	d.syms[name] = m
	return m
}

// scalar is one element with bit pattern bits, the source of a broadcast.
func (d *data) scalar(bits uint64, size int) operand.Mem {
	if size == 4 {
		return d.get(fmt.Sprintf("k32_%08x", bits), operand.U32(bits))
	}
	return d.get(fmt.Sprintf("k64_%016x", bits), operand.U64(bits))
}

// iota holds the lane numbers of a YMM register, as dwords: a lane is in
// a tail of rem lanes if rem > its number. Float64 lanes span two dwords,
// which both hold the lane's number.
func (d *data) iota(size int) operand.Mem {
	var vals []operand.Constant
	for i := 0; i < 8; i++ {
		vals = append(vals, operand.U32(i*4/size))
	}
	return d.get(fmt.Sprintf("iota%d", size*8), vals...)
}

// pdepBytes deposits bit i of a lane mask into bit 0 of byte i: the bool
// bytes of eight lanes.
func (d *data) pdepBytes() operand.Mem {
	return d.get("bool_bytes", operand.U64(0x0101010101010101))
}

// frameTypes is a stand-in for package kernel, where frame32 and frame64
// are aliases of generic.Frame32 and generic.Frame64: the declarations that
// avo prints refer to them without an import. signature adds the type of
// a program's frame to it, under frameMu (tests lower in parallel).
var (
	frameTypes = types.NewPackage("github.com/adquaif/adquaif/kernel", "kernel")
	frameMu    sync.Mutex
)

// signature is the Go signature of p's functions, func(f *frame32): the
// frame's type in package kernel is its Go type with a lower-case first
// letter.
func signature(p *step.Program) *gotypes.Signature {
	frameMu.Lock()
	defer frameMu.Unlock()
	name := p.GoType(p.DType)
	name = strings.ToLower(name[:1]) + name[1:]
	if frameTypes.Scope().Lookup(name) == nil {
		obj := types.NewTypeName(token.NoPos, frameTypes, name, nil)
		types.NewNamed(obj, types.NewStruct(nil, nil), nil)
		frameTypes.Scope().Insert(obj)
	}
	sig, err := gotypes.ParseSignatureInPackage(frameTypes, fmt.Sprintf("func(f *%s)", name))
	if err != nil {
		panic(err)
	}
	return sig
}

// val is where a program register lives in one unrolled copy.
type val struct {
	op    operand.Op // a register, or a read-only memory operand
	owned bool       // op is a register of this copy that a later op may overwrite
	row   int        // per-neuron constant row+1, resolved to a memory operand at each use; 0 if none
}

// fn is the state of lowering one program to one function.
type fn struct {
	c    *build.Context
	d    *data
	is   *isa
	p    *step.Program
	cfg  config
	lay  step.Layout // where the frame's fields are
	f64  bool
	size int
	L    int

	ops   []step.Op
	pos   map[*step.Op]int
	last  []int // the position of the last op that mentions each register
	first []int // the position of the first op that defines each register
	// mentions lists, per register, the ops that read or write it, in
	// position order; loopStart and loopEnd are the positions of the Loop
	// op and of the last op of its body (0 without a Loop).
	mentions           [][]mention
	loopStart, loopEnd int
	cloned             bool  // f.p is remat's private copy of the program
	defs               []int // how many ops define each register
	// spillOrder lists the values that may live on the stack, the first
	// cfg.vspill of which do (spilled, per register; see spillValue).
	spillOrder []step.Reg
	spilled    []bool

	setupKey map[step.Reg]constKey
	consts   map[constKey]operand.Op
	table    operand.Mem    // the stack table of constants and row pointers not in registers
	rowPin   []reg.Register // per constant of the frame
	rowSlot  []operand.Mem
	// Each stream's pointer (its current row, in the step loop) lives in
	// a register of its own (streamPin) or in a stack slot (streamSlot).
	streamPin  []reg.GPVirtual // per stream of the frame
	streamSlot []operand.Mem
	j, n       reg.GPVirtual

	// Emission state.
	masked bool         // emitting the tail: loads and stores under tmask
	tmask  reg.Register // tail lanes: an opmask (AVX-512) or a vector of all-ones lanes (AVX2)
	cur    [][]val
	defd   [][]bool
	labels *int // shared by the function's sections
	spills []operand.Mem
	// valueSlots holds the spilled values, per copy and register.
	valueSlots map[[2]int]operand.Mem
	// parking: the step loop keeps the vectors' states in parkSlots
	// (per copy and state register) between their steps.
	parking   bool
	parkSlots map[[2]int]operand.Mem
	// rowCache and ptrCache hold the row and stream pointers loaded from
	// their stack slots for the op being emitted (see fresh).
	rowCache map[step.Const]reg.Register
	ptrCache map[step.Stream]reg.GPVirtual
	// fetched marks the streams whose prefetches this body has emitted.
	fetched []bool
	// spread lists the streams that every call reads or writes (not
	// optional), in the order prefetchSpread prefetches them.
	spread []step.Stream

	// The step loop (programs with a Loop). tp points at the current
	// step's time, T[s]; the loop ends when it reaches tEnd. The optional
	// streams' registers point at the current step's row: each step adds
	// rowInc[s] (Rows[s] elements in bytes, or 0 for an absent stream, which
	// keeps its nil pointer and so its If test), and after the loop
	// base[s] restores row 0 for the next vector group.
	tp          reg.GPVirtual
	tBase, tEnd operand.Mem
	tSlot       operand.Mem   // OneStep: T[0], the one step's time
	advance     []step.Stream // the optional streams the Loop accesses
	rowInc      []operand.Mem // per stream of the frame
	base        []operand.Mem
}

// bcast is a constant in memory as one scalar, read by AVX-512 with
// embedded broadcast ({1to16} or {1to8}): the _BCST form of an
// instruction.
type bcast struct{ operand.Mem }

// bc emits plain, or its broadcast form bc when an operand is a bcast.
func bc(plain, bcst func(...operand.Op), ops ...operand.Op) {
	for i, op := range ops {
		if b, ok := op.(bcast); ok {
			ops[i] = b.Mem
			plain = bcst
		}
	}
	plain(ops...)
}

// pick chooses the float32 (PS, D) or float64 (PD, Q) form of an instruction.
func pick[T any](f64 bool, ps, pd T) T {
	if f64 {
		return pd
	}
	return ps
}

// lower emits the function for p on is into c, with a section for each
// configuration: a program with a Loop has two (one step, then many steps),
// one of which runs, chosen by Frame.Steps; a choice tries one at a time.
func lower(c *build.Context, d *data, is *isa, p *step.Program, cfgs ...config) {
	f := &fn{c: c, d: d, is: is, p: p, lay: p.Layout(), f64: p.DType == step.F64, size: p.DType.Size(), L: is.lanes(p.DType), labels: new(int)}
	f.schedule()
	f.spillOrder = f.spillCandidates()

	c.Function(p.FuncName(is.name))
	c.Attributes(0)
	c.Pragma("noescape")
	c.Doc(fmt.Sprintf("%s is the program %s of asm/step (see docs/CONTRACT.md) for the f.N lanes", p.FuncName(is.name), p.Name),
		fmt.Sprintf("of the frame, lowered for %s, %d lanes per vector.", map[bool]string{true: "AVX-512", false: "AVX2 and FMA"}[is.avx512], f.L))
	c.Signature(signature(p))
	for _, cfg := range cfgs {
		c.Comment(cfg.String())
	}

	frame := c.GP64()
	c.Load(c.Param("f"), frame)
	if len(cfgs) > 1 {
		// Steps <= 1 (at least 1 by the frame's contract) takes the
		// one-step section, as on arm64.
		c.CMPQ(operand.Mem{Base: frame, Disp: f.lay.Steps}, operand.Imm(1))
		c.JG(operand.LabelRef("many"))
	}
	for i, cfg := range cfgs {
		if i > 0 {
			c.Label("many")
		}
		s := f.section(cfg)
		s.setup(frame)
		s.loops()
	}
}

// section is a copy of f for emitting one section: the schedule shared,
// the registers, constants and stack slots its own.
func (f *fn) section(cfg config) *fn {
	ns, nc := len(f.p.Streams), len(f.p.Consts)
	s := &fn{c: f.c, d: f.d, is: f.is, p: f.p, cfg: cfg, lay: f.lay, f64: f.f64, size: f.size, L: f.L,
		ops: f.ops, pos: f.pos, last: f.last, first: f.first, mentions: f.mentions,
		loopStart: f.loopStart, loopEnd: f.loopEnd, cloned: f.cloned, defs: f.defs, labels: f.labels,
		spillOrder: f.spillOrder, spilled: make([]bool, len(f.p.Regs)),
		rowPin: make([]reg.Register, nc), rowSlot: make([]operand.Mem, nc),
		streamPin: make([]reg.GPVirtual, ns), streamSlot: make([]operand.Mem, ns),
		rowInc: make([]operand.Mem, ns), base: make([]operand.Mem, ns)}
	for _, r := range f.spillOrder[:min(cfg.vspill, len(f.spillOrder))] {
		s.spilled[r] = true
	}
	return s
}

// sfx is the suffix of section s's labels: loop, tail, done.
func sfx(s step.Section) string {
	return [...]string{step.Plain: "", step.OneStep: "1", step.ManySteps: "N"}[s]
}

// schedule reorders the body for few live registers (see order) and
// notes where each register is last mentioned. A register defined before
// the Loop and mentioned in it is read again by the next step: it counts as
// mentioned at the end of the Loop's body, so that no op of the body takes
// its register.
func (f *fn) schedule() {
	f.defs = make([]int, len(f.p.Regs))
	for _, o := range f.p.Setup {
		f.defs[o.Dst]++
	}
	step.Walk(f.p.Ops, func(o *step.Op) {
		if o.Defines() {
			f.defs[o.Dst]++
		}
	})
	f.ops = order(f.p.Ops, f.defs)
	f.ops = f.remat(f.ops)
	f.pos = map[*step.Op]int{}
	f.last = make([]int, len(f.p.Regs))
	f.first = make([]int, len(f.p.Regs))
	f.mentions = make([][]mention, len(f.p.Regs))
	n := 0
	var walk func(ops []step.Op, cond bool)
	walk = func(ops []step.Op, cond bool) {
		for i := range ops {
			o := &ops[i]
			n++
			f.pos[o] = n
			for _, r := range o.Inputs() {
				f.last[r] = n
				f.mentions[r] = append(f.mentions[r], mention{pos: n, read: true})
			}
			if o.Defines() {
				f.last[o.Dst] = n
				if f.first[o.Dst] == 0 {
					f.first[o.Dst] = n
				}
				// A register assigned once is defined before every read
				// (Validate), even when the definition is in a block.
				f.mentions[o.Dst] = append(f.mentions[o.Dst], mention{pos: n, def: !cond || f.defs[o.Dst] == 1})
			}
			start := n
			walk(o.Body, cond || o.Kind == step.OpIf || o.Kind == step.OpRare)
			if o.Kind == step.OpLoop {
				f.loopStart, f.loopEnd = start, n
				for r := range f.last {
					if f.first[r] != 0 && f.first[r] < start && f.last[r] > start {
						f.last[r] = max(f.last[r], n)
					}
				}
			}
		}
	}
	walk(f.ops, false)
}

// remat recomputes inside a Rare block a value that the block reads but
// nothing after it does, when that costs one instruction whose inputs the
// block reads anyway (|z|, which decides whether exprel's slow path runs,
// and which the block compares again): the value then need not be held in
// a register across the block's test, where the step's register pressure
// peaks with every interleaved vector's values live. The copy is a new
// register of a private copy of the program; results are unchanged.
func (f *fn) remat(ops []step.Op) []step.Op {
	reads := func(ops []step.Op, r step.Reg) int {
		n := 0
		step.Walk(ops, func(o *step.Op) {
			for _, x := range o.Inputs() {
				if x == r {
					n++
				}
			}
		})
		return n
	}
	setup := map[step.Reg]bool{}
	for _, o := range f.p.Setup {
		setup[o.Dst] = true
	}
	for i := range ops {
		R := &ops[i]
		R.Body = f.remat(R.Body)
		if R.Kind != step.OpRare {
			continue
		}
		for k := 0; k < i; k++ {
			o := ops[k]
			switch o.Kind {
			case step.OpAbs, step.OpAdd, step.OpSub, step.OpMul:
			default:
				continue
			}
			// Every read of r is before the block or inside it, and the
			// block does not test r itself.
			r := o.Dst
			inside := reads(R.Body, r)
			if f.defs[r] != 1 || R.A == r || inside == 0 || reads(f.p.Ops, r) != reads(ops[k+1:i], r)+inside {
				continue
			}
			ok := true
			for _, x := range o.Inputs() {
				ok = ok && f.defs[x] == 1 && (setup[x] || reads(R.Body, x) > 0)
			}
			if !ok {
				continue
			}
			if !f.cloned {
				p := *f.p
				p.Regs = slices.Clone(p.Regs)
				f.p = &p
				f.cloned = true
			}
			nr := step.Reg(len(f.p.Regs))
			f.p.Regs = append(f.p.Regs, f.p.Regs[r])
			f.defs = append(f.defs, 1)
			step.Walk(R.Body, func(x *step.Op) {
				n := len(x.Inputs())
				for _, in := range []*step.Reg{&x.A, &x.B, &x.C}[:n] {
					if *in == r {
						*in = nr
					}
				}
			})
			o.Dst = nr
			R.Body = append([]step.Op{o}, R.Body...)
		}
	}
	return ops
}

// mention is an op at position pos that reads a register or writes it on
// every path to the register's next read (def): not inside an If or Rare
// block, where the old value may survive, unless the register is assigned
// only there.
type mention struct {
	pos       int
	read, def bool
}

// liveAfter reports whether a later op may read the value that register r
// holds after position p: whether, on some path from p, a read of r comes
// before an unconditional write. Inside the Loop the paths are the rest
// of the body, then the ops after the Loop or, over the back edge, the
// body from its start.
func (f *fn) liveAfter(r step.Reg, p int) bool {
	// decide scans the mentions in (lo, hi]: a read first means live, a
	// write first dead, neither undecided.
	decide := func(lo, hi int) (live, decided bool) {
		for _, m := range f.mentions[r] {
			if m.pos <= lo || m.pos > hi {
				continue
			}
			if m.read {
				return true, true
			}
			if m.def {
				return false, true
			}
		}
		return false, false
	}
	inLoop := f.loopEnd > 0 && p > f.loopStart && p <= f.loopEnd
	if !inLoop {
		live, _ := decide(p, int(^uint(0)>>1))
		return live
	}
	if live, ok := decide(p, f.loopEnd); ok {
		return live
	}
	exit, _ := decide(f.loopEnd, int(^uint(0)>>1))
	back, _ := decide(f.loopStart, p)
	return exit || back
}

// order orders a list of ops for few live registers, without changing
// any result. Ops that must keep their place (stores, blocks, and every op
// that writes or reads a register assigned more than once) are emitted in
// program order; each pure op (one that only computes a register assigned
// once) is emitted just before the first op that needs it, depth first and
// the operand that needs the most registers first (Sethi-Ullman order). So
// a polynomial computed early but used late, or a stream load, moves next
// to its use. Moving a load past a store is safe: the kernel refuses
// outputs that overlap an input.
func order(ops []step.Op, defs []int) []step.Op {
	s := newOrdering(ops, defs)
	for i := range ops {
		if !s.pure(i) {
			s.emit(i)
		}
	}
	for i := range ops {
		s.emit(i) // pure ops nothing reads
	}
	return s.out
}

// ordering is the state of order over one list of ops.
type ordering struct {
	ops  []step.Op
	defs []int // how many ops of the program define each register
	// producer is the pure op that defines a register; definer the op of
	// the list that first defines it (inside a block, the block);
	// readers counts the ops of the list not yet emitted that read it.
	producer, definer, readers map[step.Reg]int
	label                      map[int]int // need's memo
	done                       []bool      // emission started
	emitted                    []bool      // in out
	out                        []step.Op
}

func newOrdering(ops []step.Op, defs []int) *ordering {
	s := &ordering{ops: ops, defs: defs, producer: map[step.Reg]int{}, definer: map[step.Reg]int{}, readers: map[step.Reg]int{},
		label: map[int]int{}, done: make([]bool, len(ops)), emitted: make([]bool, len(ops)), out: make([]step.Op, 0, len(ops))}
	for i := range ops {
		if s.pure(i) {
			s.producer[ops[i].Dst] = i
		}
		step.Walk(ops[i:i+1], func(x *step.Op) {
			if x.Defines() {
				if _, ok := s.definer[x.Dst]; !ok {
					s.definer[x.Dst] = i
				}
			}
		})
		for _, r := range s.reads(i) {
			s.readers[r]++
		}
	}
	return s
}

// pure reports whether op i only computes a register assigned once from
// registers assigned once.
func (s *ordering) pure(i int) bool {
	o := &s.ops[i]
	if !o.Defines() || o.Body != nil || s.defs[o.Dst] != 1 {
		return false
	}
	for _, r := range o.Inputs() {
		if s.defs[r] != 1 {
			return false
		}
	}
	return true
}

// reads lists the registers that op i reads, its block's included.
func (s *ordering) reads(i int) []step.Reg {
	var rs []step.Reg
	step.Walk(s.ops[i:i+1], func(x *step.Op) { rs = append(rs, x.Inputs()...) })
	return rs
}

// need is the Sethi-Ullman label of op i: the registers its value's
// computation needs, counting only the pure ops of the list.
func (s *ordering) need(i int) int {
	if l, ok := s.label[i]; ok {
		return l
	}
	var ls []int
	for _, r := range s.ops[i].Inputs() {
		if j, ok := s.producer[r]; ok {
			ls = append(ls, s.need(j))
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ls)))
	l := 1
	for k, x := range ls {
		l = max(l, x+k)
	}
	s.label[i] = l
	return l
}

// leaf reports whether op d is a pure op without inputs (a per-neuron
// constant, read in place): its value counts as ready, emitted with its
// user, and reading it frees nothing.
func (s *ordering) leaf(d int) bool { return s.pure(d) && len(s.ops[d].Inputs()) == 0 }

// eager emits, as soon as its inputs are ready, a pure op that is the
// last reader of one of them (it frees at least the register it takes):
// sinking such an op to its use would only keep its inputs live longer.
func (s *ordering) eager() {
	for j := range s.ops {
		if s.done[j] || !s.pure(j) {
			continue
		}
		ready, frees := true, false
		for _, r := range s.ops[j].Inputs() {
			d, local := s.definer[r]
			if local && !s.emitted[d] && !s.leaf(d) {
				ready = false
			}
			frees = frees || (local && s.readers[r] == 1 && !s.leaf(d))
		}
		if ready && frees {
			s.emit(j)
			return
		}
	}
}

// emit emits op i after the pure ops it needs that are not emitted yet,
// the one that needs the most registers first, then any op that eager
// finds ready.
func (s *ordering) emit(i int) {
	if s.done[i] {
		return
	}
	s.done[i] = true
	var deps []int
	for _, r := range s.reads(i) {
		if j, ok := s.producer[r]; ok && !s.done[j] {
			deps = append(deps, j)
		}
	}
	sort.SliceStable(deps, func(a, b int) bool { return s.need(deps[a]) > s.need(deps[b]) })
	for _, j := range deps {
		s.emit(j)
	}
	o := s.ops[i]
	o.Body = order(o.Body, s.defs)
	s.out = append(s.out, o)
	s.emitted[i] = true
	for _, r := range s.reads(i) {
		s.readers[r]--
	}
	s.eager()
}

func (f *fn) vreg() reg.VecVirtual {
	if f.is.avx512 {
		return f.c.ZMM()
	}
	return f.c.YMM()
}

func (f *fn) maskreg() reg.Register {
	if f.is.avx512 {
		return f.c.K()
	}
	return f.c.YMM()
}

func (f *fn) mov(src, dst operand.Op) {
	if b, ok := src.(bcast); ok {
		f.broadcast(b.Mem, dst.(reg.Register))
		return
	}
	pick(f.f64, f.c.VMOVUPS, f.c.VMOVUPD)(src, dst)
}

func (f *fn) broadcast(src operand.Mem, dst reg.Register) {
	pick(f.f64, f.c.VBROADCASTSS, f.c.VBROADCASTSD)(src, dst)
}

func (f *fn) label(kind string) string {
	*f.labels++
	return fmt.Sprintf("%s%d", kind, *f.labels)
}

// setup loads what the section's loops read from the frame, once per call:
// the lane count, the stream pointers, the step loop's bounds and rows,
// the per-neuron rows' pointers, and every constant, hoisted into a
// register or the stack table.
func (f *fn) setup(frame reg.GPVirtual) {
	f.n = f.c.GP64()
	f.c.MOVQ(operand.Mem{Base: frame, Disp: f.lay.N}, f.n)
	f.setupStreams(frame)
	f.loopSetup(frame)

	f.setupKey = map[step.Reg]constKey{}
	for _, o := range f.p.Setup {
		f.setupKey[o.Dst] = keyOf(&o)
	}
	cs := constantsOf(f.is, f.p)
	rows := f.rowOrder()
	constSlots := max(len(cs)-f.cfg.vpins, 0)
	f.allocTable(constSlots, max(len(rows)-f.cfg.gpins, 0))
	var cp reg.GPVirtual
	if needsConstTable(cs, rows) {
		cp = f.c.GP64()
		f.c.MOVQ(operand.Mem{Base: frame, Disp: f.lay.C}, cp)
	}
	f.rowPointers(frame, cp, rows, constSlots*f.slotSize())
	f.hoistConstants(cs, cp)
}

// setupStreams loads the stream pointers: into their registers for the
// first cfg.spins streams of streamOrder, else into their stack slots.
func (f *fn) setupStreams(frame reg.GPVirtual) {
	order := f.streamOrder()
	pinned := order[:min(f.cfg.spins, len(order))]
	for i, used := range f.p.Used() {
		s := step.Stream(i)
		if !used {
			continue
		}
		g := f.c.GP64()
		f.c.MOVQ(operand.Mem{Base: frame, Disp: f.lay.Stream(s)}, g)
		if slices.Contains(pinned, s) {
			f.streamPin[s] = g
		} else {
			f.streamSlot[s] = f.c.AllocLocal(8)
			f.c.MOVQ(g, f.streamSlot[s])
		}
	}
	f.fresh()
}

// rowOrder lists the per-neuron constants that the body reads, most used
// first (ties by constant index): the first cfg.gpins of them keep their
// row's pointer in a register.
func (f *fn) rowOrder() []step.Const {
	uses := map[step.Const]int{}
	step.Walk(f.ops, func(o *step.Op) {
		if o.Kind.Info().Param {
			uses[o.Param]++
		}
	})
	var rows []step.Const
	for k := range uses {
		rows = append(rows, k)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if uses[a] != uses[b] {
			return uses[a] > uses[b]
		}
		return a < b
	})
	return rows
}

// slotSize is the bytes of a constant's slot in the table: a vector for
// AVX2, a scalar that instructions broadcast as they read it for AVX-512.
func (f *fn) slotSize() int {
	if f.is.avx512 {
		return 8
	}
	return f.is.width
}

// allocTable allocates the stack table of the constants not in registers
// (for AVX2 aligned to a vector, through a register of its own) and,
// after them, the per-neuron row pointers not in registers.
func (f *fn) allocTable(constSlots, rowSlots int) {
	c := f.c
	W := f.slotSize()
	if constSlots+rowSlots == 0 {
		return
	}
	if f.is.avx512 {
		// Scalars: the stack pointer's alignment is enough.
		f.table = c.AllocLocal(constSlots*W + rowSlots*8)
		return
	}
	local := c.AllocLocal(constSlots*W + rowSlots*8 + W)
	tbl := c.GP64()
	c.LEAQ(local, tbl)
	c.ADDQ(operand.Imm(uint64(W-1)), tbl)
	c.ANDQ(operand.I32(-W), tbl)
	f.table = operand.Mem{Base: tbl}
}

// needsConstTable reports whether the section reads the frame's constant
// table: a homogeneous constant to broadcast, or a per-neuron row.
func needsConstTable(cs []constant, rows []step.Const) bool {
	need := len(rows) > 0
	for _, k := range cs {
		need = need || k.key.kind == step.OpParam
	}
	return need
}

// rowPointers computes each per-neuron row's pointer, C + k*Stride
// elements, into its register or its slot of the table at off and after.
func (f *fn) rowPointers(frame, cp reg.GPVirtual, rows []step.Const, off int) {
	c := f.c
	if len(rows) == 0 {
		return
	}
	stride := c.GP64()
	c.MOVQ(operand.Mem{Base: frame, Disp: f.lay.Stride}, stride)
	for i, k := range rows {
		g := c.GP64()
		if k == 0 {
			c.MOVQ(cp, g)
		} else {
			c.IMUL3Q(operand.Imm(uint64(int(k)*f.size)), stride, g)
			c.ADDQ(cp, g)
		}
		if i < f.cfg.gpins {
			f.rowPin[k] = g
		} else {
			f.rowSlot[k] = f.table.Offset(off + (i-f.cfg.gpins)*8)
			c.MOVQ(g, f.rowSlot[k])
		}
	}
}

// hoistConstants broadcasts the first cfg.vpins constants of cs into
// registers and writes the others to the table, as vectors (AVX2) or
// scalars (AVX-512; immediates stay in read-only data, read with
// embedded broadcast where they are).
func (f *fn) hoistConstants(cs []constant, cp reg.GPVirtual) {
	c := f.c
	W := f.slotSize()
	f.consts = map[constKey]operand.Op{}
	for i, k := range cs {
		var src operand.Mem
		switch k.key.kind {
		case step.OpImm:
			src = f.d.scalar(k.key.val, f.size)
		case step.OpParam:
			src = operand.Mem{Base: cp, Disp: int(k.key.val) * f.size}
		}
		if i >= f.cfg.vpins && f.is.avx512 {
			if k.key.kind == step.OpImm {
				f.consts[k.key] = bcast{src}
				continue
			}
			slot := f.table.Offset((i - f.cfg.vpins) * W)
			g := c.GP64()
			if f.f64 {
				c.MOVQ(src, g)
				c.MOVQ(g, slot)
			} else {
				c.MOVL(src, g.As32())
				c.MOVL(g.As32(), slot)
			}
			f.consts[k.key] = bcast{slot}
			continue
		}
		x := f.vreg()
		f.broadcast(src, x)
		if i < f.cfg.vpins {
			f.consts[k.key] = x
			continue
		}
		slot := f.table.Offset((i - f.cfg.vpins) * W)
		pick(f.f64, c.VMOVAPS, c.VMOVAPD)(x, slot)
		f.consts[k.key] = slot
	}
}

// loopSetup computes, once per call, what the step loop of every vector
// group reuses: the bounds of the times T[0:Steps] and, per optional
// stream, its row 0 and its row distance in bytes. They live in stack
// slots, read by one instruction each per step or per group, so that the
// loop costs a single extra general-purpose register (tp).
func (f *fn) loopSetup(frame reg.GPVirtual) {
	c := f.c
	loop := step.LoopOf(f.ops)
	if loop == nil {
		return
	}
	if f.cfg.sec == step.OneStep {
		// One step: its time, T[0], is the same for every vector
		// group, and no row advances.
		f.tSlot = c.AllocLocal(8)
		t := c.GP64()
		c.MOVQ(operand.Mem{Base: frame, Disp: f.lay.T}, t)
		if f.f64 {
			c.MOVQ(operand.Mem{Base: t}, t)
			c.MOVQ(t, f.tSlot)
		} else {
			c.MOVL(operand.Mem{Base: t}, t.As32())
			c.MOVL(t.As32(), f.tSlot)
		}
		return
	}
	f.advance = rowStreams(loop)
	slots := c.AllocLocal(8 * (2 + 2*len(f.advance)))
	f.tBase, f.tEnd = slots, slots.Offset(8)

	t := c.GP64()
	c.MOVQ(operand.Mem{Base: frame, Disp: f.lay.T}, t)
	c.MOVQ(t, f.tBase)
	end := c.GP64()
	c.MOVQ(operand.Mem{Base: frame, Disp: f.lay.Steps}, end)
	c.LEAQ(operand.Mem{Base: t, Index: end, Scale: uint8(f.size)}, end)
	c.MOVQ(end, f.tEnd)

	zero := c.GP64()
	c.XORQ(zero, zero)
	for i, s := range f.advance {
		f.base[s] = slots.Offset(16 + 16*i)
		f.rowInc[s] = slots.Offset(24 + 16*i)
		c.MOVQ(f.ptr(s), f.base[s])
		inc := c.GP64()
		c.MOVQ(operand.Mem{Base: frame, Disp: f.lay.Row(s)}, inc)
		if sh := step.Log2(f.p.Streams[s].ElemSize(f.p.DType)); sh > 0 {
			c.SHLQ(operand.U8(sh), inc) // elements to bytes
		}
		f.testPtr(s)
		c.CMOVQEQ(zero, inc)
		c.MOVQ(inc, f.rowInc[s])
	}
}

// stepLoop emits the Loop op o for the interleaved vectors of copies: the
// body once per step, the state registers carried from one step to the
// next. It is rotated (entered at the body, the rows advanced at the top),
// so that a group runs no row advance after its last step.
//
// In the one-step section (Steps == 1) the body runs once, op by op across the vectors:
// their independent ops side by side hide each other's latencies. In
// the many-step section the vectors' steps come one group (cfg.group vectors, op by op)
// after another: each step is a chain of dependent ops that the next step
// continues, so op by op every vector reaches the serial end of its step
// at the same time and waits there, while one group's whole step after
// another lets the out-of-order core overlap one group's chain with the
// next's (it runs the oldest ready op first). Between its steps a vector
// holds only its state, so more vectors fit in the registers. It costs per
// group the If tests and the time's broadcast, which a one-step call would
// not win back.
//
// With cfg.park, the state of every vector stays on the stack between its
// steps (a load and a store of each state register per step), so that
// one group's step has all the registers: a program whose steps do not fit
// beside the other vectors' states still runs groups of vectors.
func (f *fn) stepLoop(o *step.Op, copies []int) {
	c := f.c
	if f.cfg.sec == step.OneStep {
		f.emit(o.Body, copies)
		return
	}
	next, first := f.label("next"), f.label("first")
	f.parking = f.cfg.park && len(copies) > max(f.cfg.group, 1)
	f.park(copies)
	f.tp = c.GP64()
	c.MOVQ(f.tBase, f.tp)
	if len(f.advance) > 0 {
		c.JMP(operand.LabelRef(first))
	}
	c.Label(next)
	for _, s := range f.advance {
		if p := f.streamPin[s]; p != nil {
			c.ADDQ(f.rowInc[s], p)
			continue
		}
		inc := c.GP64()
		c.MOVQ(f.rowInc[s], inc)
		c.ADDQ(inc, f.streamSlot[s])
	}
	c.Label(first)
	g := max(f.cfg.group, 1)
	for i := 0; i < len(copies); i += g {
		group := copies[i:min(i+g, len(copies))]
		f.unpark(group)
		f.emit(o.Body, group)
		f.park(group)
	}
	c.ADDQ(operand.Imm(uint64(f.size)), f.tp)
	c.CMPQ(f.tp, f.tEnd)
	c.JB(operand.LabelRef(next))
	f.unpark(copies)
	for _, s := range f.advance {
		if p := f.streamPin[s]; p != nil {
			c.MOVQ(f.base[s], p)
			continue
		}
		row0 := c.GP64()
		c.MOVQ(f.base[s], row0)
		c.MOVQ(row0, f.streamSlot[s])
	}
}

// loops emits the unrolled main loop over whole blocks of unroll vectors,
// then the tail: one vector at a time under a mask of the remaining lanes,
// so that no access reaches past the end of any slice.
func (f *fn) loops() {
	c := f.c
	U, L := f.cfg.unroll, f.L
	f.j = c.GP64()
	c.XORQ(f.j, f.j)

	loop, tail, done := "loop"+sfx(f.cfg.sec), "tail"+sfx(f.cfg.sec), "done"+sfx(f.cfg.sec)
	c.Label(loop)
	end := c.GP64()
	c.LEAQ(operand.Mem{Base: f.j, Disp: U * L}, end)
	c.CMPQ(end, f.n)
	c.JA(operand.LabelRef(tail))
	f.body(U)
	c.ADDQ(operand.Imm(uint64(U*L)), f.j)
	c.JMP(operand.LabelRef(loop))

	c.Label(tail)
	c.CMPQ(f.j, f.n)
	c.JAE(operand.LabelRef(done))
	rem := c.GP64()
	c.MOVQ(f.n, rem)
	c.SUBQ(f.j, rem)
	f.masked = true
	if f.is.avx512 {
		// Lanes below rem: BZHI clears the bits from rem up (all 32 stay
		// set when rem >= 32); KMOVW keeps the low 16.
		bits := c.GP32()
		c.MOVL(operand.U32(0xffffffff), bits)
		c.BZHIL(rem.As32(), bits, bits)
		f.tmask = c.K()
		c.KMOVW(bits, f.tmask)
	} else {
		x := c.XMM()
		c.VMOVD(rem.As32(), x)
		m := c.YMM()
		c.VPBROADCASTD(x, m)
		c.VPCMPGTD(f.d.iota(f.size), m, m)
		f.tmask = m
	}
	f.body(1)
	f.masked = false
	c.ADDQ(operand.Imm(uint64(L)), f.j)
	c.JMP(operand.LabelRef(tail))

	c.Label(done)
	c.VZEROUPPER()
	c.RET()
}

// body emits the program once for each of n interleaved vectors.
func (f *fn) body(n int) {
	f.fetched = make([]bool, len(f.p.Streams))
	f.cur = make([][]val, n)
	f.defd = make([][]bool, n)
	copies := make([]int, n)
	for u := range copies {
		copies[u] = u
		f.cur[u] = make([]val, len(f.p.Regs))
		f.defd[u] = make([]bool, len(f.p.Regs))
	}
	f.emit(f.ops, copies)
}

func (f *fn) emit(ops []step.Op, copies []int) {
	top := len(ops) > 0 && len(f.ops) > 0 && &ops[0] == &f.ops[0]
	for i := range ops {
		o := &ops[i]
		f.fresh()
		f.c.Comment(f.p.OpString(o))
		if top {
			f.prefetchSpread(i)
		}
		if lower, ok := allVectors[o.Kind]; ok {
			lower(f, o, copies)
			continue
		}
		f.prefetch(o)
		for _, u := range copies {
			f.op(u, o)
			f.spillValue(u, o)
		}
	}
}

// spillValue stores the value that o has just defined for copy u in its
// stack slot, if it is one that the section keeps there: from then on its
// readers take it as a memory operand (or load it), and its register is
// free. So a program with more live values than registers allocates.
func (f *fn) spillValue(u int, o *step.Op) {
	if !o.Defines() || !f.spilled[o.Dst] {
		return
	}
	v := f.cur[u][o.Dst]
	x, ok := v.op.(reg.Register)
	if !ok || !v.owned {
		return
	}
	if f.valueSlots == nil {
		f.valueSlots = map[[2]int]operand.Mem{}
	}
	k := [2]int{u, int(o.Dst)}
	m, ok := f.valueSlots[k]
	if !ok {
		m = f.c.AllocLocal(f.is.width)
		f.valueSlots[k] = m
	}
	f.mov(x, m)
	f.cur[u][o.Dst] = val{op: m}
}

// spillCandidates lists the values that a section may keep on the stack
// (see spillValue), the longest-lived first (ties by register): each
// assigned once by a per-vector op of the body or the Loop's body (not
// inside an If or Rare block), not an immediate, the time or a state the
// Loop carries, and of a class that lives in vector registers. A
// per-neuron constant is read in place except in the tail, which loads it
// under the mask: there it may be spilled too.
func (f *fn) spillCandidates() []step.Reg {
	var out []step.Reg
	add := func(ops []step.Op) {
		for i := range ops {
			o := &ops[i]
			if !o.Defines() || f.defs[o.Dst] != 1 || f.carried(o.Dst) {
				continue
			}
			switch o.Kind {
			case step.OpImm, step.OpTime:
				continue
			}
			if f.p.Regs[o.Dst] == step.Mask && f.is.avx512 {
				continue
			}
			out = append(out, o.Dst)
		}
	}
	add(f.ops)
	if l := step.LoopOf(f.ops); l != nil {
		add(l.Body)
	}
	span := func(r step.Reg) int { return f.last[r] - f.first[r] }
	sort.SliceStable(out, func(i, j int) bool {
		if span(out[i]) != span(out[j]) {
			return span(out[i]) > span(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// allVectors maps every op that acts once for all the interleaved vectors
// to its lowering; perVector holds the others. (It is set by init: the
// blocks' lowerings call emit, which reads it.)
var allVectors map[step.Kind]func(f *fn, o *step.Op, copies []int)

func init() {
	allVectors = map[step.Kind]func(f *fn, o *step.Op, copies []int){
		step.OpLoop:      (*fn).stepLoop,
		step.OpTime:      (*fn).time,
		step.OpIf:        (*fn).ifGiven,
		step.OpStoreBits: (*fn).storeBits, // neighbours may share a byte
		step.OpRare:      (*fn).rare,
	}
}

// time is one broadcast of T[s] for all interleaved vectors. No copy owns
// the register, so none overwrites it while another still reads it.
func (f *fn) time(o *step.Op, copies []int) {
	d := f.vreg()
	if f.cfg.sec == step.OneStep {
		f.broadcast(f.tSlot, d)
	} else {
		f.broadcast(operand.Mem{Base: f.tp}, d)
	}
	for _, u := range copies {
		f.cur[u][o.Dst] = val{op: d}
		f.defd[u][o.Dst] = true
	}
}

// ifGiven is one test for all interleaved vectors: the condition is the
// same for every lane.
func (f *fn) ifGiven(o *step.Op, copies []int) {
	skip := f.label("absent")
	f.testPtr(o.Stream)
	f.c.JZ(operand.LabelRef(skip))
	f.emit(o.Body, copies)
	f.c.Label(skip)
}

// rare is the block per vector, skipped unless one of its lanes needs it.
func (f *fn) rare(o *step.Op, copies []int) {
	for _, u := range copies {
		skip := f.label("rare")
		m := f.regOf(u, o.A)
		if f.is.avx512 {
			f.c.KORTESTW(m, m)
		} else {
			pick(f.f64, f.c.VTESTPS, f.c.VTESTPD)(m, m)
		}
		f.c.JZ(operand.LabelRef(skip))
		var saved []reg.Register
		if f.cfg.spill {
			saved = f.spillable(u, o, copies)
		}
		for i, x := range saved {
			f.mov(x, f.spillSlot(i))
		}
		f.emit(o.Body, []int{u})
		for i, x := range saved {
			f.mov(f.spillSlot(i), x)
		}
		f.c.Label(skip)
	}
}

// park stores the state of copies in their stack slots, after which their
// registers are free until unpark loads them again; both do nothing
// unless the step loop parks its vectors' states.
func (f *fn) park(copies []int) {
	for _, u := range copies {
		for i, x := range f.parked(u) {
			f.mov(x, f.parkSlot(u, i))
		}
	}
}

func (f *fn) unpark(copies []int) {
	for _, u := range copies {
		for i, x := range f.parked(u) {
			f.mov(f.parkSlot(u, i), x)
		}
	}
}

// parked lists the vector registers of copy u that hold the state the
// Loop carries from one step to the next (registers defined before it
// and mentioned in it), if the loop parks them.
func (f *fn) parked(u int) []reg.Register {
	if !f.parking {
		return nil
	}
	var out []reg.Register
	for r, v := range f.cur[u] {
		x, ok := v.op.(reg.Register)
		if ok && f.defd[u][r] && x.Kind() == reg.KindVector && f.carried(step.Reg(r)) {
			out = append(out, x)
		}
	}
	return out
}

// carried reports whether r is defined before the Loop and mentioned in
// it: a value that the next step reads.
func (f *fn) carried(r step.Reg) bool {
	if f.first[r] == 0 || f.first[r] >= f.loopStart {
		return false
	}
	for _, m := range f.mentions[r] {
		if m.pos > f.loopStart && m.pos <= f.loopEnd {
			return true
		}
	}
	return false
}

func (f *fn) parkSlot(u, i int) operand.Mem {
	if f.parkSlots == nil {
		f.parkSlots = map[[2]int]operand.Mem{}
	}
	m, ok := f.parkSlots[[2]int{u, i}]
	if !ok {
		m = f.c.AllocLocal(f.is.width)
		f.parkSlots[[2]int{u, i}] = m
	}
	return m
}

// spillable lists the vector registers that hold values live across the
// Rare block o of copy u but unused inside it: this copy's values needed
// after the block and every value of the other copies, those interleaved
// with it (copies) and, in a step loop that emits some vectors' step after
// others', the state of the rest. Saving them on the stack inside the
// block (which rarely runs) frees their registers for the block's
// temporaries; on the path that skips the block they stay where they are.
func (f *fn) spillable(u int, o *step.Op, copies []int) []reg.Register {
	end := f.pos[o]
	inside := map[step.Reg]bool{}
	step.Walk(o.Body, func(x *step.Op) {
		end = max(end, f.pos[x])
		for _, r := range x.Inputs() {
			inside[r] = true
		}
		if x.Defines() {
			inside[x.Dst] = true
		}
	})
	seen := map[reg.Register]bool{}
	var out []reg.Register
	for v := range f.cur {
		for r, val := range f.cur[v] {
			x, ok := val.op.(reg.Register)
			if !ok || !val.owned || !f.defd[v][r] || seen[x] || x.Kind() != reg.KindVector {
				continue
			}
			// Another copy needs what it reads from here on, except the
			// temporaries of its own Rare block (defined only inside it).
			// (Both count from the position before the Rare op, which
			// reads the other copies' masks after this block.) A value
			// that is dead, to be overwritten before any read, as the
			// state's old values are after the step's first ops, is
			// not saved: its register is free already.
			temp := f.first[r] > f.pos[o] && f.first[r] <= end
			live := f.liveAfter(step.Reg(r), f.pos[o]-1) && !temp
			if !slices.Contains(copies, v) {
				// A vector whose step comes before or after these
				// vectors' holds only its state, unless it is parked.
				live = !f.parking && f.first[r] != 0 && f.first[r] < f.loopStart && f.liveAfter(step.Reg(r), f.loopEnd)
			}
			if v == u {
				live = f.liveAfter(step.Reg(r), end) && !inside[step.Reg(r)]
			}
			if live {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	return out
}

func (f *fn) spillSlot(i int) operand.Mem {
	for len(f.spills) <= i {
		f.spills = append(f.spills, f.c.AllocLocal(f.is.width))
	}
	return f.spills[i]
}

// streamMem is vector u of the block at lane j of stream s, a stream of
// floats or bools (StoreBits addresses the packed words itself).
func (f *fn) streamMem(u int, s step.Stream) operand.Mem {
	size := f.elemSize(s)
	return operand.Mem{Base: f.ptr(s), Index: f.j, Scale: uint8(size), Disp: u * f.L * size}
}

// elemSize is the bytes of one lane's element of stream s.
func (f *fn) elemSize(s step.Stream) int {
	if f.p.Streams[s].Packed() {
		panic(fmt.Sprintf("amd64: stream %s holds bits, not an element per lane", f.p.Streams[s].Name))
	}
	return f.p.Streams[s].ElemSize(f.p.DType)
}

// ptr is a register holding stream s's pointer: its own, or one loaded
// from its stack slot once for the op being emitted.
func (f *fn) ptr(s step.Stream) reg.GPVirtual {
	if p := f.streamPin[s]; p != nil {
		return p
	}
	if p, ok := f.ptrCache[s]; ok {
		return p
	}
	p := f.c.GP64()
	f.c.MOVQ(f.streamSlot[s], p)
	f.ptrCache[s] = p
	return p
}

// testPtr sets the flags' zero bit if stream s is absent (a nil pointer).
func (f *fn) testPtr(s step.Stream) {
	if p := f.streamPin[s]; p != nil {
		f.c.TESTQ(p, p)
		return
	}
	f.c.CMPQ(f.streamSlot[s], operand.Imm(0))
}

// fresh starts the emission of an op: the pointers loaded for the one
// before it are not reused, so that none stays live across ops.
func (f *fn) fresh() {
	f.rowCache = map[step.Const]reg.Register{}
	f.ptrCache = map[step.Stream]reg.GPVirtual{}
}

// streamOrder lists the streams that the section accesses, the one whose
// pointer in a register saves the most instructions first (ties by
// stream number): an access through a stack slot first loads the pointer
// (once for all interleaved vectors and the op's prefetches), and in the
// step loop a row advance and a restore cost one instruction more. Ops
// inside the step loop of the many-step section count per step.
func (f *fn) streamOrder() []step.Stream {
	weight := map[step.Stream]int{}
	var walk func(ops []step.Op, w int)
	walk = func(ops []step.Op, w int) {
		for i := range ops {
			o := &ops[i]
			switch {
			case isAccess(o):
				weight[o.Stream] += w
			case o.Access():
				weight[o.Stream] += 0 // tested as cheaply in a slot
			}
			bw := w
			if o.Kind == step.OpLoop && f.cfg.sec == step.ManySteps {
				bw = weightCommon
				for _, s := range rowStreams(o) {
					weight[s] += 2 * bw // the advance per step, the restore per group
				}
			}
			walk(o.Body, bw)
		}
	}
	walk(f.ops, 1)
	var order []step.Stream
	for s := range weight {
		order = append(order, s)
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if weight[a] != weight[b] {
			return weight[a] > weight[b]
		}
		return a < b
	})
	return order
}

// rowStreams lists the streams that the Loop accesses or tests, in order
// of first mention: the optional ones, addressed at the current step's row.
func rowStreams(loop *step.Op) []step.Stream {
	var out []step.Stream
	step.Walk(loop.Body, func(o *step.Op) {
		if o.Access() && !slices.Contains(out, o.Stream) {
			out = append(out, o.Stream)
		}
	})
	return out
}

func (f *fn) rowMem(u int, k step.Const) operand.Mem {
	base := f.rowPin[k]
	if base == nil {
		base = f.rowCache[k]
	}
	if base == nil {
		g := f.c.GP64()
		f.c.MOVQ(f.rowSlot[k], g)
		base = g
		f.rowCache[k] = g
	}
	return operand.Mem{Base: base, Index: f.j, Scale: uint8(f.size), Disp: u * f.is.width}
}

// rm is register r of copy u as an operand: a register or a memory operand.
func (f *fn) rm(u int, r step.Reg) operand.Op {
	if k, ok := f.setupKey[r]; ok {
		return f.consts[k]
	}
	v := f.cur[u][r]
	if v.row > 0 {
		return f.rowMem(u, step.Const(v.row-1))
	}
	if v.op == nil {
		panic(fmt.Sprintf("amd64: %s reads r%d before it is defined", f.p.Name, r))
	}
	return v.op
}

func isReg(op operand.Op) bool { _, ok := op.(reg.Register); return ok }

// regOf is register r of copy u in a register, loaded if it lives in memory.
func (f *fn) regOf(u int, r step.Reg) reg.Register {
	op := f.rm(u, r)
	if x, ok := op.(reg.Register); ok {
		return x
	}
	x := f.vreg()
	f.mov(op, x)
	return x
}

// reusable reports whether op o may overwrite r's register: r is not read
// or written after o, and the register belongs to this copy alone.
func (f *fn) reusable(u int, r step.Reg, o *step.Op) bool {
	if _, ok := f.setupKey[r]; ok {
		return false
	}
	v := f.cur[u][r]
	return v.owned && v.row == 0 && f.last[r] == f.pos[o] && isReg(v.op)
}

// dst is the register o writes: the register of an already defined
// program register (a reassignment, as at the end of If and Rare blocks),
// or a new one.
func (f *fn) dst(u int, o *step.Op) reg.Register {
	if f.defd[u][o.Dst] {
		return f.cur[u][o.Dst].op.(reg.Register)
	}
	if f.p.Regs[o.Dst] == step.Mask {
		return f.maskreg()
	}
	return f.vreg()
}

func (f *fn) set(u int, r step.Reg, x reg.Register) {
	f.cur[u][r] = val{op: x, owned: true}
	f.defd[u][r] = true
}

func (f *fn) load(mem operand.Mem, d reg.Register) {
	switch {
	case !f.masked:
		f.mov(mem, d)
	case f.is.avx512:
		pick(f.f64, f.c.VMOVUPS_Z, f.c.VMOVUPD_Z)(mem, f.tmask, d)
	default:
		pick(f.f64, f.c.VMASKMOVPS, f.c.VMASKMOVPD)(mem, f.tmask, d)
	}
}

func (f *fn) store(x reg.Register, mem operand.Mem) {
	switch {
	case !f.masked:
		f.mov(x, mem)
	case f.is.avx512:
		pick(f.f64, f.c.VMOVUPS, f.c.VMOVUPD)(x, f.tmask, mem)
	default:
		pick(f.f64, f.c.VMASKMOVPS, f.c.VMASKMOVPD)(x, f.tmask, mem)
	}
}

// vins is a vector instruction in its float32 (PS, D) and float64 (PD, Q)
// forms, each plain and with an embedded broadcast (the _BCST form that
// AVX-512 uses for a constant in memory as one scalar).
type vins struct {
	ps, psBcst, pd, pdBcst func(*build.Context, ...operand.Op)
}

// emitV emits v in the program's type, in its broadcast form when an
// operand is a bcast.
func (f *fn) emitV(v vins, ops ...operand.Op) {
	plain, bcst := pick(f.f64, v.ps, v.pd), pick(f.f64, v.psBcst, v.pdBcst)
	bc(func(x ...operand.Op) { plain(f.c, x...) }, func(x ...operand.Op) { bcst(f.c, x...) }, ops...)
}

// arith holds the two-operand arithmetic ops: one instruction each, whose
// second source may be in memory; a commutative op takes either operand
// from memory.
var arith = map[step.Kind]struct {
	ins      vins
	commutes bool
}{
	step.OpAdd:  {vins{(*build.Context).VADDPS, (*build.Context).VADDPS_BCST, (*build.Context).VADDPD, (*build.Context).VADDPD_BCST}, true},
	step.OpMul:  {vins{(*build.Context).VMULPS, (*build.Context).VMULPS_BCST, (*build.Context).VMULPD, (*build.Context).VMULPD_BCST}, true},
	step.OpIAdd: {vins{(*build.Context).VPADDD, (*build.Context).VPADDD_BCST, (*build.Context).VPADDQ, (*build.Context).VPADDQ_BCST}, true},
	step.OpSub:  {vins{(*build.Context).VSUBPS, (*build.Context).VSUBPS_BCST, (*build.Context).VSUBPD, (*build.Context).VSUBPD_BCST}, false},
	step.OpDiv:  {vins{(*build.Context).VDIVPS, (*build.Context).VDIVPS_BCST, (*build.Context).VDIVPD, (*build.Context).VDIVPD_BCST}, false},
}

// predicates holds the comparisons' predicates, and mirrored each
// predicate with its operands swapped (a >= b is b <= a).
var (
	predicates = map[step.Kind]int{step.OpCmpGE: predGE, step.OpCmpGT: predGT, step.OpCmpLT: predLT, step.OpCmpLE: predLE}
	mirrored   = map[int]int{predGE: predLE, predLE: predGE, predGT: predLT, predLT: predGT}
)

// perVector maps every op that each interleaved vector computes on its
// own to its lowering; allVectors holds the others (blocks, Time,
// StoreBits), which act once for all the vectors.
var perVector = map[step.Kind]func(f *fn, u int, o *step.Op){
	step.OpLoad:      (*fn).loadOp,
	step.OpParam:     (*fn).param,
	step.OpImm:       (*fn).imm,
	step.OpAdd:       (*fn).arith,
	step.OpSub:       (*fn).arith,
	step.OpMul:       (*fn).arith,
	step.OpDiv:       (*fn).arith,
	step.OpIAdd:      (*fn).arith,
	step.OpFMA:       (*fn).fma,
	step.OpAbs:       (*fn).abs,
	step.OpCmpGE:     (*fn).compare,
	step.OpCmpGT:     (*fn).compare,
	step.OpCmpLT:     (*fn).compare,
	step.OpCmpLE:     (*fn).compare,
	step.OpOr:        (*fn).or,
	step.OpSelect:    (*fn).selectOp,
	step.OpBits:      (*fn).reinterpret,
	step.OpFromBits:  (*fn).reinterpret,
	step.OpShl:       (*fn).shl,
	step.OpStore:     (*fn).storeOp,
	step.OpStoreOne:  (*fn).storeOne,
	step.OpStoreBool: (*fn).storeBool,
}

// op lowers o for copy u.
func (f *fn) op(u int, o *step.Op) {
	lower, ok := perVector[o.Kind]
	if !ok {
		panic(fmt.Sprintf("amd64: no lowering for %s", o.Kind))
	}
	lower(f, u, o)
}

// inReg is op in a register: op itself, or a new register it is loaded
// into.
func (f *fn) inReg(op operand.Op) reg.Register {
	if x, ok := op.(reg.Register); ok {
		return x
	}
	x := f.vreg()
	f.mov(op, x)
	return x
}

func (f *fn) loadOp(u int, o *step.Op) {
	d := f.dst(u, o)
	f.load(f.streamMem(u, o.Stream), d)
	f.set(u, o.Dst, d)
}

// param is a per-neuron constant: read in place by its users, as a memory
// operand, unless it must be in a register (the tail's masked load, or a
// register assigned again).
func (f *fn) param(u int, o *step.Op) {
	if !f.p.PerNeur {
		panic("amd64: a homogeneous constant outside Setup")
	}
	if !f.masked && !f.defd[u][o.Dst] && f.defs[o.Dst] == 1 {
		f.cur[u][o.Dst] = val{row: int(o.Param) + 1}
		f.defd[u][o.Dst] = true
		return
	}
	d := f.dst(u, o)
	f.load(f.rowMem(u, o.Param), d)
	f.set(u, o.Dst, d)
}

func (f *fn) imm(u int, o *step.Op) {
	d := f.dst(u, o)
	if o.Imm == 0 && !f.is.avx512 {
		f.c.VXORPS(d, d, d)
	} else {
		f.mov(f.consts[keyOf(o)], d)
	}
	f.set(u, o.Dst, d)
}

func (f *fn) arith(u int, o *step.Op) {
	ar := arith[o.Kind]
	a, b := f.rm(u, o.A), f.rm(u, o.B)
	if ar.commutes && !isReg(a) {
		a, b = b, a
	}
	x := f.inReg(a)
	d := f.dst(u, o)
	f.emitV(ar.ins, b, x, d)
	f.set(u, o.Dst, d)
}

func (f *fn) abs(u int, o *step.Op) {
	a := f.regOf(u, o.A)
	d := f.dst(u, o)
	m := f.consts[absMask(f.p.DType)]
	if f.is.avx512 {
		// VANDPS on ZMM needs AVX512DQ; the integer AND is in F.
		f.emitV(vins{(*build.Context).VPANDD, (*build.Context).VPANDD_BCST, (*build.Context).VPANDQ, (*build.Context).VPANDQ_BCST}, m, a, d)
	} else {
		pick(f.f64, f.c.VANDPS, f.c.VANDPD)(m, a, d)
	}
	f.set(u, o.Dst, d)
}

func (f *fn) compare(u int, o *step.Op) {
	pred := predicates[o.Kind]
	a, b := f.rm(u, o.A), f.rm(u, o.B)
	if !isReg(a) && isReg(b) {
		// Only the second operand may be in memory.
		a, b = b, a
		pred = mirrored[pred]
	}
	x := f.inReg(a)
	d := f.dst(u, o)
	f.emitV(vins{(*build.Context).VCMPPS, (*build.Context).VCMPPS_BCST, (*build.Context).VCMPPD, (*build.Context).VCMPPD_BCST}, operand.U8(pred), b, x, d)
	f.set(u, o.Dst, d)
}

func (f *fn) or(u int, o *step.Op) {
	a, b := f.regOf(u, o.A), f.regOf(u, o.B)
	d := f.dst(u, o)
	if f.is.avx512 {
		f.c.KORW(b, a, d)
	} else {
		f.c.VORPS(b, a, d)
	}
	f.set(u, o.Dst, d)
}

func (f *fn) selectOp(u int, o *step.Op) {
	c := f.c
	if f.p.Regs[o.B] != step.Float && f.p.Regs[o.B] != step.Bits {
		panic("amd64: Select of masks has no lowering")
	}
	if !f.is.avx512 {
		m, t, e := f.regOf(u, o.A), f.rm(u, o.B), f.regOf(u, o.C)
		d := f.dst(u, o)
		pick(f.f64, c.VBLENDVPS, c.VBLENDVPD)(m, t, e, d)
		f.set(u, o.Dst, d)
		return
	}
	// A merge-masked move of B into C's register. (avo takes the
	// destination of the masked VBLENDMPS as an input too, which would
	// keep a register live from the function's entry; the merging move is
	// honest about it.) When C is dead, or is the destination itself, this
	// is the one instruction of the select.
	m, t := f.regOf(u, o.A), f.rm(u, o.B)
	var d reg.Register
	switch {
	case f.defd[u][o.Dst]:
		d = f.cur[u][o.Dst].op.(reg.Register)
		if o.C != o.Dst {
			f.mov(f.rm(u, o.C), d)
		}
	case f.reusable(u, o.C, o):
		d = f.cur[u][o.C].op.(reg.Register)
	default:
		d = f.vreg()
		f.mov(f.rm(u, o.C), d)
	}
	bc(pick(f.f64, c.VMOVUPS, c.VMOVUPD), pick(f.f64, c.VBROADCASTSS, c.VBROADCASTSD), t, m, d)
	f.set(u, o.Dst, d)
}

// reinterpret is Bits and FromBits: the same bits in the same register, no
// instruction, unless either register is assigned again later.
func (f *fn) reinterpret(u int, o *step.Op) {
	if !f.defd[u][o.Dst] && f.defs[o.Dst] == 1 && f.reusable(u, o.A, o) {
		f.cur[u][o.Dst] = f.cur[u][o.A]
		f.defd[u][o.Dst] = true
		return
	}
	d := f.dst(u, o)
	f.mov(f.rm(u, o.A), d)
	f.set(u, o.Dst, d)
}

func (f *fn) shl(u int, o *step.Op) {
	a := f.regOf(u, o.A)
	d := f.dst(u, o)
	pick(f.f64, f.c.VPSLLD, f.c.VPSLLQ)(operand.U8(o.Imm), a, d)
	f.set(u, o.Dst, d)
}

func (f *fn) storeOp(u int, o *step.Op) {
	f.store(f.regOf(u, o.A), f.streamMem(u, o.Stream))
}

// storeOne writes 1.0 where the mask is set, +0 elsewhere.
func (f *fn) storeOne(u int, o *step.Op) {
	c := f.c
	m := f.regOf(u, o.A)
	x := f.vreg()
	one := f.consts[oneFloat(f.p.DType)]
	if f.is.avx512 {
		if b, ok := one.(bcast); ok {
			pick(f.f64, c.VBROADCASTSS_Z, c.VBROADCASTSD_Z)(b.Mem, m, x)
		} else {
			pick(f.f64, c.VMOVUPS_Z, c.VMOVUPD_Z)(one, m, x)
		}
	} else {
		pick(f.f64, c.VANDPS, c.VANDPD)(one, m, x)
	}
	f.store(x, f.streamMem(u, o.Stream))
}

// fma computes A*B + C with one rounding in one instruction, choosing the
// form (231, 213 or 132) whose destroyed operand is dead, so that no copy
// is needed when one is.
func (f *fn) fma(u int, o *step.Op) {
	c := f.c
	a, b, cc := f.rm(u, o.A), f.rm(u, o.B), f.rm(u, o.C)
	form := func(plain, bcst func(...operand.Op)) func(...operand.Op) {
		return func(ops ...operand.Op) { bc(plain, bcst, ops...) }
	}
	f231 := pick(f.f64, form(c.VFMADD231PS, c.VFMADD231PS_BCST), form(c.VFMADD231PD, c.VFMADD231PD_BCST)) // d = a*b + d
	f213 := pick(f.f64, form(c.VFMADD213PS, c.VFMADD213PS_BCST), form(c.VFMADD213PD, c.VFMADD213PD_BCST)) // d = b*d + c
	f132 := pick(f.f64, form(c.VFMADD132PS, c.VFMADD132PS_BCST), form(c.VFMADD132PD, c.VFMADD132PD_BCST)) // d = d*b + c

	// d += a*b, with a product operand in memory at most.
	acc := func(d reg.Register) {
		if !isReg(a) {
			a, b = b, a
		}
		if !isReg(a) {
			x := f.vreg()
			f.mov(a, x)
			a = x
		}
		f231(b, a, d)
	}
	// d = d*b + c, d holding a product operand.
	mulAdd := func(d reg.Register) {
		switch {
		case isReg(b):
			f213(cc, b, d)
		case isReg(cc):
			f132(b, cc, d)
		default:
			x := f.vreg()
			f.mov(b, x)
			f213(cc, x, d)
		}
	}

	var d reg.Register
	if f.defd[u][o.Dst] {
		d = f.cur[u][o.Dst].op.(reg.Register)
		switch {
		case cc == operand.Op(d):
			acc(d)
		case a == operand.Op(d):
			mulAdd(d)
		case b == operand.Op(d):
			a, b = b, a
			mulAdd(d)
		default:
			f.mov(cc, d)
			acc(d)
		}
		f.set(u, o.Dst, d)
		return
	}
	switch {
	case f.reusable(u, o.C, o):
		d = cc.(reg.Register)
		acc(d)
	case f.reusable(u, o.A, o):
		d = a.(reg.Register)
		mulAdd(d)
	case f.reusable(u, o.B, o):
		d = b.(reg.Register)
		a, b = b, a
		mulAdd(d)
	default:
		d = f.vreg()
		f.mov(cc, d)
		acc(d)
	}
	f.set(u, o.Dst, d)
}

// storeBool writes one byte per lane, 1 where the mask is set and 0
// elsewhere, and in the tail only the remaining lanes' bytes.
func (f *fn) storeBool(u int, o *step.Op) {
	c := f.c
	m := f.regOf(u, o.A)
	mem := f.streamMem(u, o.Stream)
	if f.is.avx512 {
		// Integer 1 under the mask, then narrow each lane to its low byte.
		x := f.vreg()
		if b, ok := f.consts[oneInt()].(bcast); ok {
			pick(f.f64, c.VPBROADCASTD_Z, c.VPBROADCASTQ_Z)(b.Mem, m, x)
		} else {
			pick(f.f64, c.VMOVDQU32_Z, c.VMOVDQU64_Z)(f.consts[oneInt()], m, x)
		}
		narrow := pick(f.f64, c.VPMOVDB, c.VPMOVQB)
		if f.masked {
			narrow(x, f.tmask, mem)
		} else {
			narrow(x, mem)
		}
		return
	}
	// The lanes' sign bits, one bit each, deposited into the low bit of
	// consecutive bytes.
	g := c.GP64()
	pick(f.f64, c.VMOVMSKPS, c.VMOVMSKPD)(m, g.As32())
	c.PDEPQ(f.d.pdepBytes(), g, g)
	if !f.masked {
		if f.f64 {
			c.MOVL(g.As32(), mem)
		} else {
			c.MOVQ(g, mem)
		}
		return
	}
	// The tail: min(n-j, lanes) bytes, one at a time. (n-j is computed
	// again rather than kept: the step loop leaves few registers free.)
	cnt := c.GP64()
	p := c.GP64()
	c.MOVQ(f.n, cnt)
	c.SUBQ(f.j, cnt)
	few := f.label("few")
	c.CMPQ(cnt, operand.Imm(uint64(f.L)))
	c.JBE(operand.LabelRef(few))
	c.MOVQ(operand.U32(f.L), cnt)
	c.Label(few)
	c.LEAQ(mem, p)
	next := f.label("byte")
	c.Label(next)
	c.MOVB(g.As8(), operand.Mem{Base: p})
	c.SHRQ(operand.U8(8), g)
	c.INCQ(p)
	c.DECQ(cnt)
	c.JNZ(operand.LabelRef(next))
}

// storeBits writes the mask bits of the vectors copies (consecutive copy
// numbers: lane i of copy u is lane j+u*L) at bit j+u*L of the Bits row;
// in the tail the lanes past n as zero. Vectors of 8 or more lanes start on
// a byte (j is a multiple of their lane count) and store their whole
// bytes. 4-lane vectors (AVX2 float64) share bytes: in a main-loop group of
// an even number of vectors j is a multiple of 8, and each pair fills one
// byte (op by op, the pair's bits together; one vector's step after
// another, the even one stores the byte and the odd one, which follows it
// in the same step, ORs in its half). Otherwise (the tail, odd groups) j%8
// is 0 or 4 at run time: the bits are shifted to their place and merged
// with the byte(s) around them. The bits are not prefetched (see
// prefetched).
func (f *fn) storeBits(o *step.Op, copies []int) {
	row := &bitsRow{f: f, s: o.Stream}
	pairs := len(copies) == 1 || len(copies)%2 == 0 && copies[0]%2 == 0
	switch {
	case f.L >= 8:
		for _, u := range copies {
			g := f.bitMask(o, u)
			if f.L == 8 {
				f.c.MOVB(g.As8(), row.at(u*f.L))
			} else {
				f.c.MOVW(g.As16(), row.at(u*f.L))
			}
		}
	case !f.masked && f.cfg.unroll%2 == 0 && pairs:
		f.storeBitPairs(o, copies, row)
	default:
		f.storeBitsMerged(o, copies, row)
	}
}

// bitsRow addresses the bytes of a Bits row. Its pointer and the byte of
// lane j are computed at the first store: the general-purpose registers
// are nearly all taken by the stream pointers, so that the AVX2 tail has
// three to spare, and the bits are computed first.
type bitsRow struct {
	f        *fn
	s        step.Stream
	base, jb reg.GPVirtual
}

func (r *bitsRow) ptr() reg.GPVirtual {
	if r.base == nil {
		r.base = r.f.ptr(r.s)
	}
	return r.base
}

// at is the byte of lane j+off, off a multiple of 8 (or of L).
func (r *bitsRow) at(off int) operand.Mem {
	base := r.ptr()
	if r.jb == nil {
		r.jb = r.f.c.GP64()
		r.f.c.MOVQ(r.f.j, r.jb)
		r.f.c.SHRQ(operand.U8(3), r.jb)
	}
	return operand.Mem{Base: base, Index: r.jb, Scale: 1, Disp: off / 8}
}

// bitMask is copy u's mask A of o as bits in the low L bits of a new
// register, the lanes past n cleared in the tail.
func (f *fn) bitMask(o *step.Op, u int) reg.GPVirtual {
	c := f.c
	m := f.regOf(u, o.A)
	g := c.GP64()
	if f.is.avx512 {
		if f.masked {
			k := c.K()
			c.KANDW(f.tmask, m, k)
			m = k
		}
		// KMOVW, not KMOVB (AVX512DQ): a float64 compare clears the
		// opmask's bits above its 8 lanes.
		c.KMOVW(m, g.As32())
		return g
	}
	pick(f.f64, c.VMOVMSKPS, c.VMOVMSKPD)(m, g.As32())
	if f.masked {
		t := c.GP64()
		pick(f.f64, c.VMOVMSKPS, c.VMOVMSKPD)(f.tmask, t.As32())
		c.ANDL(t.As32(), g.As32())
	}
	return g
}

// storeBitPairs stores the bits of 4-lane vectors that come one at a
// time, or in pairs from an even one, in a main-loop block of an even
// number of vectors (so that j is a multiple of 8): an even vector's bits
// fill the low half of a byte, an odd one's the high half.
func (f *fn) storeBitPairs(o *step.Op, copies []int, row *bitsRow) {
	c, L := f.c, f.L
	if len(copies) == 1 {
		u := copies[0]
		g := f.bitMask(o, u)
		if u%2 == 0 {
			c.MOVB(g.As8(), row.at(u*L))
		} else {
			c.SHLL(operand.U8(4), g.As32())
			c.ORB(g.As8(), row.at(u*L-4))
		}
		return
	}
	for i := 0; i < len(copies); i += 2 {
		u := copies[i]
		g, h := f.bitMask(o, u), f.bitMask(o, copies[i+1])
		c.SHLL(operand.U8(4), h.As32())
		c.ORL(h.As32(), g.As32())
		c.MOVB(g.As8(), row.at(u*L))
	}
}

// storeBitsMerged stores the bits of 4-lane vectors whose first lane
// j+off may be in the middle of a byte: the group's 4*len(copies) bits,
// shifted by (j+off)%8, span at most (4*len(copies)+4)/8 bytes from byte
// (j+off)/8, all in the buffer (the group's lanes are), which are read,
// merged and written back.
func (f *fn) storeBitsMerged(o *step.Op, copies []int, row *bitsRow) {
	c, L := f.c, f.L
	off := copies[0] * L
	g := f.bitMask(o, copies[0])
	for i, u := range copies[1:] {
		h := f.bitMask(o, u)
		c.SHLL(operand.U8(4*(i+1)), h.As32())
		c.ORL(h.As32(), g.As32())
	}
	nb := (4*len(copies) + 4 + 7) / 8
	if nb > 2 {
		panic(fmt.Sprintf("amd64: %d vectors of 4 lanes share %d bytes", len(copies), nb))
	}
	sh := c.GP64()
	c.LEAQ(operand.Mem{Base: f.j, Disp: off}, sh)
	c.ANDL(operand.U32(4), sh.As32())
	c.SHLXL(sh.As32(), g.As32(), g.As32())
	keep := c.GP64()
	c.MOVL(operand.U32(1<<(4*len(copies))-1), keep.As32())
	c.SHLXL(sh.As32(), keep.As32(), keep.As32())
	c.NOTL(keep.As32())
	// The byte of lane j+off, with off%8 == 4 possible.
	jb := c.GP64()
	c.LEAQ(operand.Mem{Base: f.j, Disp: off}, jb)
	c.SHRQ(operand.U8(3), jb)
	at := operand.Mem{Base: row.ptr(), Index: jb, Scale: 1}
	if nb == 1 {
		c.ANDB(at, keep.As8())
		c.ORL(g.As32(), keep.As32())
		c.MOVB(keep.As8(), at)
		return
	}
	c.ANDW(at, keep.As16())
	c.ORL(g.As32(), keep.As32())
	c.MOVW(keep.As16(), at)
}

// prefetchAhead is how far ahead of the block being computed, in bytes of
// a float stream, the main loop prefetches every stream: one PREFETCHT1
// per cache line of the block, into L2. Out of cache the step is otherwise
// about as slow as its compute and its memory traffic one after the other:
// the hardware prefetchers alone do not run far enough ahead of a loop
// that spends ~150 instructions per 3 lines of each stream. Measured on
// AMD EPYC (Zen 4) at n = 16M, float32 and float64 (see the commit that
// added it): T1 and T2 did the same; T0 and NTA (into L1) gained nothing
// or lost, apparently by evicting the lines in use; one prefetch per
// block instead of one per line gained nothing; distances 2048 to 3072
// bytes did best, 1024 too short, 4096 and more no better or worse.
const prefetchAhead = 2048

// prefetchSpread emits, before op i of the main loop's top level, the
// prefetches of the streams that are always present: stream k of m once
// the body is k/m of the way through, so that the misses are spread over
// the iteration instead of coming in one burst at its top (with V, W and
// I all first read there). Measured at n=16M: float64 +8%, float32 the
// same, compared with prefetching each stream at its first access.
//
// In a program with a Loop these streams are the state, which the vector
// group reads before the Loop and writes after it: they are prefetched once
// per group, spread over the ops before the Loop, not once per step.
func (f *fn) prefetchSpread(i int) {
	if f.masked {
		return
	}
	if f.spread == nil {
		f.spread = []step.Stream{}
		step.Walk(f.ops, func(o *step.Op) {
			if f.prefetched(o) && !f.p.Streams[o.Stream].Optional && !slices.Contains(f.spread, o.Stream) {
				f.spread = append(f.spread, o.Stream)
			}
		})
	}
	span := len(f.ops)
	for j := range f.ops {
		if f.ops[j].Kind == step.OpLoop {
			span = j
		}
	}
	for k, s := range f.spread {
		if !f.fetched[s] && i >= span*k/len(f.spread) {
			f.prefetchStream(s)
		}
	}
}

// isAccess reports whether o reads or writes an element of its stream
// (rather than testing it).
func isAccess(o *step.Op) bool {
	a := o.Kind.Info().Stream
	return a == step.Reads || a == step.Writes
}

// prefetched reports whether o accesses a stream that the main loop
// prefetches: every one but the packed bits, of which a step writes one
// byte per 8 lanes, which the other streams' prefetches outnumber by far.
func (f *fn) prefetched(o *step.Op) bool {
	return isAccess(o) && !f.p.Streams[o.Stream].Packed()
}

// prefetch emits the prefetches of an optional stream before the first
// access of an unrolled main-loop body to it, inside the stream's If
// block, so that an absent stream is not prefetched.
func (f *fn) prefetch(o *step.Op) {
	if f.masked || !f.prefetched(o) || !f.p.Streams[o.Stream].Optional || f.fetched[o.Stream] {
		return
	}
	f.prefetchStream(o.Stream)
}

// prefetchStream emits the prefetches of the lines of stream s that the
// body will touch prefetchAhead bytes later. A prefetch never faults, so
// one past the end of a slice is harmless; the tail, which runs once, has
// none.
func (f *fn) prefetchStream(s step.Stream) {
	f.fetched[s] = true
	size := f.elemSize(s)
	// A bool stream advances size/f.size as fast as a float stream.
	ahead := prefetchAhead * size / f.size
	for off := 0; off < f.cfg.unroll*f.L*size; off += 64 {
		f.c.PREFETCHT1(operand.Mem{Base: f.ptr(s), Index: f.j, Scale: uint8(size), Disp: ahead + off})
	}
}
