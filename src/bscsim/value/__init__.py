"""Analyses: value of information (EVPI, EVPPI, EVSI) for a decision between strategies."""
