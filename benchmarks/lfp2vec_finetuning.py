"""Why Lfp2Vec fine-tuning predicted one class everywhere: the same small encoder under other budgets and heads.

A diagnostic, not the pipeline: windows of generated sessions are held in memory and the ``small`` classifier is
fine-tuned with a plain loop (AdamW, class-balanced cross-entropy on windows, as ``Lfp2VecRegionModule``), so that
settings can be compared quickly; channel predictions are the mean of their windows' probabilities (as
``pool_windows``), scored by balanced accuracy on held-out sessions of the same lab. Beside it, the two spectral
baselines on the same split.

Sessions: 6 subjects of lab_a, one session each (30 s, 48 channels, one built-in layout by default); the first 4
train (the baselines too), the last 2 are scored.

Run (one JSON object of ``Diagnosis.experiment`` arguments per experiment; each prints one line, all go to --out):
    python benchmarks/lfp2vec_finetuning.py '{"name": "18 steps", "steps": 18}' \\
        '{"name": "200 steps", "steps": 200}' '{"name": "200 steps + depth", "steps": 200, "depth": true}' \\
        '{"name": "frozen random encoder + depth", "steps": 200, "depth": true, "freeze": true}'
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import balanced_accuracy_score
from torch.nn import functional as F

from machine_info import machine_info
from spikeinterface_xmodal.datasets import builtin_layouts, generate_region_sessions
from spikeinterface_xmodal.models.lfp2vec import Lfp2VecClassifier, small_config, zscore_windows
from spikeinterface_xmodal.preprocessing import sample_windows
from spikeinterface_xmodal.training import fit_region_baseline

N_WINDOWS = 8
WINDOW = 7500  # 3 s at 2500 Hz


def _windows(session) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n_windows, n_channels, samples) raw windows, the channels' regions and depths."""
    starts = sample_windows(session.lfp, 3.0, N_WINDOWS, 0)["start_frame"]
    traces = session.lfp.get_traces().astype("float32")
    waveforms = np.stack([traces[a : a + WINDOW].T for a in starts])
    return (
        waveforms,
        np.asarray(session.lfp.get_property("brain_area"), dtype=str),
        session.lfp.get_channel_locations()[:, 1],
    )


class Diagnosis:
    """The data of one split and ``experiment`` to fine-tune and score under given settings."""

    def __init__(self, layout: str):
        layouts = list(builtin_layouts().values()) if layout == "builtin" else [layout]
        sessions = generate_region_sessions(
            n_subjects=6, duration_s=30.0, seed=0, layouts=layouts, channel_step=8, labs=("lab_a",)
        )
        self.train, self.test = sessions[:4], sessions[4:]
        train = [_windows(s) for s in self.train]
        self.test_windows = [_windows(s) for s in self.test]
        self.classes = sorted(set(np.concatenate([labels for _, labels, _ in train])))
        index = {c: i for i, c in enumerate(self.classes)}
        self.x = torch.from_numpy(np.concatenate([w.reshape(-1, WINDOW) for w, _, _ in train]))
        self.y = torch.tensor(
            np.concatenate([[index[c] for c in np.tile(labels, N_WINDOWS)] for _, labels, _ in train])
        )
        depths = np.concatenate([np.tile(d, N_WINDOWS) for _, _, d in train])
        self.depth_mean, self.depth_std = depths.mean(), depths.std()
        self.depths = torch.tensor((depths - self.depth_mean) / self.depth_std, dtype=torch.float32)
        counts = np.bincount(self.y.numpy(), minlength=len(self.classes))
        self.weights = torch.tensor(counts.sum() / (len(self.classes) * counts), dtype=torch.float32)
        self.results: list[dict] = []

    def baselines(self) -> dict:
        """Balanced accuracy of the spectral baselines trained on the same sessions."""
        out = {}
        for name, feature_set in (("position_only", "position"), ("band_power+depth", "band_power+depth")):
            model = fit_region_baseline([s.lfp for s in self.train], feature_set=feature_set, n_windows=N_WINDOWS)
            scores = [
                balanced_accuracy_score(labels, model.predict(s.lfp, n_windows=N_WINDOWS, smoothing=False).labels)
                for s, (_, labels, _) in zip(self.test, self.test_windows, strict=True)
            ]
            out[name] = round(float(np.mean(scores)), 3)
        return out

    def experiment(
        self, name: str, steps: int = 200, lr: float = 1e-3, batch: int = 32, depth: bool = False, freeze: bool = False
    ) -> dict:
        """Fine-tune a fresh ``small`` classifier for ``steps`` AdamW steps; score channels of the test sessions."""
        torch.manual_seed(0)
        rng = np.random.default_rng(0)
        config = small_config()
        model = Lfp2VecClassifier(config, len(self.classes))
        head = torch.nn.Linear(config.classifier_proj_size + int(depth), len(self.classes))
        encoder = [] if freeze else list(model.wav2vec.wav2vec2.parameters())
        optimiser = torch.optim.AdamW(
            list(head.parameters()) + encoder + list(model.wav2vec.projector.parameters()), lr=lr, weight_decay=0.01
        )

        def logits(waveforms, depths):
            hidden = model.wav2vec.wav2vec2(zscore_windows(waveforms)).last_hidden_state
            pooled = model.wav2vec.projector(hidden).mean(1)
            return head(torch.cat([pooled, depths[:, None]], 1) if depth else pooled)

        started = time.perf_counter()
        model.train()
        losses = []
        for _ in range(steps):
            chosen = torch.from_numpy(rng.choice(len(self.x), batch, replace=False))
            loss = F.cross_entropy(logits(self.x[chosen], self.depths[chosen]), self.y[chosen], weight=self.weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        model.eval()
        scores, predicted = [], []
        with torch.inference_mode():
            for waveforms, labels, depths in self.test_windows:
                n_windows, n_channels, _ = waveforms.shape
                standardised = torch.tensor(np.tile((depths - self.depth_mean) / self.depth_std, n_windows))
                out = logits(torch.from_numpy(waveforms.reshape(-1, WINDOW)), standardised.float())
                pooled = torch.softmax(out, -1).numpy().reshape(n_windows, n_channels, -1).mean(0)
                channel_labels = np.asarray(self.classes)[pooled.argmax(1)]
                scores.append(balanced_accuracy_score(labels, channel_labels))
                predicted.append(channel_labels)
        regions, counts = np.unique(np.concatenate(predicted), return_counts=True)
        result = dict(
            name=name,
            settings=dict(steps=steps, lr=lr, batch_windows=batch, depth=depth, frozen_encoder=freeze),
            balanced_accuracy=round(float(np.mean(scores)), 3),
            loss_first_10_steps=round(float(np.mean(losses[:10])), 3),
            loss_last_10_steps=round(float(np.mean(losses[-10:])), 3),
            seconds=round(time.perf_counter() - started),
            predicted_channels=dict(zip(regions.tolist(), counts.tolist(), strict=True)),
        )
        print(json.dumps(result), flush=True)
        self.results.append(result)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("experiments", nargs="+", type=json.loads, help='JSON objects: {"name": "x", "steps": 200}')
    parser.add_argument("--layout", default="cortex_hippocampus_thalamus", help="a built-in layout or 'builtin'")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "lfp2vec_finetuning.json"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    diagnosis = Diagnosis(args.layout)
    for settings in args.experiments:
        diagnosis.experiment(**settings)
    results = dict(
        benchmark="lfp2vec_finetuning",
        layout=args.layout,
        baselines_balanced_accuracy=diagnosis.baselines(),
        experiments=diagnosis.results,
        machine=dict(machine_info(), torch=torch.__version__, load_average_1_5_15_min=os.getloadavg()),
    )
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
