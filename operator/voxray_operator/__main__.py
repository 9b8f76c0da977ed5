"""``python -m voxray_operator`` / ``voxray-operator``: run the operator with settings from the environment.

Everything is configured by ``VOXRAY_OPERATOR_*`` variables (:class:`voxray_operator.config.OperatorSettings`:
the process, the autoscaler and what it builds). The API server is found like kubectl does: the pod's
service account, else ``$KUBECONFIG`` / ``~/.kube/config``. Watches all namespaces unless
``VOXRAY_OPERATOR_NAMESPACES`` lists some. SIGTERM stops it gracefully.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import kopf
from pydantic import ValidationError
from pydantic_settings import SettingsError

from voxray_operator import __version__, logs
from voxray_operator.config import OperatorSettings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="voxray-operator",
        description="voxray operator: VoiceModel -> RayService, SpeechBatch -> RayJob, GPU autoscaling. "
        "Configured by VOXRAY_OPERATOR_* environment variables.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--check", action="store_true", help="validate the settings from the environment and exit"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = OperatorSettings()
    except (ValidationError, SettingsError) as exc:  # a bad value, or a list/mapping that is not JSON
        print(f"voxray-operator: invalid settings in the environment:\n{exc}", file=sys.stderr)
        return 2
    if args.check:
        print("settings are valid")
        return 0
    logs.configure(settings.log_level, settings.log_format)

    import voxray_operator.handlers  # noqa: F401 - registers the handlers with kopf

    liveness = f"http://0.0.0.0:{settings.health_port}/healthz" if settings.health_port else None
    kopf.run(
        clusterwide=not settings.namespaces,
        namespaces=settings.namespaces,
        standalone=settings.standalone,
        # a peering name makes kopf's peering mandatory (its CRDs then must exist): only when asked for
        peering_name=None if settings.standalone else settings.peering_name,
        liveness_endpoint=liveness,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
