#!/usr/bin/env bash
# voxray end-to-end environment on kind: cluster, KubeRay, both images, the chart, the metric stub.
#
#   e2e/kind.sh up      create (or reuse) the cluster and install everything; idempotent
#   e2e/kind.sh down    delete the cluster
#   e2e/kind.sh logs    print what helps when a test failed (events, pods, operator and KubeRay logs)
#
# Needs docker (a running engine), kind, kubectl and helm. The pytest suite (e2e/test_e2e.py, `make e2e`)
# calls `up` and `down` itself. Environment:
#   CLUSTER_NAME (voxray-e2e)  KUBERAY_VERSION (1.7.0)  PROMETHEUS_OPERATOR_VERSION (v0.80.1)
#   SKIP_BUILD=1 reuse images already built   KIND_NODE_IMAGE a kindest/node image (default: kind's own)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly CLUSTER_NAME="${CLUSTER_NAME:-voxray-e2e}"
readonly KUBERAY_VERSION="${KUBERAY_VERSION:-1.7.0}"
readonly PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.80.1}"
readonly OPERATOR_NAMESPACE="voxray-system"
readonly TEST_NAMESPACE="voxray-e2e"
readonly OPERATOR_IMAGE="voxray-operator:e2e"
readonly RUNTIME_IMAGE="voxray-runtime:e2e"
readonly CONTEXT="kind-${CLUSTER_NAME}"

log() { printf '\n== %s\n' "$*" >&2; }
die() { echo "kind.sh: $*" >&2; exit 1; }
k() { kubectl --context "$CONTEXT" "$@"; }

require() {
  local missing=()
  for tool in docker kind kubectl helm; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) || die "missing tools: ${missing[*]}"
  docker info >/dev/null 2>&1 || die "docker is installed but no Docker engine answers"
}

create_cluster() {
  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    log "reusing kind cluster $CLUSTER_NAME"
    return
  fi
  log "creating kind cluster $CLUSTER_NAME"
  local args=(create cluster --name "$CLUSTER_NAME" --config "$ROOT/e2e/kind-config.yaml" --wait 120s)
  [[ -n "${KIND_NODE_IMAGE:-}" ]] && args+=(--image "$KIND_NODE_IMAGE")
  kind "${args[@]}"
}

build_images() {
  if [[ "${SKIP_BUILD:-0}" == 1 ]]; then
    log "SKIP_BUILD=1: using the images already built"
  else
    log "building $OPERATOR_IMAGE"
    docker build -f "$ROOT/Dockerfile.operator" -t "$OPERATOR_IMAGE" "$ROOT"
    # CPU-only: the CPU Ray base and no torch (the espeak engine needs neither CUDA nor torch)
    log "building $RUNTIME_IMAGE (CPU)"
    docker build -f "$ROOT/Dockerfile.runtime" -t "$RUNTIME_IMAGE" \
      --build-arg RAY_IMAGE=rayproject/ray:2.60.0-py311-cpu --build-arg EXTRAS=runtime "$ROOT"
  fi
  log "loading images into kind"
  kind load docker-image --name "$CLUSTER_NAME" "$OPERATOR_IMAGE" "$RUNTIME_IMAGE"
}

install_kuberay() {
  log "installing KubeRay $KUBERAY_VERSION"
  helm repo add kuberay https://ray-project.github.io/kuberay-helm/ --force-update >/dev/null
  helm --kube-context "$CONTEXT" upgrade --install kuberay-operator kuberay/kuberay-operator \
    --version "$KUBERAY_VERSION" --namespace kuberay-system --create-namespace --wait --timeout 5m
}

install_monitoring_crds() {
  # Only the CRDs (no Prometheus): the API server then validates the chart's ServiceMonitor,
  # PodMonitor and PrometheusRule against the real schemas.
  log "installing Prometheus Operator CRDs $PROMETHEUS_OPERATOR_VERSION"
  k apply --server-side -f \
    "https://github.com/prometheus-operator/prometheus-operator/releases/download/${PROMETHEUS_OPERATOR_VERSION}/stripped-down-crds.yaml"
  k wait --for condition=Established --timeout 60s crd/servicemonitors.monitoring.coreos.com \
    crd/podmonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com
}

install_voxray() {
  log "installing the voxray chart"
  k create namespace "$TEST_NAMESPACE" --dry-run=client -o yaml | k apply -f -
  helm --kube-context "$CONTEXT" upgrade --install voxray "$ROOT/charts/voxray" \
    --namespace "$OPERATOR_NAMESPACE" --create-namespace \
    --values "$ROOT/e2e/values-kind.yaml" --wait --timeout 5m
  k wait --for condition=Established --timeout 60s crd/voicemodels.voxray.io crd/speechbatches.voxray.io
  log "test namespace: PVC and metric stub"
  k -n "$TEST_NAMESPACE" apply -f "$ROOT/e2e/manifests/pvc.yaml"
  k -n "$TEST_NAMESPACE" create configmap metric-stub --from-file="$ROOT/e2e/metric_stub.py" \
    --dry-run=client -o yaml | k -n "$TEST_NAMESPACE" apply -f -
  k -n "$TEST_NAMESPACE" apply -f "$ROOT/e2e/manifests/metric-stub.yaml"
  k -n "$TEST_NAMESPACE" rollout status deployment/metric-stub --timeout 120s
}

logs() {
  set +e
  for ns in "$OPERATOR_NAMESPACE" "$TEST_NAMESPACE" kuberay-system; do
    log "namespace $ns: objects"
    k -n "$ns" get all,voicemodels,speechbatches,rayservices,rayjobs,rayclusters,pvc,events -o wide 2>/dev/null
  done
  log "voxray objects"
  k -n "$TEST_NAMESPACE" get voicemodels,speechbatches -o yaml 2>/dev/null
  log "operator logs"
  k -n "$OPERATOR_NAMESPACE" logs deployment/voxray-operator --tail=300 2>/dev/null
  log "KubeRay logs"
  k -n kuberay-system logs deployment/kuberay-operator --tail=200 2>/dev/null
  log "Ray head logs"
  k -n "$TEST_NAMESPACE" logs -l ray.io/node-type=head --tail=200 --all-containers 2>/dev/null
  return 0
}

case "${1:-}" in
  up)
    require
    create_cluster
    build_images
    install_kuberay
    install_monitoring_crds
    install_voxray
    log "ready: kubectl --context $CONTEXT -n $TEST_NAMESPACE get voicemodels,speechbatches"
    ;;
  down)
    kind delete cluster --name "$CLUSTER_NAME"
    ;;
  logs)
    logs
    ;;
  *)
    sed -n '2,12p' "$0"
    exit 2
    ;;
esac
