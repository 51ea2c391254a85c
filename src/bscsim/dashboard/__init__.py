"""Faces: the browser dashboard (`bscsim dashboard`), built on Mesa's SolaraViz.

Thin by design: the controls are derived from the parameter declarations
(`controls.py`), scenarios are the TOML files of `configs/arms/` and
`configs/scenarios/` (`scenarios.py`), the comparison runs paired replicates with
`simulate` (`compare.py`), and the page itself (`app.py`, `views.py`) only draws.
Only `app.py` and `views.py` import Solara, which comes with the optional extra
`bscsim[dashboard]`.
"""

import warnings

# Mesa 3.3's SolaraViz trips Solara's rules-of-hooks check when imported; harmless.
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite",
                        category=UserWarning)
