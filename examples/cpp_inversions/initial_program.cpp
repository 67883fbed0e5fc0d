// Counting inversions: how many pairs i < j have v[i] > v[j] (how far v is from sorted).
// The score is how many times faster this is than the plain double loop, checked for correctness.
#include <cstddef>
#include <cstdint>
#include <vector>

// EVOLVE-BLOCK-START
// Returns the number of pairs (i, j) with i < j and v[i] > v[j].
int64_t count_inversions(const std::vector<int32_t>& v) {
    // Every pair once: n * (n - 1) / 2 comparisons.
    int64_t count = 0;
    for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = i + 1; j < v.size(); ++j)
            if (v[i] > v[j]) ++count;
    return count;
}
// EVOLVE-BLOCK-END
