"""0/1 knapsack: choose items whose total weight fits the capacity and whose total value is largest."""


def total_weight(items, chosen):
    return sum(items[i][0] for i in chosen)


# EVOLVE-BLOCK-START
def solve(items, capacity):
    """Return the indices of the chosen items; items is a list of (weight, value) tuples."""
    # Greedy by value per unit of weight: optimal for fractional knapsack, not for 0/1.
    order = sorted(range(len(items)), key=lambda i: items[i][1] / items[i][0], reverse=True)
    chosen = []
    for i in order:
        if total_weight(items, chosen) + items[i][0] <= capacity:
            chosen.append(i)
    return chosen
# EVOLVE-BLOCK-END


if __name__ == "__main__":
    print(solve([(7, 49), (12, 30), (4, 19)], 15))
