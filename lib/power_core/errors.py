"""Typed exceptions of the core, in the style of python-stdnum."""


class PowerCoreError(ValueError):
    "Base class of every error raised by power_core."
    message = "Invalid value."

    def __init__(self, message=None, value=None):
        self.value = value
        super().__init__(message or self.message)

    @property
    def reason(self):
        return self.args[0]


class ValidationError(PowerCoreError):
    "A value does not follow its rules."


class InvalidFormat(ValidationError):
    message = "The value has an invalid format."


class InvalidLength(InvalidFormat):
    message = "The value has an invalid length."


class InvalidComponent(ValidationError):
    message = "A part of the value is not valid."


class FormulaError(ValidationError):
    "A formula is invalid, unsafe or cannot be evaluated."
    message = "The formula is not valid."

    def __init__(self, message=None, value=None, position=None):
        super().__init__(message, value)
        self.position = position


class RegulatedValueMissing(ValidationError):
    "A regulated value (fuel adjustment, surcharge) is not in the data."
    message = "A regulated value is missing."
