package main

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/adquaif/adquaif/kernel"
)

// The header's error codes (capi.go checks at compile time that these are
// adquaif.h's values).
const (
	codeParam    = -1
	codeLength   = -2
	codeOverlap  = -3
	codeHandle   = -4
	codeISA      = -5
	codeNull     = -6
	codeInternal = -7
)

// Kinds of the errors that the C API finds itself, for codeOf.
var (
	errHandle = errors.New("not a live kernel")
	errNull   = errors.New("NULL pointer")
	errISA    = errors.New("path not available")
)

// failure is an error reported with the code of kind and the message of
// err, which is the Go API's message when err comes from package kernel.
type failure struct{ kind, err error }

func (f failure) Error() string   { return f.err.Error() }
func (f failure) Unwrap() []error { return []error{f.kind, f.err} }

func fail(kind error, format string, args ...any) error {
	return failure{kind, fmt.Errorf(format, args...)}
}

// codeOf is the header's code for an error of this package or of kernel.
func codeOf(err error) int32 {
	var pe *kernel.ParamError
	switch {
	case errors.Is(err, errHandle):
		return codeHandle
	case errors.Is(err, errNull):
		return codeNull
	case errors.Is(err, errISA):
		return codeISA
	case errors.Is(err, kernel.ErrOverlap):
		return codeOverlap
	case errors.Is(err, kernel.ErrLength):
		return codeLength
	case errors.As(err, &pe):
		return codeParam
	}
	return codeInternal
}

// call runs f and returns 0, or the code of its error, or codeInternal if
// it panics; the message of a failure goes to msg. Every export's work
// runs inside call, so that no panic reaches C.
func call(msg unsafe.Pointer, msgLen uintptr, f func() error) (code int32) {
	defer func() {
		if r := recover(); r != nil {
			code = codeInternal
			writeMessage(msg, msgLen, fmt.Sprintf("adquaif: internal error: %v", r))
		}
	}()
	if err := f(); err != nil {
		writeMessage(msg, msgLen, err.Error())
		return codeOf(err)
	}
	return 0
}

// writeMessage writes s to the size bytes at dst, NUL-terminated and cut
// at a UTF-8 character boundary to fit; nothing if dst is NULL or size 0.
func writeMessage(dst unsafe.Pointer, size uintptr, s string) {
	if dst == nil || size == 0 {
		return
	}
	m := len(s)
	if uintptr(m) > size-1 {
		m = int(size - 1)
		for m > 0 && !utf8.RuneStart(s[m]) {
			m--
		}
	}
	buf := unsafe.Slice((*byte)(dst), m+1)
	copy(buf, s[:m])
	buf[m] = 0
}

// The handle table: handles are never reused, and are scrambled so that a
// stray integer (0, 1, an uninitialized value) is very unlikely to name a
// live kernel.
var handles struct {
	sync.RWMutex
	count   uint64
	kernels map[uint64]any // *entry[float32] or *entry[float64]
}

// entry is a kernel and the configuration it was made from (with Go copies
// of the per-neuron values), from which adquaif_with_surrogate makes
// another.
type entry[F kernel.Float] struct {
	k   *kernel.Kernel[F]
	cfg kernel.Config[F]
}

// newEntry makes a kernel from cfg and registers it.
func newEntry[F kernel.Float](cfg kernel.Config[F]) (uint64, error) {
	k, err := kernel.New(cfg)
	if err != nil {
		return 0, err
	}
	return register(&entry[F]{k, cfg}), nil
}

// scramble is splitmix64's finalizer, a bijection of uint64: distinct
// counts give distinct handles.
func scramble(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func register(e any) uint64 {
	handles.Lock()
	defer handles.Unlock()
	if handles.kernels == nil {
		handles.kernels = map[uint64]any{}
	}
	for {
		handles.count++
		if h := scramble(handles.count); h != 0 {
			handles.kernels[h] = e
			return h
		}
	}
}

func release(h uint64) {
	handles.Lock()
	delete(handles.kernels, h)
	handles.Unlock()
}

func dtypeName[F kernel.Float]() string {
	if unsafe.Sizeof(F(0)) == 4 {
		return "float32"
	}
	return "float64"
}

// lookup is the kernel of handle h, if it is a live kernel of type F.
func lookup[F kernel.Float](h uint64) (*kernel.Kernel[F], error) {
	e, err := lookupEntry[F](h)
	if err != nil {
		return nil, err
	}
	return e.k, nil
}

func lookupEntry[F kernel.Float](h uint64) (*entry[F], error) {
	handles.RLock()
	v := handles.kernels[h]
	handles.RUnlock()
	if e, ok := v.(*entry[F]); ok {
		return e, nil
	}
	if v == nil {
		return nil, fail(errHandle, "adquaif: handle %#x is not a live kernel (freed, or never made)", h)
	}
	other := "float64"
	if dtypeName[F]() == other {
		other = "float32"
	}
	return nil, fail(errHandle, "adquaif: handle %#x is a %s kernel, not %s", h, other, dtypeName[F]())
}

// cParams mirrors adquaif_params.
type cParams struct {
	R, Tau, TauW, TauRef, VTh, VReset, VRest, VC, C, A, B float64
}

// numParams is the number of adquaif_params fields, and of per_neuron's
// pointers.
const numParams = 11

// newKernel makes a kernel from the C arguments: per is nil, or the
// per_neuron pointers, each nil or n values, copied.
func newKernel[F kernel.Float](p *cParams, per *[numParams]unsafe.Pointer, n uintptr, dt F, reset, workers int) (uint64, error) {
	if p == nil {
		return 0, fail(errNull, "adquaif: the params pointer is NULL")
	}
	if reset != int(kernel.SoftReset) && reset != int(kernel.HardReset) {
		return 0, &kernel.ParamError{Name: "Reset", Index: -1, Value: float64(reset), Err: kernel.ErrRange, Why: "want ADQUAIF_SOFT or ADQUAIF_HARD"}
	}
	cfg := kernel.Config[F]{
		Params: kernel.Params[F]{R: F(p.R), Tau: F(p.Tau), TauW: F(p.TauW), TauRef: F(p.TauRef), VTh: F(p.VTh),
			VReset: F(p.VReset), VRest: F(p.VRest), VC: F(p.VC), C: F(p.C), A: F(p.A), B: F(p.B)},
		DT: dt, Reset: kernel.Reset(reset), Workers: workers,
	}
	switch {
	case per == nil && n != 0:
		return 0, fail(kernel.ErrLength, "adquaif: n = %d without per_neuron: want n = 0", n)
	case per != nil:
		if err := fits("per_neuron", n, 1, unsafe.Sizeof(F(0))); err != nil {
			return 0, err
		}
		var values [numParams][]F
		for i, ptr := range per {
			if ptr != nil {
				values[i] = slices.Clone(unsafe.Slice((*F)(ptr), n))
			}
		}
		v := &values
		cfg.PerNeuron = &kernel.PerNeuron[F]{R: v[0], Tau: v[1], TauW: v[2], TauRef: v[3], VTh: v[4],
			VReset: v[5], VRest: v[6], VC: v[7], C: v[8], A: v[9], B: v[10]}
	}
	return newEntry(cfg)
}

// withSurrogate is adquaif_with_surrogate: a kernel like h's with the
// surrogate gradient ReluGrad(alpha, width).
func withSurrogate(h uint64, alpha, width float64) (uint64, error) {
	handles.RLock()
	v := handles.kernels[h]
	handles.RUnlock()
	switch e := v.(type) {
	case *entry[float32]:
		cfg := e.cfg
		cfg.Surrogate = kernel.Surrogate[float32]{Alpha: float32(alpha), Width: float32(width)}
		return newEntry(cfg)
	case *entry[float64]:
		cfg := e.cfg
		cfg.Surrogate = kernel.Surrogate[float64]{Alpha: alpha, Width: width}
		return newEntry(cfg)
	}
	return 0, fail(errHandle, "adquaif: handle %#x is not a live kernel (freed, or never made)", h)
}

// cBuffers is adquaif_buffers_f32 or _f64 with Go types.
type cBuffers struct {
	n                            uintptr
	v, w, last, i, g, delta      unsafe.Pointer
	inRows                       uintptr
	spike, refractory, spikeBits unsafe.Pointer
	outRows                      uintptr
}

// fits refuses rows rows of n elements of size bytes that do not fit in
// memory (unsafe.Slice would panic).
func fits(name string, n, rows, size uintptr) error {
	hi, elems := bits.Mul64(uint64(n), uint64(rows))
	hi2, total := bits.Mul64(elems, uint64(size))
	if hi != 0 || hi2 != 0 || total > math.MaxInt {
		return fail(kernel.ErrLength, "adquaif: %s: %d rows of %d values of %d bytes overflow the address space", name, rows, n, size)
	}
	return nil
}

// buffers wraps the C arrays of b as slices, for this call only.
func buffers[F kernel.Float](b *cBuffers, steps uintptr) (kernel.Buffers[F], error) {
	var out kernel.Buffers[F]
	n := b.n
	for _, s := range [...]struct {
		name string
		p    unsafe.Pointer
	}{{"V", b.v}, {"w", b.w}, {"last", b.last}} {
		if s.p == nil && n > 0 {
			return out, fail(errNull, "adquaif: buffers.%s is NULL with n = %d", s.name, n)
		}
	}
	inRows, outRows := max(b.inRows, 1), max(b.outRows, 1)
	size := unsafe.Sizeof(F(0))
	words := (n + 63) / 64
	for _, c := range [...]struct {
		name          string
		n, rows, size uintptr
	}{{"buffers.n", n, 1, size}, {"buffers.in_rows", n, inRows, size}, {"buffers.out_rows", n, outRows, size}, {"buffers.spike_bits", words, outRows, 8}} {
		if err := fits(c.name, c.n, c.rows, c.size); err != nil {
			return out, err
		}
	}
	if steps > math.MaxInt {
		return out, fail(kernel.ErrLength, "adquaif: steps = %d overflows", steps)
	}
	wrap := func(p unsafe.Pointer, rows uintptr) []F {
		if p == nil {
			return nil
		}
		return unsafe.Slice((*F)(p), n*rows)
	}
	out = kernel.Buffers[F]{
		V: wrap(b.v, 1), W: wrap(b.w, 1), LastSpike: wrap(b.last, 1),
		I: wrap(b.i, inRows), G: wrap(b.g, inRows), Delta: wrap(b.delta, inRows),
		Spike: wrap(b.spike, outRows),
	}
	if b.refractory != nil {
		// The kernel only writes Refractory, so a C byte holds Go's 0 or 1.
		out.Refractory = unsafe.Slice((*bool)(b.refractory), n*outRows)
	}
	if b.spikeBits != nil {
		out.SpikeBits = unsafe.Slice((*uint64)(b.spikeBits), words*outRows)
	}
	return out, nil
}

// run is adquaif_step (oneStep) or adquaif_run.
func run[F kernel.Float](h uint64, t0 F, steps uintptr, b *cBuffers, oneStep bool) error {
	k, err := lookup[F](h)
	if err != nil {
		return err
	}
	if b == nil {
		return fail(errNull, "adquaif: the buffers pointer is NULL")
	}
	bufs, err := buffers[F](b, steps)
	if err != nil {
		return err
	}
	if oneStep {
		return k.Step(t0, bufs)
	}
	return k.Run(t0, int(steps), bufs)
}

// cGrads is adquaif_grads_f32 or _f64 with Go types.
type cGrads struct {
	v, w, spike, i, g, delta unsafe.Pointer
}

// backward is adquaif_backward.
func backward[F kernel.Float](h uint64, t F, b *cBuffers, g *cGrads) error {
	k, err := lookup[F](h)
	if err != nil {
		return err
	}
	if b == nil {
		return fail(errNull, "adquaif: the buffers pointer is NULL")
	}
	if g == nil {
		return fail(errNull, "adquaif: the grads pointer is NULL")
	}
	bufs, err := buffers[F](b, 1)
	if err != nil {
		return err
	}
	n := b.n
	for _, s := range [...]struct {
		name string
		p    unsafe.Pointer
	}{{"V", g.v}, {"w", g.w}} {
		if s.p == nil && n > 0 {
			return fail(errNull, "adquaif: grads.%s is NULL with n = %d", s.name, n)
		}
	}
	wrap := func(p unsafe.Pointer) []F {
		if p == nil {
			return nil
		}
		return unsafe.Slice((*F)(p), n)
	}
	return k.Backward(t, bufs, kernel.Grads[F]{V: wrap(g.v), W: wrap(g.w), Spike: wrap(g.spike),
		I: wrap(g.i), G: wrap(g.g), Delta: wrap(g.delta)})
}

// setISA is adquaif_set_isa.
func setISA(name *string) error {
	if name == nil {
		return fail(errNull, "adquaif: the name pointer is NULL")
	}
	if err := kernel.SetISA(*name); err != nil {
		return failure{errISA, err}
	}
	return nil
}
