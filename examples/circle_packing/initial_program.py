"""Circle packing: place 26 circles in the unit square, without overlap, so that their radii sum to as much as possible."""

import numpy as np

N = 26


# EVOLVE-BLOCK-START
def pack_circles(n=N):
    """Return an (n, 3) array of rows (x, y, r): circle centers in the unit square and their radii."""
    # Centers on a 6 x 5 grid (the first n cells), then the largest radii those centers allow.
    cells = [((col + 0.5) / 6, (row + 0.5) / 5) for row in range(5) for col in range(6)][:n]
    centers = np.array(cells)
    return np.column_stack([centers, largest_radii(centers)])


def largest_radii(centers):
    """Radii as large as the walls allow, then every overlapping pair shrunk in proportion."""
    radii = np.min(np.column_stack([centers, 1 - centers]), axis=1)
    for i in range(len(centers)):
        for j in range(i + 1, len(centers)):
            distance = np.hypot(*(centers[i] - centers[j]))
            if radii[i] + radii[j] > distance:
                scale = distance / (radii[i] + radii[j])
                radii[i] *= scale
                radii[j] *= scale
    return radii * (1 - 1e-12)  # a hair smaller, so that rounding never makes two circles touch past zero
# EVOLVE-BLOCK-END


if __name__ == "__main__":
    circles = pack_circles()
    print(f"{len(circles)} circles, sum of radii {circles[:, 2].sum():.6f}")
