"""Structured logs in which every line names the municipality it was written for."""

import logging
import logging.config

import structlog


def municipality_fields():
    from .current import municipality_identity

    identity = municipality_identity(query=False)  # a log line never queries the database
    if identity is None:
        return {"municipality": "platform"}
    return {"municipality": str(identity[0]), "municipality_slug": identity[1]}


def add_municipality(logger, method_name, event_dict):
    for key, value in municipality_fields().items():
        event_dict.setdefault(key, value)
    return event_dict


class MunicipalityFilter(logging.Filter):
    """Adds the municipality to records of plain `logging` loggers (Django's, Celery's...)."""

    def filter(self, record):
        try:
            fields = municipality_fields()
        except Exception:  # before Django is set up there is no connection to ask
            fields = {"municipality": "platform"}
        for key, value in fields.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def configure_logging(log_format="console", level="INFO"):
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso"),
        add_municipality,
    ]
    renderer = (
        structlog.processors.JSONRenderer() if log_format == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"municipality": {"()": MunicipalityFilter}},
            "formatters": {
                "structured": {
                    "()": structlog.stdlib.ProcessorFormatter,
                    "processor": renderer,
                    "foreign_pre_chain": shared[:-1] + [_from_record],
                },
            },
            "handlers": {
                "default": {
                    "class": "logging.StreamHandler",
                    "formatter": "structured",
                    "filters": ["municipality"],
                },
            },
            "root": {"handlers": ["default"], "level": level},
            "loggers": {
                "django.db.backends": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"},  # it narrates every font subset at INFO
            },
        }
    )
    structlog.configure(
        processors=shared + [structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _from_record(logger, method_name, event_dict):
    """For plain logging records: copy the fields the filter put on the record."""
    record = event_dict.get("_record")
    if record is not None:
        for key in ("municipality", "municipality_slug"):
            value = getattr(record, key, None)
            if value is not None:
                event_dict.setdefault(key, value)
    return event_dict
