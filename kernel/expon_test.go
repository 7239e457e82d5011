package kernel

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestExpon checks Expon and ExponNext on every path against their formula,
// written here op by op, bit for bit: for every length up to 70 (every tail
// of every path) and a few long ones, with special values (NaN, the
// infinities, zeros of both signs, subnormals) among the conductances, the
// factors and the potentials, which propagate as the arithmetic does.
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
				k := [6]F{value(), value(), value(), value(), value(), value()}
				if n%2 == 0 {
					k[2] = []F{0, F(math.Copysign(0, -1))}[n%4/2] // E_e = 0: the program without its term
				}
				wantI, wantG := make([]F, n), make([]F, n)
				wantGE, wantGI := append([]F(nil), c.GE...), append([]F(nil), c.GI...)
				for j := range n {
					e, i := F(c.GE[j]*k[0]), F(c.GI[j]*k[1])
					wantG[j] = e + i
					d := c.Drive[j]
					if k[2] != 0 {
						d = F(d + F(k[2]*e))
					}
					wantI[j] = d + F(k[3]*i)
					if next {
						wantGE[j], wantGI[j] = F(c.GE[j]*k[4]), F(c.GI[j]*k[5])
					}
				}
				if err := callExpon(c, k, next); err != nil {
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

// callExpon calls ExponNext with the constants k (decE, decI, eE, eI,
// nextE, nextI) if next, else Expon with the first four.
func callExpon[F Float](c Conductances[F], k [6]F, next bool) error {
	if next {
		return ExponNext(c, k[0], k[1], k[2], k[3], k[4], k[5])
	}
	return Expon(c, k[0], k[1], k[2], k[3])
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
// another, name the buffers, and write nothing then.
func TestExponRefuses(t *testing.T) {
	const n = 8
	mem := make([]float32, 6*n)
	for j := range mem {
		mem[j] = float32(j)
	}
	ok := Conductances[float32]{GE: mem[:n], GI: mem[n : 2*n], Drive: mem[2*n : 3*n], I: mem[3*n : 4*n], G: mem[4*n : 5*n]}
	for _, c := range []struct {
		name   string
		next   bool
		edit   func(*Conductances[float32])
		want   error
		buffer string // the BufferError's Name
	}{
		{"short GI", false, func(c *Conductances[float32]) { c.GI = c.GI[:n-1] }, ErrLength, "Conductances.GI"},
		{"long Drive", false, func(c *Conductances[float32]) { c.Drive = mem[2*n : 3*n+1] }, ErrLength, "Conductances.Drive"},
		{"short I", true, func(c *Conductances[float32]) { c.I = nil }, ErrLength, "Conductances.I"},
		{"long G, next", true, func(c *Conductances[float32]) { c.G = mem[4*n : 5*n+1] }, ErrLength, "Conductances.G"},
		{"G over I", false, func(c *Conductances[float32]) { c.G = mem[3*n+1 : 4*n+1] }, ErrOverlap, "Conductances.I/G"},
		{"I over Drive", false, func(c *Conductances[float32]) { c.I = c.Drive }, ErrOverlap, "Conductances.Drive/I"},
		{"G over GE", false, func(c *Conductances[float32]) { c.G = mem[n-1 : 2*n-1] }, ErrOverlap, "Conductances.GE/G"},
		{"GE over GI, next", true, func(c *Conductances[float32]) { c.GI = mem[n-1 : 2*n-1] }, ErrOverlap, "Conductances.GE/GI"},
		{"GE over Drive, next", true, func(c *Conductances[float32]) { c.Drive = c.GE }, ErrOverlap, "Conductances.GE/Drive"},
	} {
		b := ok
		c.edit(&b)
		before := append([]float32(nil), mem...)
		var err error
		if c.next {
			err = ExponNext(b, 1, 2, 3, 4, 5, 6)
		} else {
			err = Expon(b, 1, 2, 3, 4)
		}
		var be *BufferError
		if !errors.Is(err, c.want) || !errors.As(err, &be) || be.Name != c.buffer {
			t.Errorf("%s: %v, want a *BufferError for %s wrapping %v", c.name, err, c.buffer, c.want)
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
	if err := Expon(b, 1, 2, 3, 4); err != nil {
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
			if err := Expon(c, 1, 2, 3, 4); err != nil {
				t.Fatal(err)
			}
			if err := ExponNext(c, 1, 2, 3, 4, 5, 6); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s: %v allocations per call", path, a)
		}
	}
}

// TestExponPaths runs Expon and ExponNext on every path and every length
// 0..300, with each buffer in three placements against PROT_NONE guard
// pages (paths_test.go's buffers), and compares every buffer and the
// untouched memory around it with generic's. The interiors of I and G start
// as sentinel bytes too, so a lane a path skips shows. (The constants are
// a table Expon builds on its stack, read one scalar at a time.)
func TestExponPaths(t *testing.T) {
	paths := Available()
	if len(paths) == 1 {
		t.Skipf("only %v runs here: nothing to compare", paths)
	}
	defer SetISA(ISA())
	for n := 0; n <= 300; n++ {
		for p := placement(0); p < numPlacements; p++ {
			compareExpon[float32](t, paths, n, p)
			compareExpon[float64](t, paths, n, p)
		}
	}
}

var exponNames = [...]string{"GE", "GI", "Drive", "I", "G"}

func compareExpon[F Float](t *testing.T, paths []string, n int, pl placement) {
	size := int(unsafe.Sizeof(F(0)))
	g := &gen[F]{r: rand.New(rand.NewPCG(uint64(n), uint64(pl)*2+uint64(size))), sp: specials[F]()}
	var bufs [len(exponNames)]buffer
	for i := range bufs {
		bufs[i] = newBuffer(t, n, size, pl)
	}
	c := Conductances[F]{GE: floats[F](bufs[0]), GI: floats[F](bufs[1]), Drive: floats[F](bufs[2]), I: floats[F](bufs[3]), G: floats[F](bufs[4])}
	all := [len(exponNames)][]F{c.GE, c.GI, c.Drive, c.I, c.G}
	var in, want [len(exponNames)][]F
	for i := range in {
		in[i], want[i] = make([]F, n), make([]F, n)
	}
	factor := func() F {
		if g.r.IntN(10) == 0 {
			return g.special()
		}
		return g.uniform(0.5, 1.5)
	}
	for _, next := range []bool{false, true} {
		for j := range n {
			in[0][j], in[1][j], in[2][j] = g.cond(), g.cond(), g.other(60)
		}
		eE := []F{0, g.other(100)}[g.r.IntN(2)]
		k := [6]F{factor(), factor(), eE, g.other(100), factor(), factor()}
		for _, path := range append([]string{"generic"}, paths[:len(paths)-1]...) {
			if err := SetISA(path); err != nil {
				t.Fatal(err)
			}
			for i := range bufs {
				for b := range bufs[i].mem {
					bufs[i].mem[b] = sentinel
				}
			}
			copy(c.GE, in[0])
			copy(c.GI, in[1])
			copy(c.Drive, in[2])
			if err := callExpon(c, k, next); err != nil {
				t.Fatalf("%s n=%d: %v", path, n, err)
			}
			for i, b := range bufs {
				if err := b.intact(); err != nil {
					t.Fatalf("%s %T n=%d %s next=%v: around %s: %v", path, F(0), n, pl, next, exponNames[i], err)
				}
			}
			if path == "generic" {
				for i := range want {
					copy(want[i], all[i])
				}
				continue
			}
			for i := range all {
				for j := range n {
					if !sameBits(all[i][j], want[i][j]) {
						t.Fatalf("%s %T n=%d %s next=%v: %s[%d] = %v, generic %v (GE %v, GI %v, Drive %v, constants %v)",
							path, F(0), n, pl, next, exponNames[i], j, all[i][j], want[i][j], in[0][j], in[1][j], in[2][j], k)
					}
				}
			}
		}
		for i := range 3 {
			if i < 2 && next {
				continue
			}
			for j := range n {
				if !sameBits(want[i][j], in[i][j]) {
					t.Fatalf("generic %T n=%d next=%v: %s[%d] changed from %v to %v", F(0), n, next, exponNames[i], j, in[i][j], want[i][j])
				}
			}
		}
	}
}
