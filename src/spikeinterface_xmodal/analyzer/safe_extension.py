"""An analyzer extension whose saved results survive a failed recompute and a process killed while saving."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from time import perf_counter

from spikeinterface.core.sortinganalyzer import AnalyzerExtension

from ..atomic_paths import fsync_tree, swap_in

#: Prefix of the hidden folder, in the analyzer folder, where a binary-folder extension is written before the swap.
STAGING_PREFIX = ".xmodal-staging-"


class SafeRecomputeExtension(AnalyzerExtension):
    """SpikeInterface's ``AnalyzerExtension`` with recomputes that never lose the saved results.

    SpikeInterface's own ``set_params`` clears the saved extension before checking anything, deletes it when a
    recompute fails, and ``save`` rewrites the extension folder in place. Here:

    - ``set_params`` checks every parameter and input (``_set_params`` then ``_check_inputs``) and writes
      nothing;
    - ``run`` computes in memory and saves only once the new results exist; if anything raises before, the
      previous results stay, on disk and in memory;
    - on a binary-folder analyzer, ``save`` writes the whole extension into a hidden staging folder of the
      analyzer and swaps it in at once (an atomic exchange on Linux, see ``atomic_paths.swap_in``), so a process
      killed while saving leaves the previous results readable (at worst a ``.xmodal-staging-*`` folder is left
      in the analyzer folder). Zarr analyzers are saved by SpikeInterface as they are.

    Subclasses implement SpikeInterface's ``_set_params`` / ``_run`` / ``_get_data`` and may override
    ``_check_inputs``.
    """

    _staging_folder: Path | None = None

    def set_params(self, save: bool = True, **params):
        """Check every parameter and input against the analyzer, without touching saved results."""
        self._keep_saved_results = True  # until run() succeeds; read by _delete_extension_folder
        self.params = self._set_params(**params)
        self._check_inputs()

    def _check_inputs(self) -> None:
        """Raise a clear error when the inputs do not fit (before anything saved is replaced); none by default."""

    def run(self, save: bool = True, **job_kwargs):
        """Compute in memory, then replace the saved results (the old ones stay if anything fails first)."""
        start = perf_counter()
        self._run(**job_kwargs)
        self.run_info["runtime_s"] = perf_counter() - start
        self.run_info["run_completed"] = True
        # a failed staged save leaves the previous folder whole; a failed in-place (zarr) save does not
        self._keep_saved_results = self.format == "binary_folder"
        if save and not self.sorting_analyzer.is_read_only():
            self.save()
        self._keep_saved_results = False

    def save(self):
        """Write the extension; a binary-folder one is staged whole, then swapped in."""
        if self.format != "binary_folder":
            return super().save()
        final = super()._get_binary_extension_folder()
        prefix = f"{STAGING_PREFIX}{self.extension_name}-"
        staging = Path(tempfile.mkdtemp(prefix=prefix, dir=self.sorting_analyzer.folder))
        self._staging_folder = staging / self.extension_name
        try:
            super().save()
            fsync_tree(self._staging_folder)
            final.parent.mkdir(parents=True, exist_ok=True)
            swap_in(self._staging_folder, final)
        finally:
            self._staging_folder = None
            shutil.rmtree(staging, ignore_errors=True)

    def _get_binary_extension_folder(self):
        return self._staging_folder if self._staging_folder is not None else super()._get_binary_extension_folder()

    def _delete_extension_folder(self):
        # SpikeInterface calls this when set_params or run raised: the previous results are still valid then
        if not getattr(self, "_keep_saved_results", False):
            super()._delete_extension_folder()
