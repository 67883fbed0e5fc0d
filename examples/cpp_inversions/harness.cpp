// Times the candidate's count_inversions (candidate.cpp, compiled as its own translation unit, so
// that none of its macros reach this file) against the plain double loop on the same fresh inputs,
// checks every count, and prints one JSON line:
// {"candidate_seconds": best, "reference_seconds": best} or {"error": "..."}.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

int64_t count_inversions(const std::vector<int32_t>& v);  // candidate.cpp

namespace harness {

const int ROUNDS = 3;

// The double loop; not inlined, so that it is compiled as the candidate is.
__attribute__((noinline)) int64_t reference(const std::vector<int32_t>& v) {
    int64_t count = 0;
    for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = i + 1; j < v.size(); ++j)
            if (v[i] > v[j]) ++count;
    return count;
}

// n values from a fixed pseudo-random sequence (a 64-bit LCG) in [0, range), different for each seed.
std::vector<int32_t> values(size_t n, uint64_t seed, uint32_t range) {
    std::vector<int32_t> v(n);
    uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int32_t& x : v) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        x = int32_t((state >> 33) % range);
    }
    return v;
}

template <typename F>
double seconds(F f) {
    auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace harness

int main() {
    using namespace harness;
    // Edge cases first (checked, not timed), then timed rounds on fresh inputs, each run by the
    // reference and by the candidate (taking turns to go first), so that both meet the same load.
    std::vector<std::vector<int32_t>> edges = {{}, {7}, {2, 1}, {1, 1, 1}, values(1000, 99, 5)};
    for (size_t e = 0; e < edges.size(); ++e) {
        int64_t expected = reference(edges[e]), got = count_inversions(edges[e]);
        if (got != expected) {
            std::printf("{\"error\": \"on a %zu-element input the count is %lld, expected %lld\"}\n", edges[e].size(), (long long)got, (long long)expected);
            return 0;
        }
    }
    double best = 1e9, best_reference = 1e9;
    for (int round = 0; round < ROUNDS; ++round) {
        std::vector<int32_t> v = values(12000, round + 1, round == 1 ? 50 : 1000000000);
        int64_t expected = 0, got = 0;
        auto time_reference = [&] { best_reference = std::min(best_reference, seconds([&] { expected = reference(v); })); };
        auto time_candidate = [&] { best = std::min(best, seconds([&] { got = count_inversions(v); })); };
        if (round % 2 == 0) time_reference(), time_candidate();
        else time_candidate(), time_reference();
        if (got != expected) {
            std::printf("{\"error\": \"round %d: the count is %lld, expected %lld\"}\n", round, (long long)got, (long long)expected);
            return 0;
        }
    }
    std::printf("{\"candidate_seconds\": %.9f, \"reference_seconds\": %.9f}\n", best, best_reference);
}
