"""The spike teacher's and the LFP student's losses (torch only, no training)."""

import torch
from torch.nn import functional

from spikeinterface_xmodal.models.lfp_student import alignment_loss


def test_the_alignment_loss_sees_a_gain_per_bin_but_not_a_scale_per_dimension():
    torch.manual_seed(0)
    teacher = torch.randn(4, 50, 8)
    gain = torch.exp(torch.randn(4, 50, 1))  # every bin still points along the teacher's latent, at its own size
    # a cosine across dimensions, bin by bin, is blind to such a gain (what the student was trained with)
    per_bin = 1.0 - functional.cosine_similarity(teacher * gain, teacher, dim=-1).mean()
    assert float(per_bin) < 1e-6
    # a linear decoder is not: the loss now sees it
    assert float(alignment_loss(teacher * gain, teacher)) > 0.2
    # but leaves what a linear decoder ignores free: each dimension's scale and offset
    scale, offset = torch.rand(1, 1, 8) + 0.5, torch.randn(1, 1, 8)
    assert float(alignment_loss(teacher * scale + offset, teacher)) < 1e-5
    assert float(alignment_loss(-teacher, teacher)) > 1.9
