"""Pure PyTorch building blocks: encoders, decoders, latent heads, losses."""

from aekit.nn.augment import Augmentation
from aekit.nn.conv import ConvDecoder, ConvEncoder
from aekit.nn.dense import DenseDecoder, DenseEncoder
from aekit.nn.heads import DeterministicHead, GaussianHead, join_condition, reparameterize
from aekit.nn.model import AutoEncoderModule, ModelConfig

__all__ = [
    "Augmentation",
    "AutoEncoderModule",
    "ConvDecoder",
    "ConvEncoder",
    "DenseDecoder",
    "DenseEncoder",
    "DeterministicHead",
    "GaussianHead",
    "ModelConfig",
    "join_condition",
    "reparameterize",
]
