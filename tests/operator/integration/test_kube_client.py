"""k8s.py against the hardened emulator over HTTP: CRUD, conflicts, the status subresource, re-login."""

from __future__ import annotations

import asyncio

import httpx
import kopf
import pytest
from opkit import NS, Cluster

from voxray_operator import k8s


def configmap(name: str, **labels: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"k": "v"},
    }


async def test_crud_and_selectors(cluster: Cluster) -> None:
    api = cluster.api
    created = await api.create(k8s.CONFIGMAPS, NS, configmap("a", app="x"))
    await api.create(k8s.CONFIGMAPS, NS, configmap("b", app="y"))
    assert created["metadata"]["uid"]
    assert created["metadata"]["resourceVersion"]
    assert [c["metadata"]["name"] for c in await api.list(k8s.CONFIGMAPS, NS, {"app": "x"})] == ["a"]
    assert len(await api.list(k8s.CONFIGMAPS, NS, {"app": None})) == 2
    assert await api.get(k8s.CONFIGMAPS, NS, "missing") is None
    with pytest.raises(k8s.ConflictError):
        await api.create(k8s.CONFIGMAPS, NS, configmap("a"))
    patched = await api.patch(k8s.CONFIGMAPS, NS, "a", {"data": {"k": "w"}})
    assert patched["data"] == {"k": "w"}
    assert await api.delete(k8s.CONFIGMAPS, NS, "a") is True
    assert await api.delete(k8s.CONFIGMAPS, NS, "a") is False


async def test_stale_resource_version_is_a_conflict(cluster: Cluster) -> None:
    api = cluster.api
    first = await api.create(k8s.CONFIGMAPS, NS, configmap("c"))
    await api.patch(k8s.CONFIGMAPS, NS, "c", {"data": {"k": "newer"}})
    with pytest.raises(k8s.ConflictError):
        await api.patch(
            k8s.CONFIGMAPS, NS, "c", {"metadata": {"resourceVersion": first["metadata"]["resourceVersion"]}}
        )
    calls = 0

    async def read_modify_write() -> dict[str, object]:
        nonlocal calls
        calls += 1
        current = await api.get(k8s.CONFIGMAPS, NS, "c")
        assert current is not None
        rv = current["metadata"]["resourceVersion"] if calls > 1 else first["metadata"]["resourceVersion"]
        return await api.patch(
            k8s.CONFIGMAPS, NS, "c", {"metadata": {"resourceVersion": rv}, "data": {"k": "ok"}}
        )

    result = await k8s.retry_on_conflict(read_modify_write)
    assert result["data"] == {"k": "ok"}
    assert calls == 2


async def test_status_subresource_is_separate(cluster: Cluster) -> None:
    api = cluster.api
    body = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": "j"},
        "spec": {"entrypoint": "x"},
    }
    created = await api.create(k8s.RAYJOBS, NS, {**body, "status": {"jobStatus": "FORGED"}})
    assert "status" not in created
    after = await api.patch(
        k8s.RAYJOBS, NS, "j", {"spec": {"entrypoint": "y"}, "status": {"jobStatus": "NO"}}
    )
    assert "status" not in after
    assert after["metadata"]["generation"] == 2
    st = await api.patch_status(k8s.RAYJOBS, NS, "j", {"jobStatus": "RUNNING"})
    assert st["status"] == {"jobStatus": "RUNNING"}
    assert st["spec"] == {"entrypoint": "y"}
    assert st["metadata"]["generation"] == 2  # status writes do not bump the generation


async def test_relogin_on_401() -> None:
    answers = [httpx.Response(401, json={"reason": "Unauthorized"}), httpx.Response(200, json={"ok": True})]
    tokens: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tokens.append(request.headers.get("Authorization", ""))
        return answers.pop(0)

    fresh = kopf.ConnectionInfo(server="http://api.test", token="new")
    client = k8s.KubeClient(
        kopf.ConnectionInfo(server="http://api.test", token="old"),
        relogin=lambda: fresh,
        transport=httpx.MockTransport(handler),
    )
    async with client:
        assert await client.request("GET", "/version") == {"ok": True}
    assert tokens == ["Bearer old", "Bearer new"]


async def test_errors_carry_status_reason_and_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"reason": "Invalid", "message": "spec.x: Required value"})

    async with k8s.KubeClient(
        kopf.ConnectionInfo(server="http://api.test"), relogin=None, transport=httpx.MockTransport(handler)
    ) as client:
        with pytest.raises(k8s.ApiError) as caught:
            await client.patch(k8s.VOICEMODELS, "ns", "m", [{"op": "add", "path": "/x", "value": 1}])
    assert (caught.value.status, caught.value.reason) == (422, "Invalid")
    assert "spec.x: Required value" in str(caught.value)


async def test_unreachable_api_server() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async with k8s.KubeClient(
        kopf.ConnectionInfo(server="http://api.test"), relogin=None, transport=httpx.MockTransport(handler)
    ) as client:
        with pytest.raises(k8s.ApiUnavailableError):
            await client.get(k8s.VOICEMODELS, "ns", "m")


async def test_requests_in_flight_are_bounded() -> None:
    """Hundreds of concurrent calls wait in the client, not in httpx's pool (quadratic bookkeeping)."""
    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return httpx.Response(200, json={"metadata": {"name": request.url.path.rsplit("/", 1)[-1]}})

    async with k8s.KubeClient(
        kopf.ConnectionInfo(server="http://api.test"),
        relogin=None,
        transport=httpx.MockTransport(handler),
        max_in_flight=4,
    ) as client:
        got = await asyncio.gather(*(client.get(k8s.VOICEMODELS, "ns", f"m{i}") for i in range(40)))
    assert [g["metadata"]["name"] for g in got if g] == [f"m{i}" for i in range(40)]
    assert peak == 4


def test_paths() -> None:
    assert k8s.RAYSERVICES.path("ns", "rs", "status") == "/apis/ray.io/v1/namespaces/ns/rayservices/rs/status"
    assert k8s.CONFIGMAPS.path("ns") == "/api/v1/namespaces/ns/configmaps"
    assert k8s.VOICEMODELS.path() == "/apis/voxray.io/v1alpha1/voicemodels"
    assert k8s.selector({"b": "2", "a": None}) == "a,b=2"
