"""Three numbers, scored by how close they are to a hidden point."""


# EVOLVE-BLOCK-START
def guess():
    a = 0.0
    b = 0.0
    c = 0.0
    return [a, b, c]
# EVOLVE-BLOCK-END
