// Counting primes: how many primes are there below n?
// The score is how many times faster this is than trial division, checked for correctness.

// EVOLVE-BLOCK-START
/** Returns the number of primes p with p < n (n is a non-negative integer). */
function countPrimes(n) {
  // Trial division of every candidate by the odd numbers up to its square root.
  let count = 0;
  for (let m = 2; m < n; m++) {
    let prime = m === 2 || m % 2 === 1;
    for (let d = 3; prime && d * d <= m; d += 2) {
      if (m % d === 0) prime = false;
    }
    if (prime) count++;
  }
  return count;
}
// EVOLVE-BLOCK-END

module.exports = { countPrimes };
