"""The posterior folder format shared by `calibrate` and every `--posterior` option."""

import numpy as np
import pandas as pd
import pytest

from bscsim.posterior import PosteriorError, load_posterior, posterior_draws


def write(tmp_path, **cols):
    pd.DataFrame(cols).to_parquet(tmp_path / "posterior.parquet")
    return tmp_path


def test_draws_follow_the_weights_and_repeat(tmp_path):
    folder = write(tmp_path, adopt_gain=[1.0, 2.0], n_practices_max=[2.0, 4.0],
                   weight=[1.0, 3.0])
    draws = posterior_draws(folder, 4000, seed=3)
    share = np.mean([d["adopt_gain"] == 2.0 for d in draws])
    assert 0.72 < share < 0.78                      # weight 3 of 4
    assert all(type(d["n_practices_max"]) is int for d in draws)
    assert draws == posterior_draws(folder, 4000, seed=3)
    assert draws != posterior_draws(folder, 4000, seed=4)


@pytest.mark.parametrize("cols, says", [
    ({"adopt_gan": [1.0], "weight": [1.0]}, "did you mean 'adopt_gain'"),
    ({"adopt_gain": [1.0]}, "no 'weight' column"),
    ({"adopt_gain": [99.0], "weight": [1.0]}, "adopt_gain"),
    ({"adopt_gain": [1.0], "weight": [-1.0]}, "non-negative"),
    ({"adopt_gain": pd.Series([], dtype=float), "weight": pd.Series([], dtype=float)},
     "no particles"),
])
def test_bad_posterior_is_refused_in_one_line(tmp_path, cols, says):
    with pytest.raises(PosteriorError) as e:
        load_posterior(write(tmp_path, **cols))
    assert says in str(e.value) and "\n" not in str(e.value)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(PosteriorError, match="no posterior.parquet"):
        load_posterior(tmp_path)
