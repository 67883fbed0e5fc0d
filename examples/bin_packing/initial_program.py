"""Online bin packing: items arrive one at a time and each goes into a bin at once, for good."""


# EVOLVE-BLOCK-START
def priority(item, remaining):
    """Return one priority per open bin for placing `item` (the bin with the highest priority
    that still fits takes it). `remaining` lists each open bin's free capacity; every bin in it
    can hold the item. A new bin is opened only when no open bin fits."""
    # First fit: the earliest opened bin wins.
    return [-index for index in range(len(remaining))]
# EVOLVE-BLOCK-END
