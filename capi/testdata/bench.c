/* bench: times calls of the C API for capi/bench.

   bench step|run N STEPS CALLS prints the process CPU time, in
   nanoseconds, of CALLS calls
   of adquaif_step_f32 (STEPS must be 1) or adquaif_run_f32 of STEPS steps,
   on N float32 neurons with BrainPy's defaults and a held input current. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adquaif.h"

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench step|run N STEPS CALLS\n");
        return 2;
    }
    int step = strcmp(argv[1], "step") == 0;
    size_t n = strtoull(argv[2], NULL, 10), steps = strtoull(argv[3], NULL, 10);
    long calls = strtol(argv[4], NULL, 10);
    char err[256];
    adquaif_params p;
    adquaif_defaults(&p);
    adquaif_kernel k;
    if (adquaif_new_f32(&p, NULL, 0, 0.1f, ADQUAIF_SOFT, 0, &k, err, sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    float *V = malloc(n * sizeof *V), *w = malloc(n * sizeof *w), *last = malloc(n * sizeof *last), *I = malloc(n * sizeof *I);
    for (size_t j = 0; j < n; j++) V[j] = -65, w[j] = 0, last[j] = -1e7f, I[j] = 60.0f * (float)j / (float)n;
    adquaif_buffers_f32 b = {.n = n, .V = V, .w = w, .last = last, .I = I};
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (long c = 0; c < calls; c++) {
        float t = 0.1f * (float)(c * (long)steps);
        int rc = step ? adquaif_step_f32(k, t, &b, err, sizeof err) : adquaif_run_f32(k, t, steps, &b, err, sizeof err);
        if (rc != 0) {
            fprintf(stderr, "bench: %s\n", err);
            return 1;
        }
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    printf("%.0f\n", (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec));
    adquaif_free(k);
    return 0;
}
