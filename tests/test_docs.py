from pathlib import Path

from consolidator.profile.docs import readme_with_rules
from consolidator.profile import available_profiles, load_profile

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_rules_tables_match_profiles():
    text = README.read_text(encoding="utf-8")
    for name in available_profiles(None):  # list and survey profiles
        marker = f"<!-- rules:{name} -->"
        assert marker in text, f"README has no rules table for profile {name}"
        assert readme_with_rules(text, load_profile(name)) == text, \
            "README rules table is stale: run python scripts/update_readme.py"
