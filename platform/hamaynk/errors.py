"""Bad input, reported per field so every caller — a form, the CLI, an API — can show it."""


class FieldErrors(Exception):
    """{field name or "__all__": [message, ...]}; nothing was changed."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
