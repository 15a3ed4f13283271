"""An Lfp2Vec config small enough to train in tests (shared by the model, training and region-kind tests)."""

# a config small enough to train in a test: 1 s windows, one transformer layer of 32
TINY = dict(
    window_s=1.0,
    hidden_size=32,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=64,
    conv_dim=(16, 16, 16, 16),
    num_conv_pos_embeddings=16,
    num_conv_pos_embedding_groups=2,
    num_codevectors_per_group=16,
    codevector_dim=16,
    proj_codevector_dim=16,
    num_negatives=10,
    classifier_proj_size=32,
)
