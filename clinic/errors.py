"""The error every service raises for a request that breaks a rule."""


class ServiceError(ValueError):
    """``field`` names the input at fault; ``code`` is "invalid" or "conflict"."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
