"""Reading the Bicep templates and parameter files for the offline checks (pycep-parser)."""

import json
import re
from functools import cache
from pathlib import Path

from pycep import BicepParser

INFRA = Path(__file__).resolve().parent.parent
REPO = INFRA.parent
MODULES = INFRA / "modules"
ENVIRONMENTS = ("dev", "staging", "prod")


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def parse(path: Path) -> dict:
    return BicepParser().parse(file_path=path)


def main() -> dict:
    return parse(INFRA / "main.bicep")


def module(name: str) -> dict:
    return parse(MODULES / f"{name}.bicep")


def resources(name: str) -> dict:
    return module(name)["resources"]


def resource(module_name: str, symbol: str) -> dict:
    found = resources(module_name)[symbol]
    config = found["config"]
    # A `for` loop wraps the body one level deeper.
    return {**found, "body": config.get("config", config) if "loop_type" in config else config}


def parameters(environment: str) -> dict:
    data = json.loads((INFRA / "env" / f"{environment}.parameters.json").read_text())
    return {name: entry["value"] for name, entry in data["parameters"].items()}


def parameter_value(environment: str, name: str):
    """The value an environment deploys with: its parameter file, else main.bicep's default."""
    values = parameters(environment)
    return values[name] if name in values else main()["parameters"][name]["default"]


def property_path(expression) -> str | None:
    """``a.b.c`` for a pycep property-accessor expression, None for anything else."""
    if isinstance(expression, str):
        return expression
    operator = expression.get("operator", {}) if isinstance(expression, dict) else {}
    if operator.get("type") != "property_accessor":
        return None
    left = property_path(operator["operands"]["operand_1"])
    right = property_path(operator["operands"]["operand_2"])
    return f"{left}.{right}" if left and right else None


KEY_VAULT_REFERENCE = re.compile(r"^@Microsoft\.KeyVault\(SecretUri=\$\{keyVaultUri\}secrets/([a-z0-9-]+)/\)$")
