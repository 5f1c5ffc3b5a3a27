"""What operators watch: liveness and readiness probes, Prometheus metrics and error reports
(docs/running.md, "Health, metrics and errors")."""
