# The system prompt the evaluator gives the model before each question. Only the text between
# the markers evolves; the evaluator reads PROMPT from this file without running it.
# EVOLVE-BLOCK-START
PROMPT = """You are a helpful assistant."""
# EVOLVE-BLOCK-END
