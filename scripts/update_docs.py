"""Regenerate the rules tables in the documentation from the profiles (tests/test_docs.py checks they match).

Each profile's table lies between <!-- rules:NAME --> and <!-- /rules:NAME --> markers in exactly one of
README.md and docs/*.md (the lists' profiles in docs/rules.md, the survey's in docs/survey.md).

    python scripts/update_docs.py           rewrite the tables that are stale
    python scripts/update_docs.py --check   only say which are stale or missing (exit code 1), write nothing
"""
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root))  # this checkout's package and profiles, not an installed copy

from consolidator.profile.docs import doc_with_rules  # noqa: E402
from consolidator.profile import available_profiles, load_profile  # noqa: E402

check = "--check" in sys.argv[1:]
docs = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
texts = {path: path.read_text(encoding="utf-8") for path in docs}
problems = []
for name in available_profiles(None):  # list and survey profiles
    holders = [path for path, text in texts.items() if f"<!-- rules:{name} -->" in text]
    if len(holders) != 1:
        where = ", ".join(str(p.relative_to(root)) for p in holders) or "no file"
        problems.append(f"profile {name}: its rules table must be in exactly one file, found in {where}")
        continue
    texts[holders[0]] = doc_with_rules(texts[holders[0]], load_profile(name))
for path, text in texts.items():
    if text != path.read_text(encoding="utf-8"):
        if check:
            problems.append(f"{path.relative_to(root)}: rules table is stale")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"updated {path.relative_to(root)}")
for problem in problems:
    print(problem, file=sys.stderr)
sys.exit(1 if problems else 0)
