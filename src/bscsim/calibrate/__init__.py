"""Analyses / calibration: fit the uncertain parameters to field evidence with
ABC-SMC (pyabc), validate on what was not fitted (docs/calibration.md)."""
