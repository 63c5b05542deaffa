"""Sphinx configuration of the art_am documentation (built in CI with warnings as errors)."""

project = "art_am"
author = "The Adversarial Robustness Toolbox (ART) Authors"
copyright = "2026, The Adversarial Robustness Toolbox (ART) Authors"  # pylint: disable=redefined-builtin
extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]
nitpicky = False
html_theme = "alabaster"
