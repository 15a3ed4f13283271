"""The package's documented subpackages are reachable as attributes after ``import spikeinterface_xmodal``."""

import importlib

import pytest

import spikeinterface_xmodal as sx

SUBPACKAGES = [
    "datasets",
    "distillation",
    "nwb",
    "patchseq",
    "pipelines",
    "plotting",
    "preprocessing",
    "region_models",
    "tokenizers",
    "training",
]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_is_an_attribute_of_the_package(name):
    assert getattr(sx, name) is importlib.import_module(f"spikeinterface_xmodal.{name}")
    assert name in dir(sx)
