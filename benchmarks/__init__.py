"""Benchmarks of art_am: defences against model-stealing attacks, the paper's comparisons."""
