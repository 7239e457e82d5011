//go:build cgo

package main

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/adquaif/adquaif/kernel"
)

// These tests build the library as a C user would, with go build
// -buildmode=c-shared (and c-archive), compile C and C++ programs against
// adquaif.h with the system's gcc and g++, run them, and compare what they
// print or write with the Go API's results in this process.

var lib struct {
	once sync.Once
	dir  string
	err  error
}

// sharedLib builds libadquaif.so once per test binary and returns its
// directory.
func sharedLib(t *testing.T) string {
	t.Helper()
	lib.once.Do(func() {
		lib.dir, lib.err = os.MkdirTemp("", "adquaif-capi-")
		if lib.err == nil {
			lib.err = command("go", "build", "-tags="+libTags, "-buildmode=c-shared", "-o", filepath.Join(lib.dir, "libadquaif.so"), ".")
		}
	})
	if lib.err != nil {
		t.Fatal(lib.err)
	}
	return lib.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if lib.dir != "" {
		os.RemoveAll(lib.dir)
	}
	os.Exit(code)
}

func command(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// compile builds a C (or, with g++, C++) program against the shared
// library and returns its path.
func compile(t *testing.T, compiler string, src string, flags ...string) string {
	t.Helper()
	dir := sharedLib(t)
	if _, err := exec.LookPath(compiler); err != nil {
		t.Fatalf("%s is needed to test the C API: %v", compiler, err)
	}
	exe := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(src), filepath.Ext(src)))
	args := append([]string{"-Wall", "-Wextra", "-Werror", "-I", ".", src, "-o", exe, "-L", dir, "-ladquaif", "-Wl,-rpath," + dir, "-lm"}, flags...)
	if err := command(compiler, args...); err != nil {
		t.Fatal(err)
	}
	return exe
}

func output(t *testing.T, exe string, args ...string) string {
	t.Helper()
	out, err := exec.Command(exe, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s: %v\n%s%s", exe, err, out, msg)
	}
	return string(out)
}

// populationOutput is what example/population.c prints, computed with the
// Go API.
func populationOutput(t *testing.T) string {
	const n, chunk, steps = 1000, 100, 10000
	k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	b := kernel.Buffers[float32]{V: make([]float32, n), W: make([]float32, n), LastSpike: make([]float32, n),
		I: make([]float32, n), Spike: make([]float32, chunk*n)}
	for j := range n {
		b.V[j], b.LastSpike[j], b.I[j] = -65, -1e7, 60*float32(j)/n
	}
	count := make([]int, n)
	for s := 0; s < steps; s += chunk {
		if err := k.Run(0.1*float32(s), chunk, b); err != nil {
			t.Fatal(err)
		}
		for i, x := range b.Spike {
			count[i%n] += int(x)
		}
	}
	total := 0
	for _, c := range count {
		total += c
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "path %s: %d neurons, 1 s, %d spikes\n", kernel.ISA(), n, total)
	for j := 0; j < n; j += 100 {
		fmt.Fprintf(&sb, "I = %4.1f mA: %3d spikes\n", b.I[j], count[j])
	}
	return sb.String()
}

// populationCppOutput is what example/population.cpp prints.
func populationCppOutput(t *testing.T) string {
	const n, steps = 5, 2000
	p := kernel.Defaults[float64]()
	p.TauW = 100
	bs := []float64{0, 0.5, 1, 2, 4}
	k, err := kernel.New(kernel.Config[float64]{Params: p, PerNeuron: &kernel.PerNeuron[float64]{B: bs}, DT: 0.1, Reset: kernel.HardReset})
	if err != nil {
		t.Fatal(err)
	}
	b := kernel.Buffers[float64]{V: []float64{-65, -65, -65, -65, -65}, W: make([]float64, n),
		LastSpike: []float64{-1e7, -1e7, -1e7, -1e7, -1e7}, I: []float64{30, 30, 30, 30, 30}, SpikeBits: make([]uint64, steps)}
	if err := k.Run(0, steps, b); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for j := range n {
		spikes := 0
		for _, w := range b.SpikeBits {
			spikes += int(w >> j & 1)
		}
		fmt.Fprintf(&sb, "b = %.1f mA: %2d spikes, w = %.6f mA\n", bs[j], spikes, b.W[j])
	}
	p.Tau = 0
	_, err = kernel.New(kernel.Config[float64]{Params: p, PerNeuron: &kernel.PerNeuron[float64]{B: bs}, DT: 0.1, Reset: kernel.HardReset})
	fmt.Fprintf(&sb, "refused: %v (code %d)\n", err, codeParam)
	return sb.String()
}

func TestExamples(t *testing.T) {
	if got, want := output(t, compile(t, "gcc", "example/population.c", "-std=c11")), populationOutput(t); got != want {
		t.Errorf("example/population.c printed\n%s\nthe Go API gives\n%s", got, want)
	}
	if got, want := output(t, compile(t, "g++", "example/population.cpp", "-std=c++17")), populationCppOutput(t); got != want {
		t.Errorf("example/population.cpp printed\n%s\nthe Go API gives\n%s", got, want)
	}
}

// TestPythonExample runs python/examples/population.py, the C example in
// Python, with the Python that has numpy (Debian's /usr/bin/python3, or
// $ADQUAIF_PYTHON).
func TestPythonExample(t *testing.T) {
	python := cmp.Or(os.Getenv("ADQUAIF_PYTHON"), "/usr/bin/python3")
	if exec.Command(python, "-c", "import numpy").Run() != nil {
		t.Skipf("%s cannot import numpy (apt-get install python3-numpy; .ci/run does)", python)
	}
	cmd := exec.Command(python, "../python/examples/population.py")
	cmd.Env = append(os.Environ(), "PYTHONPATH=../python", "ADQUAIF_LIB="+filepath.Join(sharedLib(t), "libadquaif.so"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python/examples/population.py: %v\n%s", err, out)
	}
	if want := populationOutput(t); string(out) != want {
		t.Errorf("python/examples/population.py printed\n%s\nthe Go API gives\n%s", out, want)
	}
}

// TestArchive links the C example with the static library.
func TestArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the c-archive library: not in -short mode")
	}
	dir := t.TempDir()
	a := filepath.Join(dir, "libadquaif.a")
	if err := command("go", "build", "-tags="+libTags, "-buildmode=c-archive", "-o", a, "."); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "population")
	if err := command("gcc", "-std=c11", "-Wall", "-Werror", "-I", ".", "example/population.c", a, "-lpthread", "-lm", "-o", exe); err != nil {
		t.Fatal(err)
	}
	if got, want := output(t, exe), populationOutput(t); got != want {
		t.Errorf("example/population.c with libadquaif.a printed\n%s\nthe Go API gives\n%s", got, want)
	}
}

// TestErrors runs testdata/errors.c, which checks every error code and
// that refused calls write nothing, and compares the messages it printed
// with the Go API's.
func TestErrors(t *testing.T) {
	out := output(t, compile(t, "gcc", "testdata/errors.c", "-std=c11"))
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, msg, _ := strings.Cut(line, ": ")
		got[name] = msg
	}
	p := kernel.Defaults[float32]()
	p.Tau = 0
	_, errTau := kernel.New(kernel.Config[float32]{Params: p, DT: 0.1})
	_, errDT := kernel.New(kernel.Config[float64]{Params: kernel.Defaults[float64](), DT: math.NaN()})
	_, errVTh := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1,
		PerNeuron: &kernel.PerNeuron[float32]{VTh: []float32{-30, -70, -30}}})
	k, err := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	const n = 70
	v := make([]float32, n)
	errOverlap := k.Step(0, kernel.Buffers[float32]{V: v, W: make([]float32, n), LastSpike: make([]float32, n), Spike: v})
	errRows := k.Run(0, 3, kernel.Buffers[float32]{V: v, W: make([]float32, n), LastSpike: make([]float32, n), Spike: make([]float32, 2*n)})
	errISA := kernel.SetISA("vax")
	_, errAlpha := kernel.New(kernel.Config[float32]{Params: kernel.Defaults[float32](), DT: 0.1, Surrogate: kernel.Surrogate[float32]{Alpha: -1, Width: 1}})
	gv := make([]float32, n)
	in := make([]float32, n)
	errBackward := k.Backward(0, kernel.Buffers[float32]{V: v, W: make([]float32, n), LastSpike: make([]float32, n), I: in},
		kernel.Grads[float32]{V: gv, W: make([]float32, n), I: in})
	for name, want := range map[string]error{"new_tau": errTau, "new_dt": errDT, "new_per_neuron": errVTh,
		"overlap": errOverlap, "run_out_rows": errRows, "set_isa": errISA, "surrogate_alpha": errAlpha,
		"backward_overlap": errBackward} {
		if want == nil {
			t.Fatalf("%s: the Go API accepted the case", name)
		}
		if got[name] != want.Error() {
			t.Errorf("%s: the C API wrote %q, the Go API's message is %q", name, got[name], want.Error())
		}
	}
	if len(got) < 25 {
		t.Errorf("errors.c printed %d messages, want every refused call's:\n%s", len(got), out)
	}
}

// A driver case: the header of testdata/driver.c and its arrays.
type header struct {
	F64, Reset, Workers, PerMask, Flags, N, PN, Steps, InRows, OutRows uint64
	DT, T0, Alpha, Width                                               float64
}

const (
	hasI = 1 << iota
	hasG
	hasDelta
	hasSpike
	hasRef
	hasBits
	useStep
	doBackward
	gSpike
	gI
	gG
	gDelta
)

// TestBitIdentity runs cases through testdata/driver.c and compares every
// output bit with the Go API's.
func TestBitIdentity(t *testing.T) {
	exe := compile(t, "gcc", "testdata/driver.c", "-std=c11")
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	i := 0
	for _, f64 := range []bool{false, true} {
		for _, c := range driverCases() {
			c.F64 = b2u(f64)
			name := fmt.Sprintf("f64=%v/reset=%d/workers=%d/per=%#x/flags=%#x/n=%d/steps=%d/in=%d/out=%d", f64, c.Reset, c.Workers, c.PerMask, c.Flags, c.N, c.Steps, c.InRows, c.OutRows)
			casePath, outPath := filepath.Join(dir, fmt.Sprint(i, ".case")), filepath.Join(dir, fmt.Sprint(i, ".out"))
			i++
			var want []byte
			var in bytes.Buffer
			if f64 {
				want = goCase[float64](t, rng, c, &in)
			} else {
				want = goCase[float32](t, rng, c, &in)
			}
			if err := os.WriteFile(casePath, in.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			output(t, exe, casePath, outPath)
			got, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: the C API's results differ from the Go API's (%d and %d bytes)", name, len(got), len(want))
			}
		}
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func driverCases() []header {
	var cs []header
	all := uint64(hasI | hasDelta | hasSpike | hasRef | hasBits)
	withG := all | hasG
	for _, reset := range []uint64{0, 1} {
		cs = append(cs,
			header{Reset: reset, N: 1, Steps: 1, InRows: 1, OutRows: 1, Flags: useStep},
			header{Reset: reset, N: 130, Steps: 1, InRows: 1, OutRows: 1, Flags: all | useStep},
			header{Reset: reset, N: 130, Steps: 7, InRows: 7, OutRows: 7, Flags: all},
			header{Reset: reset, N: 130, Steps: 1, InRows: 1, OutRows: 1, Flags: withG | useStep},
			header{Reset: reset, N: 75, Steps: 5, InRows: 5, OutRows: 5, Flags: withG},
			header{Reset: reset, N: 200, Steps: 100, InRows: 1, OutRows: 100, Flags: hasI | hasSpike | hasBits},
			header{Reset: reset, N: 3 * 37, PN: 37, PerMask: 1<<1 | 1<<4 | 1<<10, Steps: 9, InRows: 9, OutRows: 1, Flags: all},
			header{Reset: reset, N: 4096, Workers: 2, Steps: 80, InRows: 1, OutRows: 1, Flags: all},
			header{Reset: reset, N: 1, InRows: 1, OutRows: 1, Flags: doBackward},
			header{Reset: reset, N: 130, InRows: 1, OutRows: 1, Flags: hasI | hasG | hasDelta | doBackward | gSpike | gI | gG | gDelta},
			header{Reset: reset, N: 3 * 37, PN: 37, PerMask: 1<<1 | 1<<4 | 1<<10, InRows: 1, OutRows: 1, Alpha: 0.5, Width: 2,
				Flags: hasI | doBackward | gSpike | gI | gDelta},
		)
	}
	return cs
}

// goCase draws the case's inputs, writes them in driver.c's format to in,
// and returns the Go API's outputs in the format of driver.c's.
func goCase[F kernel.Float](t *testing.T, rng *rand.Rand, c header, in *bytes.Buffer) []byte {
	c.DT, c.T0 = 0.1, 10
	write := func(x any) {
		if err := binary.Write(in, binary.NativeEndian, x); err != nil {
			t.Fatal(err)
		}
	}
	write(c)
	params := kernel.Defaults[float64]()
	write(params)
	n, rowsIn, rowsOut := int(c.N), int(c.InRows), int(c.OutRows)
	draw := func(m int, lo, hi float64) []F {
		s := make([]F, m)
		for i := range s {
			switch rng.IntN(16) {
			case 0:
				s[i] = F(math.NaN())
			case 1:
				s[i] = F(math.Inf(1 - 2*rng.IntN(2)))
			case 2:
				s[i] = F(params.VTh)
			default:
				s[i] = F(lo + (hi-lo)*rng.Float64())
			}
		}
		return s
	}
	p := kernel.Params[F]{R: F(params.R), Tau: F(params.Tau), TauW: F(params.TauW), TauRef: F(params.TauRef), VTh: F(params.VTh),
		VReset: F(params.VReset), VRest: F(params.VRest), VC: F(params.VC), C: F(params.C), A: F(params.A), B: F(params.B)}
	cfg := kernel.Config[F]{Params: p, DT: F(c.DT), Reset: kernel.Reset(c.Reset), Workers: int(c.Workers),
		Surrogate: kernel.Surrogate[F]{Alpha: F(c.Alpha), Width: F(c.Width)}}
	if c.PerMask != 0 {
		var per [numParams][]F
		base := [numParams]F{p.R, p.Tau, p.TauW, p.TauRef, p.VTh, p.VReset, p.VRest, p.VC, p.C, p.A, p.B}
		for i := range per {
			if c.PerMask>>i&1 != 0 {
				per[i] = make([]F, c.PN)
				for j := range per[i] {
					per[i][j] = base[i] * F(0.8+0.4*rng.Float64())
				}
				write(per[i])
			}
		}
		cfg.PerNeuron = &kernel.PerNeuron[F]{R: per[0], Tau: per[1], TauW: per[2], TauRef: per[3], VTh: per[4],
			VReset: per[5], VRest: per[6], VC: per[7], C: per[8], A: per[9], B: per[10]}
	}
	k, err := kernel.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := kernel.Buffers[F]{V: draw(n, -75, -25), W: draw(n, -5, 5), LastSpike: draw(n, 7, 10)}
	write(b.V)
	write(b.W)
	write(b.LastSpike)
	if c.Flags&hasI != 0 {
		b.I = draw(rowsIn*n, -20, 60)
		write(b.I)
	}
	if c.Flags&hasG != 0 {
		b.G = draw(rowsIn*n, 0, 0.5)
		write(b.G)
	}
	if c.Flags&hasDelta != 0 {
		b.Delta = draw(rowsIn*n, -2, 2)
		write(b.Delta)
	}
	if c.Flags&hasSpike != 0 {
		b.Spike = make([]F, rowsOut*n)
	}
	if c.Flags&hasRef != 0 {
		b.Refractory = make([]bool, rowsOut*n)
	}
	if c.Flags&hasBits != 0 {
		b.SpikeBits = make([]uint64, rowsOut*((n+63)/64))
	}
	if c.Flags&doBackward != 0 {
		return goBackward(t, k, b, c, draw, write)
	}
	if c.Flags&useStep != 0 {
		err = k.Step(F(c.T0), b)
	} else {
		err = k.Run(F(c.T0), int(c.Steps), b)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, x := range []any{b.V, b.W, b.LastSpike, b.Spike} {
		binary.Write(&out, binary.NativeEndian, x)
	}
	out.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b.Refractory))), len(b.Refractory)))
	binary.Write(&out, binary.NativeEndian, b.SpikeBits)
	return out.Bytes()
}

// goBackward draws a backward case's gradients, writes them, and returns
// the Go API's results in driver.c's format.
func goBackward[F kernel.Float](t *testing.T, k *kernel.Kernel[F], b kernel.Buffers[F], c header, draw func(int, float64, float64) []F, write func(any)) []byte {
	n := int(c.N)
	g := kernel.Grads[F]{V: draw(n, -1, 1), W: draw(n, -1, 1)}
	write(g.V)
	write(g.W)
	if c.Flags&gSpike != 0 {
		g.Spike = draw(n, -1, 1)
		write(g.Spike)
	}
	for _, o := range []struct {
		flag uint64
		s    *[]F
	}{{gI, &g.I}, {gG, &g.G}, {gDelta, &g.Delta}} {
		if c.Flags&o.flag != 0 {
			*o.s = make([]F, n)
		}
	}
	if err := k.Backward(F(c.T0), b, g); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, x := range [][]F{g.V, g.W, g.I, g.G, g.Delta} {
		binary.Write(&out, binary.NativeEndian, x)
	}
	return out.Bytes()
}
