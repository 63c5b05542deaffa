"""
Installation of art_am: the project's metadata is in pyproject.toml ([project]); this file keeps the dependency
ranges (exact pins only in constraints.txt). The version has one source, art_am/__init__.py (read by pyproject.toml).
"""

from setuptools import setup

INSTALL_REQUIRES = [
    "adversarial-robustness-toolbox>=1.17.1,<1.21",
    # ART 1.20.1 imports packaging without declaring it.
    "packaging",
    "numpy>=1.24",
    "pillow>=9.1",  # packed JPEG datasets (Image.Resampling)
    "scikit-learn>=1.2",
    "scipy>=1.10",
    "torch>=2.1",
    "torchvision>=0.16",
    "tqdm>=4.60",
]

EXTRAS_REQUIRE = {
    # Ray runs the benchmark's jobs on many cores, machines or a Slurm allocation (--executor ray).
    "benchmarks": ["matplotlib>=3.7", "ray>=2.9"],
    "dev": [
        "pytest>=7.4",
        "pytest-cov>=4.1",
        "hypothesis>=6.100",
        "coverage>=7.3",
        "black>=24.1",
        "ruff>=0.4",
        "mypy>=1.8",
        "sphinx>=7.2",
        "myst-parser>=2.0",
        "build>=1.0",
        "pycodestyle>=2.11",
        "pylint>=3.0",
    ],
}

setup(install_requires=INSTALL_REQUIRES, extras_require=EXTRAS_REQUIRE)
