"""Settings of the operator *process* (ports, logging, kopf peering), from ``VOXRAY_OPERATOR_*`` variables.

What the operator builds and how it scales lives in :mod:`voxray_operator.config`; this is only how the
process runs. Both read the same prefix, each ignoring the other's variables.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RunSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOXRAY_OPERATOR_", extra="ignore", frozen=True)

    #: port of the operator's own /metrics (0: off)
    metrics_port: int = Field(default=8080, ge=0, le=65535)
    metrics_address: str = "0.0.0.0"
    #: kopf's liveness endpoint (``/healthz``) port (0: off)
    health_port: int = Field(default=8081, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "plain"] = "json"
    #: one operator replica (True) or kopf peering between replicas (needs kopf's peering CRDs)
    standalone: bool = True
    peering_name: str = "voxray-operator"
    #: timeouts of API-server calls, Ray dashboard log reads
    kube_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    dashboard_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    #: bearer token for Ray dashboards with token auth (RAY_AUTH_MODE=token); empty: none
    dashboard_token: str = ""
    #: seconds before a retryable failure (a VoiceModel a batch waits for) is tried again
    retry_delay_seconds: float = Field(default=15.0, gt=0, le=3600)
