"""Provisioning: templates, their validation, the golden schema and the pipeline that stands a
municipality up from them."""
