// The AdQuaIFRef step of SPEC.md as a plain C loop, the way a C programmer
// would write it, for the comparison in main.go. Built with
// -O3 -march=native -ffast-math, GCC vectorises the loop and calls glibc's
// libmvec for expm1f/expm1.
#include <math.h>
#include "ref.h"

#define STEP(T, EXPM1)                                                          \
	for (int s = 0; s < steps; s++) {                                           \
		T t = t0 + (T)s * p->dt;                                                \
		for (long i = 0; i < n; i++) {                                          \
			T spk = V[i] >= p->vth ? 1 : 0;                                     \
			T v = V[i] - (p->vth - p->vreset) * spk;                            \
			T u = W[i] + p->b * spk;                                            \
			T a1 = v - p->vrest, a2 = v - p->vc;                                \
			T f = (p->c * a1 * a2 - p->r * u + p->r * I[i]) / p->tau;           \
			T z = p->dt * p->c * (a1 + a2) / p->tau;                            \
			T e = z == 0 ? 1 : EXPM1(z) / z;                                    \
			T vc = v + p->dt * e * f;                                           \
			T zw = -p->dt / p->tauw;                                            \
			T ew = EXPM1(zw) / zw;                                              \
			T wc = u + p->dt * ew * (p->a * (vc - p->vrest) - u) / p->tauw;     \
			int refr = (t - L[i]) < p->tauref;                                  \
			T v1 = refr ? v : vc;                                               \
			T w1 = refr ? u : wc;                                               \
			int sp = v1 >= p->vth;                                              \
			V[i] = v1;                                                          \
			W[i] = w1;                                                          \
			L[i] = sp ? t : L[i];                                               \
			S[i] = sp ? 1 : 0;                                                  \
		}                                                                       \
	}

void ref_step_f32(long n, int steps, float t0, const struct params32 *p,
                  float *restrict V, float *restrict W, float *restrict L,
                  const float *restrict I, float *restrict S) {
	STEP(float, expm1f)
}

void ref_step_f64(long n, int steps, double t0, const struct params64 *p,
                  double *restrict V, double *restrict W, double *restrict L,
                  const double *restrict I, double *restrict S) {
	STEP(double, expm1)
}

// copy_f32 is the memory roofline of one float32 step: it reads the four
// arrays a step reads (V, W, LastSpike, I) and writes the four it writes
// (V, W, LastSpike, Spike), with no arithmetic to speak of.
void copy_f32(long n, int steps, float *restrict V, float *restrict W,
              float *restrict L, const float *restrict I, float *restrict S) {
	for (int s = 0; s < steps; s++) {
		for (long i = 0; i < n; i++) {
			float v = V[i], w = W[i], l = L[i], x = I[i];
			V[i] = w;
			W[i] = l;
			L[i] = v;
			S[i] = x;
		}
	}
}
