//! Reads instances from standard input and prints one tour per instance (read-only: the
//! evaluator relies on this format). Input: the number of instances, then for each its number
//! of points and one `x y` line per point. Output: per instance, the visiting order as indices.
mod geometry;
mod improve;
mod tour;

use std::io::{self, BufRead, Write};

fn main() {
    let stdin = io::stdin();
    let mut numbers = stdin.lock().lines().flat_map(|line| {
        line.unwrap().split_whitespace().map(|word| word.parse::<f64>().unwrap()).collect::<Vec<_>>()
    });
    let instances = numbers.next().unwrap() as usize;
    let mut out = io::stdout().lock();
    for _ in 0..instances {
        let count = numbers.next().unwrap() as usize;
        let points: Vec<geometry::Point> =
            (0..count).map(|_| geometry::Point { x: numbers.next().unwrap(), y: numbers.next().unwrap() }).collect();
        let mut order = tour::build(&points);
        improve::improve(&points, &mut order);
        let text: Vec<String> = order.iter().map(|index| index.to_string()).collect();
        writeln!(out, "{}", text.join(" ")).unwrap();
    }
}
