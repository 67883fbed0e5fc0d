// Runs the candidate's countPrimes (node harness.js CANDIDATE): checks it on small cases, then
// times it against trial division on fresh sizes, taking turns to go first, and prints one JSON
// line: {"candidate_seconds": best, "reference_seconds": best} or {"error": "..."}.
"use strict";

const ROUNDS = 3;
const KNOWN = [[0, 0], [1, 0], [2, 0], [3, 1], [4, 2], [10, 4], [100, 25], [1000, 168], [7919, 999], [7920, 1000]];

function reference(n) {
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

function timed(f, n) {
  const start = process.hrtime.bigint();
  const value = f(n);
  return [value, Number(process.hrtime.bigint() - start) / 1e9];
}

function main() {
  let countPrimes;
  try {
    countPrimes = require(process.argv[2]).countPrimes;
  } catch (error) {
    return { error: `the program could not be loaded: ${error}` };
  }
  if (typeof countPrimes !== "function") return { error: "the program must export a function countPrimes" };
  for (const [n, expected] of KNOWN) {
    const got = countPrimes(n);
    if (got !== expected) return { error: `countPrimes(${n}) returned ${got}, expected ${expected}` };
  }
  let best = Infinity;
  let bestReference = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const n = 300000 + 7919 * round;  // a new size each round, so that no earlier answer can be reused
    const order = round % 2 === 0 ? ["reference", "candidate"] : ["candidate", "reference"];
    const results = {};
    for (const who of order) {
      const [value, seconds] = timed(who === "reference" ? reference : countPrimes, n);
      results[who] = value;
      if (who === "reference") bestReference = Math.min(bestReference, seconds);
      else best = Math.min(best, seconds);
    }
    if (results.candidate !== results.reference) {
      return { error: `countPrimes(${n}) returned ${results.candidate}, expected ${results.reference}` };
    }
  }
  return { candidate_seconds: best, reference_seconds: bestReference };
}

console.log(JSON.stringify(main()));
