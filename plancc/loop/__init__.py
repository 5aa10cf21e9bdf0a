"""The closed loop (``plancc loop``): observe, re-plan, review, apply.

Pure decisions, each in its own module and each taking plain records:
- ``records``: the plain records the decisions read (built from runner state at the edge);
- ``learn``: production delays, price impact and recovery times learned from those records;
- ``verdict``: whether a freshly compiled plan beats the active one by the policy threshold;
- ``pause``: products paused when their realised margin stays low, resumed when healthy;
- ``scout``: which stale markets the probes visit next.
"""
