"""Regression: the default config reproduces its stored summaries. Update them
deliberately with `python tests/update_baseline.py`."""

import pandas as pd
from update_baseline import PATH, baseline


def test_default_summaries_match_the_stored_baseline():
    stored = pd.read_csv(PATH, index_col="output")
    stored.columns = stored.columns.astype(int)
    now = baseline()
    pd.testing.assert_frame_equal(now, stored, check_exact=False, rtol=1e-9, atol=1e-12,
                                  obj="summary vs tests/baseline/summary.csv "
                                      "(run tests/update_baseline.py if the change is deliberate)")
