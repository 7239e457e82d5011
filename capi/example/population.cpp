// The C API from C++17: a small RAII wrapper, float64 neurons with
// per-neuron spike-triggered adaptation b and hard reset, and an error
// turned into an exception.
//
// g++ -std=c++17 -I capi capi/example/population.cpp -L . -ladquaif -Wl,-rpath,'$ORIGIN' -o population_cpp
#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "adquaif.h"

class Kernel {
  public:
    Kernel(const adquaif_params &p, const std::vector<double> &b, double dt, int reset) {
        std::array<const double *, 11> per{};  // adquaif_params' field order: b is the last
        per[10] = b.data();
        check(adquaif_new_f64(&p, per.data(), b.size(), dt, reset, 0, &k_, err_, sizeof err_));
    }
    Kernel(const Kernel &) = delete;
    Kernel &operator=(const Kernel &) = delete;
    ~Kernel() { adquaif_free(k_); }

    void run(double t0, std::size_t steps, const adquaif_buffers_f64 &b) {
        check(adquaif_run_f64(k_, t0, steps, &b, err_, sizeof err_));
    }

  private:
    void check(int code) {
        if (code != ADQUAIF_OK) throw std::runtime_error(std::string(err_) + " (code " + std::to_string(code) + ")");
    }
    adquaif_kernel k_ = 0;
    char err_[256] = "";
};

int main() {
    adquaif_params p;
    adquaif_defaults(&p);
    p.tau_w = 100;
    const std::size_t n = 5, steps = 2000;  // 200 ms
    std::vector<double> b{0.0, 0.5, 1.0, 2.0, 4.0}, V(n, -65.0), w(n, 0.0), last(n, -1e7), I(n, 30.0);
    std::vector<uint64_t> bits(steps);  // one word per step: n < 64
    try {
        Kernel k(p, b, 0.1, ADQUAIF_HARD);
        adquaif_buffers_f64 buf{};
        buf.n = n, buf.V = V.data(), buf.w = w.data(), buf.last = last.data();
        buf.I = I.data(), buf.in_rows = 1, buf.spike_bits = bits.data(), buf.out_rows = steps;
        k.run(0, steps, buf);
        for (std::size_t j = 0; j < n; j++) {
            int spikes = 0;
            for (uint64_t word : bits) spikes += (word >> j) & 1;
            std::printf("b = %.1f mA: %2d spikes, w = %.6f mA\n", b[j], spikes, w[j]);
        }
        p.tau = 0;
        Kernel bad(p, b, 0.1, ADQUAIF_HARD);
    } catch (const std::exception &e) {
        std::printf("refused: %s\n", e.what());
    }
    return 0;
}
