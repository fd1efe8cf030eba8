"""The decoder's last bias starts at the training data's mean."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit.nn import AutoEncoderModule, ModelConfig


@pytest.mark.parametrize("output", ["linear", "sigmoid"])
def test_dense_bias_is_the_mean_in_logit_space(output):
    m = AutoEncoderModule(ModelConfig(input_shape=(5,), hidden=(8,), latent_dim=2, output=output))
    mean = torch.tensor([0.1, 0.2, 0.5, 0.9, 0.0])
    m.init_output_bias(mean)
    bias = m.decoder.net[-1].bias
    want = torch.logit(mean.clamp(1e-4, 1 - 1e-4)) if output == "sigmoid" else mean
    torch.testing.assert_close(bias, want)
    m.init_output_bias(mean, logit=output == "linear")  # the loss decides, e.g. BCE on logits
    want = mean if output == "sigmoid" else torch.logit(mean.clamp(1e-4, 1 - 1e-4))
    torch.testing.assert_close(bias, want)


def test_conv_bias_is_the_channel_mean():
    cfg = ModelConfig(input_shape=(2, 6, 6), architecture="conv2d", hidden=(4,), latent_dim=3)
    m = AutoEncoderModule(cfg)
    mean = torch.stack([torch.full((6, 6), 0.25), torch.linspace(-1, 3, 36).view(6, 6)])
    m.init_output_bias(mean)
    torch.testing.assert_close(m.decoder.net[-1].bias, torch.tensor([0.25, 1.0]))


def test_estimator_starts_from_the_mean_and_beats_torchs_default_start(digits, monkeypatch):
    X = digits[0][:800]
    kw = dict(hidden=(64,), latent_dim=8, epochs=3, random_state=0, validation_fraction=0.0)
    est = aekit.AutoEncoder(**kw).fit(X)
    monkeypatch.setattr(AutoEncoderModule, "init_output_bias", lambda self, mean, logit: None)
    plain = aekit.AutoEncoder(**kw).fit(X)
    err = est.reconstruction_error(X).mean()
    assert np.isfinite(err) and err < plain.reconstruction_error(X).mean()
