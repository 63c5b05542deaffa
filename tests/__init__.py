"""The test suite of art_am. A regular package, so that ``tests`` is this folder even where an installed wheel
(ART 1.17-1.19 ships a top-level ``tests`` package) puts another ``tests`` on the import path."""
