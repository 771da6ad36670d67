"""Every figure of DESIGN §8, by SQL aggregation over a :class:`ReportSources`.

The queries group by a *group key* (everything, each hub or each district), so
the server's ``by_hub`` costs the same passes as one total. Only aggregated
counts come back to Python, never rows. Day bounds come from ``core.days``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    FromClause,
    Select,
    Subquery,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.orm import Session

from hubdesk.core.days import day_bounds_utc, hub_zone, local_day
from hubdesk.core.vocab import vocabularies
from hubdesk.reports.figures.buckets import bucket_index, day_starts, month_labels, month_starts
from hubdesk.reports.figures.shape import (
    LONG_PERIOD_DAYS,
    Period,
    Scope,
    empty_report,
    finish_report,
)
from hubdesk.reports.figures.sources import ReportSources

Group = Literal["all", "hub", "district"]
Executor = Connection | Session
ALL = "all"
EVERYWHERE = Scope()
MENTAL_HEALTH_TOPIC = "mental_wellbeing"
MENTAL_HEALTH_CATEGORIES = ("mental_health",)
#: the parts of a report, each one method of ``_Run`` (``_<part>``)
PARTS = ("visit_totals", "alerts", "repeat_visitors", "mental_health", "signposts", "mecc",
         "follow_ups", "sessions")

def compute_reports(db: Executor, sources: ReportSources, period: Period,
                    scope: Scope = EVERYWHERE, group: Group = "all",
                    with_volunteers: bool = True,
                    only: Collection[str] = PARTS) -> dict[str, dict[str, Any]]:
    """One report per group key (``"all"``, each hub id or each district name).

    With ``group="all"`` the answer is ``{"all": report}`` (an empty report when
    nothing matches). Visitor codes are counted per hub (a card belongs to its hub).
    ``only`` names the parts of :data:`PARTS` to compute (the daily roll-up computes
    the others).
    """
    run = _Run(db, sources, period, scope, group)
    return run.reports(with_volunteers, only)


def volunteer_pairs(db: Executor, sources: ReportSources, period: Period,
                    scope: Scope = EVERYWHERE, group: Group = "hub",
                    with_visits: bool = True) -> list[tuple[str, str]]:
    """Distinct (group key, volunteer id) pairs; volunteers are not additive across
    groups, so a caller counts districts and the county from these. Without
    ``with_visits``, only who signed in to a session (the roll-up holds the rest)."""
    return _Run(db, sources, period, scope, group).volunteer_pairs(with_visits)


class _Run:
    def __init__(self, db: Executor, sources: ReportSources, period: Period, scope: Scope,
                 group: Group) -> None:
        self.db = db
        self.src = sources
        self.period = period
        self.zone = hub_zone(period.zone)
        self.start, self.end = day_bounds_utc(period.first, period.last, self.zone)
        self.scope = scope
        self.group = group
        self.visits = self._scoped(sources.visits, sources.visits.c.visited_at, "sv")
        self.sessions = self._scoped(sources.sessions, sources.sessions.c.started_at, "ss")
        self.out: dict[str, dict[str, Any]] = {}
        self._data_days: tuple[date, date] | None = None

    def data_days(self) -> tuple[date, date]:
        """The period narrowed to the days that hold visits: day and month buckets are
        only needed there (a report "since 2000" must not build 10,000 of them)."""
        if self._data_days is None:
            sv = self.visits
            # two queries: a lone min() or max() is one index step, both together a scan
            earliest = self.db.execute(select(func.min(sv.c.visited_at))).scalar()
            latest = self.db.execute(select(func.max(sv.c.visited_at))).scalar()
            if earliest is None or latest is None:
                self._data_days = (self.period.first, self.period.first)
            else:
                self._data_days = (max(self.period.first, local_day(earliest, self.zone)),
                                   min(self.period.last, local_day(latest, self.zone)))
        return self._data_days

    def long_period(self) -> bool:
        return (self.period.last - self.period.first).days > LONG_PERIOD_DAYS

    # -- scoping -----------------------------------------------------------------
    def _scoped(self, table: FromClause, at: ColumnElement[Any] | None, name: str) -> Subquery:
        """Rows of ``table`` (visits or sessions) in the scope, with ``group_key``; in the
        period too unless ``at`` is None (follow-ups count by due date, any visit date)."""
        hubs = self.src.hubs
        source: FromClause = table
        needs_hubs = self.group == "district" or self.scope.district is not None
        if needs_hubs:
            source = table.outerjoin(hubs, hubs.c.id == table.c.hub_id)
        key: ColumnElement[Any] = (
            literal(ALL) if self.group == "all"
            else table.c.hub_id if self.group == "hub" else hubs.c.district)
        conditions = [] if at is None else [at >= self.start, at < self.end]
        if self.scope.hub_id is not None:
            conditions.append(table.c.hub_id == self.scope.hub_id)
        if self.scope.venue_id is not None:
            conditions.append(table.c.venue_id == self.scope.venue_id)
        if self.scope.district is not None:
            conditions.append(hubs.c.district == self.scope.district)
        return (select(*table.c, key.label("group_key")).select_from(source)
                .where(*conditions).subquery(name))

    def _rows(self, statement: Executable) -> Iterable[Any]:
        return self.db.execute(statement).all()

    def _report(self, key: Any) -> dict[str, Any]:
        name = str(key) if key is not None else "unknown"
        if name not in self.out:
            self.out[name] = empty_report()
        return self.out[name]

    def _breakdown(self, target: str, statement: Select[Any], nested: str | None = None) -> None:
        for key, code, count in self._rows(statement):
            report = self._report(key)
            place = report[target] if nested is None else report[target][nested]
            label = code if code is not None else "not_recorded"
            place[label] = place.get(label, 0) + int(count)

    def _by(self, table: FromClause, column: ColumnElement[Any], join: FromClause | None = None,
            where: ColumnElement[bool] | None = None) -> Select[Any]:
        """Counts per (group key, ``column``) over ``table`` (or ``join``, which holds it)."""
        group_key = table.c.group_key
        statement = select(group_key, column, func.count()).select_from(
            table if join is None else join)
        if where is not None:
            statement = statement.where(where)
        return statement.group_by(group_key, column)

    # -- the figures -------------------------------------------------------------
    def reports(self, with_volunteers: bool = True,
                only: Collection[str] = PARTS) -> dict[str, dict[str, Any]]:
        if self.group == "all":
            self._report(ALL)
        for part in PARTS:
            if part in only:
                getattr(self, f"_{part}")()
        if with_volunteers:  # else the caller counts them from ``volunteer_pairs``
            for key, count in self.volunteers().items():
                self._report(key)["volunteers"] = count
        labels = month_labels(*self.data_days(), self.zone) if self.long_period() else \
            month_labels(self.period.first, self.period.last, self.zone)
        for report in self.out.values():
            report["visits_by_month"] = {label: report["visits_by_month"].get(label, 0)
                                         for label in labels}
            finish_report(report)
        return self.out

    def _visit_totals(self) -> None:
        """One pass over the period's visits, grouped by every coded answer at once; the
        breakdowns are sums over these few hundred aggregated rows."""
        sv = self.visits
        labels, starts = month_starts(*self.data_days(), self.zone)
        dimensions = (sv.c.group_key, sv.c.sex, sv.c.age_band, sv.c.contact_mode,
                      sv.c.referral_source, sv.c.first_visit, sv.c.safeguarding,
                      sv.c.visitor_code.is_(None), bucket_index(sv.c.visited_at, starts))
        statement = select(*dimensions, func.count()).group_by(*dimensions)
        for (key, sex, age, mode, source, first, flagged, uncoded, month,
             count) in self._rows(statement):
            report, n = self._report(key), int(count)
            report["visits"] += n
            report["people_helped"] += n
            _add(report["sex"], sex, n)
            _add(report["age_bands"], age, n)
            _add(report["visits_by_month"], labels[int(month)], n)
            if first:
                report["first_visits"] += n
            if mode == "referred_in":
                _add(report["referred_in_by_source"], source, n)
            if mode == "walk_in" or source == "self":
                report["walk_in_or_self_referral"] += n
            if flagged:
                report["safeguarding_flags"]["raised"] += n
            if uncoded:  # each visit without a code is one visitor
                report["visitors"] += n
                if mode == "returning":
                    report["repeat_visitors"] += n

    def _alerts(self) -> None:
        """Safeguarding flags by the state of their alert (the laptop's alerts)."""
        sv = self.visits
        if self.src.alerts is not None:
            alerts = self.src.alerts
            join = sv.join(alerts, alerts.c.visit_id == sv.c.record_id)
            self._breakdown("safeguarding_flags", self._by(
                sv, _state_of_alert(alerts.c.acknowledged), join))

    def _repeat_visitors(self) -> None:
        """Visitor codes: each is one visitor; a repeat visitor when seen on two days."""
        sv = self.visits
        day = bucket_index(sv.c.visited_at, day_starts(*self.data_days(), self.zone))
        codes = (select(sv.c.group_key, func.min(day).label("first_day"),
                        func.max(day).label("last_day"))
                 .where(sv.c.visitor_code.is_not(None))
                 .group_by(sv.c.group_key, sv.c.visitor_code).subquery("codes"))
        statement = (select(codes.c.group_key, func.count(),
                            func.count(_when(codes.c.first_day != codes.c.last_day)))
                     .group_by(codes.c.group_key))
        for key, visitors, repeated in self._rows(statement):
            report = self._report(key)
            report["visitors"] += int(visitors)
            report["repeat_visitors"] += int(repeated)

    def _mental_health(self) -> None:
        """Visits that raised mental wellbeing or were signposted to a mental-health or
        crisis service (semi-joins: each visit counts once)."""
        sv = self.visits
        statement = (select(sv.c.group_key, func.count())
                     .where(mental_health_condition(self.src, sv)).group_by(sv.c.group_key))
        for key, count in self._rows(statement):
            self._report(key)["mental_health"]["count"] = int(count)

    def _signposts(self) -> None:
        """One pass over the period's signposting, by kind, status and service; categories
        and organisations come from the (small) services directory."""
        sv, outcomes = self.visits, self.src.outcomes
        dimensions = (sv.c.group_key, outcomes.c.kind, outcomes.c.status, outcomes.c.service_id)
        statement = (select(*dimensions, func.count())
                     .select_from(sv.join(outcomes, outcomes.c.visit_id == sv.c.record_id))
                     .group_by(*dimensions))
        counts = self._rows(statement)
        services = self.src.services
        organisation = dict(self._rows(select(services.c.id, services.c.organisation)))
        categories: dict[str, list[str]] = {}
        cats = self.src.service_categories
        for service_id, category in self._rows(select(cats.c.service_id, cats.c.category)):
            categories.setdefault(service_id, []).append(category)
        for key, kind, status, service_id, count in counts:
            report, n = self._report(key), int(count)
            _add(report["signposts_by_kind"], kind, n)
            _add(report["follow_ups"]["outcomes_by_status"], status, n)
            for category in categories.get(service_id, []):
                _add(report["signposts_by_category"], category, n)
            if service_id in organisation:
                _add(report["signposts_by_organisation"], organisation[service_id], n)

    def _mecc(self) -> None:
        sv, talks = self.visits, self.src.conversations
        joined = sv.join(talks, talks.c.visit_id == sv.c.record_id)
        dimensions = (sv.c.group_key, talks.c.topic, talks.c.furthest_step, talks.c.response,
                      talks.c.action)
        statement = select(*dimensions, func.count()).select_from(joined).group_by(*dimensions)
        for key, topic, step, response, action, count in self._rows(statement):
            report, n = self._report(key), int(count)
            _add(report["mecc_by_topic"], topic, n)
            _add(report["mecc_by_step"], step, n)
            _add(report["mecc_by_response"], response, n)
            _add(report["mecc_by_action"], action, n)
        talked = exists().where(talks.c.visit_id == sv.c.record_id)
        statement = select(sv.c.group_key, func.count()).where(talked).group_by(sv.c.group_key)
        for key, count in self._rows(statement):
            self._report(key)["mecc_visits"] = int(count)

    def _follow_ups(self) -> None:
        """Follow-ups due in the period (any visit date) for visits in scope."""
        period, follow_ups = self.period, self.src.follow_ups
        visits = self._scoped(self.src.visits, None, "scoped_visits")
        statement = (
            select(visits.c.group_key, func.count(),
                   func.count(_when(follow_ups.c.done == true())),
                   func.count(_when(and_(follow_ups.c.done == false(),
                                         follow_ups.c.due_date < period.last))))
            .select_from(follow_ups.join(visits, visits.c.record_id == follow_ups.c.visit_id))
            .where(follow_ups.c.due_date >= period.first, follow_ups.c.due_date <= period.last)
            .group_by(visits.c.group_key))
        for key, due, done, overdue in self._rows(statement):
            report = self._report(key)["follow_ups"]
            report.update(due=int(due), done=int(done), overdue=int(overdue))

    def _sessions(self) -> None:
        ss = self.sessions
        self._breakdown("sessions_by_type", select(ss.c.group_key, ss.c.session_type, func.count())
                        .group_by(ss.c.group_key, ss.c.session_type))
        for key, headcount in self._rows(select(ss.c.group_key, func.sum(ss.c.headcount))
                                         .group_by(ss.c.group_key)):
            self._report(key)["people_helped"] += int(headcount or 0)
        activities = self.src.session_activities
        statement = (select(ss.c.group_key, func.count(), func.sum(activities.c.attendance),
                            func.sum(activities.c.attendance_0_17))
                     .select_from(ss.join(activities, activities.c.session_id == ss.c.record_id))
                     .group_by(ss.c.group_key))
        for key, count, attendance, young in self._rows(statement):
            report = self._report(key)
            report.update(activities=int(count), attendance=int(attendance or 0),
                          attendance_0_17=int(young or 0))
        shifts = self.src.session_shifts
        statement = (select(ss.c.group_key, func.sum(shifts.c.minutes))
                     .select_from(ss.join(shifts, shifts.c.session_id == ss.c.record_id))
                     .group_by(ss.c.group_key))
        for key, minutes in self._rows(statement):
            self._report(key)["volunteer_hours"] = round(float(minutes or 0) / 60, 1)

    def volunteers(self) -> dict[str, int]:
        """Who signed in to a session or recorded a visit, distinct per group."""
        found: dict[str, set[str]] = {}
        for key, volunteer in self.volunteer_pairs():
            found.setdefault(key, set()).add(volunteer)
        return {key: len(people) for key, people in found.items()}

    def volunteer_pairs(self, with_visits: bool = True) -> list[tuple[str, str]]:
        """Distinct (group key, volunteer id): a few per hub, so districts and the county
        can be counted from one query."""
        sv, ss, shifts = self.visits, self.sessions, self.src.session_shifts
        signed_in = (select(ss.c.group_key, shifts.c.volunteer_id)
                     .join(shifts, shifts.c.session_id == ss.c.record_id))
        people: Executable = signed_in.distinct() if not with_visits else union(
            select(sv.c.group_key, sv.c.created_by.label("volunteer_id")), signed_in)
        return [(str(key) if key is not None else "unknown", str(volunteer))
                for key, volunteer in self._rows(people)]


def mental_health_categories() -> tuple[str, ...]:
    """Service categories whose signposts count as needing mental-health support."""
    return (*MENTAL_HEALTH_CATEGORIES, *sorted(vocabularies().crisis_categories))


def mental_health_condition(sources: ReportSources, visits: FromClause) -> ColumnElement[bool]:
    """A visit of ``visits`` raised mental wellbeing or was signposted to a mental-health
    or crisis service (semi-joins: each visit counts once)."""
    topics, outcomes = sources.visit_topics, sources.outcomes
    categories = sources.service_categories
    wanted = mental_health_categories()
    raised = exists().where(topics.c.visit_id == visits.c.record_id,
                            topics.c.topic == MENTAL_HEALTH_TOPIC)
    signposted = exists().where(outcomes.c.visit_id == visits.c.record_id,
                                categories.c.service_id == outcomes.c.service_id,
                                categories.c.category.in_(wanted))
    return or_(raised, signposted)


def _add(counts: dict[str, int], code: Any, n: int) -> None:
    label = code if code is not None else "not_recorded"
    counts[label] = counts.get(label, 0) + n


def _when(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """``COUNT(_when(c))`` counts the rows where ``c`` holds (portable FILTER)."""
    return case((condition, 1))


def _state_of_alert(acknowledged: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((acknowledged == true(), "acknowledged"), else_="awaiting")
