/// Model answers for the examples in `examples/` other than knapsack, written as a model would:
/// prose, then a fenced whole program (a rewrite: only its EVOLVE-BLOCK regions are kept) or
/// SEARCH/REPLACE blocks. Each one improves on the example's starting program.
public enum ExampleAnswers {
    /// circle_packing: SLSQP over all centers and radii from staggered rows, then radii shrunk until
    /// the exact verifier passes (sum of radii about 2.61, from 1.49).
    public static let circlePacking = #"""
        The grid wastes space. I let SLSQP move all centers and radii together, starting from
        staggered rows, and then shrink any radius that breaks a constraint, since the verifier is
        exact.

        ```python
        # EVOLVE-BLOCK-START
        from scipy.optimize import minimize


        def pack_circles(n=N):
            """Return an (n, 3) array of rows (x, y, r): circle centers in the unit square and their radii."""
            rows = [5, 6, 5, 6, 4]
            start = [((c + 0.5) / count, (k + 0.5) / len(rows), 0.08) for k, count in enumerate(rows) for c in range(count)]
            start = np.array(start[:n]).ravel()
            i, j = np.triu_indices(n, 1)

            def apart(v):
                p = v.reshape(n, 3)
                return np.hypot(p[i, 0] - p[j, 0], p[i, 1] - p[j, 1]) - p[i, 2] - p[j, 2]

            def inside(v):
                x, y, r = v.reshape(n, 3).T
                return np.concatenate([x - r, 1 - x - r, y - r, 1 - y - r, r])

            result = minimize(lambda v: -v.reshape(n, 3)[:, 2].sum(), start, method="SLSQP",
                              constraints=[{"type": "ineq", "fun": apart}, {"type": "ineq", "fun": inside}],
                              options={"maxiter": 500, "ftol": 1e-12})
            p = result.x.reshape(n, 3)
            return np.column_stack([p[:, :2], largest_radii(p[:, :2], p[:, 2])])


        def largest_radii(centers, radii):
            """The optimizer's radii, shrunk wherever they break a constraint, then by a hair for rounding."""
            radii = np.minimum(radii, np.min(np.column_stack([centers, 1 - centers]), axis=1))
            for a in range(len(centers)):
                for b in range(a + 1, len(centers)):
                    distance = np.hypot(*(centers[a] - centers[b]))
                    if radii[a] + radii[b] > distance:
                        scale = distance / (radii[a] + radii[b])
                        radii[a] *= scale
                        radii[b] *= scale
            return radii * (1 - 1e-12)
        # EVOLVE-BLOCK-END
        ```
        """#

    /// function_minimization, as SEARCH/REPLACE: samples, then polishes the ten lowest with the
    /// problem directory's `search_tools.pattern_search` (an import of a supporting file).
    public static let functionMinimization = #"""
        Random samples land near the right basin but never reach its bottom. I keep the ten lowest
        samples and polish each with the compass search from search_tools.

        <<<<<<< SEARCH
            # Pure random sampling: it finds the right basin only by luck, and never its bottom.
            best = None
            for _ in range(200):
                x, y = rng.uniform(*bounds), rng.uniform(*bounds)
                value = f(x, y)
                if best is None or value < best[0]:
                    best = (value, x, y)
            return best[1], best[2]
        =======
            from search_tools import pattern_search

            samples = []
            for _ in range(300):
                x, y = rng.uniform(*bounds), rng.uniform(*bounds)
                samples.append((f(x, y), x, y))
            samples.sort()
            polished = [pattern_search(f, x, y, bounds, step=0.3) for _, x, y in samples[:10]]
            x, y, _ = min(polished, key=lambda found: found[2])
            return x, y
        >>>>>>> REPLACE
        """#

    /// bin_packing, as SEARCH/REPLACE: best fit (the bin the item fills most tightly), 95.285 from 94.926.
    public static let binPacking = #"""
        First fit leaves gaps in early bins that later items rarely fill. Best fit puts the item where
        it leaves the least free space.

        <<<<<<< SEARCH
            # First fit: the earliest opened bin wins.
            return [-index for index in range(len(remaining))]
        =======
            # Best fit: the bin the item fills most tightly wins.
            return [-(free - item) for free in remaining]
        >>>>>>> REPLACE
        """#

    /// text_classifier: TF-IDF over words and word pairs into a linear SVM (accuracy about 0.87, from 0.42).
    public static let textClassifier = #"""
        Word counts into a shallow tree lose most of the signal. TF-IDF over words and word pairs
        with a linear SVM is the usual strong baseline for short texts.

        ```python
        # EVOLVE-BLOCK-START
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC


        def solve():
            """Return an unfitted scikit-learn estimator that takes raw docstrings and predicts package names."""
            return make_pipeline(TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)), LinearSVC(C=1.0))
        # EVOLVE-BLOCK-END
        ```
        """#

    /// rust_sort: a top-down merge sort that skips merging halves already in order.
    public static let rustSort = #"""
        Insertion sort needs about n * n / 4 comparisons. A merge sort needs about n log2 n, and
        checking whether the two halves are already in order makes sorted input cost n - 1.

        ```rust
        // EVOLVE-BLOCK-START
        pub fn sort<T: Copy>(v: &mut [T], less: &mut dyn FnMut(&T, &T) -> bool) {
            if v.len() < 2 {
                return;
            }
            let mid = v.len() / 2;
            sort(&mut v[..mid], less);
            sort(&mut v[mid..], less);
            if !less(&v[mid], &v[mid - 1]) {
                return;
            }
            let mut merged = Vec::with_capacity(v.len());
            let (mut i, mut j) = (0, mid);
            while i < mid && j < v.len() {
                if less(&v[j], &v[i]) {
                    merged.push(v[j]);
                    j += 1;
                } else {
                    merged.push(v[i]);
                    i += 1;
                }
            }
            merged.extend_from_slice(&v[i..mid]);
            merged.extend_from_slice(&v[j..]);
            v.copy_from_slice(&merged);
        }
        // EVOLVE-BLOCK-END
        ```
        """#

    /// cpp_inversions: count inversions while merge sorting, O(n log n) instead of O(n^2).
    public static let cppInversions = #"""
        Merge sort can count inversions as it merges: each element taken from the right half jumps
        over every element still waiting in the left half.

        ```cpp
        // EVOLVE-BLOCK-START
        static int64_t sort_count(std::vector<int32_t>& v, std::vector<int32_t>& scratch, size_t lo, size_t hi) {
            if (hi - lo < 2) return 0;
            size_t mid = lo + (hi - lo) / 2;
            int64_t count = sort_count(v, scratch, lo, mid) + sort_count(v, scratch, mid, hi);
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (v[j] < v[i]) {
                    count += int64_t(mid - i);
                    scratch[k++] = v[j++];
                } else {
                    scratch[k++] = v[i++];
                }
            }
            while (i < mid) scratch[k++] = v[i++];
            while (j < hi) scratch[k++] = v[j++];
            for (size_t t = lo; t < hi; ++t) v[t] = scratch[t];
            return count;
        }

        int64_t count_inversions(const std::vector<int32_t>& v) {
            std::vector<int32_t> copy(v), scratch(v.size());
            return sort_count(copy, scratch, 0, copy.size());
        }
        // EVOLVE-BLOCK-END
        ```
        """#

    /// js_primes: a sieve of Eratosthenes over the odd numbers.
    public static let jsPrimes = #"""
        Trial division repeats work for every number. A sieve over the odd numbers marks each
        composite a few times and is done.

        ```javascript
        // EVOLVE-BLOCK-START
        /** Returns the number of primes p with p < n (n is a non-negative integer). */
        function countPrimes(n) {
          if (n < 3) return 0;
          const composite = new Uint8Array(n);
          let count = 1;
          for (let m = 3; m < n; m += 2) {
            if (composite[m]) continue;
            count++;
            for (let k = m * m; k < n; k += 2 * m) composite[k] = 1;
          }
          return count;
        }
        // EVOLVE-BLOCK-END
        ```
        """#
}
