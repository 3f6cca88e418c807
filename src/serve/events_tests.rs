use super::*;
use crate::timezones::DEFAULT_TZ;

const SERVICES: [&str; 2] = ["PA", "KFZ"];

fn rules(services: &[String]) -> EventRules<'_> {
    EventRules {
        tz: DEFAULT_TZ,
        today: NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
        latest: parse_rfc3339("2025-03-03T12:00:00+01:00").unwrap(),
        services,
    }
}

fn input(kind: EventKind, ticket: &str, at: &str) -> EventIn {
    EventIn {
        kind,
        ticket: ticket.into(),
        at: at.into(),
        service: None,
        channel: None,
        appointment_at: None,
        counter: None,
        outcome: None,
    }
}

fn issued(ticket: &str, at: &str) -> EventIn {
    EventIn {
        service: Some("PA".into()),
        channel: Some(ChannelIn::WalkIn),
        ..input(EventKind::Issued, ticket, at)
    }
}

fn called(ticket: &str, at: &str) -> EventIn {
    EventIn { counter: Some("3".into()), ..input(EventKind::Called, ticket, at) }
}

fn services() -> Vec<String> {
    SERVICES.iter().map(|s| s.to_string()).collect()
}

/// Applies the events in order; the reason of the first refusal, if any.
fn story(events: &[EventIn]) -> (LiveTicket, Vec<Result<Applied, &'static str>>) {
    let s = services();
    let mut t = LiveTicket::default();
    let out = events
        .iter()
        .map(|e| e.check(&rules(&s)).and_then(|e| t.apply(&e, DEFAULT_TZ)).map_err(|r| r.reason))
        .collect();
    (t, out)
}

#[test]
fn a_served_ticket_in_any_order_gives_one_complete_row() {
    let finished = input(EventKind::Finished, "A017", "2025-03-03T08:30:00+01:00");
    let events =
        [called("A017", "2025-03-03T08:20:00+01:00"), finished, issued("A017", "2025-03-03T08:03:12+01:00")];
    let (t, out) = story(&events);
    assert_eq!(out, [Ok(Applied::Applied); 3]);
    let row = t.complete("neuss-mitte", "A017").unwrap();
    assert_eq!(
        row.to_fields(DEFAULT_TZ).join(","),
        "neuss-mitte,A017,PA,walk_in,2025-03-03T08:03:12+01:00,2025-03-03T08:20:00+01:00,2025-03-03T08:30:00+01:00,3,served"
    );
    // Until the issue arrived the story was not complete.
    let (partial, _) = story(&events[..2]);
    assert_eq!(partial.complete("neuss-mitte", "A017"), None);
}

#[test]
fn repeats_are_duplicates_and_changed_repeats_conflict() {
    let a = issued("A001", "2025-03-03T08:00:00+01:00");
    let later = issued("A001", "2025-03-03T08:00:01+01:00");
    let (_, out) = story(&[a.clone(), a, later]);
    assert_eq!(out, [Ok(Applied::Applied), Ok(Applied::Duplicate), Err("conflicting_duplicate")]);
}

#[test]
fn impossible_stories_are_refused_with_their_reason() {
    let i = issued("A001", "2025-03-03T08:10:00+01:00");
    let cancel = input(EventKind::Cancelled, "A001", "2025-03-03T08:15:00+01:00");
    assert_eq!(
        story(&[i.clone(), called("A001", "2025-03-03T08:05:00+01:00")]).1[1],
        Err("called_before_issued")
    );
    assert_eq!(
        story(&[called("A001", "2025-03-03T08:05:00+01:00"), i.clone()]).1[1],
        Err("called_before_issued")
    );
    assert_eq!(
        story(&[i.clone(), cancel.clone(), called("A001", "2025-03-03T08:20:00+01:00")]).1[2],
        Err("cancelled_but_called")
    );
    assert_eq!(
        story(&[i.clone(), called("A001", "2025-03-03T08:20:00+01:00"), cancel]).1[2],
        Err("cancelled_but_called")
    );
    let early_finish = input(EventKind::Finished, "A001", "2025-03-03T08:19:00+01:00");
    assert_eq!(
        story(&[called("A001", "2025-03-03T08:20:00+01:00"), early_finish]).1[1],
        Err("finished_before_called")
    );
}

#[test]
fn field_checks_name_the_problem() {
    let s = services();
    let reason = |e: EventIn| e.check(&rules(&s)).unwrap_err().reason;
    assert_eq!(reason(issued("A 1", "2025-03-03T08:00:00+01:00")), "invalid_ticket");
    assert_eq!(reason(issued("A1", "2025-03-02T23:59:59+01:00")), "not_today");
    assert_eq!(reason(issued("A1", "2025-03-03T12:00:01+01:00")), "in_the_future");
    assert_eq!(reason(issued("A1", "2025-03-03T08:00")), "bad_timestamp");
    assert_eq!(reason(input(EventKind::Issued, "A1", "2025-03-03T08:00:00+01:00")), "missing_field");
    assert_eq!(reason(input(EventKind::Called, "A1", "2025-03-03T08:00:00+01:00")), "missing_field");
    let fs = EventIn { service: Some("FS".into()), ..issued("A1", "2025-03-03T08:00:00+01:00") };
    assert_eq!(reason(fs), "unknown_service");
    let extra = EventIn { counter: Some("1".into()), ..issued("A1", "2025-03-03T08:00:00+01:00") };
    assert_eq!(reason(extra), "field_not_allowed");
    let slot = EventIn {
        appointment_at: Some("2025-03-03T08:15:00+01:00".into()),
        ..issued("A1", "2025-03-03T08:00:00+01:00")
    };
    assert_eq!(reason(slot), "field_not_allowed");
    let comma = EventIn { counter: Some("3,4".into()), ..called("A1", "2025-03-03T08:00:00+01:00") };
    assert_eq!(reason(comma), "invalid_counter");
}

#[test]
fn the_posted_form_round_trips_through_the_check() {
    let s = services();
    let e = EventIn {
        channel: Some(ChannelIn::Appointment),
        appointment_at: Some("2025-03-03T07:15:00Z".into()),
        ..issued("T004", "2025-03-03T08:05:30.250+01:00")
    };
    let checked = e.check(&rules(&s)).unwrap();
    let back = checked.to_input(DEFAULT_TZ);
    assert_eq!(back.appointment_at.as_deref(), Some("2025-03-03T08:15:00+01:00"));
    assert_eq!(back.check(&rules(&s)).unwrap(), checked);
    let json = serde_json::to_string(&back).unwrap();
    assert!(!json.contains("counter"), "{json}");
}

#[test]
fn waiting_depends_on_what_happened_by_now() {
    let (t, _) =
        story(&[issued("A1", "2025-03-03T08:00:00+01:00"), called("A1", "2025-03-03T08:20:00+01:00")]);
    let at = |s: &str| parse_rfc3339(s).unwrap();
    assert!(!t.waiting_at(at("2025-03-03T07:59:59+01:00")));
    assert!(t.waiting_at(at("2025-03-03T08:19:59+01:00")));
    assert!(!t.waiting_at(at("2025-03-03T08:20:00+01:00")));
}
