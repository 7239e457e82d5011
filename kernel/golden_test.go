package kernel

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/generic"
)

// The golden file pins the output bits of a fixed set of steps, so that
// every path on every architecture is checked against the same numbers:
// the paths of one machine against each other (as the differential tests
// also do), and, through the committed file, amd64 against arm64.
// Regenerate it from the generic path with
//
//	go test ./kernel -run TestGolden -update
var update = flag.Bool("update", false, "rewrite testdata/golden.sha256 from the generic path")

const goldenFile = "testdata/golden.sha256"

// splitmix64 is the generator of the inputs: fixed by its definition, so
// the cases do not change with Go's math/rand.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// unit is uniform in [0, 1) with 53 random bits.
func (s *splitmix64) unit() float64 { return float64(s.next()>>11) / (1 << 53) }

// between is uniform in [lo, hi). The product is converted explicitly so
// that no compiler fuses it with the sum (arm64 would, amd64 would not): the
// inputs must be the same bits on every architecture.
func (s *splitmix64) between(lo, hi float64) float64 { return lo + float64((hi-lo)*s.unit()) }

// goldenCase is one configuration stepped a few times.
type goldenCase struct {
	name                             string
	f64, hard, perNeuron             bool
	withI, withDelta, spike, refract bool
	withG                            bool
	n, rows                          int
	seed                             uint64
}

func goldenCases() []goldenCase {
	var cs []goldenCase
	seed := uint64(1)
	for _, f64 := range []bool{false, true} {
		for _, hard := range []bool{false, true} {
			for _, pn := range []bool{false, true} {
				for opt := 0; opt < 16; opt++ {
					c := goldenCase{f64: f64, hard: hard, perNeuron: pn,
						withI: opt&1 != 0, withDelta: opt&2 != 0, spike: opt&4 != 0, refract: opt&8 != 0,
						n: 61 + opt, rows: 1, seed: seed}
					if pn && opt%4 == 3 {
						c.rows = 3 // batch rows share the per-neuron values
					}
					c.name = fmt.Sprintf("f64=%v/hard=%v/pn=%v/I=%v/Delta=%v/Spike=%v/Ref=%v/n=%d/rows=%d",
						f64, hard, pn, c.withI, c.withDelta, c.spike, c.refract, c.n, c.rows)
					cs = append(cs, c)
					seed++
				}
			}
		}
	}
	// The cases with a conductance input, after the others so that theirs
	// keep their seeds and bits.
	for _, f64 := range []bool{false, true} {
		for _, hard := range []bool{false, true} {
			for _, pn := range []bool{false, true} {
				for _, opt := range []int{0, 1, 3, 12, 15} {
					c := goldenCase{f64: f64, hard: hard, perNeuron: pn, withG: true,
						withI: opt&1 != 0, withDelta: opt&2 != 0, spike: opt&4 != 0, refract: opt&8 != 0,
						n: 61 + opt, rows: 1, seed: seed}
					if pn && opt%4 == 3 {
						c.rows = 3
					}
					c.name = fmt.Sprintf("f64=%v/hard=%v/pn=%v/I=%v/G=true/Delta=%v/Spike=%v/Ref=%v/n=%d/rows=%d",
						f64, hard, pn, c.withI, c.withDelta, c.spike, c.refract, c.n, c.rows)
					cs = append(cs, c)
					seed++
				}
			}
		}
	}
	return cs
}

// run steps the case's population four times and hashes every output bit,
// NaNs canonicalized (the contract lets paths differ in NaN payloads only).
func (c goldenCase) run(t testing.TB) string {
	if c.f64 {
		return runGolden[float64](t, c)
	}
	return runGolden[float32](t, c)
}

func runGolden[F Float](t testing.TB, c goldenCase) string {
	rng := splitmix64(c.seed)
	p := Defaults[F]()
	cfg := Config[F]{Params: p, DT: 0.1}
	if c.hard {
		cfg.Reset = HardReset
	}
	if c.perNeuron {
		pn := &PerNeuron[F]{}
		vary := func(base F, spread float64) []F {
			s := make([]F, c.n)
			for j := range s {
				s[j] = F(float64(base) * (1 + float64(spread*rng.between(-1, 1))))
			}
			return s
		}
		pn.Tau, pn.TauRef, pn.VTh, pn.C, pn.B = vary(p.Tau, 0.5), vary(p.TauRef, 0.5), vary(p.VTh, 0.2), vary(p.C, 0.5), vary(p.B, 0.5)
		cfg.PerNeuron = pn
	}
	k, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := c.n * c.rows
	vth := p.VTh
	b := Buffers[F]{V: make([]F, m), W: make([]F, m), LastSpike: make([]F, m)}
	if c.withI {
		b.I = make([]F, m)
	}
	if c.withDelta {
		b.Delta = make([]F, m)
	}
	if c.withG {
		b.G = make([]F, m)
	}
	if c.spike {
		b.Spike = make([]F, m)
	}
	if c.refract {
		b.Refractory = make([]bool, m)
	}
	var tm F = 10
	// edge holds values that reach every special case of the step: IEEE
	// specials, subnormals, the threshold and its neighbours, huge values
	// that send exprel to its slow path or past its overflow.
	edge := func() F {
		switch rng.next() % 16 {
		case 0:
			return F(math.NaN())
		case 1:
			return F(math.Inf(1))
		case 2:
			return F(math.Inf(-1))
		case 3:
			return F(math.Float32frombits(uint32(rng.next()%0x7fffff + 1))) // float32 subnormal
		case 4:
			return F(math.Float64frombits(rng.next() % (1 << 52))) // float64 subnormal (0 in float32)
		case 5:
			return vth
		case 6:
			return nextAfter(vth, 1)
		case 7:
			return nextAfter(vth, -1)
		case 8:
			return F(rng.between(1e3, 1e5)) // exprel's slow path, then overflow
		case 9:
			return -F(rng.between(1e3, 1e5))
		case 10:
			return F(1e30)
		case 11:
			return F(-rng.between(1e299, 1e300)) // -Inf in float32
		case 12:
			return 0
		case 13:
			return F(math.Copysign(0, -1))
		case 14:
			return F(rng.between(-1, 1)) * 1e-4
		}
		return F(rng.between(-1e6, 1e6))
	}
	typical := func(lo, hi float64) F {
		if rng.next()%8 == 0 {
			return edge()
		}
		return F(rng.between(lo, hi))
	}
	for j := range m {
		b.V[j] = typical(-75, -25)
		b.W[j] = typical(-5, 5)
		switch rng.next() % 4 {
		case 0: // the refractory boundary: t - last near tau_ref
			tr := p.TauRef
			if c.perNeuron {
				tr = k.consts[generic.CTauRef*c.n+j%c.n]
			}
			last := tm - tr
			dir := 1.0
			if rng.next()%2 == 0 {
				dir = -1
			}
			for range rng.next() % 3 {
				last = nextAfter(last, dir)
			}
			b.LastSpike[j] = last
		case 1:
			b.LastSpike[j] = -1e7
		default:
			b.LastSpike[j] = typical(float64(tm)-3, float64(tm))
		}
		if b.I != nil {
			b.I[j] = typical(-20, 40)
		}
		if b.Delta != nil {
			b.Delta[j] = typical(-2, 2)
		}
		if b.G != nil {
			b.G[j] = typical(0, 3) // a synapse's conductance, or an edge value
		}
	}
	h := sha256.New()
	for step := range 4 {
		if err := k.Step(tm, b); err != nil {
			t.Fatal(err)
		}
		for _, s := range [][]F{b.V, b.W, b.LastSpike, b.Spike} {
			for _, x := range s {
				hashFloat(h, x)
			}
		}
		for _, r := range b.Refractory {
			if r {
				h.Write([]byte{1})
			} else {
				h.Write([]byte{0})
			}
		}
		tm += F(0.1 * float64(step+1))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashFloat[F Float](h interface{ Write([]byte) (int, error) }, x F) {
	var buf [8]byte
	if x != x {
		h.Write([]byte("NaN"))
		return
	}
	if unsafe.Sizeof(x) == 4 {
		binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(float32(x)))
		h.Write(buf[:4])
		return
	}
	binary.LittleEndian.PutUint64(buf[:], math.Float64bits(float64(x)))
	h.Write(buf[:])
}

// nextAfter is the neighbour of x in F toward the sign of dir.
func nextAfter[F Float](x F, dir float64) F {
	if unsafe.Sizeof(x) == 4 {
		return F(math.Nextafter32(float32(x), float32(dir)*math.MaxFloat32))
	}
	return F(math.Nextafter(float64(x), dir*math.MaxFloat64))
}

func TestGolden(t *testing.T) {
	cases := goldenCases()
	defer SetISA(ISA())
	if *update {
		if err := SetISA("generic"); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		sb.WriteString("# SHA-256 of the output bits of kernel/golden_test.go's cases (NaNs canonical), from the generic path.\n")
		for _, c := range cases {
			fmt.Fprintf(&sb, "%s %s\n", c.run(t), c.name)
		}
		if err := os.WriteFile(goldenFile, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readGolden(t)
	if len(want) != len(cases) {
		t.Fatalf("%s has %d cases, the test %d: regenerate it with -update", goldenFile, len(want), len(cases))
	}
	for _, name := range Available() {
		if err := SetISA(name); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if got := c.run(t); got != want[c.name] {
				t.Errorf("isa=%s %s: hash %s, golden %s", name, c.name, got, want[c.name])
			}
		}
	}
}

func readGolden(t *testing.T) map[string]string {
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		hash, name, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: bad line %q", goldenFile, line)
		}
		want[name] = hash
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return want
}
