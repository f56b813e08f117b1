"""Static collection on the meta device: what a forward pass does, counted without running it.

trace (the dispatched operations, as a `Graph`), shapes (output shapes computed in Python), aten
(ATen argument parsing shared by the rules), counts (cost formulas), receptive (theoretical receptive
fields), erf (gradient receptive fields), profiler (the per-layer profile), records (the dataclasses
all of them produce), graphwalk (questions asked of a traced graph), blockgraph (the diagram's blocks).
"""
