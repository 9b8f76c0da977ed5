"""PURE scaling policy: HPA-like replica recommendations from GPU utilisation. No I/O, no clock.

One call of :func:`decide` is one evaluation of the autoscaler timer. The steps follow the Kubernetes
HorizontalPodAutoscaler (``pkg/controller/podautoscaler``) so that operators can reason about it the same way:

1. bounds first: replicas outside ``replicas.min..max`` go straight back inside (even without metrics);
2. missing metrics hold the current count (the reason says why), and record nothing;
3. raw recommendation ``ceil(current x utilisation / target)``, or ``current`` inside the tolerance band
   ``|utilisation / target - 1| <= tolerance``;
4. stabilisation over the recommendation history: scale up only to the *lowest* recommendation seen in
   the up window, scale down only to the *highest* seen in the down window (no flapping);
5. step limits (most replicas added / removed per decision), then bounds again.

Zero replicas: never, unless ``replicas.min`` is 0 *and* utilisation was explicitly 0 (a sample, not a
missing one) over the whole scale-down window. At zero replicas there are no GPUs to measure: a positive
sample wakes the model to one replica, anything else holds at zero.

An empty history starts with the current count as its one recommendation: a brand-new model (whose
GPUs are busy loading weights) or a lost history never acts on a single sample.

The history is a small value object that serialises to JSON (it lives in an annotation of the
VoiceModel, so decisions survive operator restarts). It keeps, per distinct recommendation, only its
newest timestamp: min/max over a trailing window are unchanged by dropping older duplicates, so the
history never holds more than ``replicas.max + 1`` entries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from voxray_operator.status.conditions import Reason
from voxray_runtime.spec.textmodel import TextModelSpec
from voxray_runtime.spec.transcriptionmodel import TranscriptionModelSpec
from voxray_runtime.spec.voicemodel import VoiceModelSpec

#: guards the tolerance band and ceil() against float noise (0.88 / 0.8 = 1.1000000000000001)
EPSILON = 1e-9
HISTORY_VERSION = 1

Direction = Literal["up", "down", "none"]


@dataclass(frozen=True)
class ScalingConfig:
    """The knobs of one VoiceModel: ``spec.replicas`` and ``spec.autoscaling``."""

    min_replicas: int
    max_replicas: int
    target_utilization: float = 0.8
    tolerance: float = 0.1
    scale_up_stabilization_seconds: float = 60.0
    scale_down_stabilization_seconds: float = 300.0
    max_scale_up_step: int = 4
    max_scale_down_step: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.min_replicas <= self.max_replicas:
            raise ValueError(f"need 0 <= min ({self.min_replicas}) <= max ({self.max_replicas})")
        if self.target_utilization <= 0:
            raise ValueError("target utilisation must be positive")
        if self.tolerance < 0:
            raise ValueError("tolerance must not be negative")
        if self.max_scale_up_step < 1 or self.max_scale_down_step < 1:
            raise ValueError("step limits must be at least 1")
        if self.scale_up_stabilization_seconds < 0 or self.scale_down_stabilization_seconds < 0:
            raise ValueError("stabilisation windows must not be negative")

    @classmethod
    def from_spec(cls, spec: VoiceModelSpec | TextModelSpec | TranscriptionModelSpec) -> ScalingConfig:
        a = spec.autoscaling
        return cls(
            min_replicas=spec.replicas.min,
            max_replicas=spec.replicas.max,
            target_utilization=a.target_utilization,
            tolerance=a.tolerance,
            scale_up_stabilization_seconds=a.scale_up_stabilization_seconds,
            scale_down_stabilization_seconds=a.scale_down_stabilization_seconds,
            max_scale_up_step=a.max_scale_up_step,
            max_scale_down_step=a.max_scale_down_step,
        )

    @property
    def horizon(self) -> float:
        """How far back the history matters."""
        return max(self.scale_up_stabilization_seconds, self.scale_down_stabilization_seconds)


@dataclass(frozen=True)
class Recommendation:
    at: float
    replicas: int


@dataclass(frozen=True)
class ScalingHistory:
    """Past raw recommendations (newest timestamp per distinct value) and the start of a zero run."""

    recommendations: tuple[Recommendation, ...] = ()
    #: when the current run of explicit zero-utilisation samples began (None: no such run)
    zero_since: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "v": HISTORY_VERSION,
            "r": [[round(r.at, 3), r.replicas] for r in self.recommendations],
            "z": None if self.zero_since is None else round(self.zero_since, 3),
        }

    @classmethod
    def from_json(cls, data: object) -> ScalingHistory:
        """Tolerant: anything unreadable (hand-edited, older format) is an empty history."""
        if not isinstance(data, Mapping) or data.get("v") != HISTORY_VERSION:
            return cls()
        recs: list[Recommendation] = []
        raw = data.get("r")
        if isinstance(raw, list):
            for item in raw:
                if (
                    isinstance(item, list | tuple)
                    and len(item) == 2
                    and isinstance(item[0], int | float)
                    and isinstance(item[1], int)
                    and not isinstance(item[1], bool)
                    and item[1] >= 0
                ):
                    recs.append(Recommendation(float(item[0]), item[1]))
        z = data.get("z")
        zero_since = float(z) if isinstance(z, int | float) and not isinstance(z, bool) else None
        return cls(_dedupe(recs), zero_since)

    def pruned(self, now: float, horizon: float) -> ScalingHistory:
        """Entries that can still fall into a window ending at ``now``."""
        keep = tuple(r for r in self.recommendations if r.at > now - horizon)
        return replace(self, recommendations=keep)

    def recorded(self, now: float, replicas: int) -> ScalingHistory:
        return replace(self, recommendations=_dedupe([*self.recommendations, Recommendation(now, replicas)]))


def _dedupe(recs: list[Recommendation]) -> tuple[Recommendation, ...]:
    newest: dict[int, float] = {}
    for r in recs:
        if r.replicas not in newest or r.at >= newest[r.replicas]:
            newest[r.replicas] = r.at
    return tuple(
        sorted((Recommendation(at, n) for n, at in newest.items()), key=lambda r: (r.at, r.replicas))
    )


@dataclass(frozen=True)
class ScalingInput:
    current_replicas: int
    #: measured utilisation as a fraction (0.85 = 85 %); None when the metric is missing
    utilization: float | None
    now: float
    config: ScalingConfig
    history: ScalingHistory = field(default_factory=ScalingHistory)
    #: why the metric is missing (shown in the decision's message)
    metrics_reason: str = ""


@dataclass(frozen=True)
class Decision:
    desired: int
    current: int
    reason: str
    message: str
    history: ScalingHistory
    #: the raw recommendation before stabilisation, limits and bounds (None when nothing was computed)
    recommendation: int | None = None
    utilization: float | None = None

    @property
    def direction(self) -> Direction:
        if self.desired > self.current:
            return "up"
        if self.desired < self.current:
            return "down"
        return "none"

    @property
    def changed(self) -> bool:
        return self.desired != self.current


def unclamped_recommendation(current: int, utilization: float, config: ScalingConfig) -> int:
    """Step 3: HPA's ``ceil(current x ratio)``, or ``current`` inside the tolerance band."""
    if current <= 0:
        # nothing runs, so nothing is measured: any positive sample means demand for one replica
        return 1 if utilization > 0 else 0
    ratio = utilization / config.target_utilization
    if abs(ratio - 1.0) <= config.tolerance + EPSILON:
        return current
    return max(0, math.ceil(current * ratio - EPSILON))


def raw_recommendation(current: int, utilization: float, config: ScalingConfig) -> int:
    """The recommendation as recorded: clamped to ``0..max`` (min/max over windows commute with it)."""
    return min(config.max_replicas, unclamped_recommendation(current, utilization, config))


def _fmt(util: float) -> str:
    return f"{util * 100:.0f}%"


def decide(inp: ScalingInput) -> Decision:
    """One evaluation: the replicas to run now, why, and the history to keep for the next one."""
    cfg = inp.config
    cur = max(0, inp.current_replicas)
    now = inp.now
    util = inp.utilization
    if util is not None and (math.isnan(util) or math.isinf(util)):
        util = None
    if util is not None:
        util = max(0.0, util)
    history = inp.history.pruned(now, cfg.horizon)
    if not inp.history.recommendations and util is not None:
        # no evidence yet (a new model, or a history lost to a hand edit): the running count is the
        # standing recommendation, so the first change waits for its window like every later one
        history = history.recorded(now, min(cur, cfg.max_replicas))

    if util is None:
        zero_since = None
    elif util <= 0:
        zero_since = history.zero_since if history.zero_since is not None else now
    else:
        zero_since = None
    history = replace(history, zero_since=zero_since)

    # 1. bounds first
    if cur > cfg.max_replicas:
        return Decision(
            cfg.max_replicas,
            cur,
            Reason.ABOVE_MAX,
            f"{cur} replicas exceed replicas.max {cfg.max_replicas}",
            history,
            utilization=util,
        )
    if cur < cfg.min_replicas:
        return Decision(
            cfg.min_replicas,
            cur,
            Reason.BELOW_MIN,
            f"{cur} replicas are below replicas.min {cfg.min_replicas}",
            history,
            utilization=util,
        )

    # 2. missing metrics: hold
    if util is None:
        why = inp.metrics_reason or "no utilisation sample"
        return Decision(cur, cur, Reason.METRICS_UNAVAILABLE, f"holding at {cur}: {why}", history)

    # 3. raw recommendation
    wanted = unclamped_recommendation(cur, util, cfg)
    raw = min(cfg.max_replicas, wanted)
    in_band = cur > 0 and abs(util / cfg.target_utilization - 1.0) <= cfg.tolerance + EPSILON

    # 4. stabilisation (HPA: the lowest recommendation of the up window, the highest of the down window)
    up_cut = now - cfg.scale_up_stabilization_seconds
    down_cut = now - cfg.scale_down_stabilization_seconds
    up_rec = min([raw, *(r.replicas for r in history.recommendations if r.at > up_cut)])
    down_rec = max([raw, *(r.replicas for r in history.recommendations if r.at > down_cut)])
    stabilized = min(max(cur, up_rec), down_rec)
    new_history = history.recorded(now, raw)

    # 5. step limits, then bounds (zero only after a whole window of explicit zeros)
    desired = min(stabilized, cur + cfg.max_scale_up_step)
    desired = max(desired, cur - cfg.max_scale_down_step)
    if cur == 0:
        lower = 1 if util > 0 else 0
    elif cfg.min_replicas > 0:
        lower = cfg.min_replicas
    else:
        zero_ok = zero_since is not None and now - zero_since >= cfg.scale_down_stabilization_seconds
        lower = 0 if zero_ok else 1
    bounded = max(lower, min(cfg.max_replicas, desired))

    load = f"utilisation {_fmt(util)} vs target {_fmt(cfg.target_utilization)}"
    if bounded > cur:
        notes = []
        if stabilized < raw:
            notes.append(f"stabilised from {raw}")
        if desired < stabilized:
            notes.append(f"step limit {cfg.max_scale_up_step}")
        if bounded < desired or (bounded == cfg.max_replicas and wanted > bounded):
            notes.append(f"wants {wanted}, replicas.max {cfg.max_replicas}")
        extra = f" ({', '.join(notes)})" if notes else ""
        msg = f"scaling up {cur} -> {bounded}{extra}: {load}"
        return Decision(bounded, cur, Reason.SCALE_UP, msg, new_history, raw, util)
    if bounded < cur:
        notes = []
        if stabilized > raw:
            notes.append(f"stabilised from {raw}")
        if desired > stabilized:
            notes.append(f"step limit {cfg.max_scale_down_step}")
        if bounded > desired:
            notes.append(f"floor {lower}")
        extra = f" ({', '.join(notes)})" if notes else ""
        msg = f"scaling down {cur} -> {bounded}{extra}: {load}"
        return Decision(bounded, cur, Reason.SCALE_DOWN, msg, new_history, raw, util)

    # no change: say why
    if in_band:
        reason, why = Reason.WITHIN_TOLERANCE, f"within tolerance {cfg.tolerance:g}"
    elif wanted > cur and cur >= cfg.max_replicas:
        reason, why = Reason.AT_MAX, f"wants {wanted}, at replicas.max {cfg.max_replicas}"
    elif raw < cur and cur <= lower:
        reason, why = Reason.AT_MIN, f"wants {raw}, at the floor of {lower}"
    elif raw == cur:
        reason, why = Reason.STEADY, "the recommendation equals the current count"
    else:
        window = cfg.scale_up_stabilization_seconds if raw > cur else cfg.scale_down_stabilization_seconds
        reason, why = Reason.STABILIZING, f"wants {raw}, held by the {window:g}s stabilisation window"
    return Decision(cur, cur, reason, f"holding at {cur}: {why}; {load}", new_history, raw, util)
