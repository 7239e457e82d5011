package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/adquaif/adquaif/asm/step"
)

// machine is a model of the few instructions that storeBits emits, to run
// the emitted lines on every mask pattern and many lanes without qemu.
type machine struct {
	v    [32][16]byte
	r    map[string]uint64
	mem  []byte // addresses are offsets into mem
	zero bool   // the Z flag
}

var (
	shiftRE = regexp.MustCompile(`^(VUSHR|VUSRA) \$(\d+), V(\d+)\.(S4|D2|H8), V(\d+)\.(S4|D2|H8)$`)
	xtnRE   = regexp.MustCompile(`^WORD \$0x[0-9a-f]{8} // (xtn2?) v(\d+)\.\w+, v(\d+)\.(8h|4s|2d)$`)
	umovRE  = regexp.MustCompile(`^(?:VMOV V(\d+)\.([SB])\[0\]|FMOVS F(\d+)), (R\d+)$`)
	gpRE    = regexp.MustCompile(`^(LSR|LSL|ROR|NEG|ADD|AND|ANDS|ORR|TST|BFI|MOVD|MOVD\.P|MOVB|CBZ|BNE|BEQ) (.*)$`)
)

func (m *machine) elem(v, w, i int) uint64 {
	var x uint64
	for b := w - 1; b >= 0; b-- {
		x = x<<8 | uint64(m.v[v][i*w+b])
	}
	return x
}

func (m *machine) setElem(v, w, i int, x uint64) {
	for b := 0; b < w; b++ {
		m.v[v][i*w+b] = byte(x >> (8 * b))
	}
}

var elemBytes = map[string]int{"H8": 2, "S4": 4, "D2": 8, "8h": 2, "4s": 4, "2d": 8}

func (m *machine) reg(s string) uint64 { return m.r[s] }

// run executes lines, failing on any it does not model.
func (m *machine) run(t *testing.T, lines []string) {
	t.Helper()
	labels := map[string]int{}
	for i, line := range lines {
		if l, ok := strings.CutSuffix(line, ":"); ok {
			labels[l] = i
		}
	}
	for pc := 0; pc < len(lines); pc++ {
		line := lines[pc]
		if !strings.HasPrefix(line, "WORD") {
			line, _, _ = strings.Cut(line, " //")
		}
		if strings.HasSuffix(line, ":") || m.vector(line) {
			continue
		}
		if l := m.general(t, line); l != "" {
			to, ok := labels[l]
			if !ok {
				t.Fatalf("%q: no label %s", line, l)
			}
			pc = to
		}
	}
}

// vector executes line if it is one of the vector instructions modelled.
func (m *machine) vector(line string) bool {
	if x := shiftRE.FindStringSubmatch(line); x != nil {
		k, _ := strconv.Atoi(x[2])
		n, _ := strconv.Atoi(x[3])
		d, _ := strconv.Atoi(x[5])
		w := elemBytes[x[4]]
		mask := uint64(1)<<(8*w) - 1
		if w == 8 {
			mask = ^uint64(0)
		}
		for i := 0; i < 16/w; i++ {
			s := m.elem(n, w, i) >> k
			if x[1] == "VUSRA" {
				s = (s + m.elem(d, w, i)) & mask
			}
			m.setElem(d, w, i, s)
		}
		return true
	}
	if x := xtnRE.FindStringSubmatch(line); x != nil {
		d, _ := strconv.Atoi(x[2])
		n, _ := strconv.Atoi(x[3])
		w := elemBytes[x[4]]
		src := m.v[n]
		half := 0
		if x[1] == "xtn2" {
			half = 8 / (w / 2)
		} else {
			m.v[d] = [16]byte{}
		}
		for i := 0; i < 16/w; i++ {
			var e [8]byte
			copy(e[:], src[i*w:(i+1)*w])
			m.setElem(d, w/2, half+i, binary.LittleEndian.Uint64(e[:])&(uint64(1)<<(4*w)-1))
		}
		return true
	}
	if x := umovRE.FindStringSubmatch(line); x != nil {
		v, _ := strconv.Atoi(x[1] + x[3])
		w := 4
		if x[2] == "B" {
			w = 1
		}
		m.r[x[4]] = m.elem(v, w, 0)
		return true
	}
	return false
}

// general executes a general-register instruction, a load or a store, and
// returns the label it branches to, if it does.
func (m *machine) general(t *testing.T, line string) (jump string) {
	t.Helper()
	x := gpRE.FindStringSubmatch(line)
	if x == nil {
		t.Fatalf("no model of %q", line)
	}
	ops := strings.Split(x[2], ", ")
	imm := func(s string) uint64 {
		n, err := strconv.ParseInt(strings.TrimPrefix(s, "$"), 10, 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		return uint64(n)
	}
	// addr resolves (Rp), (Rp)(Rx) and (Rp)(Rx<<3).
	addr := func(s string) int {
		am := regexp.MustCompile(`^\((R\d+)\)(?:\((R\d+)(?:<<(\d))?\))?$`).FindStringSubmatch(s)
		if am == nil {
			t.Fatalf("%q: no address %q", line, s)
		}
		a := m.r[am[1]]
		if am[2] != "" {
			sh := uint64(0)
			if am[3] != "" {
				sh = imm(am[3])
			}
			a += m.r[am[2]] << sh
		}
		return int(a)
	}
	switch {
	case x[1] == "LSR":
		m.r[ops[2]] = m.r[ops[1]] >> imm(ops[0])
	case x[1] == "LSL":
		m.r[ops[2]] = m.r[ops[1]] << (m.r[ops[0]] % 64)
	case x[1] == "AND" && len(ops) == 2 && strings.HasPrefix(ops[0], "$"):
		m.r[ops[1]] &= imm(ops[0])
	case x[1] == "AND" && len(ops) == 2:
		m.r[ops[1]] &= m.r[ops[0]]
	case x[1] == "ORR" && len(ops) == 2:
		m.r[ops[1]] |= m.r[ops[0]]
	case x[1] == "ANDS":
		m.r[ops[2]] = m.r[ops[1]] & imm(ops[0])
		m.zero = m.r[ops[2]] == 0
	case x[1] == "TST":
		m.zero = m.r[ops[1]]&imm(ops[0]) == 0
	case x[1] == "BNE":
		if !m.zero {
			return ops[0]
		}
	case x[1] == "BEQ":
		if m.zero {
			return ops[0]
		}
	case x[1] == "CBZ":
		if m.r[ops[0]] == 0 {
			return ops[1]
		}
	case x[1] == "MOVD" && ops[0] == "ZR":
		m.r[ops[1]] = 0
	case x[1] == "MOVD" && strings.HasPrefix(ops[0], "$"):
		m.r[ops[1]] = imm(ops[0])
	case x[1] == "MOVD.P" && strings.HasPrefix(ops[1], "8("):
		p := ops[1][2 : len(ops[1])-1]
		binary.LittleEndian.PutUint64(m.mem[m.r[p]:], m.r[ops[0]])
		m.r[p] += 8
	case x[1] == "ROR":
		k := m.r[ops[0]] % 64
		v := m.r[ops[1]]
		m.r[ops[2]] = v>>k | v<<((64-k)%64)
	case x[1] == "NEG":
		m.r[ops[1]] = -m.r[ops[0]]
	case x[1] == "BFI":
		lsb, w := imm(ops[0]), imm(ops[2])
		f := (uint64(1)<<w - 1) << lsb
		m.r[ops[3]] = m.r[ops[3]]&^f | m.r[ops[1]]<<lsb&f
	case x[1] == "ADD" && strings.HasPrefix(ops[0], "$"):
		m.r[ops[1]] += imm(ops[0])
	case x[1] == "ADD" && len(ops) == 2:
		m.r[ops[1]] += m.r[ops[0]]
	case x[1] == "MOVD" && ops[0] == "f+0(FP)":
		m.r[ops[1]] = 0xf0 // the frame pointer is restored
	case x[1] == "MOVD" && strings.HasPrefix(ops[0], "("):
		m.r[ops[1]] = binary.LittleEndian.Uint64(m.mem[addr(ops[0]):])
	case x[1] == "MOVD" && strings.HasPrefix(ops[1], "("):
		binary.LittleEndian.PutUint64(m.mem[addr(ops[1]):], m.r[ops[0]])
	case x[1] == "MOVB" && strings.HasPrefix(ops[1], "("):
		m.mem[addr(ops[1])] = byte(m.r[ops[0]])
	default:
		t.Fatalf("no model of %q", line)
	}
	return ""
}

// bitsGen is a bodyGen for one StoreBits access of copies masks, held in
// V5 and V6, all read for the last time by it.
func bitsGen(size, unroll int, tail bool, sc step.Section) (*bodyGen, []int) {
	l := &lowering{p: &step.Program{Name: "bits", Frame: step.AdQuaIFFrame}, sec: sc, prefix: "one", size: size, lanes: 16 / size, bits: step.SBits}
	l.stream = make([]*pointer, len(l.p.Streams))
	l.stride = make([]string, len(l.p.Streams))
	l.stream[step.SBits] = &pointer{name: "ptrBits", reg: "R11", slot: -1}
	l.lane = "R12"
	if sc == step.ManySteps {
		l.stride[step.SBits] = "R21"
		l.bitsW = rFrame
	} else {
		l.bitsAcc, l.bitsW = "R13", "R14"
	}
	g := &bodyGen{lowering: l, unroll: unroll, tail: tail}
	for i := range g.owner {
		g.owner[i] = free
	}
	var ms []int
	for c := 0; c < unroll; c++ {
		g.vals = append(g.vals, value{first: 0, last: 0, phys: 5 + c})
		g.owner[5+c] = c
		ms = append(ms, c)
	}
	g.storeBits(0, &item{kind: iOp, op: &step.Op{Kind: step.OpStoreBits, Stream: step.SBits}, in: ms})
	return g, ms
}

// accessKinds are the accesses a body can make: a main loop's (one or two
// vectors) and the remainder's (a lane).
var accessKinds = []struct {
	unroll int
	tail   bool
}{{1, false}, {2, false}, {1, true}}

// setMask puts pattern pat (bit k: lane k of the access) in V5 and V6, with
// junk in the lanes a remainder access does not own.
func (m *machine) setMask(r *rand.Rand, size, lanes int, tail bool, pat int) {
	m.v[5], m.v[6] = [16]byte{}, [16]byte{}
	for k := 0; k < lanes; k++ {
		if pat>>k&1 != 0 {
			m.setElem(5+k/(16/size), size, k%(16/size), ^uint64(0)>>(64-8*size))
		}
	}
	if tail {
		m.setElem(5, size, 1, r.Uint64()>>(64-8*size))
	}
}

func randomMem(r *rand.Rand, n int) []byte {
	mem := make([]byte, n)
	for i := range mem {
		mem[i] = byte(r.Uint32())
	}
	return mem
}

// TestStoreBitsMulti runs the lines of every kind of Steps > 1 StoreBits
// access on a model machine: for every mask pattern of its lanes and lanes
// across words, it must set exactly the bits of those lanes in the row
// (lane j at bit j%64 of word j/64), leave every other bit alone, restore
// the frame register it borrows and step the row pointer.
func TestStoreBitsMulti(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{4, 8} {
		for _, kind := range accessKinds {
			name := fmt.Sprintf("size %d unroll %d tail %v", size, kind.unroll, kind.tail)
			g, _ := bitsGen(size, kind.unroll, kind.tail, step.ManySteps)
			lanes := kind.unroll * 16 / size
			if kind.tail {
				lanes = 1
			}
			for j := 0; j < 192; j += lanes {
				for pat := 0; pat < 1<<lanes; pat++ {
					m := &machine{r: map[string]uint64{rFrame: 0xf0, "R21": 64, "R12": uint64(j)}, mem: randomMem(r, 64)}
					before := append([]byte(nil), m.mem...)
					m.setMask(r, size, lanes, kind.tail, pat)
					// loopBegin: the byte of the access when it writes
					// whole bytes, else its word.
					m.r["R11"] = uint64(j/64) * 8
					if g.wholeByte() {
						m.r["R11"] = uint64(j / 8)
					}
					p0 := m.r["R11"]
					m.run(t, g.out)
					want := before
					for k := 0; k < lanes; k++ {
						b := j + k
						want[b/8] = want[b/8]&^(1<<(b%8)) | byte(pat>>k&1)<<(b%8)
					}
					if string(m.mem) != string(want) {
						t.Fatalf("%s, lane %d, pattern %#x: row % x, want % x\n%s", name, j, pat, m.mem[:24], want[:24], strings.Join(g.out, "\n"))
					}
					if m.r[rFrame] != 0xf0 || m.r["R11"] != p0+64 {
						t.Fatalf("%s, lane %d: frame register %#x, row pointer %d after the access", name, j, m.r[rFrame], m.r["R11"])
					}
				}
			}
		}
	}
}

// TestStoreBitsSingle runs, on a model machine, the Steps = 1 accesses of a
// call as the kernel makes them (a main loop of two vectors if the kernel
// has one, then one vector, then lane by lane, each as long as lanes
// remain) for every call length up to 200 lanes and random masks, then the
// final flush: the row must have exactly the call's bits and every bit past
// them as it was.
func TestStoreBitsSingle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{4, 8} {
		var gens [3]*bodyGen
		for i, kind := range accessKinds {
			gens[i], _ = bitsGen(size, kind.unroll, kind.tail, step.OneStep)
		}
		flush := gens[0].bitsFlush()
		for n := 0; n <= 200; n++ {
			for rep := 0; rep < 8; rep++ {
				m := &machine{r: map[string]uint64{"R11": 8, "R12": 0, "R13": 0}, mem: randomMem(r, 8+32)}
				want := append([]byte(nil), m.mem...)
				j := 0
				loops := []int{1, 0, 2} // two vectors, one, a lane
				if rep%2 == 1 {
					loops = loops[1:]
				}
				for _, kind := range loops {
					lanes := accessKinds[kind].unroll * 16 / size
					if accessKinds[kind].tail {
						lanes = 1
					}
					for n-j >= lanes {
						pat := int(r.Uint32()) & (1<<lanes - 1)
						m.setMask(r, size, lanes, accessKinds[kind].tail, pat)
						m.run(t, gens[kind].out)
						for k := 0; k < lanes; k++ {
							b := 64 + j + k
							want[b/8] = want[b/8]&^(1<<(b%8)) | byte(pat>>k&1)<<(b%8)
						}
						j += lanes
					}
				}
				if m.r["R12"] != uint64(n) {
					t.Fatalf("size %d n=%d: lane counter %d after the loops", size, n, m.r["R12"])
				}
				m.run(t, flush)
				if string(m.mem) != string(want) {
					t.Fatalf("size %d n=%d: row % x, want % x", size, n, m.mem, want)
				}
			}
		}
	}
}
