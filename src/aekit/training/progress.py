"""A per-epoch progress bar (tqdm), updated once per epoch so it costs nothing per batch."""

from __future__ import annotations

from tqdm.auto import tqdm


class ProgressBar:
    """Epoch progress with the latest losses as postfix; a no-op when disabled."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._bar = tqdm(total=total, unit="epoch", leave=False) if enabled else None

    def update(self, row: dict[str, float]) -> None:
        """Advance one epoch and show the monitored losses."""
        if self._bar is not None:
            shown = {k: f"{v:.4g}" for k, v in row.items() if k in ("loss", "val_loss")}
            self._bar.set_postfix(shown, refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
