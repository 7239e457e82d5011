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
	v   [32][16]byte
	r   map[string]uint64
	mem []byte // addresses are offsets into mem
}

var (
	shiftRE = regexp.MustCompile(`^(VUSHR|VUSRA) \$(\d+), V(\d+)\.(S4|D2|H8), V(\d+)\.(S4|D2|H8)$`)
	xtnRE   = regexp.MustCompile(`^WORD \$0x[0-9a-f]{8} // (xtn2?) v(\d+)\.\w+, v(\d+)\.(8h|4s|2d)$`)
	umovRE  = regexp.MustCompile(`^(?:VMOV V(\d+)\.S\[0\]|FMOVS F(\d+)), (R\d+)$`)
	gpRE    = regexp.MustCompile(`^(LSR|ROR|NEG|ADD|BFI|MOVD|MOVB) (.*)$`)
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
	for _, line := range lines {
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
			continue
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
			continue
		}
		if x := umovRE.FindStringSubmatch(line); x != nil {
			v, _ := strconv.Atoi(x[1] + x[2])
			m.r[x[3]] = m.elem(v, 4, 0)
			continue
		}
		x := gpRE.FindStringSubmatch(line)
		if x == nil {
			t.Fatalf("no model of %q", line)
		}
		ops := strings.Split(x[2], ", ")
		imm := func(s string) uint64 {
			n, err := strconv.Atoi(strings.TrimPrefix(s, "$"))
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
	}
}

// bitsGen is a bodyGen for one StoreBits access of copies masks, held in
// V5 and V6, all read for the last time by it.
func bitsGen(size, unroll int, tail bool, md mode) (*bodyGen, []int) {
	l := &lowering{p: &step.Program{Name: "bits"}, mode: md, size: size, lanes: 16 / size}
	l.stream[step.SBits] = "R11"
	l.lane = "R12"
	if md == multi {
		l.stride[step.SBits] = "R21"
		l.bitsW = rFrame
	} else {
		l.bitsIx, l.bitsW = "R13", "R14"
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
	return g, ms
}

// TestStoreBits runs the lines of every kind of StoreBits access on a model
// machine: for every mask pattern of the lanes it writes and lanes across
// words, it must set exactly the bits of those lanes in the row (lane j at
// bit j%64 of word j/64), leave every other bit alone, and move the lane
// counter (Steps = 1) or the row pointer (Steps > 1) as the next access
// expects.
func TestStoreBits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, md := range []mode{single, multi} {
		for _, size := range []int{4, 8} {
			for _, tc := range []struct {
				unroll int
				tail   bool
			}{{1, false}, {2, false}, {1, true}} {
				name := fmt.Sprintf("mode %d size %d unroll %d tail %v", md, size, tc.unroll, tc.tail)
				g, ms := bitsGen(size, tc.unroll, tc.tail, md)
				g.storeBits(0, &item{kind: iOp, op: &step.Op{Kind: step.OpStoreBits, Stream: step.SBits}, in: ms})
				lines := g.out
				lanes := tc.unroll * 16 / size
				if tc.tail {
					lanes = 1
				}
				for j := 0; j < 192; j += lanes {
					for pat := 0; pat < 1<<lanes; pat++ {
						m := &machine{r: map[string]uint64{rFrame: 0xf0, "R21": 64}, mem: make([]byte, 64)}
						for i := range m.mem {
							m.mem[i] = byte(r.Uint32())
						}
						before := append([]byte(nil), m.mem...)
						for k := 0; k < lanes; k++ {
							c, e := k/(16/size), k%(16/size)
							if pat>>k&1 != 0 {
								m.setElem(5+c, size, e, ^uint64(0)>>(64-8*size))
							}
						}
						// Lanes past the mask's lane 0 in the tail hold junk.
						if tc.tail {
							m.setElem(5, size, 1, r.Uint64()>>(64-8*size))
						}
						m.r["R12"] = uint64(j)
						m.r["R11"] = 0 // Steps = 1: the row's first word
						if md == multi {
							// loopBegin: the byte of the access when it
							// writes whole bytes, else its word.
							m.r["R11"] = uint64(j/64) * 8
							if g.wholeByte() {
								m.r["R11"] = uint64(j / 8)
							}
						}
						p0 := m.r["R11"]
						m.run(t, lines)
						want := append([]byte(nil), before...)
						for k := 0; k < lanes; k++ {
							b := j + k
							want[b/8] = want[b/8]&^(1<<(b%8)) | byte(pat>>k&1)<<(b%8)
						}
						if string(m.mem) != string(want) {
							t.Fatalf("%s, lane %d, pattern %#x: row % x, want % x\n%s", name, j, pat, m.mem[:24], want[:24], strings.Join(lines, "\n"))
						}
						if m.r[rFrame] != 0xf0 {
							t.Fatalf("%s: the frame pointer is not restored", name)
						}
						if md == multi && m.r["R11"] != p0+64 || md == single && (m.r["R12"] != uint64(j+lanes) || m.r["R11"] != 0) {
							t.Fatalf("%s, lane %d: pointer %d, lane %d after the access", name, j, m.r["R11"], m.r["R12"])
						}
					}
				}
			}
		}
	}
}
