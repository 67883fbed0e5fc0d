//! Comparison sort: sort a slice using only the `less` comparison it is given.
//! The score counts calls of `less`, so fewer comparisons is faster.

// EVOLVE-BLOCK-START
/// Sorts `v` into ascending order by `less(a, b)` ("a comes before b"). The elements are opaque:
/// `less` is the only way to compare them, and every call is counted.
pub fn sort<T: Copy>(v: &mut [T], less: &mut dyn FnMut(&T, &T) -> bool) {
    // Insertion sort: about n * n / 4 comparisons on shuffled input.
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}
// EVOLVE-BLOCK-END
