"""SMS: a pluggable backend (SMS_BACKEND). No gateway can be reached from here, so the default
writes messages to the log; production plugs in its operator's gateway behind `send`."""

import structlog

log = structlog.get_logger(__name__)


class LoggingSmsBackend:
    def send(self, phone, text):
        log.info("sms.sent", phone=phone, text=text)


class MemorySmsBackend:
    """Keeps messages in `outbox`, like Django's locmem mail backend (for tests)."""

    outbox = []

    def send(self, phone, text):
        self.outbox.append((phone, text))
