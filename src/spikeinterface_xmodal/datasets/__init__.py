"""Synthetic multi-region probe sessions (LFP, wide-band recording, ground-truth units) and real layouts.

See ``docs/datasets.md`` for what the generator models and what it does not.
"""

from .._lazy import lazy_attributes
from .ibl_layouts import allen_to_coarse, load_ibl_layouts
from .layouts import COARSE_REGIONS, RegionLayout, builtin_layouts
from .out_of_brain import OutOfBrain
from .patchseq_cells import SyntheticCell, generate_patchseq_cells
from .patchseq_nwb import write_patchseq_nwb
from .profiles import LAB_PRESETS, LabProfile, SubjectVariation
from .session_nwb import write_session_nwb
from .sessions import RegionSession, generate_region_session, generate_region_sessions

# latent-dynamics sessions (spikes, LFP, behaviour for distillation) load on first use
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "LatentSession": ".latent_sessions",
        "TrialTiming": ".latent_sessions",
        "generate_latent_session": ".latent_sessions",
        "generate_latent_sessions": ".latent_sessions",
        "read_latent_session_nwb": ".latent_sessions_nwb",
        "write_latent_session_nwb": ".latent_sessions_nwb",
    },
)

__all__ = [
    "COARSE_REGIONS",
    "LAB_PRESETS",
    "LabProfile",
    "LatentSession",
    "OutOfBrain",
    "RegionLayout",
    "RegionSession",
    "SubjectVariation",
    "SyntheticCell",
    "TrialTiming",
    "allen_to_coarse",
    "builtin_layouts",
    "generate_latent_session",
    "generate_latent_sessions",
    "generate_patchseq_cells",
    "generate_region_session",
    "generate_region_sessions",
    "load_ibl_layouts",
    "read_latent_session_nwb",
    "write_latent_session_nwb",
    "write_patchseq_nwb",
    "write_session_nwb",
]
