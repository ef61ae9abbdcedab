{{/* The Deployment of one service. Arguments (a dict):
     root: $; component: name and command; c: the component's values; database: reads
     DATABASE_URL; http: has a public port; replicas: false when an HPA owns the count;
     strategy, volumes, mounts: optional YAML strings. */}}
{{- define "en.deployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "en.fullname" $root }}-{{ .component }}
  labels:
    {{- include "en.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if .replicas }}
  replicas: {{ .c.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  {{- with .strategy }}
  strategy:
    {{- . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "en.selector" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "en.selector" (dict "root" $root "component" .component) | nindent 8 }}
      annotations:
        checksum/env: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $root.Values.opsPort | quote }}
        prometheus.io/path: /metrics
    spec:
      {{- include "en.podCommon" $root | nindent 6 }}
      # Lets in-flight requests and the current batch finish (graceful shutdown on SIGTERM).
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .component }}
          image: {{ include "en.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: [{{ .component | quote }}]
          {{- include "en.env" (dict "root" $root "database" .database "env" .c.env) | nindent 10 }}
          {{- if .http }}
            - name: LISTEN_ADDR
              value: {{ printf "0.0.0.0:%d" (int $root.Values.httpPort) | quote }}
          {{- end }}
          ports:
            - { name: ops, containerPort: {{ $root.Values.opsPort }}, protocol: TCP }
            {{- if .http }}
            - { name: http, containerPort: {{ $root.Values.httpPort }}, protocol: TCP }
            {{- end }}
          {{- include "en.probes" $root | nindent 10 }}
          resources:
            {{- toYaml .c.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
            {{- if .database }}
            - { name: database, mountPath: /run/secrets/en/database, readOnly: true }
            {{- end }}
            {{- with .mounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: { sizeLimit: 64Mi }
        {{- if .database }}
        - name: database
          secret: { secretName: {{ $root.Values.secrets.database }}, defaultMode: 0440 }
        {{- end }}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
{{- end -}}

{{/* A Service in front of the public port, with the ops port for scraping. */}}
{{- define "en.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "en.fullname" .root }}-{{ .component }}
  labels:
    {{- include "en.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: {{ .c.service.type }}
  {{- with .c.service.sessionAffinity }}
  sessionAffinity: {{ . }}
  {{- end }}
  selector:
    {{- include "en.selector" (dict "root" .root "component" .component) | nindent 4 }}
  ports:
    - { name: http, port: 80, targetPort: http, protocol: TCP }
    - { name: ops, port: {{ .root.Values.opsPort }}, targetPort: ops, protocol: TCP }
{{- end -}}
