"""Regenerate the rules tables in README.md from the profiles (tests/test_docs.py checks they match)."""
from pathlib import Path

from consolidator.profile.docs import readme_with_rules
from consolidator.profile import available_profiles, load_profile

readme = Path(__file__).resolve().parent.parent / "README.md"
text = readme.read_text(encoding="utf-8")
for name in available_profiles(None):  # list and survey profiles
    if f"<!-- rules:{name} -->" in text:
        text = readme_with_rules(text, load_profile(name))
readme.write_text(text, encoding="utf-8")
