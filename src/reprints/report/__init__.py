"""Report: the last stage, the only one that writes files for people and machines or prints.

``files`` (JSON Lines, Parquet), ``terminal`` (rich views) and ``html`` (one
self-contained page, its CSS and JavaScript in ``assets/``). Everything shown
comes from :class:`~reprints.pipeline.ScanResult`, a store, or the files.
"""
