"""The rules of the standard flow that an installation may tune (see Config)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class CaseSettings:
    max_correction_rounds: int = 3
    correction_limit_days: int = 5
    tolerance_limit_days: int = 10

    @classmethod
    def from_config(cls, config) -> "CaseSettings":
        return cls(
            max_correction_rounds=int(config["MAX_CORRECTION_ROUNDS"]),
            correction_limit_days=int(config["CORRECTION_LIMIT_DAYS"]),
            tolerance_limit_days=int(config["TOLERANCE_LIMIT_DAYS"]),
        )
