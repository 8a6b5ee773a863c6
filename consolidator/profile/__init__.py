"""A region's procedure as data, and what follows from it alone.

Holds: the profile (`schema`: form, vocabularies, deadlines, rules, organisation details) and its
loading and validation (`load`); text normalisation as every check compares (`text`, `items`); the
online/offline kind of a row (`kinds`); the form's table found in a grid of cells (`form`) and which
profile's form a grid is in (`detect`); the rules table for docs/rules.md and `consolidator rules`
(`docs`).

Imports: nothing of the package outside itself. It knows no file format beyond «a grid of cells with
addresses», and imports pandas only inside the functions that take a frame.
"""
from consolidator.profile.load import available_profiles, load_profile, merge_org, rules_dir
from consolidator.profile.schema import (SEVERITIES, SEVERITY_RU, Column, Deadline, Kind, PointType, Profile, ProfileError,
                                         Rule, VocabularyItem)

__all__ = ["SEVERITIES", "SEVERITY_RU", "Column", "Deadline", "Kind", "PointType", "Profile", "ProfileError", "Rule",
           "VocabularyItem", "available_profiles", "load_profile", "merge_org", "rules_dir"]
