"""Benchmarks of acrn-model (timing claims live here, never in tests).

``python -m benchmarks`` runs the ``main()`` of every ``bench_*.py`` module in this directory in turn;
``python -m benchmarks engine`` runs only ``bench_engine``.  See ``benchmarks/__main__.py``.
"""
