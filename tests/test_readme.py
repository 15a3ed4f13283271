"""The README's two commands are the project's contract: CI must run the test command verbatim."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = text.split("```bash\n")[1:3]
    return [block.split("\n```")[0].strip() for block in blocks]


def test_readme_opens_with_the_demo_and_the_test_command():
    demo, tests = _readme_commands()
    assert demo.endswith("xmodal demo")
    assert tests.endswith("pytest")
    assert (ROOT / "README.md").read_text().index("```bash") < 40


def test_ci_runs_the_readme_test_command_verbatim():
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert _readme_commands()[1] in ci_lines
