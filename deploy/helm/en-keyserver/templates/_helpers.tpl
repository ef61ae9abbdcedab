{{/* Names, labels and the pod parts every service shares. */}}

{{- define "en.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "en.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: en-keyserver
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "ingest") */}}
{{- define "en.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "en.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The replica bound of a partitioned consumer: (dict "root" $ "component" "processor" "replicas" n) */}}
{{- define "en.partitionBound" -}}
{{- if gt (int .replicas) (int .root.Values.kafka.partitions) -}}
{{- fail (printf "%s.replicas (%d) exceeds kafka.partitions (%d): a consumer group has at most one active member per partition, extra replicas would idle" .component (int .replicas) (int .root.Values.kafka.partitions)) -}}
{{- end -}}
{{- end -}}

{{/* Environment from the shared ConfigMap, the database and Kafka SASL Secrets, and the
     component's own settings: (dict "root" $ "database" bool "env" map) */}}
{{- define "en.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "en.fullname" .root }}-env
env:
  - name: OPS_LISTEN_ADDR
    value: {{ printf "0.0.0.0:%d" (int .root.Values.opsPort) | quote }}
{{- if .database }}
  - name: DATABASE_URL_FILE
    value: /run/secrets/en/database/database-url
{{- end }}
{{- if .root.Values.kafka.sasl.enabled }}
  - name: KAFKA_SECURITY_PROTOCOL
    value: {{ .root.Values.kafka.sasl.securityProtocol | quote }}
  - name: KAFKA_SASL_MECHANISM
    value: {{ .root.Values.kafka.sasl.mechanism | quote }}
  - name: KAFKA_SASL_USERNAME
    valueFrom:
      secretKeyRef: { name: {{ .root.Values.secrets.kafkaSasl }}, key: username }
  - name: KAFKA_SASL_PASSWORD
    valueFrom:
      secretKeyRef: { name: {{ .root.Values.secrets.kafkaSasl }}, key: password }
{{- end }}
{{- range $name, $value := .env }}
  - name: {{ $name }}
    value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Liveness on /health and readiness on /ready of the ops listener. */}}
{{- define "en.probes" -}}
livenessProbe:
  httpGet: { path: /health, port: ops }
  initialDelaySeconds: {{ .Values.probes.liveness.initialDelaySeconds }}
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
readinessProbe:
  httpGet: { path: /ready, port: ops }
  initialDelaySeconds: {{ .Values.probes.readiness.initialDelaySeconds }}
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
{{- end -}}

{{/* Pod-level settings shared by every Deployment and the migration Job. */}}
{{- define "en.podCommon" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget: (dict "root" $ "component" "ingest" "pdb" map) */}}
{{- define "en.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "en.fullname" .root }}-{{ .component }}
  labels:
    {{- include "en.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if hasKey .pdb "minAvailable" }}
  minAvailable: {{ .pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "en.selector" (dict "root" .root "component" .component) | nindent 6 }}
{{- end -}}
