"""reconcile/children.py against the hardened emulator: the one create-or-patch with its drift check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import kopf
import pytest
import pytest_asyncio
from kopf._core.engines import posting
from opkit import NS, Cluster, voicemodel

from voxray_operator import k8s
from voxray_operator.builders import SPEC_HASH_ANNOTATION, BuildError, owner_references
from voxray_operator.config import OperatorSettings
from voxray_operator.context import OperatorContext
from voxray_operator.metrics import OperatorMetrics
from voxray_operator.ray_dashboard import DashboardClient
from voxray_operator.reconcile.children import ensure_child, owner_of
from voxray_operator.scaling.prometheus import PrometheusClient

LOG = logging.getLogger("test-children")


@pytest_asyncio.fixture()
async def ctx(cluster: Cluster) -> AsyncIterator[OperatorContext]:
    settings = OperatorSettings()
    context = OperatorContext(
        settings=settings,
        kube=cluster.api,
        prometheus=PrometheusClient(settings.prometheus_url),
        dashboard=DashboardClient(),
        metrics=OperatorMetrics(),
    )
    yield context
    await context.prometheus.aclose()
    await context.dashboard.aclose()


@pytest.fixture
def events() -> Iterator[list[tuple[str, str, str]]]:
    """The Events the code posts (kopf's poster queue, read here instead of kopf's posting task)."""
    queue: asyncio.Queue[posting.K8sEvent] = asyncio.Queue()
    posted: list[tuple[str, str, str]] = []
    tokens = (
        posting.settings_var.set(kopf.OperatorSettings()),
        posting.event_queue_var.set(queue),
        posting.event_queue_loop_var.set(asyncio.get_event_loop()),
    )

    original_put = queue.put_nowait

    def put(event: posting.K8sEvent) -> None:
        posted.append((event.type, event.reason, event.message))
        original_put(event)

    queue.put_nowait = put  # type: ignore[method-assign]
    yield posted
    posting.event_queue_loop_var.reset(tokens[2])
    posting.event_queue_var.reset(tokens[1])
    posting.settings_var.reset(tokens[0])


async def owner(cluster: Cluster) -> dict[str, Any]:
    return await cluster.create(k8s.VOICEMODELS, voicemodel("owner"))


def child(parent: dict[str, Any], *, value: str = "v", spec_hash: str = "h1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "child",
            "namespace": NS,
            "annotations": {SPEC_HASH_ANNOTATION: spec_hash},
            "ownerReferences": owner_references(parent),
        },
        "data": {"k": value},
    }


async def test_creates_a_missing_child(cluster: Cluster, ctx: OperatorContext, events: list[Any]) -> None:
    parent = await owner(cluster)
    created = await ensure_child(ctx, k8s.CONFIGMAPS, parent, child(parent), None, logger=LOG)
    assert created["metadata"]["uid"]
    assert events == [("Normal", "Created", "created ConfigMap child")]


async def test_a_child_that_holds_the_build_is_left_alone(
    cluster: Cluster, ctx: OperatorContext, events: list[Any]
) -> None:
    parent = await owner(cluster)
    existing = await cluster.api.create(k8s.CONFIGMAPS, NS, child(parent))
    got = await ensure_child(ctx, k8s.CONFIGMAPS, parent, child(parent), existing, logger=LOG)
    assert got == existing
    assert cluster.requests("PATCH", "configmaps", "child") == 0
    assert events == []


async def test_a_hand_edit_is_restored_and_reported(
    cluster: Cluster, ctx: OperatorContext, events: list[Any]
) -> None:
    parent = await owner(cluster)
    existing = await cluster.api.create(k8s.CONFIGMAPS, NS, child(parent, value="edited"))
    got = await ensure_child(ctx, k8s.CONFIGMAPS, parent, child(parent), existing, logger=LOG)
    assert got["data"] == {"k": "v"}
    assert events == [("Warning", "DriftCorrected", "restored ConfigMap child: data.k")]
    assert (
        ctx.metrics.registry.get_sample_value(
            "voxray_operator_drift_corrections_total", {"kind": "ConfigMap"}
        )
        == 1
    )


async def test_a_new_spec_is_applied_as_an_update(
    cluster: Cluster, ctx: OperatorContext, events: list[Any]
) -> None:
    parent = await owner(cluster)
    existing = await cluster.api.create(k8s.CONFIGMAPS, NS, child(parent))
    desired = child(parent, value="new", spec_hash="h2")
    got = await ensure_child(ctx, k8s.CONFIGMAPS, parent, desired, existing, logger=LOG)
    assert got["data"] == {"k": "new"}
    assert events == [("Normal", "Updated", "applied the VoiceModel spec to ConfigMap child")]


async def test_drift_may_be_kept_or_patched_silently(
    cluster: Cluster, ctx: OperatorContext, events: list[Any]
) -> None:
    parent = await owner(cluster)
    existing = await cluster.api.create(k8s.CONFIGMAPS, NS, child(parent, value="edited"))
    kept = await ensure_child(
        ctx, k8s.CONFIGMAPS, parent, child(parent), existing, logger=LOG, patch_drift=False
    )
    assert kept["data"] == {"k": "edited"}
    quiet = await ensure_child(
        ctx, k8s.CONFIGMAPS, parent, child(parent), existing, logger=LOG, announce_drift=False
    )
    assert quiet["data"] == {"k": "v"}
    assert events == []


async def test_a_child_owned_by_someone_else_is_a_build_error(cluster: Cluster, ctx: OperatorContext) -> None:
    parent = await owner(cluster)
    stranger = {**child(parent), "metadata": {**child(parent)["metadata"], "ownerReferences": []}}
    existing = await cluster.api.create(k8s.CONFIGMAPS, NS, stranger)
    with pytest.raises(BuildError) as err:
        await ensure_child(ctx, k8s.CONFIGMAPS, parent, child(parent), existing, logger=LOG)
    assert str(err.value) == (
        "metadata.name: ConfigMap child exists and is not owned by this VoiceModel; rename one of them"
    )


async def test_a_create_race_reconciles_against_the_winner(
    cluster: Cluster, ctx: OperatorContext, events: list[Any]
) -> None:
    parent = await owner(cluster)
    await cluster.api.create(k8s.CONFIGMAPS, NS, child(parent, value="first"))
    got = await ensure_child(ctx, k8s.CONFIGMAPS, parent, child(parent), None, logger=LOG)
    assert got["data"] == {"k": "v"}
    assert [reason for _, reason, _ in events] == ["DriftCorrected"]


async def test_owner_of_finds_the_live_controller(cluster: Cluster, ctx: OperatorContext) -> None:
    parent = await owner(cluster)
    created = await cluster.api.create(k8s.CONFIGMAPS, NS, child(parent))
    found = await owner_of(ctx, created, k8s.VOICEMODELS)
    assert found is not None
    assert found["metadata"]["uid"] == parent["metadata"]["uid"]
    orphan = {
        **created,
        "metadata": {
            **created["metadata"],
            "ownerReferences": [{**owner_references(parent)[0], "uid": "someone-else"}],
        },
    }
    assert await owner_of(ctx, orphan, k8s.VOICEMODELS) is None
    assert await owner_of(ctx, created, k8s.SPEECHBATCHES) is None
