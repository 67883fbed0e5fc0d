//! Points and distances.

#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

pub fn distance(a: &Point, b: &Point) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// The length of the closed tour that visits `points` in `order`.
#[allow(dead_code)]
pub fn tour_length(points: &[Point], order: &[usize]) -> f64 {
    (0..order.len()).map(|i| distance(&points[order[i]], &points[order[(i + 1) % order.len()]])).sum()
}
