/* A population of AdQuaIFRef neurons with BrainPy's defaults, driven by
   input currents spread from 0 to 60 mA, run for one second of model time
   at dt = 0.1 ms; prints the spike count of every 100th neuron.

   cc -I capi capi/example/population.c -L . -ladquaif -Wl,-rpath,'$ORIGIN' -o population */
#include <stdio.h>
#include <stdlib.h>

#include "adquaif.h"

enum { N = 1000, CHUNK = 100, STEPS = 10000 };

int main(void) {
    char err[256];
    adquaif_params p;
    adquaif_defaults(&p);
    adquaif_kernel k;
    if (adquaif_new_f32(&p, NULL, 0, 0.1f, ADQUAIF_SOFT, 0, &k, err, sizeof err) != 0) {
        fprintf(stderr, "adquaif_new_f32: %s\n", err);
        return 1;
    }
    static float V[N], w[N], last[N], I[N], spike[CHUNK * N];
    static int count[N];
    for (int j = 0; j < N; j++) {
        V[j] = -65, w[j] = 0, last[j] = -1e7f;
        I[j] = 60.0f * (float)j / (float)N; /* mA */
    }
    /* I is held for every step; spike receives a row per step. */
    adquaif_buffers_f32 b = {.n = N, .V = V, .w = w, .last = last, .I = I, .in_rows = 1,
                             .spike = spike, .out_rows = CHUNK};
    for (int s = 0; s < STEPS; s += CHUNK) {
        if (adquaif_run_f32(k, 0.1f * (float)s, CHUNK, &b, err, sizeof err) != 0) {
            fprintf(stderr, "adquaif_run_f32: %s\n", err);
            return 1;
        }
        for (int i = 0; i < CHUNK * N; i++)
            count[i % N] += (int)spike[i];
    }
    adquaif_free(k);
    long total = 0;
    for (int j = 0; j < N; j++)
        total += count[j];
    printf("path %s: %d neurons, 1 s, %ld spikes\n", adquaif_isa(), N, total);
    for (int j = 0; j < N; j += 100)
        printf("I = %4.1f mA: %3d spikes\n", I[j], count[j]);
    return 0;
}
