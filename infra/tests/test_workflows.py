"""The GitHub Actions workflows, parsed (actionlint is not installable here): each has the jobs
and steps the release process relies on, and refers only to scripts that exist."""

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def step(workflow: dict, job: str, name_part: str) -> dict:
    found = [s for s in steps(workflow, job) if name_part.lower() in s.get("name", "").lower()]
    assert len(found) == 1, f"{job}: one step named like {name_part!r}, found {len(found)}"
    return found[0]


def runs(workflow: dict, job: str) -> str:
    return "\n".join(s.get("run", "") for s in steps(workflow, job))


ALL = sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def test_the_four_workflows_exist():
    assert ALL == ["ci.yml", "deploy-production.yml", "deploy-staging.yml", "infra.yml"]


@pytest.mark.parametrize("name", ALL)
def test_every_workflow_is_well_formed(name):
    workflow = load(name)
    assert workflow["name"] and workflow["on"] and workflow["jobs"]
    assert "permissions" in workflow, "least privilege: say what the token may do"
    for job_id, job in workflow["jobs"].items():
        if "uses" in job:  # a reusable workflow call
            assert (REPO / job["uses"].removeprefix("./")).exists()
            continue
        assert job["runs-on"].startswith("ubuntu-"), job_id
        assert job.get("timeout-minutes"), f"{job_id} has no timeout"
        for need in [job["needs"]] if isinstance(job.get("needs"), str) else job.get("needs", []):
            assert need in workflow["jobs"], f"{job_id} needs unknown job {need}"
        for s in job["steps"]:
            assert ("uses" in s) != ("run" in s), f"{job_id}: a step either uses an action or runs a command"
            if "uses" in s:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", s["uses"]), s["uses"]
            for script in re.findall(r"(?<![\w/])(infra/[\w.-]+\.sh)", s.get("run", "")):
                assert (REPO / script).exists(), f"{job_id} runs {script}, which does not exist"


@pytest.mark.parametrize("name", ["deploy-staging.yml", "deploy-production.yml", "infra.yml"])
def test_azure_login_is_openid_connect_without_stored_credentials(name):
    workflow = load(name)
    assert workflow["permissions"]["id-token"] == "write"
    for job in workflow["jobs"].values():
        for s in job.get("steps", []):
            if s.get("uses", "").startswith("azure/login@"):
                assert set(s["with"]) == {"client-id", "tenant-id", "subscription-id"}


def test_ci_lints_tests_with_services_audits_and_builds_the_image():
    ci = load("ci.yml")
    assert {"lint", "test", "audit", "image"} <= set(ci["jobs"])
    assert "workflow_call" in ci["on"] and "pull_request" in ci["on"]
    lint = runs(ci, "lint")
    assert "ruff check ." in lint and "ruff format --check ." in lint
    assert re.search(r"bandit .*--severity-level high", lint)
    assert "hadolint infra/Dockerfile" in lint
    assert "checkov --directory infra --framework bicep" in lint

    test = ci["jobs"]["test"]
    assert test["services"]["postgres"]["image"].startswith("postgres:16")
    assert test["services"]["redis"]["image"].startswith("redis:")
    assert test["env"]["REQUIRE_SERVICES"] == "1"
    assert "postgres:5432" in test["env"]["DATABASE_URL"] and "redis:6379" in test["env"]["REDIS_URL"]
    assert "make test" in runs(ci, "test")
    assert "makemigrations --check" in runs(ci, "test")
    # Coverage is enforced by pytest's own options, which `make test` uses unchanged.
    pyproject = (REPO / "pyproject.toml").read_text()
    assert "--cov-fail-under=80" in pyproject and "--no-cov" not in runs(ci, "test")

    audit = runs(ci, "audit")
    assert "pip-audit --requirement requirements-dev.txt" in audit  # which includes requirements.txt
    assert "-r requirements.txt" in (REPO / "requirements-dev.txt").read_text()
    assert "pip-audit --requirement requirements-tools.txt" in audit
    build = step(ci, "image", "build the image")
    assert build["uses"].startswith("docker/build-push-action@")
    assert build["with"]["file"] == "infra/Dockerfile" and build["with"]["push"] is False
    assert "manage check --deploy" in runs(ci, "image")


def test_staging_deploy_builds_pushes_deploys_the_slot_migrates_and_smoke_tests():
    staging = load("deploy-staging.yml")
    assert staging["on"]["push"]["branches"] == ["main"]
    jobs = staging["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["build"]["needs"] == "ci" and jobs["deploy"]["needs"] == "build"
    push = step(staging, "build", "push the image")
    assert push["with"]["push"] is True and "${{ github.sha }}" in push["with"]["tags"]
    deploy = step(staging, "deploy", "staging slot at the new image")["run"]
    assert "--slot staging" in deploy and "az webapp config container set" in deploy
    migrate = step(staging, "deploy", "migrate")["run"]
    assert "infra/smoke.sh" in migrate and "--wait" in migrate and "staging" in migrate
    smoke = step(staging, "deploy", "smoke test")["run"]
    assert smoke.startswith("infra/smoke.sh") and "-staging.azurewebsites.net" in smoke
    script = (REPO / "infra" / "smoke.sh").read_text()
    assert "/api/health" in script and "/search?q=" in script


def test_production_deploy_is_approved_swaps_smokes_and_swaps_back_on_failure():
    production = load("deploy-production.yml")
    assert set(production["on"]) == {"workflow_dispatch"}
    job = production["jobs"]["swap"]
    assert job["environment"]["name"] == "production"  # its required reviewers approve
    names = [s.get("name", "") for s in job["steps"]]
    swap_at = names.index("Slot swap")
    assert names.index("Smoke test production") > swap_at
    swap = step(production, "swap", "slot swap")
    assert swap["id"] == "swap" and "--slot staging --target-slot production" in swap["run"]
    back = step(production, "swap", "swap back")
    assert back["if"] == "failure() && steps.swap.outcome == 'success'"
    assert "az webapp deployment slot swap" in back["run"]
    assert names.index("Swap back on failure") > names.index("Smoke test production")
    # The worker moves to the new image only once production passed its smoke test.
    assert names.index("Run the new release on the worker") > names.index("Swap back on failure")


def test_infra_workflow_runs_what_if_before_deploy():
    infra = load("infra.yml")
    jobs = infra["jobs"]
    assert jobs["what-if"]["needs"] == "check" and jobs["deploy"]["needs"] == "what-if"
    assert 'infra/deploy.sh "$TARGET" --what-if' in runs(infra, "what-if")
    assert 'infra/deploy.sh "$TARGET"' in runs(infra, "deploy")
    assert "checkov" in runs(infra, "check") and "infra/tests/test_bicep.py" in runs(infra, "check")
    assert set(infra["on"]["workflow_dispatch"]["inputs"]["environment"]["options"]) == {"dev", "staging", "prod"}
    assert "production" in jobs["deploy"]["environment"]
