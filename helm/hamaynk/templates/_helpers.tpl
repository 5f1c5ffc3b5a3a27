{{/* Names and labels. */}}
{{- define "hamaynk.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hamaynk.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hamaynk.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "hamaynk.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hamaynk
{{- end -}}

{{/* Selector labels of one process: include with (dict "root" $ "component" "web"). */}}
{{- define "hamaynk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hamaynk.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hamaynk.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "hamaynk.secretName" -}}
{{- .Values.existingSecret | default (include "hamaynk.fullname" .) -}}
{{- end -}}

{{/* Percent-encodes one part of a URL (user name, password, vhost). urlquery writes a space as
"+" and a "+" as "%2B", so every "+" left is a space. */}}
{{- define "hamaynk.urlPart" -}}
{{- . | toString | urlquery | replace "+" "%20" -}}
{{- end -}}

{{- define "hamaynk.userinfo" -}}
{{- if .password -}}
{{- printf "%s:%s@" (include "hamaynk.urlPart" (.username | default "")) (include "hamaynk.urlPart" .password) -}}
{{- else if .username -}}
{{- printf "%s@" (include "hamaynk.urlPart" .username) -}}
{{- end -}}
{{- end -}}

{{- define "hamaynk.databaseUrl" -}}
{{- $pg := .Values.postgresql -}}
{{- $query := list -}}
{{- range $key, $value := $pg.options -}}
{{- $query = append $query (printf "%s=%s" (include "hamaynk.urlPart" $key) (include "hamaynk.urlPart" $value)) -}}
{{- end -}}
{{- printf "postgres://%s%s:%v/%s" (include "hamaynk.userinfo" $pg) (required "postgresql.host is required" $pg.host) $pg.port $pg.database -}}
{{- if $query }}?{{ join "&" $query }}{{ end -}}
{{- end -}}

{{- define "hamaynk.brokerUrl" -}}
{{- $mq := .Values.rabbitmq -}}
{{- $port := $mq.port | default (ternary 5671 5672 (eq (toString $mq.tls) "true")) -}}
{{- printf "%s://%s%s:%v/%s" (ternary "amqps" "amqp" (eq (toString $mq.tls) "true")) (include "hamaynk.userinfo" $mq) (required "rabbitmq.host is required" $mq.host) $port (include "hamaynk.urlPart" ($mq.vhost | default "/")) -}}
{{- end -}}

{{- define "hamaynk.cacheUrl" -}}
{{- $r := .Values.redis -}}
{{- $auth := "" -}}
{{- if $r.password }}{{ $auth = printf ":%s@" (include "hamaynk.urlPart" $r.password) }}{{ end -}}
{{- printf "%s://%s%s:%v/%v" (ternary "rediss" "redis" (eq (toString $r.tls) "true")) $auth (required "redis.host is required" $r.host) $r.port $r.database -}}
{{- end -}}

{{/* SECRET_KEY: the value given, else the one already in the release's Secret, else a new random
one, made once per rendering so every object of the release sees the same. */}}
{{- define "hamaynk.secretKey" -}}
{{- if .Values.secretKey -}}
{{- .Values.secretKey -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "hamaynk.fullname" .) -}}
{{- if and $existing $existing.data (hasKey $existing.data "SECRET_KEY") -}}
{{- index $existing.data "SECRET_KEY" | b64dec -}}
{{- else -}}
{{- if not (hasKey .Values "_generatedSecretKey") -}}
{{- $_ := set .Values "_generatedSecretKey" (randAlphaNum 64) -}}
{{- end -}}
{{- .Values._generatedSecretKey -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The ConfigMap's settings as a dict: what the chart derives, then .Values.config over it. */}}
{{- define "hamaynk.configDict" -}}
{{- $tls := .Values.ingress.tls.enabled -}}
{{- $data := dict
  "PLATFORM_DOMAIN" .Values.domain
  "PLATFORM_SCHEME" (ternary "https" "http" $tls)
  "SESSION_COOKIE_SECURE" (ternary "true" "false" $tls)
  "HAMAYNK_VAR_DIR" .Values.varDir
  "DB_CONN_MAX_AGE" (toString .Values.postgresql.connMaxAge)
  "STORAGE_BACKEND" "s3"
  "AWS_STORAGE_BUCKET_NAME" .Values.s3.bucket
  "AWS_S3_REGION_NAME" .Values.s3.region
-}}
{{- if .Values.s3.endpoint }}{{ $_ := set $data "AWS_S3_ENDPOINT_URL" .Values.s3.endpoint }}{{ end -}}
{{- range $key, $value := .Values.config }}{{ $_ := set $data $key (toString $value) }}{{ end -}}
{{- toYaml $data -}}
{{- end -}}

{{- define "hamaynk.configData" -}}
{{- range $key, $value := (include "hamaynk.configDict" . | fromYaml) }}
{{ $key }}: {{ $value | toString | quote }}
{{- end -}}
{{- end -}}

{{- define "hamaynk.secretData" -}}
SECRET_KEY: {{ include "hamaynk.secretKey" . | quote }}
DATABASE_URL: {{ include "hamaynk.databaseUrl" . | quote }}
CELERY_BROKER_URL: {{ include "hamaynk.brokerUrl" . | quote }}
CACHE_URL: {{ include "hamaynk.cacheUrl" . | quote }}
{{- if .Values.s3.accessKeyId }}
AWS_ACCESS_KEY_ID: {{ .Values.s3.accessKeyId | quote }}
AWS_SECRET_ACCESS_KEY: {{ required "s3.secretAccessKey is required with s3.accessKeyId" .Values.s3.secretAccessKey | quote }}
{{- end }}
{{- range $key, $value := .Values.secretConfig }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Pod template annotations: a change of settings rolls the pods. */}}
{{- define "hamaynk.podAnnotations" -}}
checksum/config: {{ include "hamaynk.configData" . | sha256sum }}
{{- if not .Values.existingSecret }}
checksum/secret: {{ include "hamaynk.secretData" . | sha256sum }}
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* What every pod shares; include with (dict "root" $ "values" .Values.web). */}}
{{- define "hamaynk.podSpec" -}}
{{- $root := .root -}}
{{- with $root.Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
automountServiceAccountToken: false
# Service links would put <SERVICE>_PORT variables into the environment the settings read.
enableServiceLinks: false
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ $root.Values.tmpSizeLimit }}
  - name: var
    emptyDir:
      sizeLimit: {{ $root.Values.varSizeLimit }}
{{- end -}}

{{/* What every container shares: image, settings, security, the writable folders. Include with
(dict "root" $), or (dict "root" $ "setup" true) for the setup Job's copy of the settings. */}}
{{- define "hamaynk.containerCommon" -}}
{{- $root := .root -}}
{{- $suffix := ternary "-setup" "" (eq (toString .setup) "true") -}}
image: {{ include "hamaynk.image" $root }}
imagePullPolicy: {{ $root.Values.image.pullPolicy }}
envFrom:
  - configMapRef:
      name: {{ include "hamaynk.fullname" $root }}{{ $suffix }}
  - secretRef:
      name: {{ if $root.Values.existingSecret }}{{ $root.Values.existingSecret }}{{ else }}{{ include "hamaynk.fullname" $root }}{{ $suffix }}{{ end }}
securityContext:
  {{- toYaml $root.Values.containerSecurityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  - name: var
    mountPath: {{ $root.Values.varDir }}
{{- end -}}

{{/* The most database connections the release opens at once (see postgresql in values.yaml). */}}
{{- define "hamaynk.connections" -}}
{{- $web := .Values.web -}}
{{- $webPods := add1 (ternary $web.autoscaling.maxReplicas $web.replicas $web.autoscaling.enabled) -}}
{{- $perWebPod := add (mul $web.processes $web.threads) 2 -}}
{{- $workers := mul (add1 .Values.worker.replicas) .Values.worker.concurrency -}}
{{- $relay := mul (add1 .Values.relay.replicas) 2 -}}
{{- $jobs := ternary (add1 .Values.migrateAll.workers) 1 .Values.migrateAll.enabled -}}
{{- $total := add (mul $webPods $perWebPod) $workers 2 $relay $jobs -}}
{{- dict "web" (mul $webPods $perWebPod) "webPods" $webPods "perWebPod" $perWebPod "worker" $workers "beat" 2 "relay" $relay "jobs" $jobs "total" $total | toYaml -}}
{{- end -}}

{{- define "hamaynk.checkConnections" -}}
{{- $pg := .Values.postgresql -}}
{{- if $pg.checkConnections -}}
{{- $c := include "hamaynk.connections" . | fromYaml -}}
{{- $room := sub $pg.maxConnections $pg.reservedConnections -}}
{{- if gt (int $c.total) (int $room) -}}
{{- fail (printf "this release may open %v PostgreSQL connections (web %v = %v pods × %v, worker %v, beat 2, relay %v, hook jobs %v) but postgresql.maxConnections - reservedConnections is %v: lower web.processes, web.threads, replicas or worker.concurrency, or raise max_connections on the server and postgresql.maxConnections here (docs/deploy-kubernetes.md, \"Database connections\")" $c.total $c.web $c.webPods $c.perWebPod $c.worker $c.relay $c.jobs $room) -}}
{{- end -}}
{{- end -}}
{{- end -}}
