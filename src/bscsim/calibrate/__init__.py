"""Analyses / calibration: fit the uncertain parameters to field evidence with
ABC (pyabc: rejection or SMC), validate on what was not fitted (docs/calibration.md)."""
