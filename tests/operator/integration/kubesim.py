"""A kmock KubernetesEmulator hardened with the API-server semantics the operator relies on.

kmock 0.8 stores objects and streams watch events but leaves out most of what a real kube-apiserver does
(TESTING.md, tier 3). This subclass implements, in memory and over the same real HTTP:

- metadata stamping on every write: ``resourceVersion`` (one global counter), ``uid``,
  ``creationTimestamp``, ``generation`` (bumped only when ``spec`` changes), names from ``generateName``;
  no-op patches change nothing (no new resourceVersion, no watch event);
- optimistic concurrency: a merge patch carrying a stale ``metadata.resourceVersion`` answers 409, a
  failed JSON-patch ``test`` op answers 422;
- the status subresource: for resources declared with it, writes to the object ignore ``status`` and
  writes to ``/status`` change nothing but ``status`` (create drops ``status`` too);
- deletion: finalizers hold an object with a ``deletionTimestamp``; the garbage collector deletes
  dependents whose ``ownerReferences`` name a deleted owner (background propagation), and objects
  created with owners that no longer exist;
- lists answer the current resourceVersion and honour equality label selectors; a watch resumes after
  the listed resourceVersion instead of replaying every object;
- reads of API resources (get, list, watch) are served directly: kmock's reaction lookup checks each
  request against every request recorded so far, which makes a long run (a benchmark's thousands of
  requests) quadratic. Requests are still recorded for assertions.

It does not validate against schemas, check RBAC or namespaces, nor implement PUT / server-side apply.
"""

from __future__ import annotations

import copy
import datetime
import json
import random
import string
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp.web
import attrs
import jsonpatch
import kmock
from kmock._internal import apps, enums, references, rendering

Obj = dict[str, Any]

CORE = {
    "v1/namespaces": ("Namespace", False),
    "v1/events": ("Event", True),
    "v1/configmaps": ("ConfigMap", True),
    "v1/secrets": ("Secret", True),
    "apiextensions.k8s.io/v1/customresourcedefinitions": ("CustomResourceDefinition", False),
}
WITH_STATUS = {
    "voxray.io/v1alpha1/voicemodels": "VoiceModel",
    "voxray.io/v1alpha1/speechbatches": "SpeechBatch",
    "voxray.io/v1alpha1/textmodels": "TextModel",
    "voxray.io/v1alpha1/lexicons": "Lexicon",
    "voxray.io/v1alpha1/transcriptionmodels": "TranscriptionModel",
    "ray.io/v1/rayservices": "RayService",
    "ray.io/v1/rayjobs": "RayJob",
    "ray.io/v1/rayclusters": "RayCluster",
}
VERBS = {"get", "list", "watch", "create", "patch", "update", "delete"}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _labels_match(labels: Mapping[str, str], expr: str) -> bool:
    for term in filter(None, (t.strip() for t in expr.split(","))):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.split("=", 1)
            if labels.get(k) != v.lstrip("="):
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rv(obj: Mapping[str, Any]) -> int:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


@attrs.define(kw_only=True)
class HardenedEmulator(kmock.KubernetesEmulator):
    _rv_counter: int = attrs.field(default=0, init=False)
    _status_resources: set[references.resource] = attrs.field(factory=set, init=False)
    _reads: dict[enums.action, rendering.Response] = attrs.field(factory=dict, init=False)
    #: uids of the live objects (the garbage collector's question "does the owner still exist?")
    _uids: set[str] = attrs.field(factory=set, init=False)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        # the same responses kmock's fallback reactions give, without its per-request history scan
        self._reads = {
            enums.action.FETCH: rendering.Response.guess(self._serve_fetch),
            enums.action.LIST: rendering.Response.guess(self._serve_list),
            enums.action.WATCH: rendering.Response.guess(self._serve_watch),
        }
        for path, (kind, namespaced) in CORE.items():
            self.resources[path] = kmock.ResourceInfo(kind=kind, namespaced=namespaced, verbs=VERBS)
        for path, kind in WITH_STATUS.items():
            self.resources[path] = kmock.ResourceInfo(
                kind=kind, namespaced=True, verbs=VERBS, subresources={"status"}
            )
            self._status_resources.add(references.resource(path))

    # -- helpers -------------------------------------------------------------------------------

    def _next_rv(self) -> str:
        self._rv_counter += 1
        return str(self._rv_counter)

    def _live(self, key: tuple[references.resource, str | None, str]) -> Obj | None:
        if key in self.objects and not self.objects[key].deleted:
            return copy.deepcopy(self.objects[key].raw)
        return None

    def _store(self, key: tuple[references.resource, str | None, str], obj: Obj) -> None:
        if key in self.objects:
            self.objects[key].history.append(obj)
        else:
            self.objects[key] = obj

    async def _emit(self, resource: references.resource, kind: str, obj: Obj) -> None:
        await self._buses[resource].put({"type": kind, "object": copy.deepcopy(obj)})

    async def _remove(self, key: tuple[references.resource, str | None, str], obj: Obj) -> None:
        """Really delete, then collect the dependents (background propagation)."""
        obj["metadata"]["resourceVersion"] = self._next_rv()
        self.objects[key].history.append(obj)
        self.objects[key].delete()
        await self._emit(key[0], "DELETED", obj)
        uid = obj["metadata"].get("uid")
        self._uids.discard(uid)
        for dep_key, dep in list(self.objects.items()):
            if dep.deleted:
                continue
            refs = (dep.raw.get("metadata") or {}).get("ownerReferences") or []
            if any(r.get("uid") == uid for r in refs):
                await self._delete(dep_key)

    async def _delete(self, key: tuple[references.resource, str | None, str]) -> Obj:
        obj = self._live(key)
        if obj is None:
            raise kmock.KubernetesObjectNotFoundError()
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            return obj
        if meta.get("finalizers"):
            meta["deletionTimestamp"] = _now()
            meta["resourceVersion"] = self._next_rv()
            self._store(key, obj)
            await self._emit(key[0], "MODIFIED", obj)
            return obj
        await self._remove(key, obj)
        return obj

    # -- writes ---------------------------------------------------------------------------------

    async def _create(self, request: rendering.Request) -> Obj:
        assert request.resource is not None
        if not isinstance(request.data, Mapping):
            raise kmock.KubernetesError(status=400, reason="BadRequest", message="the body must be an object")
        obj: Obj = copy.deepcopy(dict(request.data))
        meta = obj.setdefault("metadata", {})
        namespace = request.namespace or meta.get("namespace")
        name = meta.get("name")
        if not name and meta.get("generateName"):
            suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
            name = f"{meta['generateName']}{suffix}"
        if not name:
            raise kmock.KubernetesError(status=422, reason="Invalid", message="metadata.name: Required value")
        key = (request.resource, namespace, name)
        if self._live(key) is not None:
            raise kmock.KubernetesError(
                status=409,
                reason="AlreadyExists",
                message=f'{request.resource.plural} "{name}" already exists',
            )
        meta.update(
            name=name,
            uid=str(uuid.uuid4()),
            creationTimestamp=_now(),
            resourceVersion=self._next_rv(),
            generation=1,
        )
        if namespace:
            meta["namespace"] = namespace
        for transient in ("deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(transient, None)
        if request.resource in self._status_resources:
            obj.pop("status", None)
        self._store(key, obj)
        self._uids.add(meta["uid"])
        await self._emit(request.resource, "ADDED", obj)
        if self._orphaned(obj):
            # the garbage collector removes dependents whose owners are all gone (a creation racing the
            # owner's deletion); the real one does it a moment later, this one at once
            await self._delete(key)
        return obj

    def _orphaned(self, obj: Obj) -> bool:
        refs = [r for r in (obj.get("metadata") or {}).get("ownerReferences") or [] if r.get("uid")]
        if not refs:
            return False
        return not any(r["uid"] in self._uids for r in refs)

    async def _update(self, request: rendering.Request) -> Obj:
        assert request.resource is not None
        assert request.name is not None
        key = (request.resource, request.namespace, request.name)
        old = self._live(key)
        if old is None:
            raise kmock.KubernetesObjectNotFoundError()
        data = request.data
        if isinstance(data, list):
            try:
                new = jsonpatch.apply_patch(copy.deepcopy(old), data)
            except jsonpatch.JsonPatchTestFailed as exc:
                raise kmock.KubernetesError(
                    status=422, reason="Invalid", message=f"test failed: {exc}"
                ) from exc
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                raise kmock.KubernetesError(status=422, reason="Invalid", message=str(exc)) from exc
        elif isinstance(data, Mapping):
            wanted_rv = (data.get("metadata") or {}).get("resourceVersion")
            if wanted_rv is not None and str(wanted_rv) != old["metadata"]["resourceVersion"]:
                raise kmock.KubernetesError(
                    status=409,
                    reason="Conflict",
                    message=f'Operation cannot be fulfilled on {request.resource.plural} "{request.name}": '
                    "the object has been modified; please apply your changes to the latest version",
                )
            new = merge_patch(old, data)
        else:
            raise kmock.KubernetesError(status=400, reason="BadRequest", message="unsupported patch body")

        if request.resource in self._status_resources:
            if request.subresource == "status":
                status = new.get("status")
                new = copy.deepcopy(old)
                if status is None:
                    new.pop("status", None)
                else:
                    new["status"] = status
            else:
                new.pop("status", None)
                if "status" in old:
                    new["status"] = old["status"]
        meta = new.setdefault("metadata", {})
        for fixed in ("name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp"):
            if fixed in old["metadata"]:
                meta[fixed] = old["metadata"][fixed]
            else:
                meta.pop(fixed, None)
        meta["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old:
            return old
        if new.get("spec") != old.get("spec"):
            meta["generation"] = int(old["metadata"].get("generation") or 0) + 1
        meta["resourceVersion"] = self._next_rv()
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            await self._remove(key, new)
            return new
        self._store(key, new)
        await self._emit(request.resource, "MODIFIED", new)
        return new

    @staticmethod
    def _json(obj: Any, status: int = 200) -> aiohttp.web.StreamResponse:
        return aiohttp.web.json_response(obj, status=status, dumps=json.dumps)

    async def _handle(self, request: rendering.Request) -> aiohttp.web.StreamResponse:
        action = request.action
        if request.resource is not None and action == enums.action.CREATE:
            async with self._lock:
                return self._json(await self._create(request), 201)
        if request.resource is not None and action == enums.action.UPDATE and request.name:
            async with self._lock:
                return self._json(await self._update(request))
        if request.resource is not None and action == enums.action.DELETE and request.name:
            async with self._lock:
                key = (request.resource, request.namespace, request.name)
                return self._json(await self._delete(key))
        if request.resource is not None and request.resource.plural and action in self._reads:
            return await self._reads[action](request)
        # anything else (discovery: /api, /apis/<group>/<version>, /version): kmock's own reactions
        return await apps.RawHandler._handle(self, request)

    # -- reads ----------------------------------------------------------------------------------

    def _matching(self, request: rendering.Request) -> list[Obj]:
        selector = request.params.get("labelSelector", "")
        out = []
        for (resource, namespace, _), obj in self.objects.items():
            if obj.deleted or resource != request.resource:
                continue
            if request.namespace is not None and namespace != request.namespace:
                continue
            raw = obj.raw
            if selector and not _labels_match((raw.get("metadata") or {}).get("labels") or {}, selector):
                continue
            out.append(copy.deepcopy(raw))
        return out

    async def _serve_fetch(self, request: rendering.Request) -> rendering.Payload:
        assert request.resource is not None
        async with self._lock:
            obj = self._live((request.resource, request.namespace, str(request.name)))
        if obj is not None:
            return obj
        if request.resource not in self._get_resources():
            raise kmock.KubernetesResourceNotFoundError()
        raise kmock.KubernetesObjectNotFoundError()

    async def _serve_list(self, request: rendering.Request) -> rendering.Payload:
        if request.resource not in self._get_resources():
            raise kmock.KubernetesResourceNotFoundError()
        async with self._lock:
            return {
                "apiVersion": "v1",
                "kind": "List",
                "metadata": {"resourceVersion": str(self._rv_counter)},
                "items": self._matching(request),
            }

    async def _serve_watch(self, request: rendering.Request) -> AsyncIterator[rendering.Payload]:
        yield b""
        assert request.resource is not None
        since = int(request.params.get("resourceVersion") or 0)
        selector = request.params.get("labelSelector", "")
        bus = self._buses[request.resource]
        async with self._lock:
            replay = [o for o in self._matching(request) if _rv(o) > since]
            marker = await bus.mark()
        try:
            for obj in replay:
                yield {"type": "ADDED", "object": obj}
            async for event in bus.stream(since=marker):
                obj = event.get("object") or {}
                meta = obj.get("metadata") or {}
                if request.namespace is not None and meta.get("namespace") != request.namespace:
                    continue
                if selector and not _labels_match(meta.get("labels") or {}, selector):
                    continue
                yield event
        finally:
            await bus.unmark(marker)


def kubeconfig(server: str) -> Obj:
    """A kubeconfig document pointing at ``server`` (plain HTTP, no credentials)."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "emulator",
        "clusters": [{"name": "emulator", "cluster": {"server": server}}],
        "users": [{"name": "emulator", "user": {"token": "emulator-token"}}],
        "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "emulator"}}],
    }
