struct params32 { float r, tau, tauw, tauref, vth, vreset, vrest, vc, c, a, b, dt; };
struct params64 { double r, tau, tauw, tauref, vth, vreset, vrest, vc, c, a, b, dt; };

void ref_step_f32(long n, int steps, float t0, const struct params32 *p,
                  float *V, float *W, float *L, const float *I, float *S);
void ref_step_f64(long n, int steps, double t0, const struct params64 *p,
                  double *V, double *W, double *L, const double *I, double *S);
void copy_f32(long n, int steps, float *V, float *W, float *L, const float *I, float *S);
