"""Installation script of art_am, an Adversarial Robustness Toolbox plugin against model stealing."""

import re
from pathlib import Path

from setuptools import find_packages, setup

# One version source: art_am/__init__.py.
VERSION = re.search(r'^__version__ = "([^"]+)"', Path("art_am/__init__.py").read_text(encoding="utf-8"), re.M).group(1)

INSTALL_REQUIRES = [
    "adversarial-robustness-toolbox>=1.17,<1.21",
    # ART 1.20.1 imports packaging without declaring it.
    "packaging",
    "numpy>=1.24",
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
    ],
}

setup(
    name="art_am",
    version=VERSION,
    description="Adaptive Misinformation, Prediction Poisoning and Deceptive Perturbation defences and the JBDA "
    "extraction attack for the Adversarial Robustness Toolbox",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["art_am", "art_am.*"]),
    package_data={"art_am.datasets": ["data/*.npz"]},
    include_package_data=True,
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS_REQUIRE,
)
