"""The only Kubernetes API I/O of the operator: a small async client over httpx.

Credentials come from kopf's own login functions (service account in a pod, else the kubeconfig), so kopf's
watches and these calls always talk to the same API server as the same user. On a 401 the client logs in
again once (service-account tokens rotate) and repeats the request.

Writes are explicit about concurrency: merge patches may carry ``metadata.resourceVersion`` and JSON
patches a ``test`` op on it, so that a stale read fails with 409 (:class:`ConflictError`) instead of
overwriting someone else's change.

At most :data:`MAX_IN_FLIGHT` requests are in flight at once, over as many kept-alive connections; the
rest wait their turn here. Left to httpx, hundreds of queued requests (hundreds of objects created at once)
make its connection pool's bookkeeping quadratic: half the operator's CPU went there in
benchmarks/bench_operator.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import kopf

logger = logging.getLogger(__name__)

JsonPatch = Sequence[Mapping[str, Any]]
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
MAX_IN_FLIGHT = 16


class ApiError(Exception):
    """An answer of the API server other than 2xx, with its Status reason and message."""

    def __init__(self, status: int, reason: str = "", message: str = "", *, method: str = "", path: str = ""):
        self.status = status
        self.reason = reason
        self.message = message
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: {status} {reason}: {message}".strip())

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def conflict(self) -> bool:
        return self.status == 409


class NotFoundError(ApiError):
    pass


class ConflictError(ApiError):
    """409: AlreadyExists on create, or a stale resourceVersion on update."""


class ApiUnavailableError(ApiError):
    """No answer at all (connection refused, timeout)."""


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(
        self, namespace: str | None = None, name: str | None = None, subresource: str | None = None
    ) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        parts = [base]
        if self.namespaced and namespace:
            parts.append(f"namespaces/{namespace}")
        parts.append(self.plural)
        if name:
            parts.append(name)
            if subresource:
                parts.append(subresource)
        return "/".join(parts)


VOICEMODELS = Resource("voxray.io", "v1alpha1", "voicemodels", "VoiceModel")
SPEECHBATCHES = Resource("voxray.io", "v1alpha1", "speechbatches", "SpeechBatch")
TEXTMODELS = Resource("voxray.io", "v1alpha1", "textmodels", "TextModel")
LEXICONS = Resource("voxray.io", "v1alpha1", "lexicons", "Lexicon")
TRANSCRIPTIONMODELS = Resource("voxray.io", "v1alpha1", "transcriptionmodels", "TranscriptionModel")
RAYSERVICES = Resource("ray.io", "v1", "rayservices", "RayService")
RAYJOBS = Resource("ray.io", "v1", "rayjobs", "RayJob")
RAYCLUSTERS = Resource("ray.io", "v1", "rayclusters", "RayCluster")
CONFIGMAPS = Resource("", "v1", "configmaps", "ConfigMap")
SECRETS = Resource("", "v1", "secrets", "Secret")


def load_connection() -> kopf.ConnectionInfo:
    """Service account when in a pod, else the kubeconfig (``$KUBECONFIG`` or ``~/.kube/config``)."""
    settings = kopf.OperatorSettings()
    info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(settings=settings)
    if info is None:
        raise kopf.LoginError("no service account token and no kubeconfig: cannot reach the API server")
    return info


def selector(labels: Mapping[str, str | None]) -> str:
    """``a=b,c`` (a None value means: the label exists)."""
    return ",".join(k if v is None else f"{k}={v}" for k, v in sorted(labels.items()))


def _error_from(resp: httpx.Response, method: str, path: str) -> ApiError:
    reason, message = resp.reason_phrase, resp.text[:500]
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        reason = str(body.get("reason") or reason)
        message = str(body.get("message") or message)
    cls = NotFoundError if resp.status_code == 404 else ConflictError if resp.status_code == 409 else ApiError
    return cls(resp.status_code, reason, message, method=method, path=path)


class KubeClient:
    """``get / list / create / patch / patch_status / delete`` on any :class:`Resource`."""

    def __init__(
        self,
        info: kopf.ConnectionInfo,
        *,
        timeout: float = 30.0,
        relogin: Callable[[], kopf.ConnectionInfo] | None = load_connection,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = "voxray-operator",
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._timeout = timeout
        self._relogin = relogin
        self._transport = transport
        self._user_agent = user_agent
        self._limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._client = self._make_client(info)

    @classmethod
    def from_environment(cls, **kwargs: Any) -> KubeClient:
        return cls(load_connection(), **kwargs)

    def _make_client(self, info: kopf.ConnectionInfo) -> httpx.AsyncClient:
        verify: Any = info.as_ssl_context() if info.server.startswith("https") else True
        headers = {"User-Agent": self._user_agent, "Accept": "application/json", **info.as_http_headers()}
        return httpx.AsyncClient(
            base_url=info.server.rstrip("/"),
            verify=verify,
            headers=headers,
            timeout=httpx.Timeout(self._timeout),
            limits=self._limits,
            transport=self._transport,
            trust_env=info.trust_env,
        )

    @property
    def server(self) -> str:
        return str(self._client.base_url)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> KubeClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        ctype: str = "",
    ) -> httpx.Response:
        headers = {"Content-Type": ctype} if ctype else None
        try:
            async with self._slots:
                return await self._client.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise ApiUnavailableError(0, type(exc).__name__, str(exc), method=method, path=path) from exc

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        content_type: str = "",
    ) -> Any:
        ctype = content_type or ("application/json" if json is not None else "")
        resp = await self._send(method, path, json=json, params=params, ctype=ctype)
        if resp.status_code == 401 and self._relogin is not None:
            logger.info("API server answered 401: logging in again")
            old = self._client
            self._client = self._make_client(self._relogin())
            await old.aclose()
            resp = await self._send(method, path, json=json, params=params, ctype=ctype)
        if resp.status_code >= 400:
            raise _error_from(resp, method, path)
        return resp.json() if resp.content else None

    async def get(self, res: Resource, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The object, or None when it does not exist."""
        try:
            obj = await self.request("GET", res.path(namespace, name))
        except NotFoundError:
            return None
        return obj if isinstance(obj, dict) else None

    async def list(
        self, res: Resource, namespace: str | None = None, labels: Mapping[str, str | None] | None = None
    ) -> list[dict[str, Any]]:
        params = {"labelSelector": selector(labels)} if labels else None
        body = await self.request("GET", res.path(namespace), params=params)
        items = body.get("items") if isinstance(body, dict) else None
        return [i for i in items or [] if isinstance(i, dict)]

    async def create(self, res: Resource, namespace: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
        obj = await self.request("POST", res.path(namespace), json=dict(body))
        return obj if isinstance(obj, dict) else {}

    async def patch(
        self,
        res: Resource,
        namespace: str | None,
        name: str,
        patch: Mapping[str, Any] | JsonPatch,
        *,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """A merge patch (a mapping) or a JSON patch (a list of ops)."""
        ctype = MERGE_PATCH if isinstance(patch, Mapping) else JSON_PATCH
        data: Any = dict(patch) if isinstance(patch, Mapping) else [dict(op) for op in patch]
        obj = await self.request(
            "PATCH", res.path(namespace, name, subresource), json=data, content_type=ctype
        )
        return obj if isinstance(obj, dict) else {}

    async def patch_status(
        self, res: Resource, namespace: str | None, name: str, status: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A merge patch of ``status`` through the status subresource."""
        return await self.patch(res, namespace, name, {"status": dict(status)}, subresource="status")

    async def delete(self, res: Resource, namespace: str | None, name: str) -> bool:
        """False when it was already gone. Dependents go by the garbage collector (Background)."""
        try:
            await self.request("DELETE", res.path(namespace, name), json={"propagationPolicy": "Background"})
        except NotFoundError:
            return False
        return True


async def retry_on_conflict(fn: Callable[[], Awaitable[Any]], attempts: int = 3) -> Any:
    """Run a read-modify-write ``fn`` again when its write met a newer resourceVersion."""
    for attempt in range(attempts):
        try:
            return await fn()
        except ConflictError:
            if attempt == attempts - 1:
                raise
            logger.debug("conflict, re-reading (attempt %d)", attempt + 1)
    return None
