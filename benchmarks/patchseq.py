"""Patch-seq electrophysiology -> transcriptomic subclass, on the real published feature tables.

Estimators: ``random_forest`` (the plain baseline: median imputation + class-balanced random forest on the scalar
features), ``gouwens`` (families -> sparse PCA -> balanced forest), ``family_attention`` (attention BiLSTM over
family tokens). Sections:

- mouse VISp, 4 and 5 classes, cross-validation grouped by donor (StratifiedGroupKFold, 5 folds);
- mouse VISp, the published protocol: random stratified 60/20/20 splits x 10 runs, 5 classes; the models are
  fitted on the 60 % and scored on the 20 % test part (the 20 % validation part is unused: no hyper-parameter is
  selected on it; the attention model early-stops on its own split of the 60 %);
- human MTG, 4 classes, grouped by donor (5 folds x repeats), on all 93 human features;
- transfer: human cells on the 20 harmonised features (``patchseq/data/harmonisation.csv``), trained on 10, 25,
  50 and 100 % of the training donors' cells; human-only models beside the mouse-pretrained, human-fine-tuned
  attention model, and the random forest on all human features as the reference;
- fit / predict time per estimator (mouse 4 classes, one fold), as a ratio to the plain random forest.

Rerun:  nice -n 10 python benchmarks/patchseq.py [--data ../shared/data/patchseq] [--sections ...] [--quick]
        (sections may run in parallel processes; each adds its entries to the same JSON)
Writes: benchmarks/results/patchseq.json and benchmarks/results/patchseq_*.png
"""

from __future__ import annotations

import argparse
import fcntl
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold, train_test_split
from threadpoolctl import threadpool_limits

from machine_info import machine_info
from spikeinterface_xmodal import __version__
from spikeinterface_xmodal.patchseq.attention import FamilyAttentionClassifier
from spikeinterface_xmodal.patchseq.estimators import GouwensClassifier, RandomForestBaseline
from spikeinterface_xmodal.patchseq.harmonisation import harmonised_families
from spikeinterface_xmodal.patchseq.plotting import plot_confusion_matrix, plot_family_attention
from spikeinterface_xmodal.patchseq.tables import load_human_mtg, load_mouse_visp
from spikeinterface_xmodal.patchseq.transfer import (
    fine_tuned_classifier,
    harmonised_table,
    pretrain_source_model,
)

RESULTS = Path(__file__).parent / "results"
PUBLISHED = {
    "mouse_random_forest_macro_f1": 0.873,
    "mouse_bilstm_attention_macro_f1": 0.874,
    "mouse_5class_bilstm_attention_smote_macro_f1": 0.886,
    "human_only_macro_f1": 0.675,
    "transfer_macro_f1": 0.680,
    "transfer_comparison_human_only_macro_f1": 0.658,
    "source": "Gouwens et al. 2020 (Cell); Schwider et al., arXiv 2603.11000 (60/20/20 x 10 random splits)",
}
FRACTIONS = (0.1, 0.25, 0.5, 1.0)


ESTIMATORS = ("random_forest", "gouwens", "family_attention")


def estimators(
    args: argparse.Namespace,
    seed: int,
    families: dict | None = None,
    oversample: str | None = None,
    names: tuple[str, ...] = ESTIMATORS,
) -> dict:
    """Fresh, unfitted estimators of the comparison (``names`` of them)."""
    makers = {
        "random_forest": lambda: RandomForestBaseline(
            n_estimators=args.n_estimators, random_state=seed, oversample=oversample
        ),
        "gouwens": lambda: GouwensClassifier(
            families=families, n_estimators=args.n_estimators, random_state=seed, oversample=oversample
        ),
        "family_attention": lambda: FamilyAttentionClassifier(
            families=families, max_epochs=args.max_epochs, random_state=seed, oversample=oversample
        ),
    }
    return {name: makers[name]() for name in names}


def scores(y_true, y_pred) -> dict:
    return dict(
        macro_f1=float(f1_score(y_true, y_pred, average="macro")), accuracy=float(accuracy_score(y_true, y_pred))
    )


def summarise(per_split: list[dict]) -> dict:
    """Mean over splits of macro-F1 and accuracy, with the standard deviation of macro-F1."""
    f1 = [s["macro_f1"] for s in per_split]
    return dict(
        macro_f1=round(float(np.mean(f1)), 4),
        macro_f1_sd=round(float(np.std(f1)), 4),
        accuracy=round(float(np.mean([s["accuracy"] for s in per_split])), 4),
        n_splits=len(per_split),
    )


def fit_and_score(model, X, y, train, test) -> tuple[dict, np.ndarray, float, float]:
    """Fit on ``train``, predict ``test``: scores, predictions, fit and predict seconds."""
    start = time.perf_counter()
    model.fit(X.iloc[train], y.iloc[train])
    fitted = time.perf_counter()
    predicted = model.predict(X.iloc[test])
    return scores(y.iloc[test], predicted), predicted, fitted - start, time.perf_counter() - fitted


def donor_cv(table, args, splits, families=None, keep=None) -> dict:
    """Grouped cross-validation of every estimator: summaries, out-of-fold predictions, attention, timings."""
    X, y = table.features, table.labels
    out = {}
    for name in estimators(args, 0):
        per_split, predicted, attention, times = [], np.empty(len(y), dtype=object), {}, []
        for fold, (train, test) in enumerate(splits):
            model = estimators(args, fold, families)[name]
            result, labels, fit_s, predict_s = fit_and_score(model, X, y, train, test)
            per_split.append(result)
            predicted[test] = labels
            times.append((fit_s, predict_s))
            if name == "family_attention":
                attention.update(zip(test, model.attention_, strict=True))
                out["families"] = list(model.families_)
        out[name] = dict(
            summary=summarise(per_split),
            predicted=predicted,
            times=times,
            attention=np.array([attention[i] for i in range(len(y))]) if attention else None,
        )
        print(f"  {name}: {out[name]['summary']}", flush=True)
    return out


def grouped_splits(table, n_splits: int, repeats: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        split
        for repeat in range(repeats)
        for split in StratifiedGroupKFold(n_splits, shuffle=True, random_state=repeat).split(
            table.features, table.labels, table.donors
        )
    ]


def published_protocol(table, args) -> dict:
    """The published protocol, 5 classes: random stratified 60/20/20 splits (by cell) x ``args.runs``.

    Every estimator is fitted on the 60 % part, with and without SMOTE (``oversample="smote"``, applied inside
    ``fit`` to the training cells only), and scored on the 20 % validation and the 20 % test part. The
    ``<estimator>_val_selected`` entries take, run by run, whichever of the two variants scored the higher
    validation macro-F1: the choice is made on the validation part only, the test part is scored once.
    """
    indices = np.arange(len(table))
    val: dict[str, list[dict]] = {}
    test: dict[str, list[dict]] = {}
    for run in range(args.runs):
        train, rest = train_test_split(indices, train_size=0.6, stratify=table.labels, random_state=run)
        valid, held_out = train_test_split(rest, test_size=0.5, stratify=table.labels.iloc[rest], random_state=run)
        for oversample in (None, "smote"):
            for name, model in estimators(args, run, oversample=oversample, names=args.published_estimators).items():
                name = name if oversample is None else f"{name}_smote"
                model.fit(table.features.iloc[train], table.labels.iloc[train])
                for rows, store in ((valid, val), (held_out, test)):
                    store.setdefault(name, []).append(
                        scores(table.labels.iloc[rows], model.predict(table.features.iloc[rows]))
                    )
        print(f"  run {run}: " + ", ".join(f"{k} {v[-1]['macro_f1']:.3f}" for k, v in test.items()), flush=True)
    result = {
        name: {**summarise(runs), "val_macro_f1": summarise(val[name])["macro_f1"]} for name, runs in test.items()
    }
    for name in args.published_estimators:
        chosen = [
            "smote" if s["macro_f1"] > p["macro_f1"] else "none"
            for p, s in zip(val[name], val[f"{name}_smote"], strict=True)
        ]
        picked = [test[f"{name}_smote" if c == "smote" else name][run] for run, c in enumerate(chosen)]
        result[f"{name}_val_selected"] = {**summarise(picked), "smote_chosen_in_runs": chosen.count("smote")}
    result["protocol"] = dict(
        split="random, stratified by subclass, by cell: 60 % train, rest halved (validation, test); seeds 0..runs-1",
        classes=sorted(set(table.labels)),
        cells=len(table),
        cells_per_class={k: int(v) for k, v in table.labels.value_counts().items()},
        features=f"{table.features.shape[1]} scalar IPFX features of the mouse table (no feature vectors)",
        fitted_on="the 60 % part; validation (20 %) used only to choose SMOTE or not (the *_val_selected rows)",
    )
    return result


TRANSFER_ESTIMATORS = ("random_forest", "random_forest_all_features", "family_attention", "family_attention_transfer")


def transfer(mouse, human, human_all, args) -> tuple[dict, float | None]:
    """Human-only vs mouse-pretrained models on fractions of the human training cells, grouped by donor."""
    families = harmonised_families()
    source, pretrain_s = None, None
    if "family_attention_transfer" in args.transfer_estimators:
        start = time.perf_counter()
        source = pretrain_source_model(mouse, max_epochs=args.max_epochs)
        pretrain_s = time.perf_counter() - start
    makers = {
        "random_forest": lambda i: (RandomForestBaseline(n_estimators=args.n_estimators, random_state=i), human),
        "random_forest_all_features": lambda i: (
            RandomForestBaseline(n_estimators=args.n_estimators, random_state=i),
            human_all,
        ),
        "family_attention": lambda i: (
            FamilyAttentionClassifier(families=families, max_epochs=args.max_epochs, random_state=i),
            human,
        ),
        "family_attention_transfer": lambda i: (fine_tuned_classifier(source, random_state=i), human),
    }
    splits = grouped_splits(human, 5, args.repeats)
    results: dict[str, dict[str, list[float]]] = {}
    for i, (train, test) in enumerate(splits):
        for fraction in FRACTIONS:
            subset = train
            if fraction < 1.0:
                subset = train_test_split(
                    train, train_size=fraction, stratify=human.labels.iloc[train], random_state=i
                )[0]
            for name in args.transfer_estimators:
                model, table = makers[name](i)
                result = fit_and_score(model, table.features, table.labels, subset, test)[0]
                results.setdefault(str(fraction), {}).setdefault(name, []).append(result["macro_f1"])
    summary = {
        fraction: {
            name: dict(
                macro_f1_mean=round(float(np.mean(v)), 4), macro_f1_sd=round(float(np.std(v)), 4), n_splits=len(v)
            )
            for name, v in by_name.items()
        }
        for fraction, by_name in results.items()
    }
    return summary, pretrain_s


def timing(cv: dict) -> dict:
    """Mean fit / predict seconds per fold, and their ratio to the plain random forest's."""
    means = {name: np.mean(cv[name]["times"], axis=0) for name in ("random_forest", "gouwens", "family_attention")}
    floor_fit, floor_predict = means["random_forest"]
    return {
        name: dict(
            fit_s=round(float(fit), 2),
            predict_s=round(float(predict), 3),
            fit_ratio_to_random_forest=round(float(fit / floor_fit), 2),
            predict_ratio_to_random_forest=round(float(predict / floor_predict), 2),
        )
        for name, (fit, predict) in means.items()
    }


def confusion_figure(cv: dict, y, classes: list[str], title: str, path: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ax, name in zip(axes, ("random_forest", "gouwens", "family_attention"), strict=True):
        f1 = cv[name]["summary"]["macro_f1"]
        plot_confusion_matrix(y, cv[name]["predicted"], labels=classes, title=f"{title}: {name} (F1 {f1:.3f})", ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def attention_figure(cv: dict, y, title: str, path: Path) -> None:
    fig = plot_family_attention(cv["family_attention"]["attention"], cv["families"], y, title=title)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def strip(cv: dict) -> dict:
    return {name: value["summary"] for name, value in cv.items() if isinstance(value, dict)}


SECTIONS = ("mouse4", "mouse5", "published", "human", "transfer")


def run_section(section: str, args: argparse.Namespace, out_dir: Path) -> dict:
    """One section's JSON entries; its figures are written to ``out_dir``."""
    if section in ("mouse4", "mouse5", "published"):
        n = 4 if section == "mouse4" else 5
        mouse = load_mouse_visp(args.data, n_classes=n)
        if section == "published":
            return {"mouse_published_protocol": published_protocol(mouse, args)}
        cv = donor_cv(mouse, args, grouped_splits(mouse, 5, 1))
        classes = sorted(set(mouse.labels))
        confusion_figure(cv, mouse.labels, classes, f"mouse {n}", out_dir / f"patchseq_confusion_mouse{n}.png")
        entries = {f"mouse_{n}class_donor_cv": strip(cv)}
        if n == 4:
            attention_figure(
                cv, mouse.labels, "mouse 4 classes, out-of-fold", out_dir / "patchseq_attention_mouse4.png"
            )
            entries["timing_mouse_4class"] = timing(cv)
        return entries
    human = load_human_mtg(args.data)
    if section == "human":
        cv = donor_cv(human, args, grouped_splits(human, 5, args.repeats))
        classes = sorted(set(human.labels))
        confusion_figure(cv, human.labels, classes, "human", out_dir / "patchseq_confusion_human.png")
        attention_figure(cv, human.labels, "human, out-of-fold", out_dir / "patchseq_attention_human.png")
        return {"human_4class_donor": strip(cv)}
    mouse = load_mouse_visp(args.data, n_classes=4)
    summary, pretrain_s = transfer(harmonised_table(mouse), harmonised_table(human), human, args)
    entries = {"transfer": summary}
    if pretrain_s is not None:
        entries["transfer_mouse_pretraining_s"] = round(pretrain_s, 1)
    return entries


# entries that parallel processes fill in part (settings per section, estimators of the published protocol and
# of transfer): merged key by key into what the JSON holds
MERGED_KEYS = ("settings", "mouse_published_protocol", "transfer")


def deep_merge(old: dict, new: dict) -> dict:
    """``old`` updated with ``new``, nested dictionaries merged key by key."""
    merged = dict(old)
    for key, value in new.items():
        both = isinstance(value, dict) and isinstance(old.get(key), dict)
        merged[key] = deep_merge(old[key], value) if both else value
    return merged


def merge_into(path: Path, entries: dict) -> None:
    """Add ``entries`` to the JSON at ``path`` (sections may run in parallel processes: the update is locked)."""
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = json.loads(path.read_text()) if path.is_file() else {}
        for key, value in entries.items():
            if key in MERGED_KEYS and isinstance(result.get(key), dict):
                result[key] = deep_merge(result[key], value)
            else:
                result[key] = value
        path.write_text(json.dumps(result, indent=2))
    path.with_suffix(".lock").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="folder of the tables (default: $XMODAL_PATCHSEQ_DATA)")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="parts to run")
    parser.add_argument("--n-estimators", type=int, default=300, help="trees of every forest")
    parser.add_argument("--max-epochs", type=int, default=150, help="epochs cap of the attention model")
    parser.add_argument("--runs", type=int, default=10, help="runs of the published 60/20/20 protocol")
    parser.add_argument(
        "--published-estimators",
        nargs="+",
        choices=ESTIMATORS,
        default=list(ESTIMATORS),
        help="estimators of the published-protocol section (each with and without SMOTE)",
    )
    parser.add_argument(
        "--transfer-estimators",
        nargs="+",
        choices=TRANSFER_ESTIMATORS,
        default=list(TRANSFER_ESTIMATORS),
        help="models of the transfer section",
    )
    parser.add_argument("--repeats", type=int, default=2, help="repeats of the human 5-fold donor CV")
    parser.add_argument("--quick", action="store_true", help="small settings, to check that the script runs")
    parser.add_argument("--out", default=str(RESULTS / "patchseq.json"), help="JSON to add the sections to")
    args = parser.parse_args()
    if args.quick:
        args.n_estimators, args.max_epochs, args.runs, args.repeats = 20, 5, 1, 1
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for section in args.sections:
        print(section, flush=True)
        start = time.perf_counter()
        with threadpool_limits(limits=1):
            entries = run_section(section, args, out.parent)
        settings = dict(
            n_estimators=args.n_estimators,
            max_epochs=args.max_epochs,
            wall_s=round(time.perf_counter() - start, 1),
            quick=args.quick,
        )
        if section == "published":
            settings.update(runs=args.runs, estimators=list(args.published_estimators))
        if section in ("human", "transfer"):
            settings["repeats_of_5_donor_folds"] = args.repeats
        if section == "transfer":
            settings["estimators"] = list(args.transfer_estimators)
        label = section
        chosen = {
            "published": (args.published_estimators, ESTIMATORS),
            "transfer": (args.transfer_estimators, TRANSFER_ESTIMATORS),
        }
        if section in chosen and tuple(chosen[section][0]) != chosen[section][1]:
            label = f"{section}:" + "+".join(chosen[section][0])
        entries["settings"] = {label: settings}
        entries.update(
            published=PUBLISHED,
            threads="1 BLAS/OpenMP and 1 torch thread per process, nice -n 10, 2 cores shared with other jobs",
            machine=machine_info(),
            package_version=__version__,
        )
        merge_into(out, entries)
        print(json.dumps({k: v for k, v in entries.items() if k not in ("machine", "published")}, indent=1), flush=True)


if __name__ == "__main__":
    main()
