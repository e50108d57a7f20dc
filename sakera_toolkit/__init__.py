"""Sakera toolkit: simulation, training and evidence for Sakera Mesem (Kabupaten Sampang adminduk).

The core package never imports Panel; it runs headless in notebooks, CI, Dask workers and the CLI.
"""

from __future__ import annotations

__version__ = "0.1.0"
