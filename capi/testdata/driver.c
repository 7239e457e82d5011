/* driver: runs one case of the C API from a case file and writes the
   results, for c_test.go's comparison with the Go API.

   driver CASE OUT. CASE holds a header of twelve 8-byte fields (below),
   the 11 doubles of adquaif_params, the per-neuron arrays (pn values each,
   for the bits of per_mask), V, w, last (n values each), then I, G, delta
   (in_rows*n each, if present). OUT receives V, w, last, then spike,
   refractory, spike_bits (out_rows rows each, if present).

   With BACKWARD, the case runs adquaif_backward instead (with the
   surrogate alpha, width if either is not 0): after the inputs come the
   gradients gV, gw and, with G_SPIKE, gspike (n values each); OUT receives
   gV, gw, then gI, gG, gdelta (n each, for G_I, G_G, G_DELTA). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adquaif.h"

struct header {
    uint64_t f64, reset, workers, per_mask, flags, n, pn, steps, in_rows, out_rows;
    double dt, t0, alpha, width;
};
enum {
    HAS_I = 1, HAS_G = 2, HAS_DELTA = 4, HAS_SPIKE = 8, HAS_REF = 16, HAS_BITS = 32, USE_STEP = 64,
    BACKWARD = 128, G_SPIKE = 256, G_I = 512, G_G = 1024, G_DELTA = 2048
};

/* backward runs the BACKWARD case on kernel k and writes its gradients. */
static int backward(const struct header *h, adquaif_kernel k, void *V, void *w, void *last, void *I, void *G, void *delta);

static FILE *in, *out;

static void *readn(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p || fread(p, size, n, in) != n) {
        fprintf(stderr, "driver: short case file\n");
        exit(2);
    }
    return p;
}

static void writen(const void *p, size_t n, size_t size) {
    if (fwrite(p, size, n, out) != n) {
        fprintf(stderr, "driver: write failed\n");
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 3 || !(in = fopen(argv[1], "rb")) || !(out = fopen(argv[2], "wb"))) {
        fprintf(stderr, "usage: driver CASE OUT\n");
        return 2;
    }
    struct header h;
    if (fread(&h, sizeof h, 1, in) != 1) return 2;
    adquaif_params p;
    if (fread(&p, sizeof p, 1, in) != 1) return 2;
    size_t el = h.f64 ? 8 : 4, n = h.n, words = (n + 63) / 64;
    const void *per[11] = {0};
    for (int i = 0; i < 11; i++)
        if (h.per_mask >> i & 1) per[i] = readn(h.pn, el);
    void *V = readn(n, el), *w = readn(n, el), *last = readn(n, el);
    void *I = h.flags & HAS_I ? readn(h.in_rows * n, el) : NULL;
    void *G = h.flags & HAS_G ? readn(h.in_rows * n, el) : NULL;
    void *delta = h.flags & HAS_DELTA ? readn(h.in_rows * n, el) : NULL;
    void *spike = h.flags & HAS_SPIKE ? calloc(h.out_rows * n + 1, el) : NULL;
    uint8_t *ref = h.flags & HAS_REF ? calloc(h.out_rows * n + 1, 1) : NULL;
    uint64_t *bits = h.flags & HAS_BITS ? calloc(h.out_rows * words + 1, 8) : NULL;
    const void *const *pn = h.per_mask ? per : NULL;
    char err[512];
    adquaif_kernel k;
    int rc;
    if (h.f64) {
        rc = adquaif_new_f64(&p, (const double *const *)pn, pn ? h.pn : 0, h.dt, (int)h.reset, (int)h.workers, &k, err, sizeof err);
    } else {
        rc = adquaif_new_f32(&p, (const float *const *)pn, pn ? h.pn : 0, (float)h.dt, (int)h.reset, (int)h.workers, &k, err, sizeof err);
    }
    if (rc != 0) {
        fprintf(stderr, "driver: new: %d: %s\n", rc, err);
        return 1;
    }
    if (h.alpha != 0 || h.width != 0) {
        adquaif_kernel plain = k;
        rc = adquaif_with_surrogate(plain, h.alpha, h.width, &k, err, sizeof err);
        adquaif_free(plain);
        if (rc != 0) {
            fprintf(stderr, "driver: with_surrogate: %d: %s\n", rc, err);
            return 1;
        }
    }
    if (h.flags & BACKWARD) return backward(&h, k, V, w, last, I, G, delta);
    if (h.f64) {
        adquaif_buffers_f64 b = {n, V, w, last, I, G, delta, h.in_rows, spike, ref, bits, h.out_rows};
        rc = h.flags & USE_STEP ? adquaif_step_f64(k, h.t0, &b, err, sizeof err) : adquaif_run_f64(k, h.t0, h.steps, &b, err, sizeof err);
    } else {
        adquaif_buffers_f32 b = {n, V, w, last, I, G, delta, h.in_rows, spike, ref, bits, h.out_rows};
        rc = h.flags & USE_STEP ? adquaif_step_f32(k, (float)h.t0, &b, err, sizeof err)
                                : adquaif_run_f32(k, (float)h.t0, h.steps, &b, err, sizeof err);
    }
    adquaif_free(k);
    if (rc != 0) {
        fprintf(stderr, "driver: step: %d: %s\n", rc, err);
        return 1;
    }
    writen(V, n, el), writen(w, n, el), writen(last, n, el);
    if (spike) writen(spike, h.out_rows * n, el);
    if (ref) writen(ref, h.out_rows * n, 1);
    if (bits) writen(bits, h.out_rows * words, 8);
    return fclose(out) == 0 ? 0 : 2;
}

static int backward(const struct header *h, adquaif_kernel k, void *V, void *w, void *last, void *I, void *G, void *delta) {
    size_t el = h->f64 ? 8 : 4, n = h->n;
    void *gV = readn(n, el), *gw = readn(n, el), *gs = h->flags & G_SPIKE ? readn(n, el) : NULL;
    void *gI = h->flags & G_I ? calloc(n + 1, el) : NULL;
    void *gG = h->flags & G_G ? calloc(n + 1, el) : NULL;
    void *gd = h->flags & G_DELTA ? calloc(n + 1, el) : NULL;
    char err[512];
    int rc;
    if (h->f64) {
        adquaif_buffers_f64 b = {n, V, w, last, I, G, delta, 1, NULL, NULL, NULL, 1};
        adquaif_grads_f64 g = {gV, gw, gs, gI, gG, gd};
        rc = adquaif_backward_f64(k, h->t0, &b, &g, err, sizeof err);
    } else {
        adquaif_buffers_f32 b = {n, V, w, last, I, G, delta, 1, NULL, NULL, NULL, 1};
        adquaif_grads_f32 g = {gV, gw, gs, gI, gG, gd};
        rc = adquaif_backward_f32(k, (float)h->t0, &b, &g, err, sizeof err);
    }
    adquaif_free(k);
    if (rc != 0) {
        fprintf(stderr, "driver: backward: %d: %s\n", rc, err);
        return 1;
    }
    writen(gV, n, el), writen(gw, n, el);
    if (gI) writen(gI, n, el);
    if (gG) writen(gG, n, el);
    if (gd) writen(gd, n, el);
    return fclose(out) == 0 ? 0 : 2;
}
