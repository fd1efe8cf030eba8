"""Anomaly detection with autoencoders: tables (mixed types), images and time series.

- :class:`AnomalyDetector` (``detector``): tables and images; scores, thresholds,
  conformal p-values and per-feature / per-pixel explanations.
- :class:`TimeSeriesDetector` (``timeseries``): per-step scores from a 1-D conv
  autoencoder on sliding windows (``windows``: windows, period, back to steps).
- ``thresholds`` (contamination quantile, conformal, max rule), ``tabular``
  (mixed-type encoding), ``scoring`` (standardised errors), ``settings`` (the
  data-driven defaults), ``metrics`` (event-level and point-adjusted F1).
"""

from aekit.anomaly.detector import AnomalyDetector
from aekit.anomaly.timeseries import TimeSeriesDetector

__all__ = ["AnomalyDetector", "TimeSeriesDetector"]
