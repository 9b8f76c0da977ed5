"""PURE: serveConfigV2, the one Serve document both served kinds write, and its reader.

Writing (:func:`serve_config`): one application (``voxray``, ``import_path`` the runtime's app builder, its
typed ``args``) with two deployments, the ingress and the model (a VoiceModel's ``TTS-<name>``, a
TextModel's ``LLM-<name>``). Each deployment's fields come from :mod:`voxray_runtime.serve.options`, the
one place that computes Serve options for the app in code and for this document.

Reading (:func:`model_deployment`, :func:`model_replicas`): what status and the autoscaler need from a
RayService they find on the cluster; anything that is not the shape written here reads as None.

Where Serve answers: KubeRay's ``{rayservice}-serve-svc`` Service, port 8000 (:func:`serve_endpoint`);
the OpenAI-compatible routes of a TextModel under ``/v1`` of it (:func:`text_base_url`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from voxray_operator.builders.cluster import SERVE_PORT
from voxray_operator.builders.common import load_yaml
from voxray_operator.builders.security import CREDENTIALS_REVISION_ENV, SecuredSpec, security_args
from voxray_operator.config import BuildSettings
from voxray_runtime.serve.args import (
    APP_IMPORT_PATH,
    APP_NAME,
    INGRESS_DEPLOYMENT,
    AppArgs,
    model_deployment_name,
)
from voxray_runtime.serve.options import ingress_config

#: the OpenAI-compatible routes live under /v1 of the Serve ingress
API_PREFIX = "/v1"


def serve_endpoint(name: str, namespace: str) -> str:
    """Serve URL of RayService ``name``: KubeRay's own ``{name}-serve-svc`` Service, port 8000."""
    return f"http://{name}-serve-svc.{namespace}.svc:{SERVE_PORT}"


def text_base_url(rayservice: str, namespace: str) -> str:
    """What an OpenAI client takes as ``base_url``: the Serve Service plus ``/v1``."""
    return serve_endpoint(rayservice, namespace) + API_PREFIX


# ---- writing -------------------------------------------------------------------------------------------
def served_app_args(name: str, spec: SecuredSpec, settings: BuildSettings, **models: Any) -> AppArgs:
    """The app's args for model ``name``: ``models`` names the served model (``models=[ModelArgs]`` with
    ``output_dir``, or ``text_models=[TextModelArgs]``); the ingress from the settings, security from the
    spec."""
    return AppArgs(
        **models,
        ingress_replicas=settings.ingress_replicas,
        ingress_max_ongoing_requests=settings.ingress_max_ongoing_requests,
        ingress_num_cpus=settings.ingress_num_cpus,
        security=security_args(name, spec),
    )


def serve_config(
    args: AppArgs,
    model: dict[str, Any],
    *,
    credentials_revision: str | None = None,
    ingress_user_config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The serveConfigV2 document (a dict; the RayService holds it as YAML) of an app serving one model.

    ``model``: the model deployment's entry (``model_config`` / ``text_model_config`` of the options).
    ``credentials_revision``: put into the ingress replicas' environment, so that changing it replaces
    them (they read the API keys file when they start).
    ``ingress_user_config``: the lexicons (``voxray_runtime.serve.lexicons``): a change of it alone is a
    lightweight update (Serve calls ``reconfigure`` on the live ingress replicas).
    """
    env = {CREDENTIALS_REVISION_ENV: credentials_revision} if credentials_revision else None
    return {
        "proxy_location": "EveryNode",
        "http_options": {"host": "0.0.0.0", "port": SERVE_PORT},
        "applications": [
            {
                "name": APP_NAME,
                "import_path": APP_IMPORT_PATH,
                "route_prefix": "/",
                # defaults left out: the runtime applies its own, and a new runtime default does not
                # rewrite every serveConfigV2
                "args": args.model_dump(by_alias=True, exclude_defaults=True, mode="json"),
                "deployments": [ingress_config(args, env_vars=env, user_config=ingress_user_config), model],
            }
        ],
    }


# ---- reading -------------------------------------------------------------------------------------------
def serve_config_document(source: Mapping[str, Any] | str) -> dict[str, Any] | None:
    """The serveConfigV2 document of ``source``: a RayService (its ``spec.serveConfigV2``), the YAML text,
    or the document itself (a mapping with ``applications``). None when absent or unreadable."""
    if isinstance(source, Mapping) and "applications" in source:
        return dict(source)
    if isinstance(source, Mapping):
        spec = source.get("spec")
        text = spec.get("serveConfigV2") if isinstance(spec, Mapping) else None
    else:
        text = source
    if not isinstance(text, str):
        return None
    try:
        config = load_yaml(text)
    except yaml.YAMLError:
        return None
    return config if isinstance(config, dict) else None


def model_deployment(source: Mapping[str, Any] | str, deployment: str | None = None) -> dict[str, Any] | None:
    """The deployment named ``deployment`` in ``source``'s serveConfigV2 (any application), or without a
    name the first one that is not the ingress (the model's); None when there is none.

    ``source`` as :func:`serve_config_document` takes it: a RayService, the YAML text or the document.
    """
    config = serve_config_document(source)
    apps = config.get("applications") if config is not None else None
    for app in apps if isinstance(apps, list) else []:
        deployments = app.get("deployments") if isinstance(app, dict) else None
        for dep in deployments if isinstance(deployments, list) else []:
            if not isinstance(dep, dict):
                continue
            name = dep.get("name")
            if (deployment and name == deployment) or (not deployment and name != INGRESS_DEPLOYMENT):
                return dep
    return None


def model_replicas(
    rayservice: Mapping[str, Any], voicemodel: str | None = None, *, deployment: str | None = None
) -> int | None:
    """The model deployment's num_replicas in a RayService's serveConfigV2, or None when absent/unreadable.

    ``deployment`` names it (a TextModel's ``LLM-{name}``), else ``voicemodel`` (``TTS-{voicemodel}``);
    without either, the one deployment that is not the ingress.
    """
    wanted = deployment or (model_deployment_name(voicemodel) if voicemodel else None)
    dep = model_deployment(rayservice, wanted)
    value = dep.get("num_replicas") if dep is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
