"""The AutoEncoder estimator: dense, convolutional and 1-D convolutional."""

from __future__ import annotations

from aekit.estimators.base import BaseAutoEncoder

_PARAMS_DOC = """
    architecture : {'auto', 'dense', 'conv2d', 'conv1d'}, default='auto'
        'auto' is dense for tables ``(n, d)`` and conv2d for images
        ``(n, H, W)`` or ``(n, C, H, W)``; conv1d takes series windows
        ``(n, length)`` or ``(n, channels, length)``.
    hidden : 'auto' or tuple of int, default='auto'
        Dense: hidden layer sizes, widest first (the decoder mirrors them).
        Conv: channels per stage, each stage halving the spatial size.
        'auto' is chosen from the input size (see ``aekit.estimators._settings.default_hidden``).
    latent_dim : int, None, 'auto' or 'spatial', default=None
        Code size. None picks an eighth of the input size (2 to 32); 'auto'
        trains several sizes and keeps the smallest whose validation error is
        within 5% of the best (the curve is kept in ``latent_curve_``; it needs
        ``validation_fraction > 0``);
        'spatial' (conv only) keeps the last feature map as the code, with no
        linear bottleneck (fully convolutional).
    activation : str, default='relu'
        Hidden activation: relu, leaky_relu, elu, selu, gelu, silu, tanh, sigmoid.
    output : {'auto', 'linear', 'sigmoid'}, default='auto'
        Output activation; 'auto' is sigmoid when the scaled training data lie
        in [0, 1], linear otherwise.
    loss : {'mse', 'bce'}, default='mse'
        Reconstruction loss (bce needs data in [0, 1]).
    noise : float, default=0.0
        Input corruption strength: a denoising autoencoder when > 0.
    noise_type : {'gaussian', 'masking', 'salt_pepper'}, default='gaussian'
        'salt_pepper' sets values to 0 or 1, so it needs (scaled) data in
        [0, 1].
    sparsity : float, default=0.0
        Weight of an L1 penalty on the code (sparse autoencoder).
    contractive : float, default=0.0
        Weight of the contractive penalty (squared Frobenius norm of the
        encoder's Jacobian).
    dropout : float, default=0.0
    batch_norm : bool, default=False
    weight_decay : float, default=0.0
        L2 penalty on the weights (decoupled with ``optimizer='adamw'``).
    epochs : int, default=100
        Maximum number of epochs.
    batch_size : int or 'auto', default='auto'
        'auto' gives about 32 batches per epoch: a power of two from 16 to
        128 (see ``aekit.estimators._settings.default_batch_size``).
    lr : float, default=1e-3
    optimizer : {'adam', 'adamw'}, default='adam'
    patience : int or None, default=10
        Early stopping: stop after this many epochs without improvement of the
        validation loss and restore the best weights. None trains all epochs.
    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping (0 monitors the
        training loss instead).
    scaler : {'auto', 'standard', 'minmax'} or None, default='auto'
        Input scaling by scikit-learn's scalers, undone on output. 'auto':
        none for data already in [0, 1], a global min-max for images, a
        min-max per channel for series windows ``(n, channels, length)``,
        per-column standardisation for tables. 'standard' and 'minmax' also
        scale tables per column, windows per channel and images globally.
    augmentation : dict or None, default=None
        Per-batch augmentation, keys ``noise``, ``shift``, ``flip``,
        ``rotation`` (see :class:`aekit.nn.Augmentation`).
    kernel_size : int, default=3
        Conv kernel size (odd).
    downsample : {'stride', 'pool'}, default='stride'
        Conv downsampling by stride-2 convolutions or 2x max pooling.
    grad_clip : float or None, default=None
        Clip the gradient norm.
    device : str, default='auto'
        'auto' (CUDA when present), 'cpu', 'cuda', 'cuda:N'.
    precision : {'float32', 'bf16-mixed'}, default='float32'
        'bf16-mixed' trains with the forward pass in bfloat16 autocast
        (weights, optimiser and loss stay float32): faster on CPUs and GPUs
        with native bfloat16, slower where it is emulated (a warning says
        so). Transform and scoring always run in float32.
    random_state : int, RandomState or None, default=None
        Seed for weights, batch order, split and noise; a fixed int makes CPU
        runs repeat exactly.
    verbose : int, default=0
        1 shows a progress bar on a terminal, 2 also logs each epoch.
    warm_start : bool, default=False
        Continue training the fitted network (and keep its scaling) on the
        next ``fit``, for fine-tuning on new data. Settings that would build
        another network or scaling (``latent_dim``, ``hidden``, ``dropout``,
        ``scaler``...) must stay as they were: a changed one is a ValueError
        naming it.
"""

_ATTRS_DOC = """
    Attributes
    ----------
    module_ : aekit.nn.AutoEncoderModule
        The trained PyTorch network.
    history_ : dict of str to list of float
        Every loss term per epoch of the latest ``fit`` (with ``warm_start``,
        the epochs of that fit alone), ``val_``-prefixed on the validation rows.
    best_epoch_ : int
        Epoch of the latest ``fit`` whose weights were kept (1-based).
    n_epochs_ : int
        Epochs run by the latest ``fit``.
    latent_dim_ : int
        Code size.
    scaler_ : object or None
        The fitted scaling.
    input_shape_ : tuple of int
        Per-sample shape seen in ``fit``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame.
"""


class AutoEncoder(BaseAutoEncoder):
    __doc__ = (
        """Autoencoder as a scikit-learn transformer.

    Learns ``decoder(encoder(x)) ~ x`` through a code of ``latent_dim`` units.
    Denoising, sparse and contractive autoencoders are the same class with
    ``noise``, ``sparsity`` or ``contractive`` set.

    Parameters
    ----------"""
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> import aekit
    >>> X = load_digits().data
    >>> ae = aekit.AutoEncoder(latent_dim=8, epochs=5, random_state=0).fit(X)
    >>> ae.transform(X).shape
    (1797, 8)
    """
    )

    def __init__(
        self,
        *,
        architecture: str = "auto",
        hidden="auto",
        latent_dim=None,
        activation: str = "relu",
        output: str = "auto",
        loss: str = "mse",
        noise: float = 0.0,
        noise_type: str = "gaussian",
        sparsity: float = 0.0,
        contractive: float = 0.0,
        dropout: float = 0.0,
        batch_norm: bool = False,
        weight_decay: float = 0.0,
        epochs: int = 100,
        batch_size: int | str = "auto",
        lr: float = 1e-3,
        optimizer: str = "adam",
        patience: int | None = 10,
        validation_fraction: float = 0.1,
        scaler: str | None = "auto",
        augmentation: dict | None = None,
        kernel_size: int = 3,
        downsample: str = "stride",
        grad_clip: float | None = None,
        device: str = "auto",
        precision: str = "float32",
        random_state=None,
        verbose: int = 0,
        warm_start: bool = False,
    ) -> None:
        self.architecture = architecture
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.activation = activation
        self.output = output
        self.loss = loss
        self.noise = noise
        self.noise_type = noise_type
        self.sparsity = sparsity
        self.contractive = contractive
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.scaler = scaler
        self.augmentation = augmentation
        self.kernel_size = kernel_size
        self.downsample = downsample
        self.grad_clip = grad_clip
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
