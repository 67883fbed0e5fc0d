"""Text classification: name the standard-library package a Python docstring comes from."""

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier


# EVOLVE-BLOCK-START
def solve():
    """Return an unfitted scikit-learn estimator (e.g. a Pipeline) that takes raw docstrings and
    predicts package names; the evaluator fits it on the training split and scores it on the rest."""
    # Word counts of the 200 most frequent words, into a shallow decision tree.
    return make_pipeline(CountVectorizer(max_features=200), DecisionTreeClassifier(max_depth=6, random_state=0))
# EVOLVE-BLOCK-END
