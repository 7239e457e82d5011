package main

import (
	"fmt"
	"maps"
	"math"

	"github.com/adquaif/adquaif/asm/step"
)

// General-purpose registers besides pointerRegs.
const (
	rFrame = "R0" // the frame pointer argument
	rN     = "R1" // lanes left
	rC     = "R2" // the constant table (homogeneous programs rematerialize from it)
	rTmp   = "R3" // scratch for immediates, masks and bools
)

// kernel is one lowered program.
type kernel struct {
	name   string
	lanes  int
	unroll []int // vectors per iteration of the main loop of each section
	text   string
	stats  []string
}

// lowering holds what every body of one section of a program shares.
type lowering struct {
	p       *step.Program
	sec     step.Section
	lay     step.Layout // the frame's field offsets
	prefix  string      // of the section's labels
	lanes   int
	size    int
	varr    string // Go arrangement: S4 or D2
	earr    string // objdump arrangement: 4s or 2d
	setup   map[step.Reg]*step.Op
	one     step.Reg // a setup register holding 1.0, for StoreOne
	pinned  map[step.Reg]int
	stream  []*pointer  // each used stream (ManySteps: an optional stream's current row)
	row     []*pointer  // per-neuron: each used row
	rPtr    string      // scratch for the pointers in the table, if any
	slots   int         // pointers in the table
	stride  []string    // ManySteps: row distance in bytes of an optional stream, if a register was left for it
	steps   string      // ManySteps: steps left in the step loop
	tcur    string      // ManySteps: the address of the next step's time
	lane    string      // ManySteps: the current vector's first lane; OneStep with a packed stream: the next lane to write bits for
	bitsW   string      // Bits: scratch for the word read, modified and written back
	bitsAcc string      // Bits, OneStep: the bits of the current word so far
	bits    step.Stream // the packed stream, -1 if there is none
	labelNo int
}

// spec is the stream table's row of stream s.
func (l *lowering) spec(s step.Stream) step.StreamSpec { return l.p.Streams[s] }

// elemSize is the bytes of one lane's element of stream s; for a packed
// stream, of the unit of its row distance (a word).
func (l *lowering) elemSize(s step.Stream) int { return l.spec(s).ElemSize(l.p.DType) }

// pinLimit caps the constants pinned in vector registers. Tests lower it to
// force the rematerialization paths that the real programs do not need.
var pinLimit = 32

// dropLeastUsed removes the candidate with the fewest uses (the first of
// equals, so that the choice is deterministic).
func dropLeastUsed(cand []step.Reg, uses map[step.Reg]int) []step.Reg {
	least := 0
	for i, r := range cand {
		if uses[r] < uses[cand[least]] {
			least = i
		}
	}
	return append(cand[:least:least], cand[least+1:]...)
}

// materialize returns the instructions that broadcast setup value r into
// vector register ph.
func (l *lowering) materialize(r step.Reg, ph int) []string {
	o := l.setup[r]
	ld := "MOVWU"
	if l.size == 8 {
		ld = "MOVD"
	}
	dup := fmt.Sprintf("VDUP %s, V%d.%s", rTmp, ph, l.varr)
	switch o.Kind {
	case step.OpImm:
		if o.Imm == 0 {
			return []string{fmt.Sprintf("VEOR V%d.B16, V%d.B16, V%d.B16", ph, ph, ph)}
		}
		return []string{fmt.Sprintf("MOVD $0x%x, %s", o.Imm, rTmp), dup}
	case step.OpTime:
		// Steps = 1: t is T[0].
		return []string{fmt.Sprintf("MOVD %d(%s), %s", l.lay.T, rFrame, rTmp), fmt.Sprintf("VLD1R (%s), [V%d.%s]", rTmp, ph, l.varr)}
	case step.OpParam:
		return []string{fmt.Sprintf("%s %d(%s), %s", ld, int(o.Param)*l.size, rC, rTmp), dup}
	}
	panic("arm64: setup op " + o.Kind.String())
}

// describe names a setup value for the comments of the assembly.
func (l *lowering) describe(r step.Reg) string {
	o := l.setup[r]
	reg := l.p.RegString(r)
	switch {
	case o.Kind.Info().Param:
		return fmt.Sprintf("%s = %s", reg, l.p.Consts[o.Param].Name)
	case o.Kind == step.OpTime:
		return fmt.Sprintf("%s = T[0]", reg)
	case l.p.DType == step.F32:
		return fmt.Sprintf("%s = %v", reg, math.Float32frombits(uint32(o.Imm)))
	}
	return fmt.Sprintf("%s = %v", reg, math.Float64frombits(o.Imm))
}

// A body is the lowered ops for one iteration of a loop.
type body struct {
	lines []string
	main  int // instructions with every If block taken and no Rare block
	bare  int // instructions with no If block taken and no Rare block
	rare  int // instructions inside Rare blocks
	group int // Steps > 1: instructions outside the step loop (main counts one step)
}

type itemKind int

const (
	iOp itemKind = iota
	iRemat
	iIfBegin
	iIfEnd
	iRareBegin
	iRareEnd
	iLoopBegin
	iLoopEnd
)

// An item is one step of a body after unrolling: an op of one copy, a
// rematerialized constant, or the start or end of a block.
type item struct {
	kind   itemKind
	op     *step.Op
	copy   int
	dst    int // value ids, -1 if none
	in     []int
	setup  step.Reg // iRemat
	stream step.Stream
	label  string
	end    int // iRareBegin: position of its iRareEnd
}

// A value is one virtual register of one copy, a pinned constant, or a
// rematerialized constant; its live range is [first, last] in item order.
// Blocks only branch forward, so a value keeps one register over its whole
// range whichever way the branches go.
type value struct {
	first, last int
	phys        int
	pinned      bool
}

type bodyGen struct {
	*lowering
	unroll    int
	tail      bool
	items     []item
	vals      []value
	key       map[[2]int]int // (copy, vreg) -> value id
	pinID     map[step.Reg]int
	owner     [32]int          // value id in each register, -1 free, -2 a temporary
	adv       map[*pointer]int // bytes each pointer moved in this body
	out       []string
	inRare    int      // position of the Rare block being emitted, or -1
	commented *step.Op // the op of the last comment emitted
	inPtr     *pointer // the table pointer rPtr holds, nil if unknown
	clob      map[int]bool
	err       error
	cnt       struct{ main, bare, rare, group int }
	ifs       []step.Stream // the streams of the If blocks being emitted, innermost last

	loop    [2]int // ManySteps: positions of the step loop's begin and end, or -1
	inLoop  bool   // ManySteps: emitting the step loop
	touched []int  // ManySteps: accesses of each optional stream in this step so far
	cond    int    // depth of If and Rare blocks being flattened

	// The step loop's back edge: value tieOf[a] = b, defined in the loop,
	// is value a (live into the loop) in the next step, so b takes a's
	// register. Between a's last read and b's definition the register is
	// reserved for b (resv): only values that die by b's definition may use it.
	tieOf, tiedTo map[int]int
	resv          [32]int
}

const (
	free = -1
	temp = -2
)

// body lowers the ops for one iteration of a loop over unroll vectors (or,
// tail, one lane): it flattens them into items, finds each value's live
// range, and emits the items in order, allocating registers as it goes.
func (l *lowering) body(unroll int, tail bool) (*body, error) {
	g := &bodyGen{lowering: l, unroll: unroll, tail: tail, touched: make([]int, len(l.p.Streams)), key: map[[2]int]int{}, pinID: map[step.Reg]int{}, adv: map[*pointer]int{}, inRare: -1, loop: [2]int{-1, -1},
		tieOf: map[int]int{}, tiedTo: map[int]int{}}
	for i := range g.resv {
		g.resv[i] = -1
	}
	copies := make([]int, unroll)
	for i := range copies {
		copies[i] = i
	}
	g.flatten(l.p.Ops, copies)
	g.liveRanges()
	g.backEdge()
	for i := range g.owner {
		g.owner[i] = free
	}
	for r, id := range g.pinID {
		g.owner[l.pinned[r]] = id
	}
	for pos := range g.items {
		g.emitItem(pos)
		if g.err != nil {
			return nil, g.err
		}
	}
	g.nextVector()
	g.settle()
	g.checkAdvance()
	return &body{lines: g.out, main: g.cnt.main, bare: g.cnt.bare, rare: g.cnt.rare, group: g.cnt.group}, nil
}

// liveRanges sets each value's live range, its first and last item.
func (g *bodyGen) liveRanges() {
	for pos := range g.items {
		it := &g.items[pos]
		for _, v := range append([]int{it.dst}, it.in...) {
			if v < 0 {
				continue
			}
			if g.vals[v].first < 0 {
				g.vals[v].first = pos
			}
			g.vals[v].last = pos
		}
	}
}

// backEdge extends the live ranges over the step loop's back edge. A tied
// pair: the new value lives to the end of the loop (the old one's range
// ends at its last read). Any other value live into the loop (read in it,
// defined before it) is live over the whole loop, so it keeps its register
// from one step to the next.
func (g *bodyGen) backEdge() {
	b, e := g.loop[0], g.loop[1]
	if b < 0 {
		return
	}
	for a, nb := range g.tieOf {
		if g.vals[a].last > b {
			g.vals[nb].last = max(g.vals[nb].last, e)
		} else {
			// Not read in the loop: nothing to carry.
			delete(g.tieOf, a)
			delete(g.tiedTo, nb)
		}
	}
	for i := range g.vals {
		if _, tied := g.tieOf[i]; tied {
			continue
		}
		if v := &g.vals[i]; v.first >= 0 && v.first < b && v.last > b && v.last < e {
			v.last = e
		}
	}
}

// width is the bytes of a float stream that one iteration covers.
func (g *bodyGen) width() int {
	if g.tail {
		return g.size
	}
	return g.lanes * g.size * g.unroll
}

// nextVector (ManySteps) moves the rows, which the step loop read at fixed
// offsets, and the lane that places the optional rows, to the next vector.
func (g *bodyGen) nextVector() {
	if g.sec != step.ManySteps {
		return
	}
	g.emit("ADD $%d, %s", g.width()/g.size, g.lane)
	for _, p := range g.row {
		if p != nil {
			g.emit("ADD $%d, %s", g.width(), g.get(p))
			g.put(p)
			g.adv[p] += g.width()
		}
	}
}

// checkAdvance checks that every pointer moved past exactly the data of
// one iteration (ManySteps: an optional stream's row is set for each vector
// instead).
func (g *bodyGen) checkAdvance() {
	for i, p := range g.stream {
		s, spec := step.Stream(i), g.spec(step.Stream(i))
		switch {
		case p == nil || spec.Packed():
			// A packed stream is addressed by lane (OneStep: from the
			// call's first word).
		case g.sec == step.ManySteps && spec.Optional:
			if g.touched[s] != 0 {
				panic(fmt.Sprintf("arm64: %s: stream %s accessed %d times in a step, not once per vector", g.p.Name, spec.Name, g.touched[s]))
			}
		case g.adv[p] != g.streamWidth(s):
			panic(fmt.Sprintf("arm64: %s: stream %s advanced %d bytes, not %d", g.p.Name, spec.Name, g.adv[p], g.streamWidth(s)))
		}
	}
	for c, p := range g.row {
		if p != nil && g.adv[p] != g.width() {
			panic(fmt.Sprintf("arm64: %s: row %s advanced %d bytes, not %d", g.p.Name, g.p.Consts[c].Name, g.adv[p], g.width()))
		}
	}
}

// streamWidth is the bytes of stream s that one iteration covers.
func (g *bodyGen) streamWidth(s step.Stream) int {
	n := g.lanes * g.unroll
	if g.tail {
		n = 1
	}
	return n * g.elemSize(s)
}

func (g *bodyGen) newVal(pinned bool) int {
	g.vals = append(g.vals, value{first: -1, last: -1, phys: -1, pinned: pinned})
	return len(g.vals) - 1
}

// use returns the value that copy c reads for register r, appending a
// rematerialization first for an unpinned constant, unless shared (the
// copies of one op) already holds one.
func (g *bodyGen) use(c int, r step.Reg, shared map[step.Reg]int) int {
	if _, ok := g.setup[r]; ok {
		if ph, ok := g.pinned[r]; ok {
			id, ok := g.pinID[r]
			if !ok {
				id = g.newVal(true)
				g.vals[id].phys = ph
				g.pinID[r] = id
			}
			return id
		}
		if id, ok := shared[r]; ok {
			return id
		}
		id := g.newVal(false)
		g.items = append(g.items, item{kind: iRemat, dst: id, setup: r})
		if shared != nil {
			shared[r] = id
		}
		return id
	}
	return g.value(c, r)
}

// value is copy c's current value of register r.
func (g *bodyGen) value(c int, r step.Reg) int {
	k := [2]int{c, int(r)}
	if id, ok := g.key[k]; ok {
		return id
	}
	id := g.newVal(false)
	g.key[k] = id
	return id
}

// define returns the value that an op assigning register r in copy c
// writes. An assignment outside If and Rare blocks replaces r's value, so
// that the old value's register is free after its last read (the new one
// may take the register of a dying input); one inside a block updates the
// value in place, since the old one flows on where the block does not run.
func (g *bodyGen) define(c int, r step.Reg) int {
	if g.cond > 0 {
		return g.value(c, r)
	}
	id := g.newVal(false)
	g.key[[2]int{c, int(r)}] = id
	return id
}

func (g *bodyGen) label(kind string) string {
	g.labelNo++
	return fmt.Sprintf("%s%s%d", g.prefix, kind, g.labelNo)
}

// flatten unrolls ops over copies: each op for every copy in turn, so the
// copies' independent chains interleave; an If block is one branch around
// the interleaved bodies, a Rare block one branch per copy.
func (g *bodyGen) flatten(ops []step.Op, copies []int) {
	for i := range ops {
		o := &ops[i]
		switch o.Kind {
		case step.OpLoop:
			if g.sec != step.ManySteps {
				// Steps = 1: the body once, inline.
				g.flatten(o.Body, copies)
				continue
			}
			lab := g.label("step")
			g.loop[0] = len(g.items)
			g.items = append(g.items, item{kind: iLoopBegin, op: o, label: lab, dst: -1})
			before := maps.Clone(g.key)
			g.flatten(o.Body, copies)
			g.loop[1] = len(g.items)
			g.items = append(g.items, item{kind: iLoopEnd, label: lab, dst: -1})
			// A register the body assigns anew carries the new value to
			// the next step: the two values are tied to one register.
			for k, a := range before {
				if b := g.key[k]; b != a {
					g.tieOf[a], g.tiedTo[b] = b, a
				}
			}
		case step.OpTime:
			if g.sec == step.OneStep {
				continue // a setup value
			}
			fallthrough
		default:
			g.flattenOp(o, copies)
		case step.OpIf:
			lab := g.label("skip")
			g.items = append(g.items, item{kind: iIfBegin, op: o, stream: o.Stream, label: lab, dst: -1})
			g.cond++
			g.flatten(o.Body, copies)
			g.cond--
			g.items = append(g.items, item{kind: iIfEnd, label: lab, dst: -1})
		case step.OpRare:
			// Pointers advance as data is first touched; a Rare block runs
			// for some vectors only, so it must not touch memory.
			step.Walk(o.Body, func(b *step.Op) {
				switch {
				case b.Access():
					panic(fmt.Sprintf("arm64: %s: a Rare block accesses stream %s", g.p.Name, g.spec(b.Stream).Name))
				case b.Kind.Info().Param && g.p.PerNeur:
					panic(fmt.Sprintf("arm64: %s: a Rare block loads per-neuron %s", g.p.Name, g.p.Consts[b.Param].Name))
				}
			})
			for _, c := range copies {
				lab := g.label("rare")
				mask := g.use(c, o.A, nil)
				begin := len(g.items)
				g.items = append(g.items, item{kind: iRareBegin, op: o, label: lab, dst: -1, in: []int{mask}, copy: c})
				g.cond++
				g.flatten(o.Body, []int{c})
				g.cond--
				g.items = append(g.items, item{kind: iRareEnd, label: lab, dst: -1})
				g.items[begin].end = len(g.items) - 1
			}
		}
	}
}

// flattenOp appends op o for every copy. Steps > 1: an optional stream's
// copies are accessed last to first, so that the access at offset 0 comes
// last and can step the row pointer to the next row.
func (g *bodyGen) flattenOp(o *step.Op, copies []int) {
	if o.Access() && g.spec(o.Stream).Packed() {
		// One access for all copies: their bits are adjacent.
		var in []int
		for _, c := range copies {
			in = append(in, g.use(c, o.A, nil))
		}
		g.items = append(g.items, item{kind: iOp, op: o, copy: copies[0], dst: -1, in: in})
		return
	}
	if o.Access() && g.sec == step.ManySteps && g.spec(o.Stream).Optional {
		rev := make([]int, len(copies))
		for i, c := range copies {
			rev[len(copies)-1-i] = c
		}
		copies = rev
	}
	if o.Kind == step.OpTime {
		// The same t for every copy: one broadcast, which steps the time
		// address once.
		id := g.define(copies[0], o.Dst)
		for _, c := range copies[1:] {
			g.key[[2]int{c, int(o.Dst)}] = id
		}
		g.items = append(g.items, item{kind: iOp, op: o, copy: copies[0], dst: id})
		return
	}
	// The copies share one broadcast of a constant that is not pinned.
	shared := map[step.Reg]int{}
	for _, c := range copies {
		var in []int
		for _, r := range o.Inputs() {
			in = append(in, g.use(c, r, shared))
		}
		if o.Kind == step.OpStoreOne {
			in = append(in, g.use(c, g.one, shared))
		}
		dst := -1
		if o.Defines() {
			dst = g.define(c, o.Dst)
		}
		g.items = append(g.items, item{kind: iOp, op: o, copy: c, dst: dst, in: in})
	}
}

func (g *bodyGen) emit(format string, args ...any) {
	g.out = append(g.out, fmt.Sprintf(format, args...))
	switch {
	case g.sec == step.ManySteps && !g.inLoop:
		g.cnt.group++
	case g.inRare >= 0:
		g.cnt.rare++
	case len(g.ifs) > 0:
		g.cnt.main++
	default:
		g.cnt.main++
		g.cnt.bare++
	}
}

func (g *bodyGen) word(w word) { g.emit("%s", w) }

// take allocates a free register. Inside a Rare block it may also borrow a
// pinned register whose constant is not read again before the block ends;
// the block restores it before it ends.
func (g *bodyGen) take(pos, id int) int {
	for ph := 0; ph < 32; ph++ {
		if g.owner[ph] == free && !g.isPinnedPhys(ph) && g.allowed(ph, id, pos) {
			g.owner[ph] = id
			return ph
		}
	}
	if g.inRare >= 0 {
		end := g.items[g.inRare].end
		for _, r := range g.pinnedRegs() {
			ph := g.pinned[r]
			pid, ok := g.pinID[r]
			if !ok || g.owner[ph] != pid && g.owner[ph] != free {
				continue
			}
			if g.vals[pid].last >= pos && g.nextUse(pid, pos) <= end {
				continue
			}
			g.owner[ph] = id
			g.clob[ph] = true
			return ph
		}
	}
	if g.err == nil {
		g.err = fmt.Errorf("arm64: %s (%d vectors): out of vector registers at item %d", g.p.Name, g.unroll, pos)
	}
	return 0
}

// pinnedRegs lists the pinned setup registers by vector register, so that
// the output does not depend on map order.
func (l *lowering) pinnedRegs() []step.Reg {
	var rs []step.Reg
	for ph := 0; ph < 32; ph++ {
		for r, p := range l.pinned {
			if p == ph {
				rs = append(rs, r)
			}
		}
	}
	return rs
}

func (g *bodyGen) isPinnedPhys(ph int) bool {
	for _, p := range g.pinned {
		if p == ph {
			return true
		}
	}
	return false
}

// nextUse is the first position at or after pos that reads value id.
func (g *bodyGen) nextUse(id, pos int) int {
	for q := pos; q < len(g.items); q++ {
		for _, v := range g.items[q].in {
			if v == id {
				return q
			}
		}
	}
	return math.MaxInt
}

// dies reports whether value id is last used at pos (and so its register
// may hold the result).
func (g *bodyGen) dies(id, pos int) bool {
	v := &g.vals[id]
	return !v.pinned && v.last == pos && v.phys >= 0 && g.owner[v.phys] == id
}

// assign gives the result of the item at pos a register: the one it has if
// it is a variable assigned before, else that of the first dying value of
// prefer, else a free one.
func (g *bodyGen) assign(pos, dst int, prefer ...int) int {
	v := &g.vals[dst]
	if v.phys >= 0 {
		return v.phys
	}
	if a, ok := g.tiedTo[dst]; ok {
		// The register of the value this one replaces in the next step:
		// free, or held by a value read for the last time here.
		ph := g.vals[a].phys
		if o := g.owner[ph]; o != free && (o < 0 || g.vals[o].last != pos) {
			panic(fmt.Sprintf("arm64: %s: V%d, tied across the step loop, is taken at item %d", g.p.Name, ph, pos))
		}
		v.phys, g.owner[ph], g.resv[ph] = ph, dst, -1
		return ph
	}
	defer func() {
		if b, ok := g.tieOf[dst]; ok {
			g.resv[v.phys] = b
		}
	}()
	// A dying input's register reserved for a tied value first: the
	// result then often is an input of the tied value's definition, which
	// can write its register in place (a select with BIT or BIF).
	for _, reserved := range []bool{true, false} {
		for _, p := range prefer {
			if g.dies(p, pos) && (g.resv[g.vals[p].phys] >= 0) == reserved && g.allowed(g.vals[p].phys, dst, pos) {
				v.phys = g.vals[p].phys
				g.owner[v.phys] = dst
				return v.phys
			}
		}
	}
	v.phys = g.take(pos, dst)
	return v.phys
}

// allowed reports whether value id (or a temporary at pos) may use
// register ph: not if ph is reserved for a tied value that is defined
// before id's last read.
func (g *bodyGen) allowed(ph, id, pos int) bool {
	b := g.resv[ph]
	if b < 0 || b == id {
		return true
	}
	if id == temp {
		return pos < g.vals[b].first
	}
	return g.vals[id].last <= g.vals[b].first
}

func (g *bodyGen) release(pos int, ids ...int) {
	for _, id := range ids {
		if id < 0 {
			continue
		}
		v := &g.vals[id]
		if !v.pinned && v.last == pos && v.phys >= 0 && g.owner[v.phys] == id {
			g.owner[v.phys] = free
		}
	}
}

func (g *bodyGen) emitItem(pos int) {
	it := &g.items[pos]
	if it.op != nil && it.op != g.commented {
		// The IR op this code lowers, once for the copies in a row.
		g.out = append(g.out, "// "+g.p.OpString(it.op))
		g.commented = it.op
	}
	switch it.kind {
	case iIfBegin:
		g.emit("CBZ %s, %s", g.get(g.stream[it.stream]), it.label)
		g.ifs = append(g.ifs, it.stream)
	case iIfEnd:
		g.mark(it.label)
		g.ifs = g.ifs[:len(g.ifs)-1]
	case iRareBegin:
		// Skip the block unless a lane of the mask is set.
		m := g.vals[it.in[0]].phys
		if g.tail {
			g.emit("FMOVS F%d, %s", m, rTmp)
		} else {
			t := g.take(pos, temp)
			g.word(encode("umaxv", "4s", t, m, 0))
			g.emit("FMOVS F%d, %s", t, rTmp)
			g.owner[t] = free
		}
		g.emit("CBZW %s, %s", rTmp, it.label)
		g.inRare = pos
		g.clob = map[int]bool{}
	case iRareEnd:
		for _, r := range g.pinnedRegs() {
			if ph := g.pinned[r]; g.clob[ph] {
				for _, line := range g.materialize(r, ph) {
					g.emit("%s", line)
				}
				if id, ok := g.pinID[r]; ok {
					g.owner[ph] = id
				} else {
					g.owner[ph] = free
				}
			}
		}
		g.inRare = -1
		g.mark(it.label)
	case iLoopBegin:
		g.loopBegin(it.label)
	case iLoopEnd:
		g.emit("SUBS $1, %s", g.steps)
		g.emit("BNE %s", it.label)
		g.inLoop = false
	case iRemat:
		ph := g.assign(pos, it.dst)
		lines := g.materialize(it.setup, ph)
		for i, line := range lines {
			if i == len(lines)-1 {
				line += " // " + g.describe(it.setup)
			}
			g.emit("%s", line)
		}
	case iOp:
		g.op(pos, it)
	}
	g.release(pos, append([]int{it.dst}, it.in...)...)
}

func (g *bodyGen) ph(id int) int { return g.vals[id].phys }

// scratch returns a register for a temporary: that of id if it dies here.
func (g *bodyGen) scratch(pos, id int) int {
	if g.dies(id, pos) {
		return g.ph(id)
	}
	return g.take(pos, temp)
}

func (g *bodyGen) freeScratch(t, id int) {
	if t != g.ph(id) {
		g.owner[t] = free
	}
}
