"""What every benchmark JSON records about the machine and the libraries that produced it."""

from __future__ import annotations

import os
import platform

import numpy as np
import sklearn
import spikeinterface


def machine_info() -> dict:
    """Platform, CPU count, Python and the versions of the numerical libraries."""
    return dict(
        platform=platform.platform(),
        cpu_count=os.cpu_count(),
        python=platform.python_version(),
        numpy=np.__version__,
        sklearn=sklearn.__version__,
        spikeinterface=spikeinterface.__version__,
    )
