{{/* The Service, ServiceAccount, PodDisruptionBudget and HorizontalPodAutoscaler of one component or pool. */}}

{{/*
A component's Service: the HTTP port (REST on the ingress, the Connect API elsewhere) and the gRPC port (the public
GatewayService on the ingress, gRPC health elsewhere). A provider-worker pool's Service is headless, as the router
balances over the pods itself.
*/}}
{{- define "switchyard.service" -}}
{{- $svc := .values.service }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "switchyard.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
    {{- with $svc.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $svc.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $svc.type }}
  {{- if and (eq .component "provider-worker") (eq $svc.type "ClusterIP") }}
  clusterIP: None
  {{- end }}
  selector:
    {{- include "switchyard.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $svc.httpPort | int }}
      targetPort: http
      protocol: TCP
      appProtocol: http
    - name: grpc
      port: {{ $svc.grpcPort | int }}
      targetPort: grpc
      protocol: TCP
      appProtocol: kubernetes.io/h2c
{{- end }}

{{/* A headless Service of the metrics port only, for the ServiceMonitor; never exposed with the component. */}}
{{- define "switchyard.metricsService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "switchyard.serviceName" . }}-metrics
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
    switchyard/metrics: "true"
spec:
  type: ClusterIP
  clusterIP: None
  selector:
    {{- include "switchyard.selectorLabels" . | nindent 4 }}
  ports:
    - name: metrics
      port: 9090
      targetPort: metrics
      protocol: TCP
      appProtocol: http
{{- end }}

{{- define "switchyard.serviceAccount" -}}
{{- $sa := .values.serviceAccount }}
{{- if $sa.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "switchyard.serviceAccountName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
  {{- with $sa.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
# Pods opt in (only the router does).
automountServiceAccountToken: false
{{- end }}
{{- end }}

{{- define "switchyard.pdb" -}}
{{- $pdb := .values.pdb }}
{{- if $pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "switchyard.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  {{- if not (kindIs "invalid" $pdb.minAvailable) }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "switchyard.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{- define "switchyard.hpa" -}}
{{- $as := .values.autoscaling }}
{{- if $as.enabled }}
{{- if and $as.inFlightPerPod.enabled (not $as.inFlightPerPod.metricName) }}
{{- fail (printf "%s: autoscaling.inFlightPerPod.metricName is required when inFlightPerPod.enabled is true" (include "switchyard.componentName" .)) }}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "switchyard.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "switchyard.componentName" . }}
  minReplicas: {{ $as.minReplicas | int }}
  maxReplicas: {{ $as.maxReplicas | int }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $as.targetCPUUtilizationPercentage | int }}
    {{- if $as.inFlightPerPod.enabled }}
    - type: Pods
      pods:
        metric:
          name: {{ $as.inFlightPerPod.metricName }}
        target:
          type: AverageValue
          averageValue: {{ $as.inFlightPerPod.averageValue | quote }}
    {{- end }}
  {{- with $as.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
