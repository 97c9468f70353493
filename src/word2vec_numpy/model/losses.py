"""The registry of losses: name -> class. A new loss is one line here (see ``loss.py``)."""

from __future__ import annotations

from .hierarchical_softmax import HierarchicalSoftmax
from .loss import Loss
from .negative_sampling import NegativeSampling

LOSSES: dict[str, type[Loss]] = {
    NegativeSampling.name: NegativeSampling,
    HierarchicalSoftmax.name: HierarchicalSoftmax,
}
