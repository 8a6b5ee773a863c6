from pathlib import Path

from consolidator.profile.docs import doc_with_rules
from consolidator.profile import available_profiles, load_profile

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_docs_rules_tables_match_profiles():
    texts = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8") for path in DOCS}
    for name in available_profiles(None):  # list and survey profiles
        marker = f"<!-- rules:{name} -->"
        holders = [doc for doc, text in texts.items() if marker in text]
        assert len(holders) == 1, f"the docs have {len(holders)} rules tables for profile {name}, not one"
        text = texts[holders[0]]
        assert doc_with_rules(text, load_profile(name)) == text, \
            f"{holders[0]} rules table is stale: run python scripts/update_docs.py"

