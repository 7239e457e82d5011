/* errors: every error code of the C API, and that a refused call writes
   nothing. Exits non-zero at the first failed check; prints the messages
   that c_test.go compares with the Go API's, as "name: message" lines. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adquaif.h"

static int failures;

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "errors.c:%d: check failed: %s\n", __LINE__, #cond); \
            failures++;                                                         \
        }                                                                       \
    } while (0)

enum { N = 70, WORDS = (N + 63) / 64, STEPS = 3 };

/* The arrays of one population, with a copy to tell whether a call wrote. */
struct arrays {
    float V[N], w[N], last[N], I[STEPS * N], spike[STEPS * N];
    uint8_t ref[STEPS * N];
    uint64_t bits[STEPS * WORDS];
};
static struct arrays a, saved;

static void fill(void) {
    memset(&a, 0x5a, sizeof a); /* canaries, including the outputs */
    for (int j = 0; j < N; j++) a.V[j] = -65 + j, a.w[j] = 0, a.last[j] = -1e7f;
    for (int j = 0; j < STEPS * N; j++) a.I[j] = 40;
    saved = a;
}

static adquaif_buffers_f32 buffers(void) {
    adquaif_buffers_f32 b = {.n = N, .V = a.V, .w = a.w, .last = a.last, .I = a.I, .in_rows = 1,
                             .spike = a.spike, .refractory = a.ref, .spike_bits = a.bits, .out_rows = 1};
    return b;
}

/* refused checks that a call returned want, wrote a message, and changed
   no array. */
static char err[512];
static void refused(const char *name, int got, int want) {
    if (got != want) fprintf(stderr, "%s: got code %d, want %d (%s)\n", name, got, want, err);
    CHECK(got == want);
    CHECK(err[0] != 0);
    CHECK(memcmp(&a, &saved, sizeof a) == 0);
    printf("%s: %s\n", name, err);
    err[0] = 0;
}

int main(void) {
    CHECK(adquaif_abi_version() == ADQUAIF_ABI_VERSION);

    adquaif_params p, bad;
    adquaif_defaults(&p);
    adquaif_defaults(NULL);
    CHECK(p.R == 1 && p.tau == 10 && p.tau_w == 10 && p.tau_ref == 1.7 && p.V_th == -30 && p.V_reset == -68 &&
          p.V_rest == -65 && p.V_c == -50 && p.c == 0.07 && p.a == 1 && p.b == 0.1);

    /* ISA */
    const char *isa = adquaif_isa(), *avail = adquaif_available();
    CHECK(strstr(avail, isa) != NULL);
    CHECK(strlen(avail) >= 7 && strcmp(avail + strlen(avail) - 7, "generic") == 0);
    refused("set_isa", adquaif_set_isa("vax", err, sizeof err), ADQUAIF_EISA);
    refused("set_isa_null", adquaif_set_isa(NULL, err, sizeof err), ADQUAIF_ENULL);
    CHECK(adquaif_set_isa("generic", err, sizeof err) == 0 && strcmp(adquaif_isa(), "generic") == 0);
    CHECK(adquaif_set_isa(isa, err, sizeof err) == 0 && strcmp(adquaif_isa(), isa) == 0);

    /* Construction: *out is not written when refused. */
    adquaif_kernel k = 12345;
    fill();
    refused("new_null_params", adquaif_new_f32(NULL, NULL, 0, 0.1f, ADQUAIF_SOFT, 0, &k, err, sizeof err), ADQUAIF_ENULL);
    refused("new_null_out", adquaif_new_f32(&p, NULL, 0, 0.1f, ADQUAIF_SOFT, 0, NULL, err, sizeof err), ADQUAIF_ENULL);
    bad = p, bad.tau = 0;
    refused("new_tau", adquaif_new_f32(&bad, NULL, 0, 0.1f, ADQUAIF_SOFT, 0, &k, err, sizeof err), ADQUAIF_EPARAM);
    refused("new_dt", adquaif_new_f64(&p, NULL, 0, NAN, ADQUAIF_SOFT, 0, &k, err, sizeof err), ADQUAIF_EPARAM);
    refused("new_reset", adquaif_new_f32(&p, NULL, 0, 0.1f, 2, 0, &k, err, sizeof err), ADQUAIF_EPARAM);
    refused("new_workers", adquaif_new_f32(&p, NULL, 0, 0.1f, ADQUAIF_SOFT, -1, &k, err, sizeof err), ADQUAIF_EPARAM);
    refused("new_n", adquaif_new_f32(&p, NULL, 3, 0.1f, ADQUAIF_SOFT, 0, &k, err, sizeof err), ADQUAIF_ELENGTH);
    float vth[3] = {-30, -70, -30};
    const float *per[11] = {0};
    per[4] = vth;
    refused("new_per_neuron", adquaif_new_f32(&p, per, 3, 0.1f, ADQUAIF_SOFT, 0, &k, err, sizeof err), ADQUAIF_EPARAM);
    refused("new_per_neuron_empty", adquaif_new_f32(&p, per, 0, 0.1f, ADQUAIF_SOFT, 0, &k, err, sizeof err), ADQUAIF_ELENGTH);
    CHECK(k == 12345);

    /* Handles. */
    adquaif_kernel k32, k64, freed;
    CHECK(adquaif_new_f32(&p, NULL, 0, 0.1f, ADQUAIF_SOFT, 0, &k32, err, sizeof err) == 0 && k32 != 0);
    CHECK(adquaif_new_f64(&p, NULL, 0, 0.1, ADQUAIF_SOFT, 0, &k64, err, sizeof err) == 0 && k64 != 0 && k64 != k32);
    CHECK(adquaif_new_f32(&p, NULL, 0, 0.1f, ADQUAIF_SOFT, 0, &freed, err, sizeof err) == 0);
    adquaif_free(freed);
    adquaif_free(freed); /* twice: nothing */
    adquaif_free(0);
    adquaif_buffers_f32 b = buffers();
    refused("handle_zero", adquaif_step_f32(0, 0, &b, err, sizeof err), ADQUAIF_EHANDLE);
    refused("handle_forged", adquaif_step_f32(0xdeadbeef, 0, &b, err, sizeof err), ADQUAIF_EHANDLE);
    refused("handle_freed", adquaif_step_f32(freed, 0, &b, err, sizeof err), ADQUAIF_EHANDLE);
    refused("handle_dtype", adquaif_step_f32(k64, 0, &b, err, sizeof err), ADQUAIF_EHANDLE);
    adquaif_buffers_f64 b64 = {0};
    refused("handle_dtype64", adquaif_run_f64(k32, 0, 1, &b64, err, sizeof err), ADQUAIF_EHANDLE);

    /* Buffers. */
    refused("step_time", adquaif_step_f32(k32, NAN, &b, err, sizeof err), ADQUAIF_EPARAM);
    refused("run_time", adquaif_run_f32(k32, INFINITY, STEPS, &b, err, sizeof err), ADQUAIF_EPARAM);
    refused("buffers_null", adquaif_step_f32(k32, 0, NULL, err, sizeof err), ADQUAIF_ENULL);
    b = buffers(), b.w = NULL;
    refused("buffers_w_null", adquaif_step_f32(k32, 0, &b, err, sizeof err), ADQUAIF_ENULL);
    b = buffers(), b.in_rows = 2;
    refused("step_in_rows", adquaif_step_f32(k32, 0, &b, err, sizeof err), ADQUAIF_ELENGTH);
    b = buffers(), b.out_rows = 2;
    refused("run_out_rows", adquaif_run_f32(k32, 0, STEPS, &b, err, sizeof err), ADQUAIF_ELENGTH);
    b = buffers(), b.n = SIZE_MAX / 4;
    refused("buffers_huge", adquaif_step_f32(k32, 0, &b, err, sizeof err), ADQUAIF_ELENGTH);
    b = buffers(), b.in_rows = SIZE_MAX / 2;
    refused("buffers_huge_rows", adquaif_run_f32(k32, 0, STEPS, &b, err, sizeof err), ADQUAIF_ELENGTH);
    b = buffers(), b.spike = a.V;
    refused("overlap", adquaif_step_f32(k32, 0, &b, err, sizeof err), ADQUAIF_EOVERLAP);
    b = buffers(), b.refractory = (uint8_t *)a.bits;
    refused("overlap_bits", adquaif_run_f32(k32, 0, STEPS, &b, err, sizeof err), ADQUAIF_EOVERLAP);
    b = buffers(), b.delta = a.I; /* read-only arrays may share memory with each other, */
    CHECK(adquaif_step_f32(k32, 0, &b, err, sizeof err) == 0);
    fill();
    b = buffers(), b.I = a.V; /* but not with one the step writes */
    refused("overlap_input", adquaif_step_f32(k32, 0, &b, err, sizeof err), ADQUAIF_EOVERLAP);
    b = buffers(), b.G = a.spike;
    refused("overlap_G", adquaif_step_f32(k32, 0, &b, err, sizeof err), ADQUAIF_EOVERLAP);
    float vth4[4] = {-30, -31, -32, -33};
    const float *per4[11] = {0};
    per4[4] = vth4;
    adquaif_kernel kp;
    CHECK(adquaif_new_f32(&p, per4, 4, 0.1f, ADQUAIF_SOFT, 0, &kp, err, sizeof err) == 0);
    b = buffers();
    refused("per_neuron_rows", adquaif_step_f32(kp, 0, &b, err, sizeof err), ADQUAIF_ELENGTH);
    b.n = 68; /* 17 batch rows of 4 */
    CHECK(adquaif_step_f32(kp, 0, &b, err, sizeof err) == 0);
    adquaif_free(kp);
    fill();

    /* The backward step and the surrogate. */
    static float gV[N], gw[N], gI[N], gsaved[3 * N];
    for (int j = 0; j < N; j++) gV[j] = 1, gw[j] = 0.5f, gI[j] = 7;
    memcpy(gsaved, gV, sizeof gV), memcpy(gsaved + N, gw, sizeof gw), memcpy(gsaved + 2 * N, gI, sizeof gI);
#define GRADS_UNCHANGED \
    (memcmp(gsaved, gV, sizeof gV) == 0 && memcmp(gsaved + N, gw, sizeof gw) == 0 && memcmp(gsaved + 2 * N, gI, sizeof gI) == 0)
    adquaif_grads_f32 g = {.V = gV, .w = gw, .I = gI};
    b = buffers();
    refused("backward_handle", adquaif_backward_f32(freed, 0, &b, &g, err, sizeof err), ADQUAIF_EHANDLE);
    refused("backward_null", adquaif_backward_f32(k32, 0, &b, NULL, err, sizeof err), ADQUAIF_ENULL);
    g.w = NULL;
    refused("backward_w_null", adquaif_backward_f32(k32, 0, &b, &g, err, sizeof err), ADQUAIF_ENULL);
    g.w = gw, g.I = a.I;
    refused("backward_overlap", adquaif_backward_f32(k32, 0, &b, &g, err, sizeof err), ADQUAIF_EOVERLAP);
    g.I = gI, b.in_rows = 2;
    refused("backward_rows", adquaif_backward_f32(k32, 0, &b, &g, err, sizeof err), ADQUAIF_ELENGTH);
    CHECK(GRADS_UNCHANGED);
    b = buffers();
    CHECK(adquaif_backward_f32(k32, 0, &b, &g, err, sizeof err) == 0);
    CHECK(!GRADS_UNCHANGED && memcmp(&a, &saved, sizeof a) == 0); /* b is only read */
    adquaif_kernel ks = 777;
    refused("surrogate_alpha", adquaif_with_surrogate(k32, -1, 1, &ks, err, sizeof err), ADQUAIF_EPARAM);
    refused("surrogate_width", adquaif_with_surrogate(k64, 0.3, NAN, &ks, err, sizeof err), ADQUAIF_EPARAM);
    refused("surrogate_handle", adquaif_with_surrogate(freed, 0.3, 1, &ks, err, sizeof err), ADQUAIF_EHANDLE);
    refused("surrogate_null", adquaif_with_surrogate(k32, 0.3, 1, NULL, err, sizeof err), ADQUAIF_ENULL);
    CHECK(ks == 777);
    CHECK(adquaif_with_surrogate(k32, 0.5, 2, &ks, err, sizeof err) == 0 && ks != k32);
    CHECK(adquaif_step_f32(ks, 0, &b, err, sizeof err) == 0);     /* a float32 kernel, */
    fill();
    refused("surrogate_dtype", adquaif_run_f64(ks, 0, 1, &b64, err, sizeof err), ADQUAIF_EHANDLE);
    adquaif_free(ks);
    fill();

    /* Messages: cut to errlen bytes, NUL-terminated, at a character boundary. */
    char full[512], cut[16];
    b = buffers(), b.spike = a.V;
    CHECK(adquaif_step_f32(k32, 0, &b, full, sizeof full) == ADQUAIF_EOVERLAP);
    memset(cut, 'x', sizeof cut);
    CHECK(adquaif_step_f32(k32, 0, &b, cut, 8) == ADQUAIF_EOVERLAP);
    CHECK(strlen(cut) == 7 && strncmp(cut, full, 7) == 0 && cut[8] == 'x');
    memset(cut, 'x', sizeof cut);
    CHECK(adquaif_step_f32(k32, 0, &b, cut, 1) == ADQUAIF_EOVERLAP && cut[0] == 0 && cut[1] == 'x');
    memset(cut, 'x', sizeof cut);
    CHECK(adquaif_step_f32(k32, 0, &b, cut, 0) == ADQUAIF_EOVERLAP && cut[0] == 'x');
    CHECK(adquaif_step_f32(k32, 0, &b, NULL, 99) == ADQUAIF_EOVERLAP);
    /* "\xc3\xa9" is one character: a cut inside it drops all of it. */
    char utf[8];
    CHECK(adquaif_set_isa("\xc3\xa9\xc3\xa9\xc3\xa9", full, sizeof full) == ADQUAIF_EISA);
    const char *q = strchr(full, '"');
    CHECK(q != NULL);
    size_t pre = (size_t)(q - full) + 1; /* up to the opening quote */
    if (q && pre + 3 < sizeof utf + 1) {
        CHECK(adquaif_set_isa("\xc3\xa9\xc3\xa9\xc3\xa9", utf, pre + 2) == ADQUAIF_EISA && strlen(utf) == pre);
    }
    CHECK(memcmp(&a, &saved, sizeof a) == 0);

    /* Success leaves err as it was, and steps 0 writes nothing. */
    b = buffers();
    strcpy(err, "untouched");
    CHECK(adquaif_run_f32(k32, 0, 0, &b, err, sizeof err) == 0 && strcmp(err, "untouched") == 0);
    CHECK(memcmp(&a, &saved, sizeof a) == 0);
    CHECK(adquaif_run_f32(k32, 0, STEPS, &b, err, sizeof err) == 0);
    CHECK(memcmp(a.V, saved.V, sizeof a.V) != 0);

    adquaif_free(k32);
    adquaif_free(k64);
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    return 0;
}
