"""The training objective: reconstruction plus the loss terms that make variants.

Denoising, sparse, contractive, VAE and beta-VAE are all this one objective
with different weights (see DESIGN.md, convention 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from aekit._params import check_number
from aekit.nn import losses
from aekit.nn.augment import Augmentation
from aekit.nn.corruption import CORRUPTIONS, corrupt
from aekit.nn.heads import reparameterize
from aekit.nn.model import AutoEncoderModule

LOSSES = ("mse", "bce")


def _float(code: torch.Tensor | tuple[torch.Tensor, ...]):
    """The encoder's output (a tensor, or a tuple of them) as float32."""
    if isinstance(code, tuple):
        return tuple(t.float() for t in code)
    return code.float()


@dataclass
class Objective:
    """Loss settings; calling it on a batch returns every term.

    Parameters
    ----------
    loss : {'mse', 'bce'}
        Reconstruction loss. For a VAE these become the Gaussian (with the
        model's learned scale, if any) and Bernoulli negative log-likelihoods,
        so the objective is the negative ELBO in nats per sample.
    noise : float
        Corruption strength for a denoising autoencoder (0 = off).
    noise_type : {'gaussian', 'masking', 'salt_pepper'}
    sparsity : float
        Weight of the L1 penalty on the code.
    contractive : float
        Weight of the contractive (Jacobian) penalty.
    beta : float
        KL weight of a VAE.
    kl_warmup : float
        Epochs of linear KL warm-up.
    augmentation : Augmentation, dict or None
        Per-batch augmentation of the training data (input and target alike).
    """

    loss: str = "mse"
    noise: float = 0.0
    noise_type: str = "gaussian"
    sparsity: float = 0.0
    contractive: float = 0.0
    beta: float = 1.0
    kl_warmup: float = 0.0
    augmentation: Augmentation = field(default_factory=Augmentation)

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        # CORRUPTIONS is a dict: looking up a list or a dict would raise an
        # "unhashable type" TypeError that does not name noise_type.
        if not isinstance(self.noise_type, str) or self.noise_type not in CORRUPTIONS:
            raise ValueError(
                f"noise_type must be one of {tuple(CORRUPTIONS)}, got {self.noise_type!r}"
            )
        for name in ("noise", "sparsity", "contractive", "beta", "kl_warmup"):
            setattr(self, name, check_number(name, getattr(self, name)))
        self.augmentation = Augmentation.from_param(self.augmentation)
        if self.noise_type != "gaussian" and self.noise > 1:
            raise ValueError(
                f"noise is the share of values corrupted for noise_type={self.noise_type!r}: "
                f"at most 1, got {self.noise}"
            )

    def reconstruction(
        self, model: AutoEncoderModule, logits: torch.Tensor, x: torch.Tensor,
        reduction: str = "mean",
    ) -> torch.Tensor:
        """Reconstruction term of ``x`` from decoder ``logits`` (both ``(B, ...)``)."""
        if self.loss == "bce":
            return losses.bce_logits(logits, x, reduction)
        x_hat = model.activate(logits)
        if model.config.variational:
            scale = 0.0 if model.log_scale is None else model.log_scale
            if model.log_scale is not None and model.training:
                # sigma* = RMSE is the maximum-likelihood scale for this batch; with
                # it detached, the gradient is the squared error's over sigma*^2.
                mse = (x_hat - x).detach().square().mean().clamp_min(1e-6)
                model.log_scale.lerp_(0.5 * mse.log(), 0.1)
                scale = 0.5 * mse.log()
            return losses.gaussian_nll(x_hat, x, scale, reduction)
        return losses.mse(x_hat, x, reduction)

    def __call__(
        self,
        model: AutoEncoderModule,
        x: torch.Tensor,
        c: torch.Tensor | None = None,
        progress: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> dict[str, torch.Tensor]:
        """All loss terms for one batch.

        Parameters
        ----------
        model : AutoEncoderModule
        x : torch.Tensor
            ``(B, *input_shape)`` clean batch.
        c : torch.Tensor, optional
            ``(B,)`` class labels of a conditional model.
        progress : float
            Epochs done so far (for the KL warm-up).
        generator : torch.Generator, optional
            Randomness for corruption, augmentation and sampling.

        Returns
        -------
        dict of str to torch.Tensor
            Scalar terms; ``'loss'`` is the weighted total that is minimised.
        """
        if model.training and self.augmentation.active:
            x = self.augmentation(x, generator)
        inp = corrupt(x, self.noise_type, self.noise, generator) if self.noise else x
        # Without autograd (validation, scoring) the Jacobian cannot be taken; the
        # contractive term is then left out of the returned terms.
        contract = self.contractive > 0 and torch.is_grad_enabled()
        if contract:
            inp = inp.detach().requires_grad_(True)
        # .float(): under bf16 autocast the network's outputs are bfloat16; the
        # losses are summed over thousands of features and need float32.
        code = _float(model.encode(inp, c))
        terms: dict[str, torch.Tensor] = {}
        if model.config.variational:
            mu, logvar = code
            z = reparameterize(mu, logvar, generator) if model.training else mu
            terms["kl"] = losses.kl_normal(mu, logvar)
            code = mu
        else:
            z = code
        terms["recon"] = recon = self.reconstruction(model, model.decode(z, c).float(), x)
        total = recon
        if model.config.variational:
            total = total + losses.kl_weight(self.beta, progress, self.kl_warmup) * terms["kl"]
            terms["elbo"] = -(recon + terms["kl"]).detach()
        if self.sparsity:
            terms["l1"] = losses.l1_activity(code)
            total = total + self.sparsity * terms["l1"]
        if contract:
            terms["contractive"] = losses.contractive_penalty(code, inp)
            total = total + self.contractive * terms["contractive"]
        terms["loss"] = total
        return terms
