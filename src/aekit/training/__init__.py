"""The training loop shared by every aekit model."""

from aekit.training.device import resolve_device, seeded
from aekit.training.loop import NonFiniteLossError, TrainConfig, TrainResult, evaluate, train
from aekit.training.objective import Objective

__all__ = [
    "NonFiniteLossError",
    "Objective",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "resolve_device",
    "seeded",
    "train",
]
