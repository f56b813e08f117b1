"""Measured collection: `analyzer bench`'s latency, throughput, memory and per-layer time, by concern.

settings (what a run measures), timing (the device clock, repeated and per-layer runs), memory (peak
memory of a pass), peaks (device peaks and the roofline), machine (what the run ran on), results (the
dataclasses and their JSON form), sweep (measuring the models in turn).
"""
