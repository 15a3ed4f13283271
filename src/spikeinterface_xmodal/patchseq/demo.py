"""The Patch-seq demo: generated sweeps -> IPFX features -> subclass model -> predictions written into NWB files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

DEMO_TAXONOMY = "xmodal synthetic interneuron subclasses"


def _write_cells(cells, folder: Path) -> list[Path]:
    from ..datasets.patchseq_nwb import write_patchseq_nwb

    folder.mkdir(parents=True, exist_ok=True)
    return [write_patchseq_nwb(cell, folder / f"{cell.cell_id}.nwb", overwrite=True) for cell in cells]


def run_patchseq_demo(output_folder: str | Path = "xmodal_demo/patchseq", n_cells: int = 5, seed: int = 0) -> dict:
    """Run the Patch-seq job end to end on generated cells.

    Generates ``n_cells`` training cells and one held-out cell per subclass (Lamp5, Pvalb, Sst, Vip) with the
    Hodgkin-Huxley-type generator, writes each to an icephys NWB file, extracts IPFX features from the files,
    trains a ``GouwensClassifier`` on the training cells and saves it as a model folder, then loads it with
    ``load_model`` and runs ``predict_cells`` on the held-out files, which writes a ``CellSubclassPredictionTable``
    into each; finally reads the tables back and prints them beside the true subclasses.

    Parameters
    ----------
    output_folder : str or Path, default: "xmodal_demo/patchseq"
        Where ``train/``, ``held_out/`` (NWB files), ``features.csv``, ``model/`` and ``demo_results.json`` go.
    n_cells : int, default: 5
        Training cells per subclass.
    seed : int, default: 0
        Seed of the cells and of the model.

    Returns
    -------
    dict
        Held-out accuracy, predictions and the paths written.
    """
    from ..datasets.patchseq_cells import generate_patchseq_cells
    from ..model_kinds import load_model
    from ..nwb.readers import read_predictions
    from .estimators import GouwensClassifier
    from .features import extract_features
    from .model_kinds import save_patchseq_model
    from .predict import predict_cells

    if n_cells < 2:
        raise ValueError(f"The Patch-seq demo needs at least two training cells per subclass, got {n_cells}")
    started = time.perf_counter()
    output_folder = Path(output_folder)
    print(f"Generating {n_cells} training cells and 1 held-out cell per subclass (Hodgkin-Huxley-type model)...")
    cells = generate_patchseq_cells(n_cells_per_subclass=n_cells + 1, seed=seed)
    held_out = [cell for i, cell in enumerate(cells) if i % (n_cells + 1) == n_cells]
    train = [cell for cell in cells if cell not in held_out]
    train_paths = _write_cells(train, output_folder / "train")
    held_out_paths = _write_cells(held_out, output_folder / "held_out")

    print(f"Extracting IPFX features from {len(train_paths)} NWB files...")
    features = extract_features(train_paths)
    features["subclass"] = [cell.subclass for cell in train]
    features.to_csv(output_folder / "features.csv", index=False)
    X = features.drop(columns=["filename", "cell_id", "nan_reason", "subclass"])

    print("Training a GouwensClassifier (sparse PCA per feature family + balanced random forest)...")
    model = GouwensClassifier(random_state=seed).fit(X, features["subclass"])
    model_folder = save_patchseq_model(
        model, output_folder / "model", training=dict(cells=len(train), source="generate_patchseq_cells"),
        overwrite=True,
    )  # fmt: skip
    model = load_model(model_folder)

    print("Predicting the held-out cells and writing the predictions into their NWB files...")
    predict_cells(held_out_paths, model_folder, overwrite=True, taxonomy=DEMO_TAXONOMY)
    print(f"\n  {'file':<16}{'true':>8}{'predicted':>11}{'probability':>13}")
    rows = []
    for cell, path in zip(held_out, held_out_paths, strict=True):
        stored = read_predictions(path)["cell_subclass"]
        predicted = str(stored["predicted_subclass"].iloc[0])
        probability = float(stored[f"p_{predicted}"].iloc[0])
        rows.append(dict(file=str(path), true=cell.subclass, predicted=predicted, probability=probability))
        print(f"  {path.name:<16}{cell.subclass:>8}{predicted:>11}{probability:>13.2f}")
    accuracy = float(np.mean([row["true"] == row["predicted"] for row in rows]))
    results = dict(
        held_out_accuracy=accuracy,
        predictions=rows,
        classes=[str(c) for c in model.classes_],
        model_folder=str(model_folder),
        features=str(output_folder / "features.csv"),
        runtime_s=time.perf_counter() - started,
    )
    (output_folder / "demo_results.json").write_text(json.dumps(results, indent=2))
    print(f"  held-out accuracy {accuracy:.2f} ({len(rows)} cells); tables in processing/icephys/cell_subclass")
    print(f"Done in {results['runtime_s']:.0f} s.")
    return results
