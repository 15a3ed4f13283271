"""Can mouse cells help a random forest on human cells? Forest-based transfer variants against the plain forest.

Human MTG cells, 4 aligned classes, 5-fold CV grouped by donor, trained on 10, 25, 50 and 100 % of the training
donors' cells (the splits of ``benchmarks/patchseq.py``'s transfer section, first repeat). Variants:

- ``random_forest_all_features``: the plain class-balanced forest on the 93 human features (the reference);
- ``random_forest``: the same on the 20 harmonised features;
- ``pooled_raw``: one forest on the mouse and human cells together (20 harmonised features as they are), the mouse
  cells weighing 0.3 times the human training cells in total;
- ``pooled_rank_normalised``: the same after mapping each species' features to a standard normal by rank on its
  own (as the attention transfer refits its normalisation);
- ``stacked_mouse_probabilities``: the forest on the 93 human features plus the 4 class probabilities of a forest
  trained on the mouse cells only (human cells rank-normalised on the human training cells before it reads them).

Rerun:  nice -n 10 python benchmarks/patchseq_transfer_variants.py [--data ../shared/data/patchseq]
Writes: benchmarks/results/patchseq_transfer_variants.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer
from threadpoolctl import threadpool_limits

from machine_info import machine_info
from spikeinterface_xmodal.patchseq.tables import load_human_mtg, load_mouse_visp
from spikeinterface_xmodal.patchseq.transfer import harmonised_table

RESULTS = Path(__file__).parent / "results"
FRACTIONS = (0.1, 0.25, 0.5, 1.0)
MOUSE_WEIGHT = 0.3  # total weight of the mouse cells relative to the human training cells


def forest(n_estimators: int, seed: int):
    return make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        RandomForestClassifier(n_estimators, class_weight="balanced", random_state=seed),
    )


def rank_normaliser(X: np.ndarray) -> QuantileTransformer:
    n_quantiles = min(1000, len(X))
    return QuantileTransformer(n_quantiles=n_quantiles, output_distribution="normal", random_state=0).fit(X)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="folder of the tables (default: $XMODAL_PATCHSEQ_DATA)")
    parser.add_argument("--n-estimators", type=int, default=200, help="trees of every forest")
    args = parser.parse_args()
    start = time.perf_counter()
    mouse = harmonised_table(load_mouse_visp(args.data, n_classes=4))
    human_all = load_human_mtg(args.data)
    human = harmonised_table(human_all)
    Xm, ym = mouse.features[list(human.features.columns)].to_numpy(), mouse.labels.to_numpy()
    Xh, Xa, yh = human.features.to_numpy(), human_all.features.to_numpy(), human.labels.to_numpy()
    Xm_ranked = rank_normaliser(Xm).transform(Xm)
    mouse_forest = forest(args.n_estimators, 0).fit(Xm_ranked, ym)
    scores: dict[tuple[float, str], list[float]] = {}
    splits = StratifiedGroupKFold(5, shuffle=True, random_state=0).split(Xh, yh, human.donors)
    with threadpool_limits(limits=1):
        for i, (train, test) in enumerate(splits):
            for fraction in FRACTIONS:
                rows = train
                if fraction < 1.0:
                    rows = train_test_split(train, train_size=fraction, stratify=yh[train], random_state=i)[0]
                weights = np.concatenate([np.full(len(ym), MOUSE_WEIGHT * len(rows) / len(ym)), np.ones(len(rows))])
                ranker = rank_normaliser(Xh[rows])
                proba_rows, proba_test = (mouse_forest.predict_proba(ranker.transform(Xh[r])) for r in (rows, test))
                pooled_y = np.concatenate([ym, yh[rows]])
                fits = {
                    "random_forest_all_features": (Xa[rows], yh[rows], None, Xa[test]),
                    "random_forest": (Xh[rows], yh[rows], None, Xh[test]),
                    "pooled_raw": (np.vstack([Xm, Xh[rows]]), pooled_y, weights, Xh[test]),
                    "pooled_rank_normalised": (
                        np.vstack([Xm_ranked, ranker.transform(Xh[rows])]),
                        pooled_y,
                        weights,
                        ranker.transform(Xh[test]),
                    ),
                    "stacked_mouse_probabilities": (
                        np.hstack([Xa[rows], proba_rows]),
                        yh[rows],
                        None,
                        np.hstack([Xa[test], proba_test]),
                    ),
                }
                for name, (X_fit, y_fit, w, X_test) in fits.items():
                    model = forest(args.n_estimators, i).fit(X_fit, y_fit, randomforestclassifier__sample_weight=w)
                    scores.setdefault((fraction, name), []).append(
                        float(f1_score(yh[test], model.predict(X_test), average="macro"))
                    )
            print(f"fold {i} done", flush=True)
    result = {
        "transfer_variants": {
            str(fraction): {
                name: dict(
                    macro_f1_mean=round(float(np.mean(v)), 4),
                    macro_f1_sd=round(float(np.std(v)), 4),
                    n_splits=len(v),
                )
                for (f, name), v in scores.items()
                if f == fraction
            }
            for fraction in FRACTIONS
        },
        "settings": dict(
            n_estimators=args.n_estimators,
            folds="5-fold StratifiedGroupKFold by donor (random_state 0), one repeat",
            mouse_weight=MOUSE_WEIGHT,
            wall_s=round(time.perf_counter() - start, 1),
        ),
        "threads": "1 BLAS/OpenMP thread, nice -n 10, 2 cores shared with other jobs",
        "machine": machine_info(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "patchseq_transfer_variants.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result["transfer_variants"], indent=1))


if __name__ == "__main__":
    main()
