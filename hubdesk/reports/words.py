"""The headline figures in plain words, for the Reports screen (Qt-free, testable)."""

from __future__ import annotations

from typing import Any

from hubdesk.reports.figures.tables import figure_text

_n = figure_text


def _people(value: Any, one: str, many: str) -> str:
    return f"{_n(value)} {one if value == 1 else many}"


def summary_sentences(figures: dict[str, Any]) -> list[str]:
    """One sentence per headline, in the order a coordinator reads them out."""
    visits = figures["visits"]
    if visits == 0 and figures["people_helped"] == 0:
        return ["Nothing was recorded in this period."]
    counted = figures["people_helped"] - visits if isinstance(figures["people_helped"], int) \
        and isinstance(visits, int) else None
    helped = f"{_n(figures['people_helped'])} people helped: {_people(visits, 'visit', 'visits')}"
    helped += f" and {_n(counted)} more counted at sessions." if counted else "."
    sentences = [helped]
    sentences.append(
        f"{_people(figures['visitors'], 'different visitor', 'different visitors')}, of whom "
        f"{_n(figures['repeat_visitors'])} came back; {_n(figures['first_visits'])} first visits.")
    sex = figures["sex"]
    known = [sex.get("female"), sex.get("male")]
    if all(isinstance(v, int) for v in known) and sum(known):
        female = round(100 * known[0] / sum(known))
        sentences.append(f"{female} % of those whose sex we know were women, "
                         f"{100 - female} % men.")
    sentences.append(f"{_n(figures['walk_in_or_self_referral'])} walked in or referred "
                     "themselves.")
    mental = figures["mental_health"]
    share = (f" ({mental['percent_of_visits']:.0f} % of visits)"
             if mental["percent_of_visits"] is not None else "")
    sentences.append(f"{_n(mental['count'])} needed mental-health support{share}.")
    sentences.append(f"{_n(figures['referred_to_community_partners'])} were referred to "
                     "community partners (warm handover or referral).")
    sessions = figures["sessions_by_type"]
    total_sessions = sum(v for v in sessions.values() if isinstance(v, int))
    warm = sessions.get("warm_space", 0)
    sentences.append(f"{_people(total_sessions, 'session', 'sessions')} ran, "
                     f"{_n(warm)} of them warm spaces; "
                     f"{_people(figures['activities'], 'activity', 'activities')} "
                     f"with {_n(figures['attendance'])} taking part "
                     f"({_n(figures['attendance_0_17'])} aged 0–17).")
    sentences.append(f"{_people(figures['volunteers'], 'volunteer', 'volunteers')} gave "
                     f"{_n(figures['volunteer_hours'])} hours.")
    follow = figures["follow_ups"]
    sentences.append(f"Follow-ups due: {_n(follow['due'])}; done: {_n(follow['done'])}; "
                     f"overdue: {_n(follow['overdue'])}.")
    flags = figures["safeguarding_flags"]
    waiting = flags.get("awaiting")
    sentences.append(f"Safeguarding concerns flagged: {_n(flags['raised'])}"
                     + (f" ({_n(waiting)} still waiting for a coordinator)." if waiting else "."))
    return sentences
