"""Teacher, distilled student and LFP baselines train on CPU; latents decode behaviour; folders round-trip."""

import numpy as np
import pytest
import torch

from spikeinterface_xmodal import load_model
from spikeinterface_xmodal.distillation import as_distillation_session, decode_behaviour
from spikeinterface_xmodal.models.lfp_student import alignment_loss
from spikeinterface_xmodal.training import LFPLatentModel, SpikeTeacherModel, TrainerOptions

from .conftest import FAST


def _r2(times, latents, session):
    return decode_behaviour(times, latents, session.behaviour_times, session.behaviour, trials=session.trials)["r2"]


def _alignment_with_teacher(model, teacher, session):
    """1 - the student's alignment loss between the model's and the teacher's latents, over consecutive windows."""
    _, target = teacher.latents(as_distillation_session(session))
    _, latents = model.latents(session.lfp, session.session_id)
    width = model.window_bins
    n_bins = latents.shape[0] // width * width

    def windows(values):
        return torch.from_numpy(np.ascontiguousarray(values[:n_bins])).reshape(-1, width, values.shape[1])

    return 1.0 - float(alignment_loss(windows(latents), windows(target)))


def test_student_latents_decode_behaviour_better_than_chance(trained, latent_sessions):
    student = trained["student"]
    for session in latent_sessions[:3]:
        times, latents = student.latents(session.lfp, session.session_id)
        assert latents.shape == (times.size, 8)
        shuffled = np.roll(latents, latents.shape[0] // 2, axis=0)  # same latents, out of register with behaviour
        assert _r2(times, shuffled, session) < 0.05
        assert _r2(times, latents, session) > 0.1


def test_distillation_aligns_the_student_with_the_teacher_unlike_the_baseline(trained, latent_sessions):
    teacher, student, baseline = trained["teacher"], trained["student"], trained["baseline"]
    assert student.card["role"] == "distilled_lfp" and baseline.card["role"] == "multi_session_lfp"
    aligned = []
    for session in latent_sessions[:3]:
        aligned.append(_alignment_with_teacher(student, teacher, session))
        # the baseline's latents are not the teacher's: about 0.01 with the fixture's tiny 6-epoch models
        assert aligned[-1] > _alignment_with_teacher(baseline, teacher, session) + 0.04
    assert np.mean(aligned) > 0.08  # the fixture's student: 0.06-0.15


def test_model_folders_round_trip_through_load_model(trained, latent_sessions):
    folder, session = trained["folder"], latent_sessions[0]
    assert sorted(p.name for p in (folder / "student").iterdir()) == ["card.json", "weights.safetensors"]
    student = load_model(folder / "student")
    assert isinstance(student, LFPLatentModel) and student.card["teacher"]["folder_hash"]
    np.testing.assert_allclose(
        student.latents(session.lfp, session.session_id)[1],
        trained["student"].latents(session.lfp, session.session_id)[1],
        atol=1e-5,
    )
    teacher = load_model(folder / "teacher")
    assert isinstance(teacher, SpikeTeacherModel)
    np.testing.assert_allclose(
        teacher.latents(as_distillation_session(session))[1],
        trained["teacher"].latents(as_distillation_session(session))[1],
        atol=1e-5,
    )


def test_a_folder_of_another_kind_is_refused(trained):
    with pytest.raises(ValueError, match="is a 'spike_teacher' model, expected a 'lfp_latent_model' model"):
        LFPLatentModel.load(trained["folder"] / "teacher")


def test_adapt_fits_only_a_new_read_in_on_unlabeled_lfp(trained, latent_sessions):
    student, new = trained["student"], latent_sessions[3]
    with pytest.raises(ValueError, match=r"no read-in for a recording of \d+ channels.*adapt"):
        student.latents(new.lfp)
    adapted = student.adapt(new.lfp)
    assert adapted.default_session not in student.session_ids and len(adapted.session_ids) == 4
    before, after = student.module.state_dict(), adapted.module.state_dict()
    for name, value in before.items():
        np.testing.assert_array_equal(value.numpy(), after[name].numpy(), err_msg=name)
    times, latents = adapted.latents(new.lfp)
    assert _r2(times, latents, new) > 0.05
    saved = adapted.save(trained["folder"] / "adapted")
    np.testing.assert_allclose(load_model(saved).latents(new.lfp)[1], latents, atol=1e-5)


def test_adapt_is_reproducible(trained, latent_sessions):
    """The new read-in's initial weights came from torch's global generator, unseeded: two calls differed."""
    student, new = trained["student"], latent_sessions[3]
    options = TrainerOptions(**dict(FAST, max_epochs=1))
    first = student.adapt(new.lfp, options=options).latents(new.lfp)[1]
    torch.rand(3)  # moves the global generator, as any other work in the process would
    np.testing.assert_array_equal(student.adapt(new.lfp, options=options).latents(new.lfp)[1], first)


def test_adapt_defaults_fit_read_ins_that_decode_better_than_the_old_short_fit(trained, latent_sessions):
    """The old defaults (20 epochs at 1e-2) left refitted read-ins under-fitted: behaviour R^2 fell far below that
    of the trained read-ins (benchmarks/distillation_diagnostics.py, ``adaptation_settings``)."""
    baseline = trained["baseline"]
    old_options = TrainerOptions(max_epochs=20, window_bins=baseline.window_bins)
    old, new = [], []
    for session in latent_sessions:
        for scores, options in ((old, old_options), (new, None)):
            adapted = baseline.adapt(session.lfp, session_id="refit", options=options)
            scores.append(_r2(*adapted.latents(session.lfp), session))
    assert np.mean(new) > np.mean(old) + 0.02, (old, new)


def test_adapt_can_keep_a_known_sessions_read_out_frozen(trained, latent_sessions):
    from spikeinterface.core import ChannelSliceRecording

    student, session = trained["student"], latent_sessions[0]
    options = TrainerOptions(**dict(FAST, max_epochs=1))
    refit = student.adapt(session.lfp, session_id="refit", options=options, read_out_from=session.session_id)
    layers = refit.module.read_out
    for name, value in layers[session.session_id].state_dict().items():
        np.testing.assert_array_equal(value.numpy(), layers["refit"].state_dict()[name].numpy(), err_msg=name)
    fewer = ChannelSliceRecording(session.lfp, session.lfp.channel_ids[:-1])
    with pytest.raises(ValueError, match=r"read_out_from=.* is not a read-in of"):
        student.adapt(fewer, options=options, read_out_from=session.session_id)
    with pytest.raises(ValueError, match=r"start_from=.* is not a read-in of"):
        student.adapt(fewer, options=options, start_from=session.session_id)
    with pytest.raises(ValueError, match=r"start_from='no_such_session' is not a read-in .*read-ins, in channels"):
        student.adapt(session.lfp, options=options, start_from="no_such_session")


def test_adapt_on_a_recording_with_a_dead_and_a_constant_channel_gives_finite_latents(trained, latent_sessions):
    from spikeinterface.core import NumpyRecording

    lfp = latent_sessions[3].lfp
    traces = lfp.get_traces(return_in_uV=True).copy()
    traces[:, 0] = 0.0
    traces[:, 1] = 250.0
    broken = NumpyRecording(traces, lfp.sampling_frequency, channel_ids=lfp.channel_ids)
    adapted = trained["student"].adapt(broken, options=TrainerOptions(**dict(FAST, max_epochs=1)))
    assert np.isfinite(adapted.latents(broken)[1]).all()


def test_adapt_can_start_from_a_known_sessions_weights(trained, latent_sessions):
    student, session = trained["student"], latent_sessions[0]
    options = TrainerOptions(**dict(FAST, max_epochs=1, learning_rate=0.0, weight_decay=0.0))
    unchanged = student.adapt(session.lfp, session_id="refit", options=options, start_from=session.session_id)
    np.testing.assert_allclose(
        unchanged.latents(session.lfp)[1], student.latents(session.lfp, session.session_id)[1], atol=1e-5
    )
    options = TrainerOptions(**FAST)
    moved = student.adapt(session.lfp, session_id="refit", options=options, start_from=session.session_id)
    assert not np.allclose(moved.latents(session.lfp)[1], student.latents(session.lfp, session.session_id)[1])


def test_the_read_in_must_match_the_channel_count(trained, latent_sessions):
    from spikeinterface.core import ChannelSliceRecording

    session = latent_sessions[0]
    fewer = ChannelSliceRecording(session.lfp, session.lfp.channel_ids[:-1])
    with pytest.raises(ValueError, match=r"takes \d+ channels but the recording has"):
        trained["student"].latents(fewer, session_id=session.session_id)


def test_single_session_baseline_and_checkpoints_with_resume(latent_sessions, tiny_config, tmp_path):
    from spikeinterface_xmodal.training import fit_lfp_model

    options = dict(FAST, max_epochs=2, checkpoint_dir=str(tmp_path / "ckpt"))
    single = fit_lfp_model(latent_sessions[:1], config=tiny_config, **options)
    assert single.card["role"] == "single_session_lfp"
    assert (tmp_path / "ckpt" / "last.ckpt").is_file()
    resumed = fit_lfp_model(latent_sessions[:1], config=tiny_config, **dict(options, max_epochs=3, resume=True))
    run = resumed.card["training"]["run"]
    assert run["resumed_from"].endswith("last.ckpt") and run["epochs"] == 3


def test_the_same_seed_gives_the_same_model(latent_sessions, tiny_config):
    from spikeinterface_xmodal.training import fit_spike_teacher

    options = dict(FAST, max_epochs=1, seed=3)
    first, second = (fit_spike_teacher(latent_sessions[:1], config=tiny_config, **options) for _ in range(2))
    for name, value in first.module.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), second.module.state_dict()[name].numpy(), err_msg=name)


@pytest.mark.slow
def test_ddp_with_two_cpu_processes_on_gloo(latent_sessions, tiny_config):
    """Lightning's ddp_spawn on 2 CPU processes (gloo); the weights trained in rank 0 come back."""
    from spikeinterface_xmodal.models.lfp_student import LFPStudent
    from spikeinterface_xmodal.training import fit_lfp_model
    from spikeinterface_xmodal.training.distill_loop import seed_everything

    sessions = latent_sessions[:2]
    model = fit_lfp_model(sessions, config=tiny_config, **dict(FAST, max_epochs=1, devices=2, strategy="ddp_spawn"))
    seed_everything(FAST.get("seed", 0))
    untrained = LFPStudent(tiny_config, {s.session_id: s.lfp.get_num_channels() for s in sessions})
    trained_encoder = model.module.encoder.layers[0].linear1.weight.detach().numpy()
    assert not np.allclose(trained_encoder, untrained.encoder.layers[0].linear1.weight.detach().numpy())
    times, latents = model.latents(sessions[0].lfp, sessions[0].session_id)
    assert np.isfinite(latents).all() and latents.shape == (times.size, tiny_config.d_latent)


def test_the_held_out_loss_uses_the_same_masks_every_epoch(latent_sessions, tiny_config):
    # early stopping compares epochs by this loss: it must change with the weights only, not with fresh masks
    from spikeinterface_xmodal.models.spike_teacher import SpikeTeacher
    from spikeinterface_xmodal.training.distill_data import BinnedSession, spike_counts
    from spikeinterface_xmodal.training.distill_loop import MaskedTraining, TrainerOptions, _loader

    session = as_distillation_session(latent_sessions[0])
    times, counts = spike_counts(session, 0.02)
    binned = [BinnedSession(session.session_id, counts, times, first_held_out=times.size // 2)]
    options = TrainerOptions(**FAST)
    task = MaskedTraining(
        SpikeTeacher(tiny_config, {session.session_id: counts.shape[1]}), [session.session_id], options
    ).eval()
    batch = next(iter(_loader(binned, options, held_out=True, epoch_seed=0)))
    with torch.no_grad():
        first, second = (float(task.held_out_loss(batch, 0)) for _ in range(2))
        assert float(task._loss(batch)) != float(task._loss(batch))  # fresh random masks: what validation used
        assert float(task.held_out_loss(batch, 1)) != first  # other batches get other masks
    assert first == second
