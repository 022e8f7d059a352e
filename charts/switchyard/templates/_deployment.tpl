{{/*
The Deployment of one component (or one provider-worker pool). Probes use the services' own handlers: /healthz
answers as soon as the HTTP server listens, /readyz only while the service can take traffic (503 while starting or
draining). The grace period covers the preStop sleep, the drain delay, the in-flight streams' grace and the
provider worker's final flush of usage events.
*/}}
{{- define "switchyard.deployment" -}}
{{- $root := .root }}
{{- $v := .values }}
{{- $values := $root.Values }}
{{- $drain := $values.drain }}
{{- $grace := add $drain.preStopSeconds $drain.delaySeconds $drain.graceSeconds 15 }}
{{- if not (kindIs "invalid" $v.terminationGracePeriodSeconds) }}{{ $grace = $v.terminationGracePeriodSeconds }}{{ end }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "switchyard.componentName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicas | int }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 25%
  selector:
    matchLabels:
      {{- include "switchyard.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "switchyard.labels" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "switchyard.configYaml" $root | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "switchyard.serviceAccountName" . }}
      # Only the router talks to the Kubernetes API (EndpointSlices of the provider workers).
      automountServiceAccountToken: {{ eq .component "router" }}
      enableServiceLinks: false
      {{- with $values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $values.podSecurityContext | nindent 8 }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $grace | int }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $v.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- range $v.topologySpreadConstraints }}
        {{- $constraint := deepCopy . }}
        {{- if not (hasKey $constraint "labelSelector") }}
        {{- $_ := set $constraint "labelSelector" (dict "matchLabels" (include "switchyard.selectorLabels" $ | fromYaml)) }}
        {{- end }}
        - {{ toYaml $constraint | nindent 10 | trim }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "switchyard.image" . | quote }}
          imagePullPolicy: {{ include "switchyard.imagePullPolicy" . }}
          args: [{{ .component | quote }}]
          ports:
            {{- range $port := list "http" "grpc" "metrics" }}
            - name: {{ $port }}
              containerPort: {{ include "switchyard.containerPort" (dict "component" $.component "port" $port) }}
              protocol: TCP
            {{- end }}
          env:
            {{- include "switchyard.env" . | trim | nindent 12 }}
          {{- with $v.extraEnvFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            timeoutSeconds: 2
            # Policy and metering wait up to 60 s for NATS and ClickHouse before they listen.
            failureThreshold: 45
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          {{- if gt ($drain.preStopSeconds | int) 0 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $drain.preStopSeconds | int }}
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - { name: config, mountPath: /etc/switchyard/config, readOnly: true }
            - { name: tmp, mountPath: /tmp }
            {{- if eq .component "provider-worker" }}
            - { name: usage-spool, mountPath: /var/spool/switchyard }
            {{- end }}
            {{- if or $values.caBundle.existingSecret $values.caBundle.existingConfigMap }}
            - { name: ca-bundle, mountPath: /etc/switchyard/ca, readOnly: true }
            {{- end }}
            {{- if include "switchyard.natsCredsMounted" (dict "root" $root "component" .component) }}
            - { name: nats-creds, mountPath: /etc/switchyard/nats, readOnly: true }
            {{- end }}
            {{- if include "switchyard.natsTlsMounted" (dict "root" $root "component" .component) }}
            - { name: nats-tls, mountPath: /etc/switchyard/nats-tls, readOnly: true }
            {{- end }}
      volumes:
        - name: config
          configMap:
            name: {{ include "switchyard.fullname" $root }}-config
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if eq .component "provider-worker" }}
        - name: usage-spool
          emptyDir:
            sizeLimit: {{ $values.usageSpool.sizeLimit }}
        {{- end }}
        {{- if $values.caBundle.existingSecret }}
        - name: ca-bundle
          secret:
            secretName: {{ $values.caBundle.existingSecret }}
            items: [{ key: {{ $values.caBundle.key | quote }}, path: ca.crt }]
        {{- else if $values.caBundle.existingConfigMap }}
        - name: ca-bundle
          configMap:
            name: {{ $values.caBundle.existingConfigMap }}
            items: [{ key: {{ $values.caBundle.key | quote }}, path: ca.crt }]
        {{- end }}
        {{- if include "switchyard.natsCredsMounted" (dict "root" $root "component" .component) }}
        - name: nats-creds
          secret:
            secretName: {{ $values.nats.auth.existingSecret }}
            items: [{ key: {{ $values.nats.auth.credsKey | quote }}, path: user.creds }]
        {{- end }}
        {{- if include "switchyard.natsTlsMounted" (dict "root" $root "component" .component) }}
        - name: nats-tls
          secret:
            secretName: {{ $values.nats.tls.existingSecret }}
            items:
              - { key: {{ $values.nats.tls.certKey | quote }}, path: tls.crt }
              - { key: {{ $values.nats.tls.keyKey | quote }}, path: tls.key }
        {{- end }}
{{- end }}
