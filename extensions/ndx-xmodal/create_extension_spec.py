"""Generate the ``ndx-xmodal`` NWB extension spec (YAML) with the ``pynwb.spec`` builders.

Run from anywhere::

    python extensions/ndx-xmodal/create_extension_spec.py

The YAML is written to ``src/spikeinterface_xmodal/nwb/spec/``, where the package loads it on import and
from where it is packaged into the wheel. ``extensions/ndx-xmodal/spec`` is a symlink to that folder, so the
spec has exactly one copy on disk. Commit the regenerated YAML together with any change to this script.
"""

from __future__ import annotations

from pathlib import Path

from pynwb.spec import (
    NWBAttributeSpec,
    NWBDatasetSpec,
    NWBGroupSpec,
    NWBNamespaceBuilder,
    export_spec,
)

NAMESPACE = "ndx-xmodal"
VERSION = "0.2.0"  # 0.2.0: optional ood_score column and electrodes_column attribute
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "src" / "spikeinterface_xmodal" / "nwb" / "spec"


def _text_attribute(name: str, doc: str, required: bool = True) -> NWBAttributeSpec:
    return NWBAttributeSpec(name=name, doc=doc, dtype="text", required=required)


def _label_list_attribute(name: str, doc: str, dim: str, required: bool = True) -> NWBAttributeSpec:
    return NWBAttributeSpec(name=name, doc=doc, dtype="text", dims=[dim], shape=[None], required=required)


def _column(name: str, doc: str, dtype, dims: list[str], required: bool = True, inc: str = "VectorData"):
    return NWBDatasetSpec(
        name=name,
        neurodata_type_inc=inc,
        doc=doc,
        dtype=dtype,
        dims=dims,
        shape=[None] * len(dims),
        quantity=1 if required else "?",
    )


def build_types() -> list[NWBGroupSpec]:
    """Return the new data types of the namespace, base type first."""
    base = NWBGroupSpec(
        neurodata_type_def="ModelPredictionTable",
        neurodata_type_inc="DynamicTable",
        doc=(
            "Abstract base: one row per predicted object, the predicted class probabilities of a trained model "
            "and the model's provenance. Use a concrete subtype."
        ),
        attributes=[
            _label_list_attribute(
                "classes", "Class labels, in the column order of the 'probabilities' column.", "num_classes"
            ),
            _text_attribute("model_name", "Name of the trained model (its folder name)."),
            _text_attribute("model_version", "Version of the software that trained the model."),
            _text_attribute(
                "model_card",
                "The model card as a JSON string: kind, classes, settings, training data summary, metrics.",
            ),
            _text_attribute("training_data", "Short description of the data the model was trained on.", required=False),
        ],
        datasets=[
            _column(
                "probabilities",
                "Predicted probability of each class (columns follow the 'classes' attribute).",
                "float",
                ["num_rows", "num_classes"],
            ),
        ],
    )
    region = NWBGroupSpec(
        neurodata_type_def="RegionPredictionTable",
        neurodata_type_inc="ModelPredictionTable",
        doc="Predicted brain region of each electrode (for example from its LFP), with class probabilities.",
        attributes=[
            _text_attribute("ontology", "Name of the region label set, for example 'Allen CCF / Cosmos'."),
            _text_attribute(
                "electrodes_column",
                "Name of the column of the electrodes table that repeats 'predicted_region', if one was written.",
                required=False,
            ),
        ],
        datasets=[
            _column(
                "electrodes",
                "The electrode (row of the file's electrodes table) each prediction refers to.",
                "int",
                ["num_rows"],
                inc="DynamicTableRegion",
            ),
            _column("predicted_region", "Predicted region label (the most probable class).", "text", ["num_rows"]),
            _column(
                "ood_score",
                "Out-of-distribution score of each electrode's input: higher = less like the training data.",
                "float",
                ["num_rows"],
                required=False,
            ),
        ],
    )
    subclass = NWBGroupSpec(
        neurodata_type_def="CellSubclassPredictionTable",
        neurodata_type_inc="ModelPredictionTable",
        doc=(
            "Predicted cell (transcriptomic) subclass of each unit or intracellular recording / icephys "
            "electrode, with class probabilities. Exactly one of 'units', 'intracellular_recordings' or "
            "'icephys_electrode' says what the rows refer to."
        ),
        attributes=[
            _text_attribute("taxonomy", "Name of the cell-type taxonomy, for example 'Allen mouse VISp'."),
            _label_list_attribute(
                "feature_families",
                "Names of the feature families, in the column order of 'attention_weights'.",
                "num_families",
                required=False,
            ),
        ],
        datasets=[
            _column(
                "units",
                "The unit (row of the file's units table) each prediction refers to.",
                "int",
                ["num_rows"],
                required=False,
                inc="DynamicTableRegion",
            ),
            _column(
                "intracellular_recordings",
                "The intracellular recording (row of the file's intracellular_recordings table) of each row.",
                "int",
                ["num_rows"],
                required=False,
                inc="DynamicTableRegion",
            ),
            _column(
                "icephys_electrode",
                (
                    "Name of the IntracellularElectrode (the recorded cell) in /general/intracellular_ephys "
                    "each prediction refers to. A name, not an object reference, so that Zarr files stay "
                    "readable without unpickling."
                ),
                "text",
                ["num_rows"],
                required=False,
            ),
            _column("predicted_subclass", "Predicted subclass label (the most probable class).", "text", ["num_rows"]),
            _column(
                "attention_weights",
                "Model attention per feature family (columns follow the 'feature_families' attribute).",
                "float",
                ["num_rows", "num_families"],
                required=False,
            ),
        ],
    )
    return [base, region, subclass]


def main(output_dir: Path = OUTPUT_DIR) -> None:
    """Write the namespace and extensions YAML files into ``output_dir`` (default: the package's spec folder)."""
    builder = NWBNamespaceBuilder(
        name=NAMESPACE,
        version=VERSION,
        doc="Cross-modal model predictions (brain regions per electrode, cell subclasses per unit or cell).",
        author=["spikeinterface-xmodal developers"],
        contact=["https://github.com/SpikeInterface"],
    )
    builder.include_namespace("core")
    output_dir.mkdir(parents=True, exist_ok=True)
    export_spec(builder, build_types(), str(output_dir))


if __name__ == "__main__":
    main()
