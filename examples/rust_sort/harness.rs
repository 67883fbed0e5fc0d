// Runs the candidate's sort (candidate.rs, a module beside this file once the evaluator has copied
// both into its build directory) on fixed inputs, checks every result, and prints one JSON line:
// {"comparisons": N, "reference": M, "seconds": S} or {"error": "..."}.
#![forbid(unsafe_code)] // the elements stay opaque: no transmuting them to read their keys

mod candidate;

use std::time::Instant;

#[derive(Clone, Copy)]
struct Item {
    key: u32,
    id: u32,
}

/// A fixed pseudo-random sequence (64-bit LCG), the same on every machine.
fn keys(n: usize, seed: u64, range: u32) -> Vec<u32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as u32) % range
        })
        .collect()
}

fn inputs() -> Vec<(&'static str, Vec<u32>)> {
    let n = 3000;
    let mut nearly: Vec<u32> = (0..n as u32).collect();
    for (i, k) in keys(30, 7, n as u32).into_iter().enumerate() {
        nearly.swap(i * 97 % n, k as usize);
    }
    vec![
        ("empty", vec![]),
        ("one", vec![5]),
        ("shuffled", keys(n, 1, 1_000_000)),
        ("shuffled, many equal keys", keys(n, 2, 16)),
        ("ascending", (0..n as u32).collect()),
        ("descending", (0..n as u32).rev().collect()),
        ("nearly sorted", nearly),
        ("small shuffled", keys(37, 3, 100)),
    ]
}

/// The number of comparisons `sorter` made on `keys`, or why its result is wrong.
fn run(name: &str, keys: &[u32], sorter: fn(&mut [Item], &mut dyn FnMut(&Item, &Item) -> bool)) -> Result<u64, String> {
    let mut items: Vec<Item> = keys.iter().enumerate().map(|(i, &key)| Item { key, id: i as u32 }).collect();
    let mut count = 0u64;
    sorter(&mut items, &mut |a: &Item, b: &Item| {
        count += 1;
        a.key < b.key
    });
    if items.windows(2).any(|w| w[1].key < w[0].key) {
        return Err(format!("the \"{}\" input ({} keys) is not sorted afterwards", name, keys.len()));
    }
    let mut ids: Vec<u32> = items.iter().map(|item| item.id).collect();
    ids.sort_unstable();
    if ids.iter().enumerate().any(|(i, &id)| id != i as u32) {
        return Err(format!("the \"{}\" input lost or duplicated elements", name));
    }
    Ok(count)
}

/// Comparisons the standard library's stable sort makes on `keys`, each call of its comparator counted once.
fn reference(keys: &[u32]) -> u64 {
    let mut sorted = keys.to_vec();
    let mut count = 0u64;
    sorted.sort_by(|a, b| {
        count += 1;
        a.cmp(b)
    });
    count
}

fn main() {
    let started = Instant::now();
    let (mut comparisons, mut baseline) = (0u64, 0u64);
    for (name, keys) in inputs() {
        match run(name, &keys, candidate::sort::<Item>) {
            Ok(count) => comparisons += count,
            Err(reason) => {
                println!("{{\"error\": {:?}}}", reason); // Debug quotes and escapes it as JSON would (the reason is ASCII)
                return;
            }
        }
        baseline += reference(&keys);
    }
    println!("{{\"comparisons\": {}, \"reference\": {}, \"seconds\": {}}}", comparisons, baseline, started.elapsed().as_secs_f64());
}
