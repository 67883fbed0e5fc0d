//! The first tour: the order in which the points are visited.
#[allow(unused_imports)]
use crate::geometry::{distance, Point};

// EVOLVE-BLOCK-START
pub fn build(points: &[Point]) -> Vec<usize> {
    (0..points.len()).collect()
}
// EVOLVE-BLOCK-END
