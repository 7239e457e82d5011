package kernel

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// TestExpon checks Expon and ExponNext on every path against their formula,
// written here op by op, bit for bit: for every length up to 70 (every tail
// of every path) and a few long ones, with special values among the
// conductances and the factors.
func TestExpon(t *testing.T) {
	testExpon[float32](t)
	testExpon[float64](t)
}

func testExpon[F Float](t *testing.T) {
	defer SetISA(ISA())
	r := rand.New(rand.NewPCG(3, 4))
	sp := specials[F]()
	value := func() F {
		if r.IntN(8) == 0 {
			return sp[r.IntN(len(sp))]
		}
		return F(r.NormFloat64() * 3)
	}
	for _, path := range Available() {
		if err := SetISA(path); err != nil {
			t.Fatal(err)
		}
		for _, n := range append([]int{0, 1000, 4003}, seq(1, 70)...) {
			for _, next := range []bool{false, true} {
				var c Conductances[F]
				bufs := []*[]F{&c.GE, &c.GI, &c.Drive, &c.I, &c.G}
				for _, b := range bufs {
					*b = make([]F, n)
					for j := range *b {
						(*b)[j] = value()
					}
				}
				k := [5]F{value(), value(), value(), value(), value()}
				wantI, wantG := make([]F, n), make([]F, n)
				wantGE, wantGI := append([]F(nil), c.GE...), append([]F(nil), c.GI...)
				for j := range n {
					e, i := F(c.GE[j]*k[0]), F(c.GI[j]*k[1])
					wantG[j] = e + i
					wantI[j] = c.Drive[j] + F(k[2]*i)
					if next {
						wantGE[j], wantGI[j] = F(c.GE[j]*k[3]), F(c.GI[j]*k[4])
					}
				}
				var err error
				if next {
					err = ExponNext(c, k[0], k[1], k[2], k[3], k[4])
				} else {
					err = Expon(c, k[0], k[1], k[2])
				}
				if err != nil {
					t.Fatalf("%s n=%d: %v", path, n, err)
				}
				for _, w := range []struct {
					name      string
					got, want []F
				}{{"I", c.I, wantI}, {"G", c.G, wantG}, {"GE", c.GE, wantGE}, {"GI", c.GI, wantGI}} {
					for j := range n {
						if !sameBits(w.got[j], w.want[j]) {
							t.Fatalf("%s %T n=%d next=%v: %s[%d] = %v, want %v (GE %v, GI %v, Drive %v, factors %v)",
								path, F(0), n, next, w.name, j, w.got[j], w.want[j], wantGE[j], wantGI[j], c.Drive[j], k)
						}
					}
				}
			}
		}
	}
}

func seq(lo, hi int) []int {
	var s []int
	for n := lo; n <= hi; n++ {
		s = append(s, n)
	}
	return s
}

// TestExponRefuses checks that Expon and ExponNext refuse buffers of
// other lengths than GE's and buffers they write that share memory with
// another, and write nothing then.
func TestExponRefuses(t *testing.T) {
	const n = 8
	mem := make([]float32, 6*n)
	for j := range mem {
		mem[j] = float32(j)
	}
	ok := Conductances[float32]{GE: mem[:n], GI: mem[n : 2*n], Drive: mem[2*n : 3*n], I: mem[3*n : 4*n], G: mem[4*n : 5*n]}
	for _, c := range []struct {
		name string
		next bool
		edit func(*Conductances[float32])
		want error
	}{
		{"short GI", false, func(c *Conductances[float32]) { c.GI = c.GI[:n-1] }, ErrLength},
		{"long Drive", false, func(c *Conductances[float32]) { c.Drive = mem[2*n : 3*n+1] }, ErrLength},
		{"short I", true, func(c *Conductances[float32]) { c.I = nil }, ErrLength},
		{"G over I", false, func(c *Conductances[float32]) { c.G = mem[3*n+1 : 4*n+1] }, ErrOverlap},
		{"I over Drive", false, func(c *Conductances[float32]) { c.I = c.Drive }, ErrOverlap},
		{"GE over GI, next", true, func(c *Conductances[float32]) { c.GI = mem[n-1 : 2*n-1] }, ErrOverlap},
		{"GE over Drive, next", true, func(c *Conductances[float32]) { c.Drive = c.GE }, ErrOverlap},
	} {
		b := ok
		c.edit(&b)
		before := append([]float32(nil), mem...)
		var err error
		if c.next {
			err = ExponNext(b, 1, 2, 3, 4, 5)
		} else {
			err = Expon(b, 1, 2, 3)
		}
		var be *BufferError
		if !errors.Is(err, c.want) || !errors.As(err, &be) {
			t.Errorf("%s: %v, want a *BufferError wrapping %v", c.name, err, c.want)
		}
		for j := range mem {
			if mem[j] != before[j] {
				t.Fatalf("%s: element %d changed from %v to %v", c.name, j, before[j], mem[j])
			}
		}
	}
	// Read-only buffers may share memory: GE, GI and Drive without next.
	b := ok
	b.GI, b.Drive = b.GE, b.GE
	if err := Expon(b, 1, 2, 3); err != nil {
		t.Errorf("GE, GI and Drive sharing memory: %v", err)
	}
}

// TestExponAllocs checks that Expon and ExponNext allocate nothing, on
// every path.
func TestExponAllocs(t *testing.T) {
	defer SetISA(ISA())
	const n = 100
	c := Conductances[float32]{GE: make([]float32, n), GI: make([]float32, n), Drive: make([]float32, n), I: make([]float32, n), G: make([]float32, n)}
	for _, path := range Available() {
		if err := SetISA(path); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(10, func() {
			if err := Expon(c, 1, 2, 3); err != nil {
				t.Fatal(err)
			}
			if err := ExponNext(c, 1, 2, 3, 4, 5); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s: %v allocations per call", path, a)
		}
	}
}
