"""
One-off studies: each a measurement behind a page of ``docs/`` (``python -m benchmarks.studies.<name> --help``). They
read the layers below (presets, engine, analysis); nothing in those layers imports a study, and a study imports no
other study but its own parts (the score comparison: ``score_comparison`` → ``score_study``, ``score_report``,
``score_candidates``).
"""
