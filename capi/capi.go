// Command capi is adquaif's C API: built with
//
//	go build -buildmode=c-shared -o libadquaif.so ./capi
//	go build -buildmode=c-archive -o libadquaif.a ./capi
//
// it is a library whose functions adquaif.h declares and documents (that
// header, written by hand, is the contract; the one go build writes is not
// used). The exports convert C types and call the Go code of api.go inside
// call, which recovers panics; buffers are wrapped as slices for the call
// only, and kernels are handed out as handles from a table, never as Go
// pointers.
package main

/*
#include "adquaif.h"

// Types with the const qualifiers of adquaif.h's prototypes, which Go's
// types cannot carry: the exported functions use them, so that the
// prototypes go build writes agree with the header's.
typedef const char adquaif_cchar;
typedef const float *const adquaif_cfloatp;
typedef const double *const adquaif_cdoublep;
typedef const adquaif_params adquaif_cparams;
typedef const adquaif_buffers_f32 adquaif_cbuffers_f32;
typedef const adquaif_buffers_f64 adquaif_cbuffers_f64;
typedef const adquaif_grads_f32 adquaif_cgrads_f32;
typedef const adquaif_grads_f64 adquaif_cgrads_f64;
*/
import "C"

import (
	"strings"
	"unsafe"

	"github.com/adquaif/adquaif/kernel"
)

// api.go's codes are the header's: each line fails to compile otherwise.
var (
	_ = [1]int{}[codeParam-C.ADQUAIF_EPARAM]
	_ = [1]int{}[codeLength-C.ADQUAIF_ELENGTH]
	_ = [1]int{}[codeOverlap-C.ADQUAIF_EOVERLAP]
	_ = [1]int{}[codeHandle-C.ADQUAIF_EHANDLE]
	_ = [1]int{}[codeISA-C.ADQUAIF_EISA]
	_ = [1]int{}[codeNull-C.ADQUAIF_ENULL]
	_ = [1]int{}[codeInternal-C.ADQUAIF_EINTERNAL]
	_ = [1]int{}[numParams-unsafe.Sizeof(C.adquaif_params{})/unsafe.Sizeof(C.double(0))]
)

func main() {}

// Static C strings for adquaif_isa and adquaif_available, made once.
var (
	isaNames  = map[string]*C.adquaif_cchar{}
	available *C.adquaif_cchar
)

func init() {
	for _, name := range kernel.Available() {
		isaNames[name] = (*C.adquaif_cchar)(C.CString(name))
	}
	available = (*C.adquaif_cchar)(C.CString(strings.Join(kernel.Available(), " ")))
}

// guarded is call for the exports that return a code: every one runs its
// work inside it. The others run inside call too, except those that only
// return a static value (adquaif_abi_version, adquaif_isa,
// adquaif_available).
func guarded(err *C.char, errlen C.size_t, f func() error) C.int {
	return C.int(call(unsafe.Pointer(err), uintptr(errlen), f))
}

//export adquaif_abi_version
func adquaif_abi_version() C.int { return C.ADQUAIF_ABI_VERSION }

//export adquaif_defaults
func adquaif_defaults(p *C.adquaif_params) {
	call(nil, 0, func() error {
		if p == nil {
			return nil
		}
		d := kernel.Defaults[float64]()
		*p = C.adquaif_params{R: C.double(d.R), tau: C.double(d.Tau), tau_w: C.double(d.TauW), tau_ref: C.double(d.TauRef),
			V_th: C.double(d.VTh), V_reset: C.double(d.VReset), V_rest: C.double(d.VRest), V_c: C.double(d.VC),
			c: C.double(d.C), a: C.double(d.A), b: C.double(d.B)}
		return nil
	})
}

//export adquaif_isa
func adquaif_isa() *C.adquaif_cchar { return isaNames[kernel.ISA()] }

//export adquaif_available
func adquaif_available() *C.adquaif_cchar { return available }

//export adquaif_set_isa
func adquaif_set_isa(name *C.adquaif_cchar, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error {
		if name == nil {
			return setISA(nil)
		}
		s := C.GoString((*C.char)(name))
		return setISA(&s)
	})
}

// params is *p with Go types, nil if p is NULL.
func params(p *C.adquaif_cparams) *cParams {
	if p == nil {
		return nil
	}
	return &cParams{R: float64(p.R), Tau: float64(p.tau), TauW: float64(p.tau_w), TauRef: float64(p.tau_ref),
		VTh: float64(p.V_th), VReset: float64(p.V_reset), VRest: float64(p.V_rest), VC: float64(p.V_c),
		C: float64(p.c), A: float64(p.a), B: float64(p.b)}
}

// perNeuron is the per_neuron argument as Go pointers, nil if NULL.
func perNeuron[T any](per *T) *[numParams]unsafe.Pointer {
	if per == nil {
		return nil
	}
	return (*[numParams]unsafe.Pointer)(unsafe.Pointer(per))
}

//export adquaif_new_f32
func adquaif_new_f32(p *C.adquaif_cparams, per *C.adquaif_cfloatp, n C.size_t, dt C.float, reset, workers C.int,
	out *C.adquaif_kernel, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error {
		if out == nil {
			return fail(errNull, "adquaif: the out pointer is NULL")
		}
		h, e := newKernel(params(p), perNeuron(per), uintptr(n), float32(dt), int(reset), int(workers))
		if e == nil {
			*out = C.adquaif_kernel(h)
		}
		return e
	})
}

//export adquaif_new_f64
func adquaif_new_f64(p *C.adquaif_cparams, per *C.adquaif_cdoublep, n C.size_t, dt C.double, reset, workers C.int,
	out *C.adquaif_kernel, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error {
		if out == nil {
			return fail(errNull, "adquaif: the out pointer is NULL")
		}
		h, e := newKernel(params(p), perNeuron(per), uintptr(n), float64(dt), int(reset), int(workers))
		if e == nil {
			*out = C.adquaif_kernel(h)
		}
		return e
	})
}

//export adquaif_free
func adquaif_free(k C.adquaif_kernel) {
	call(nil, 0, func() error { release(uint64(k)); return nil })
}

func buffers32(b *C.adquaif_cbuffers_f32) *cBuffers {
	if b == nil {
		return nil
	}
	return &cBuffers{n: uintptr(b.n),
		v: unsafe.Pointer(b.V), w: unsafe.Pointer(b.w), last: unsafe.Pointer(b.last),
		i: unsafe.Pointer(b.I), g: unsafe.Pointer(b.G), delta: unsafe.Pointer(b.delta), inRows: uintptr(b.in_rows),
		spike: unsafe.Pointer(b.spike), refractory: unsafe.Pointer(b.refractory), spikeBits: unsafe.Pointer(b.spike_bits),
		outRows: uintptr(b.out_rows)}
}

func buffers64(b *C.adquaif_cbuffers_f64) *cBuffers {
	if b == nil {
		return nil
	}
	return &cBuffers{n: uintptr(b.n),
		v: unsafe.Pointer(b.V), w: unsafe.Pointer(b.w), last: unsafe.Pointer(b.last),
		i: unsafe.Pointer(b.I), g: unsafe.Pointer(b.G), delta: unsafe.Pointer(b.delta), inRows: uintptr(b.in_rows),
		spike: unsafe.Pointer(b.spike), refractory: unsafe.Pointer(b.refractory), spikeBits: unsafe.Pointer(b.spike_bits),
		outRows: uintptr(b.out_rows)}
}

//export adquaif_step_f32
func adquaif_step_f32(k C.adquaif_kernel, t C.float, b *C.adquaif_cbuffers_f32, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error { return run(uint64(k), float32(t), 1, buffers32(b), true) })
}

//export adquaif_step_f64
func adquaif_step_f64(k C.adquaif_kernel, t C.double, b *C.adquaif_cbuffers_f64, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error { return run(uint64(k), float64(t), 1, buffers64(b), true) })
}

//export adquaif_run_f32
func adquaif_run_f32(k C.adquaif_kernel, t0 C.float, steps C.size_t, b *C.adquaif_cbuffers_f32, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error { return run(uint64(k), float32(t0), uintptr(steps), buffers32(b), false) })
}

//export adquaif_run_f64
func adquaif_run_f64(k C.adquaif_kernel, t0 C.double, steps C.size_t, b *C.adquaif_cbuffers_f64, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error { return run(uint64(k), float64(t0), uintptr(steps), buffers64(b), false) })
}

//export adquaif_with_surrogate
func adquaif_with_surrogate(k C.adquaif_kernel, alpha, width C.double, out *C.adquaif_kernel, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error {
		if out == nil {
			return fail(errNull, "adquaif: the out pointer is NULL")
		}
		h, e := withSurrogate(uint64(k), float64(alpha), float64(width))
		if e == nil {
			*out = C.adquaif_kernel(h)
		}
		return e
	})
}

func grads32(g *C.adquaif_cgrads_f32) *cGrads {
	if g == nil {
		return nil
	}
	return &cGrads{v: unsafe.Pointer(g.V), w: unsafe.Pointer(g.w), spike: unsafe.Pointer(g.spike),
		i: unsafe.Pointer(g.I), g: unsafe.Pointer(g.G), delta: unsafe.Pointer(g.delta)}
}

func grads64(g *C.adquaif_cgrads_f64) *cGrads {
	if g == nil {
		return nil
	}
	return &cGrads{v: unsafe.Pointer(g.V), w: unsafe.Pointer(g.w), spike: unsafe.Pointer(g.spike),
		i: unsafe.Pointer(g.I), g: unsafe.Pointer(g.G), delta: unsafe.Pointer(g.delta)}
}

//export adquaif_backward_f32
func adquaif_backward_f32(k C.adquaif_kernel, t C.float, b *C.adquaif_cbuffers_f32, g *C.adquaif_cgrads_f32, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error { return backward(uint64(k), float32(t), buffers32(b), grads32(g)) })
}

//export adquaif_backward_f64
func adquaif_backward_f64(k C.adquaif_kernel, t C.double, b *C.adquaif_cbuffers_f64, g *C.adquaif_cgrads_f64, err *C.char, errlen C.size_t) C.int {
	return guarded(err, errlen, func() error { return backward(uint64(k), float64(t), buffers64(b), grads64(g)) })
}
