/*
 * adquaif.h: the C API of adquaif, a kernel that steps populations of
 * BrainPy's AdQuaIFRef neurons (adaptive quadratic integrate-and-fire with
 * an absolute refractory period). The step is the one the project's
 * contract (docs/CONTRACT.md) defines and the Go package
 * github.com/adquaif/adquaif/kernel computes: results are the Go API's, to
 * the bit, on every CPU.
 *
 * Build the library from the repository's root:
 *
 *     go build -buildmode=c-shared  -o libadquaif.so ./capi
 *     go build -buildmode=c-archive -o libadquaif.a  ./capi
 *
 * and compile against this header (-I capi). Link with -ladquaif, or with
 * libadquaif.a and -lpthread (Go's runtime runs inside the library).
 *
 * Conventions shared by every function:
 *  - Units are BrainPy's: mV, ms, mA, ohm, S.
 *  - A function that can fail returns 0 on success or a negative
 *    ADQUAIF_E* code. When err is not NULL and errlen > 0, a failing call
 *    writes the Go error's message to err, NUL-terminated and cut to
 *    errlen bytes (at a UTF-8 character boundary); on success err is left
 *    as it was.
 *  - A refused call writes nothing else: no state, no output, no handle.
 *  - Pointers are read (or written) during the call only; the library
 *    never keeps one after the call returns. Every non-NULL array must
 *    hold the number of elements stated for it; shorter arrays are
 *    undefined behaviour, as in any C library.
 *  - Every function may be called from any thread. Calls on one kernel with
 *    disjoint buffers may run concurrently.
 *  - No Go panic crosses into C: an unexpected failure inside the library
 *    returns ADQUAIF_EINTERNAL with its message.
 *  - Go's runtime runs inside the library, on threads of its own, and does
 *    not survive fork(): a forked child must not call the library (calls
 *    with workers > 1 hang there); exec first.
 */
#ifndef ADQUAIF_H
#define ADQUAIF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header's types and functions; adquaif_abi_version()
   returns the library's, so that a binding can refuse a mismatched build. */
#define ADQUAIF_ABI_VERSION 1

/* Error codes: every failing function returns one of these. */
enum adquaif_error {
    ADQUAIF_OK = 0,
    ADQUAIF_EPARAM = -1,    /* a parameter, dt, reset or workers is invalid
                               (NaN or infinite; tau, tau_w, dt <= 0;
                               tau_ref < 0; V_th <= V_reset; a derived
                               constant overflows); the message names it,
                               and the neuron for a per-neuron value */
    ADQUAIF_ELENGTH = -2,   /* array lengths do not fit: rows that are
                               neither 1 nor steps, n not a multiple of the
                               per-neuron count, sizes that overflow */
    ADQUAIF_EOVERLAP = -3,  /* an array the call writes shares memory with
                               another array of the call */
    ADQUAIF_EHANDLE = -4,   /* the handle is not a live kernel of this
                               element type (freed, never made, or the
                               other dtype's) */
    ADQUAIF_EISA = -5,      /* adquaif_set_isa: this CPU lacks the path */
    ADQUAIF_ENULL = -6,     /* a required pointer is NULL */
    ADQUAIF_EINTERNAL = -7  /* a bug in the library: please report the
                               message */
};

/* The model's constants, BrainPy's names; adquaif_defaults fills them. */
typedef struct adquaif_params {
    double R, tau, tau_w, tau_ref, V_th, V_reset, V_rest, V_c, c, a, b;
} adquaif_params;

/* A kernel: validated parameters and the constants every step reuses.
   0 is never a kernel. */
typedef uint64_t adquaif_kernel;

/* The reset after a spike: V -= V_th - V_reset (soft, BrainPy's default)
   or V = V_reset (hard). */
enum { ADQUAIF_SOFT = 0, ADQUAIF_HARD = 1 };

/* The library's ADQUAIF_ABI_VERSION. */
int adquaif_abi_version(void);

/* Fills *p with BrainPy's defaults: R=1, tau=10, tau_w=10, tau_ref=1.7,
   V_th=-30, V_reset=-68, V_rest=-65, V_c=-50, c=0.07, a=1, b=0.1.
   Does nothing if p is NULL. */
void adquaif_defaults(adquaif_params *p);

/* The execution path that steps use: "avx512", "avx2", "neon" or
   "generic". The string is static; do not free it. */
const char *adquaif_isa(void);

/* The paths this CPU can run, best first, separated by single spaces;
   "generic" is always last. Static, like adquaif_isa's. */
const char *adquaif_available(void);

/* Forces the path named (for tests and benchmarks) for every kernel of the
   process. ADQUAIF_EISA if this CPU lacks it, ADQUAIF_ENULL if name is
   NULL. The environment variable ADQUAIF_ISA does the same at load time. */
int adquaif_set_isa(const char *name, char *err, size_t errlen);

/* Makes a kernel. p: the scalar parameters (required). per_neuron: NULL
   for a homogeneous population, or 11 pointers in adquaif_params' field
   order, each NULL (that parameter is p's scalar) or an array of n values
   (copied: the arrays may be freed after the call); n = 0 when per_neuron
   is NULL. dt: the step in ms, > 0. reset: ADQUAIF_SOFT or ADQUAIF_HARD.
   workers: threads that share each step or run (0 or 1: the calling
   thread only); results do not depend on it.
   On success *out is the new kernel; free it with adquaif_free. On failure
   *out is not written: ADQUAIF_EPARAM, ADQUAIF_ELENGTH (n without
   per_neuron, or per_neuron arrays with n = 0), ADQUAIF_ENULL (p or out). */
int adquaif_new_f32(const adquaif_params *p, const float *const *per_neuron, size_t n,
                    float dt, int reset, int workers, adquaif_kernel *out, char *err, size_t errlen);
int adquaif_new_f64(const adquaif_params *p, const double *const *per_neuron, size_t n,
                    double dt, int reset, int workers, adquaif_kernel *out, char *err, size_t errlen);

/* Frees a kernel. Freeing 0, or a handle already freed, does nothing. A
   call running on the kernel in another thread finishes normally. */
void adquaif_free(adquaif_kernel k);

/* The buffers of one step or run, float32. With a per-neuron kernel of m
   values, n may be any multiple of m (batch rows: neuron j uses the values
   of j % m). Rows of the per-step arrays follow one another: row s of I is
   I[s*n .. s*n+n-1]. */
typedef struct adquaif_buffers_f32 {
    size_t n;                          /* neurons: the length of V, w and last */
    float *V, *w, *last;               /* state, updated in place; NULL only if n = 0 */
    const float *I, *G, *delta;        /* NULL: absent. I: current (mA); G: input
                                          conductance (S), the input is I - G*V;
                                          delta: added to V after integration (mV) */
    size_t in_rows;                    /* rows of I, G, delta: 1 (held) or steps; 0 means 1 */
    float *spike;                      /* NULL: not written; 1 or 0 per neuron */
    uint8_t *refractory;               /* NULL: not written; 1 or 0 (BrainPy's ref_var) */
    uint64_t *spike_bits;              /* NULL: not written; (n+63)/64 words per row,
                                          neuron i is bit i%64 of word i/64, bits past n 0 */
    size_t out_rows;                   /* rows of spike, refractory, spike_bits:
                                          1 (the last step) or steps; 0 means 1 */
} adquaif_buffers_f32;

/* The same with double. */
typedef struct adquaif_buffers_f64 {
    size_t n;
    double *V, *w, *last;
    const double *I, *G, *delta;
    size_t in_rows;
    double *spike;
    uint8_t *refractory;
    uint64_t *spike_bits;
    size_t out_rows;
} adquaif_buffers_f64;

/* Advances every neuron by one step of dt at time t (ms). in_rows and
   out_rows must be 1 (or 0). Refuses, before writing anything: a handle
   that is not a live kernel of this dtype (ADQUAIF_EHANDLE), a time that is
   NaN or infinite (ADQUAIF_EPARAM; for a run, the time of any step), b NULL or a
   state array NULL with n > 0 (ADQUAIF_ENULL), lengths that do not fit
   (ADQUAIF_ELENGTH), arrays the step writes that overlap another array
   (ADQUAIF_EOVERLAP; I, G and delta may share memory, being only read). */
int adquaif_step_f32(adquaif_kernel k, float t, const adquaif_buffers_f32 *b, char *err, size_t errlen);
int adquaif_step_f64(adquaif_kernel k, double t, const adquaif_buffers_f64 *b, char *err, size_t errlen);

/* Advances every neuron by steps steps, step s at time t0 + s*dt (rounded
   in the element type), giving to the bit what steps calls of
   adquaif_step would. I, G and delta hold in_rows = 1 row (held for every
   step) or steps rows; spike, refractory and spike_bits receive out_rows =
   1 row (the last step) or steps rows (every step). Each vector of neurons
   is carried through up to 64 steps in registers, so a run is much faster
   than a loop of steps. Refuses what adquaif_step refuses; steps = 0 does
   nothing. */
int adquaif_run_f32(adquaif_kernel k, float t0, size_t steps, const adquaif_buffers_f32 *b, char *err, size_t errlen);
int adquaif_run_f64(adquaif_kernel k, double t0, size_t steps, const adquaif_buffers_f64 *b, char *err, size_t errlen);

/* The backward step: surrogate gradients (docs/CONTRACT.md).
   Gradients of a loss L through one step, float32. */
typedef struct adquaif_grads_f32 {
    float *V, *w;                      /* in: dL/dV', dL/dw' after the step; out, in place:
                                          dL/dV, dL/dw before it (n values each) */
    const float *spike;                /* in: dL/dspike'; NULL means zero */
    float *I, *G, *delta;              /* out: dL/dI, dL/dG, dL/ddelta; NULL: not written */
} adquaif_grads_f32;

/* The same with double. */
typedef struct adquaif_grads_f64 {
    double *V, *w;
    const double *spike;
    double *I, *G, *delta;
} adquaif_grads_f64;

/* The backward step of adquaif_step(k, t, b): the vector-Jacobian product
   of the step, jax.vjp of BrainPy's update with the spike function's
   derivative sigma(x) = max(0, alpha*(width - |x|)) (BrainPy's ReluGrad;
   alpha = 0.3, width = 1 unless set with adquaif_with_surrogate). b holds
   the state before the step (V, w, last) and the step's inputs (I, G,
   delta; in_rows 1) and is only read; its spike, refractory and spike_bits
   are not used. g holds the gradients after the step and receives those
   before it. The refractory test and the last spike time carry no gradient.
   Refuses, before writing anything, what adquaif_step refuses, g NULL or
   g->V, g->w NULL with n > 0 (ADQUAIF_ENULL), and an array it writes (g's
   V, w, I, G, delta) that overlaps any other (ADQUAIF_EOVERLAP). */
int adquaif_backward_f32(adquaif_kernel k, float t, const adquaif_buffers_f32 *b, const adquaif_grads_f32 *g,
                         char *err, size_t errlen);
int adquaif_backward_f64(adquaif_kernel k, double t, const adquaif_buffers_f64 *b, const adquaif_grads_f64 *g,
                         char *err, size_t errlen);

/* Makes *out, a new kernel like k (either dtype) whose adquaif_backward
   uses the surrogate ReluGrad(alpha, width); 0 takes BrainPy's default
   (alpha = 0.3, width = 1). k is unchanged; free both. ADQUAIF_EPARAM for
   a value that is NaN, infinite or negative, ADQUAIF_EHANDLE, ADQUAIF_ENULL
   (out). */
int adquaif_with_surrogate(adquaif_kernel k, double alpha, double width, adquaif_kernel *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* ADQUAIF_H */
