"""Torch modules and their configs only (no I/O): the wav2vec LFP encoder, the spike teacher and LFP student,
the family BiLSTM. Each submodule imports torch / transformers itself, so importing this package stays light."""
