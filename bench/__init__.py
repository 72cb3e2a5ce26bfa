"""Benchmarks: each prints its figures as table rows and records them in
`bench/results.json`. Run them all with `make bench` (`python -m bench`), or one by name:
`python -m bench matching`. Local servers only; speed is measured here, never in tests."""
