{{/*
Names, labels and the one list of RBAC rules of the voxray chart.
*/}}

{{- define "voxray.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "voxray.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "voxray.operatorName" -}}
{{- printf "%s-operator" (include "voxray.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "voxray.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object of the chart. */}}
{{- define "voxray.labels" -}}
helm.sh/chart: {{ include "voxray.chart" . }}
app.kubernetes.io/name: {{ include "voxray.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: voxray
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of the operator pod (stable across upgrades). */}}
{{- define "voxray.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "voxray.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "voxray.operatorLabels" -}}
{{ include "voxray.labels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "voxray.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "voxray.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* image reference: repository:tag, or repository@digest when a digest is given */}}
{{- define "voxray.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Namespaces the operator watches: empty means cluster-wide. */}}
{{- define "voxray.namespaced" -}}
{{- if .Values.operator.watchNamespaces -}}true{{- end -}}
{{- end -}}

{{/*
The permissions the operator uses in the namespaces it watches, and nothing more (no wildcards).
tests/delivery/test_rbac.py derives the same list from operator/voxray_operator (the client calls in
handlers and scaling, kopf's registered handlers) and fails when the two differ.
- voicemodels, speechbatches: kopf lists and watches them and patches its finalizer and annotations;
  handlers read them; the autoscaler patches its history annotation; status goes through /status.
- voicemodels/finalizers, speechbatches/finalizers update: the children carry ownerReferences with
  blockOwnerDeletion, which API servers with the OwnerReferencesPermissionEnforcement admission
  plugin (OpenShift) allow only to those who may update the owner's finalizers.
- lexicons: kopf lists and watches them and patches its annotations; the VoiceModel and SpeechBatch
  reconciles read the ones they name; status (Valid, version, entries) goes through /status.
- rayservices: created, read, drift-corrected and scaled (patch), watched for status (kopf on.event);
  rayjobs: created, read, updated while not yet running (patch), watched. Deletion is left to the
  garbage collector (ownerReferences).
- configmaps: the SpeechBatch document mounted into the RayJob (created, read, updated).
- secrets get, create: a VoiceModel's API keys and audit key Secrets: referenced ones are checked
  (they exist and hold the key the pods mount), missing generated ones are created once. No list, watch,
  patch or delete: the operator never rewrites a Secret. In namespaced mode only in the watched namespaces.
- events: kopf posts Kubernetes events (core v1) about the objects.
*/}}
{{- define "voxray.namespacedRules" -}}
- apiGroups: ["voxray.io"]
  resources: ["voicemodels", "textmodels", "transcriptionmodels", "speechbatches"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["voxray.io"]
  resources: ["voicemodels/status", "textmodels/status", "transcriptionmodels/status", "speechbatches/status"]
  verbs: ["patch"]
- apiGroups: ["voxray.io"]
  resources:
    - voicemodels/finalizers
    - textmodels/finalizers
    - transcriptionmodels/finalizers
    - speechbatches/finalizers
  verbs: ["update"]
- apiGroups: ["voxray.io"]
  resources: ["lexicons"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["voxray.io"]
  resources: ["lexicons/status"]
  verbs: ["patch"]
- apiGroups: ["ray.io"]
  resources: ["rayservices"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: ["ray.io"]
  resources: ["rayjobs"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "patch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}

{{/*
Cluster-scoped needs of kopf itself: it watches CustomResourceDefinitions to notice when the CRDs it
serves appear or go; in namespaced mode it also lists and watches namespaces (kopf's namespace observer).
No peering objects: the operator runs with --standalone (one replica, Recreate strategy).
*/}}
{{- define "voxray.clusterRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  verbs: ["list", "watch"]
{{- if include "voxray.namespaced" . }}
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["list", "watch"]
{{- end }}
{{- end -}}

{{/* JSON list of watched namespaces for VOXRAY_OPERATOR_NAMESPACES */}}
{{- define "voxray.watchNamespacesJson" -}}
{{- toJson (default (list) .Values.operator.watchNamespaces) -}}
{{- end -}}

{{/* Namespace selector of the PodMonitor and NetworkPolicy: the watched namespaces, or any. */}}
{{- define "voxray.rayNamespaceSelector" -}}
{{- if .Values.operator.watchNamespaces }}
matchNames:
{{- range .Values.operator.watchNamespaces }}
  - {{ . | quote }}
{{- end }}
{{- else }}
any: true
{{- end }}
{{- end -}}

{{/* The API keys Secret the chart's voiceModels use: security.apiKeysSecret.name, else
`<fullname>-api-keys` when the chart creates it, else empty (each VoiceModel's generated one). */}}
{{- define "voxray.apiKeysSecretName" -}}
{{- $s := .Values.security.apiKeysSecret -}}
{{- if $s.name -}}
{{- $s.name -}}
{{- else if $s.create -}}
{{- printf "%s-api-keys" (include "voxray.fullname" .) | trunc 253 -}}
{{- end -}}
{{- end -}}

{{/* Namespaces of the Ray pods' NetworkPolicy: the watched ones, else the listed ones, else the release's. */}}
{{- define "voxray.serveNamespaces" -}}
{{- if .Values.operator.watchNamespaces -}}
{{- toJson .Values.operator.watchNamespaces -}}
{{- else if .Values.serveAccess.networkPolicy.namespaces -}}
{{- toJson .Values.serveAccess.networkPolicy.namespaces -}}
{{- else -}}
{{- toJson (list .Release.Namespace) -}}
{{- end -}}
{{- end -}}
