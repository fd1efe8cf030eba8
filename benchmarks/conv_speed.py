"""Conv part of the speed benchmark: the Keras denoising example's autoencoder on MNIST.

The net (Keras' "Convolutional autoencoder for image denoising" example, without
the noise): Conv2d 1->32 3x3 same + ReLU + MaxPool 2, Conv2d 32->32 3x3 same +
ReLU + MaxPool 2 (28 -> 14 -> 7), ConvTranspose 32->32 3x3 stride 2 + ReLU
twice (7 -> 14 -> 28), Conv2d 32->1 3x3 same, sigmoid output, binary
cross-entropy (summed over pixels, averaged over the batch). aekit's
``AutoEncoder(architecture='conv2d', hidden=(32, 32), latent_dim='spatial',
downsample='pool', output='sigmoid', loss='bce')`` builds exactly this net (checked
layer by layer after each fit).

Compared: aekit (float32, and ``aekit_bf16`` with ``precision='bf16-mixed'``),
the same net in a plain PyTorch ``DataLoader`` loop, and in pythae (its ``AE``
with the loss changed to the same BCE), in training images per second. Runs as
part of ``dense_speed.py`` (which holds the shared machinery) or alone::

    python benchmarks/conv_speed.py [--quick] [--repeats N] [--conv-epochs E]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

CONV_METHODS = ("aekit", "aekit_bf16", "plain", "pythae")


def keras_conv_net():
    """``(encoder, decoder)``: ``(B, 1, 28, 28) -> (B, 32, 7, 7) -> (B, 1, 28, 28)`` logits."""
    from torch import nn

    enc = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    )
    dec = nn.Sequential(
        nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.Conv2d(32, 1, 3, padding=1),
    )
    return enc, dec


def _layer_signature(module) -> list[tuple]:
    """Type, weight shape and conv geometry of every leaf layer, in order."""
    from torch import nn

    sig = []
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            sig.append((type(m).__name__, tuple(m.weight.shape), m.stride, m.padding,
                        m.output_padding))
        elif isinstance(m, (nn.MaxPool2d, nn.ReLU, nn.Linear)):
            sig.append((type(m).__name__,))
    return sig


def check_aekit_net(module) -> None:
    """Raise if aekit's conv module is not the Keras example's net."""
    import torch

    enc, dec = keras_conv_net()
    want = _layer_signature(torch.nn.Sequential(enc, dec))
    got = _layer_signature(module)
    if got != want or module.config.output != "sigmoid":
        raise AssertionError(f"aekit's conv net differs from the Keras net:\n{got}\n{want}")


def conv_method(method: str, X: np.ndarray, epochs: int):
    """``(fit, reconstruct)`` closures training the conv autoencoder with ``method``.

    ``X`` is ``(n, 784)`` float32 in [0, 1]; ``reconstruct(images)`` maps a
    ``(m, 1, 28, 28)`` tensor to reconstructed probabilities of that shape.
    """
    import torch
    import torch.nn.functional as F
    from dense_speed import AEKIT_METHODS, pythae_fit, pythae_wrappers, quiet_pythae

    imgs = X.reshape(-1, 1, 28, 28)
    if method in AEKIT_METHODS:
        import aekit

        est = aekit.AutoEncoder(
            architecture="conv2d", hidden=(32, 32), latent_dim="spatial", downsample="pool",
            output="sigmoid", loss="bce", scaler=None, epochs=epochs, batch_size=128, lr=1e-3,
            patience=None, validation_fraction=0.0, random_state=0, device="cpu",
            precision=AEKIT_METHODS[method],
        )
        x = imgs.reshape(-1, 28, 28)

        def aekit_fit():
            est.fit(x)
            check_aekit_net(est.module_)

        def aekit_reconstruct(images):
            with torch.no_grad():
                return est.module_(images)

        return aekit_fit, aekit_reconstruct
    if method == "plain":
        torch.manual_seed(0)
        enc, dec = keras_conv_net()
        net = torch.nn.Sequential(enc, dec)

        def plain_fit():
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
            data = torch.utils.data.TensorDataset(torch.from_numpy(imgs))
            loader = torch.utils.data.DataLoader(data, batch_size=128, shuffle=True)
            net.train()
            for _ in range(epochs):
                for (xb,) in loader:
                    bce = F.binary_cross_entropy_with_logits(net(xb), xb, reduction="sum")
                    loss = bce / len(xb)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()

        def plain_reconstruct(images):
            net.eval()
            with torch.no_grad():
                return torch.sigmoid(net(images))

        return plain_fit, plain_reconstruct
    if method == "pythae":
        quiet_pythae()
        from pythae.models import AE

        class BceAE(AE):
            """pythae's AE with its MSE replaced by the BCE the other methods use."""

            def loss_function(self, recon_x, x):
                bce = F.binary_cross_entropy(recon_x, x, reduction="none")
                return bce.reshape(len(x), -1).sum(dim=-1).mean(dim=0)

        Enc, Dec = pythae_wrappers()
        torch.manual_seed(0)
        enc, dec = keras_conv_net()
        encoder = Enc(torch.nn.Sequential(enc, torch.nn.Flatten()))
        decoder = Dec(torch.nn.Sequential(torch.nn.Unflatten(1, (32, 7, 7)), dec,
                                          torch.nn.Sigmoid()))
        fitted = []

        def pythae_reconstruct(images):
            with torch.no_grad():
                return fitted[-1].predict(images).recon_x

        return (lambda: fitted.append(pythae_fit(
            encoder, decoder, (1, 28, 28), 32 * 7 * 7, imgs, epochs, 128, model_cls=BceAE
        )), pythae_reconstruct)
    raise ValueError(f"unknown conv method {method!r}; expected one of {CONV_METHODS}")


def conv_worker(method: str, Xtr: np.ndarray, Xte: np.ndarray, epochs: int) -> dict:
    """Fit time, images per second, peak memory and test BCE of ``method``."""
    import torch
    import torch.nn.functional as F
    from dense_speed import timed_fit

    res, reconstruct = timed_fit(conv_method, method, Xtr, epochs)
    imgs_te = torch.from_numpy(Xte.reshape(-1, 1, 28, 28))
    R = reconstruct(imgs_te).reshape(imgs_te.shape).float().clamp(1e-7, 1 - 1e-7)
    res["test_bce"] = float(F.binary_cross_entropy(R, imgs_te, reduction="sum") / len(R))
    res["images_per_s"] = epochs * len(Xtr) / res["seconds"]
    return res


def report_conv(args) -> None:
    """Run the conv comparison and print images per second and aekit's ratios."""
    from dense_speed import _fmt_mem, best_of

    print(f"\n== conv AE (Keras denoising net), 28x28: {args.conv_n_train} train images, "
          f"{args.conv_epochs} epochs, batch 128, Adam 1e-3 (best of {args.repeats}) ==")
    res = best_of("conv", CONV_METHODS, args)
    print(f"\n{'method':10s} {'fit s':>8s} {'cpu s':>7s} {'images/s':>9s} {'test BCE/image':>15s} "
          f"{'peak MiB':>9s} {'aekit speed-up':>15s}")
    a = res["aekit"]["images_per_s"]
    for m, r in res.items():
        print(f"{m:10s} {r['seconds']:8.2f} {r['cpu_seconds']:7.2f} {r['images_per_s']:9.0f} "
              f"{r['test_bce']:15.2f} "
              f"{_fmt_mem(r['peak_mib']):>9s} {a / r['images_per_s']:15.2f}")
    for ours in ("aekit", "aekit_bf16"):
        b = res[ours]["images_per_s"]
        print(f"{ours} images/s / plain loop's = {b / res['plain']['images_per_s']:.2f} "
              "(target >= 1.2)")
        print(f"{ours} images/s / pythae's     = {b / res['pythae']['images_per_s']:.2f}")


if __name__ == "__main__":
    from dense_speed import main

    sys.exit(main(["--part", "conv", *sys.argv[1:]], doc=__doc__))
