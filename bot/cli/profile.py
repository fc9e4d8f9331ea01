"""coach profile: the team profile (team.yaml) and the topics with no fact yet."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.core.config import load_settings


def cmd_profile(args: argparse.Namespace) -> int:
    from bot.content.playbooks import load_playbooks

    books = load_playbooks(load_settings().playbooks_dir)  # a mistake in it is reported by main()
    profile = books.profile
    missing = profile.topics_without_facts()
    if args.json:
        print(json.dumps({"file": str(books.profile_path), **profile.model_dump(), "topics_without_facts": missing},
                         ensure_ascii=False))
        return 0
    print(f"Team profile: {books.profile_path}")
    print(f"Company: {profile.company.name}: {profile.company.offering.en}")
    print(f"\nFacts ({len(profile.facts)})")
    for fact in profile.facts:
        print(f"  [{fact.topic or '-'}] {fact.en}{'' if fact.es else '  (no Spanish yet)'}")
    print(f"\nReferences ({len(profile.references)})")
    for ref in profile.references:
        calls = "takes calls" if ref.contact_ok else "may be named, no calls"
        described = f" — {ref.description}" if ref.description else ""
        print(f"  {ref.customer} ({ref.industry}{', ' + ref.size if ref.size else ''}; {calls}){described}: "
              f"{ref.result.en}")
    print(f"\nCompetitors ({len(profile.competitors)})")
    for competitor in profile.competitors:
        print(f"  {competitor.name}: {competitor.en}")
    print(f"\nTopics with no fact yet ({len(missing)}): {', '.join(missing) if missing else 'none'}")
    if missing:
        print("  The coach shows a [placeholder] for these; add a fact to team.yaml to fill it.")
    return 0


def register(sub: Any) -> None:
    """Add `profile` to the `coach` parser's subcommands."""
    profile = sub.add_parser("profile", help="show the team profile (team.yaml) and the topics with no fact yet")
    profile.add_argument("--json", action="store_true", help="print the profile as JSON")
    profile.set_defaults(func=cmd_profile)
