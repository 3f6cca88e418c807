//! A deterministic queue simulation fed with given arrivals, service durations and counters
//! over time: the engine behind the what-if and the slot waits.
//!
//! Policy, as in the sample generator (`simulate::engine`) and the offices it mimics: a free,
//! staffed counter calls the appointment with the earliest due time that is due, otherwise
//! the walk-in with the lowest number (first come, first served); a citizen whose patience
//! ran out has left and is skipped; a counter is free again `call_gap_ms` after it finishes.
//! Counters staffed in a slot call nobody outside it; at the plan's end nobody is called.
//!
//! Why not `simulate::engine` itself: that engine draws its own citizens, services and call
//! gaps from one random stream in a fixed order, and the bundled sample must stay byte for
//! byte identical; feeding it real tickets would mean splitting that stream. The calling
//! policy is the same, written here over plain inputs and without randomness, so a day with
//! known inputs has exactly computable waits.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::time::EpochMs;

/// Priority class of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Booked: called before any walk-in once due.
    Appointment,
    /// Drew a number at the door: first come, first served.
    WalkIn,
}

/// One citizen as the simulation sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimTicket {
    /// When the number was drawn.
    pub arrival: EpochMs,
    /// Earliest call: the booked slot for appointments, `arrival` for walk-ins.
    pub due: EpochMs,
    /// Counter time once called (ms).
    pub service_ms: i64,
    pub class: Class,
    /// Leaves this long after arrival if not called by then; `None`: waits for ever.
    pub patience_ms: Option<i64>,
}

impl SimTicket {
    pub fn walk_in(arrival: EpochMs, service_ms: i64) -> SimTicket {
        SimTicket { arrival, due: arrival, service_ms, class: Class::WalkIn, patience_ms: None }
    }

    /// The instant this citizen gives up (never, for `None`).
    fn leaves(&self) -> EpochMs {
        self.patience_ms.map_or(EpochMs::MAX, |p| self.arrival.saturating_add(p))
    }
}

/// Counters staffed over time: `counters[i]` from `starts[i]` until `starts[i + 1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterPlan {
    starts: Vec<EpochMs>,
    counters: Vec<u32>,
}

/// Why a simulation input is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueSimError {
    #[error("counter plan: {starts} slot bounds for {counters} slots (expected one more bound than slots)")]
    PlanShape { starts: usize, counters: usize },
    #[error("counter plan: slot bound {index} ({at} ms) is before the previous one")]
    PlanOrder { index: usize, at: EpochMs },
    #[error("ticket {index}: {field} is negative ({value} ms)")]
    Negative { index: usize, field: &'static str, value: i64 },
    #[error("ticket {index}: due {due} ms is before arrival {arrival} ms")]
    DueBeforeArrival { index: usize, due: EpochMs, arrival: EpochMs },
}

impl CounterPlan {
    /// A plan from slot bounds (one more than slots, non-decreasing) and counters per slot.
    pub fn new(starts: Vec<EpochMs>, counters: Vec<u32>) -> Result<CounterPlan, QueueSimError> {
        if starts.len() != counters.len() + 1 {
            return Err(QueueSimError::PlanShape { starts: starts.len(), counters: counters.len() });
        }
        if let Some(i) = (1..starts.len()).find(|&i| starts[i] < starts[i - 1]) {
            return Err(QueueSimError::PlanOrder { index: i, at: starts[i] });
        }
        Ok(CounterPlan { starts, counters })
    }

    /// Equal slots of `slot_ms` from `start`.
    pub fn uniform(start: EpochMs, slot_ms: i64, counters: Vec<u32>) -> CounterPlan {
        let starts = (0..=counters.len() as i64).map(|i| start + i * slot_ms.max(1)).collect();
        CounterPlan { starts, counters }
    }

    pub fn counters(&self) -> &[u32] {
        &self.counters
    }

    pub fn starts(&self) -> &[EpochMs] {
        &self.starts
    }

    /// Counters staffed at `t` (0 outside the plan).
    pub fn staffed(&self, t: EpochMs) -> u32 {
        self.slot_at(t).map_or(0, |i| self.counters[i])
    }

    /// The slot holding `t`, if inside the plan (empty slots hold nothing).
    fn slot_at(&self, t: EpochMs) -> Option<usize> {
        let i = self.starts.partition_point(|&s| s <= t).checked_sub(1)?;
        (i < self.counters.len()).then_some(i)
    }

    /// The first instant at or after `t` at which counter `k` (1-based) is staffed.
    fn next_shift(&self, k: u32, t: EpochMs) -> Option<EpochMs> {
        let first = self.starts.partition_point(|&s| s <= t).saturating_sub(1);
        (first..self.counters.len())
            .find(|&i| self.counters[i] >= k && self.starts[i + 1] > t)
            .map(|i| self.starts[i].max(t))
    }
}

/// Engine parameters. | Name | Default | Purpose |
/// | `call_gap_ms` | 30 s | a counter calls again this long after finishing (walk to the desk, paperwork) |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimParams {
    pub call_gap_ms: i64,
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams { call_gap_ms: 30_000 }
    }
}

/// Each ticket's call instant in a simulated day (`None`: left or never called).
pub type Calls = Vec<Option<EpochMs>>;

/// Simulates the day; returns each ticket's call instant (`None`: left or never called).
pub fn simulate(
    tickets: &[SimTicket],
    plan: &CounterPlan,
    params: SimParams,
) -> Result<Calls, QueueSimError> {
    check(tickets)?;
    let mut q = Queues::new(tickets);
    let mut called = vec![None; tickets.len()];
    let end = plan.starts.last().copied().unwrap_or(EpochMs::MIN);
    let start = plan.starts.first().copied().unwrap_or(end);
    let mut free: BinaryHeap<Reverse<(EpochMs, u32)>> = BinaryHeap::new();
    let max = plan.counters.iter().copied().max().unwrap_or(0);
    free.extend((1..=max).filter_map(|k| plan.next_shift(k, start).map(|t| Reverse((t, k)))));
    while let Some(Reverse((t, k))) = free.pop() {
        if t >= end {
            continue;
        }
        if plan.staffed(t) < k {
            free.extend(plan.next_shift(k, t).map(|n| Reverse((n, k))));
            continue;
        }
        match q.pick(tickets, t) {
            Some(i) => {
                called[i] = Some(t);
                let done = t + tickets[i].service_ms + params.call_gap_ms;
                free.push(Reverse((done.max(t + 1), k)));
            }
            None => free.extend(q.next_due(tickets, t).map(|n| Reverse((n, k)))),
        }
    }
    Ok(called)
}

fn check(tickets: &[SimTicket]) -> Result<(), QueueSimError> {
    for (index, t) in tickets.iter().enumerate() {
        let neg = |field, value: i64| Err(QueueSimError::Negative { index, field, value });
        if t.service_ms < 0 {
            return neg("service_ms", t.service_ms);
        }
        if let Some(p) = t.patience_ms.filter(|&p| p < 0) {
            return neg("patience_ms", p);
        }
        if t.due < t.arrival {
            return Err(QueueSimError::DueBeforeArrival { index, due: t.due, arrival: t.arrival });
        }
    }
    Ok(())
}

/// The two waiting lines as cursors over tickets sorted once: walk-ins by (arrival, index),
/// appointments by (due, arrival, index). Everything before a cursor was called or left.
struct Queues {
    walk_ins: Vec<usize>,
    appointments: Vec<usize>,
    next_walk_in: usize,
    next_appointment: usize,
}

impl Queues {
    fn new(tickets: &[SimTicket]) -> Queues {
        let (mut appointments, mut walk_ins): (Vec<usize>, Vec<usize>) =
            (0..tickets.len()).partition(|&i| tickets[i].class == Class::Appointment);
        walk_ins.sort_by_key(|&i| (tickets[i].arrival, i));
        appointments.sort_by_key(|&i| (tickets[i].due, tickets[i].arrival, i));
        Queues { walk_ins, appointments, next_walk_in: 0, next_appointment: 0 }
    }

    /// The ticket to call at `t`: a due appointment first, then the first walk-in present.
    fn pick(&mut self, tickets: &[SimTicket], t: EpochMs) -> Option<usize> {
        for (line, cursor, key) in [
            (
                &self.appointments,
                &mut self.next_appointment,
                (|x: &SimTicket| x.due) as fn(&SimTicket) -> EpochMs,
            ),
            (&self.walk_ins, &mut self.next_walk_in, |x: &SimTicket| x.arrival),
        ] {
            while let Some(&i) = line.get(*cursor) {
                if key(&tickets[i]) > t {
                    break;
                }
                *cursor += 1;
                if tickets[i].leaves() > t {
                    return Some(i);
                }
            }
        }
        None
    }

    /// When the next ticket becomes callable, after `t`.
    fn next_due(&self, tickets: &[SimTicket], t: EpochMs) -> Option<EpochMs> {
        let a = self.appointments.get(self.next_appointment).map(|&i| tickets[i].due);
        let w = self.walk_ins.get(self.next_walk_in).map(|&i| tickets[i].arrival);
        a.into_iter().chain(w).filter(|&x| x > t).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MS_PER_MINUTE;

    #[test]
    fn three_tickets_one_counter_exact_waits() {
        // One counter from 0 to 60 min, no call gap. Walk-ins at 0, 2 and 3 min with services
        // of 5, 4 and 1 min: A is called at 0 (wait 0), B when A finishes at 5 (wait 3), C when
        // B finishes at 9 (wait 6).
        let tickets = [
            SimTicket::walk_in(0, 5 * MS_PER_MINUTE),
            SimTicket::walk_in(2 * MS_PER_MINUTE, 4 * MS_PER_MINUTE),
            SimTicket::walk_in(3 * MS_PER_MINUTE, MS_PER_MINUTE),
        ];
        let plan = CounterPlan::uniform(0, 60 * MS_PER_MINUTE, vec![1]);
        let called = simulate(&tickets, &plan, SimParams { call_gap_ms: 0 }).unwrap();
        assert_eq!(called, vec![Some(0), Some(5 * MS_PER_MINUTE), Some(9 * MS_PER_MINUTE)]);
        // With a 30 s gap: B at 5.5 min, C at 5.5 + 4 + 0.5 = 10 min.
        let called = simulate(&tickets, &plan, SimParams { call_gap_ms: MS_PER_MINUTE / 2 }).unwrap();
        assert_eq!(called, vec![Some(0), Some(11 * MS_PER_MINUTE / 2), Some(10 * MS_PER_MINUTE)]);
    }

    #[test]
    fn due_appointment_goes_first_and_impatient_walk_ins_leave() {
        // Counter busy with W1 (0–10 min). W2 arrived at 1 min, the appointment at 2 min due 5;
        // W3 arrived at 3 min and leaves after 6 min (at 9). At 10 the appointment is called,
        // at 12 W2, at 14 nobody else: W3 left.
        let mut appt = SimTicket::walk_in(2 * MS_PER_MINUTE, 2 * MS_PER_MINUTE);
        (appt.class, appt.due) = (Class::Appointment, 5 * MS_PER_MINUTE);
        let mut w3 = SimTicket::walk_in(3 * MS_PER_MINUTE, MS_PER_MINUTE);
        w3.patience_ms = Some(6 * MS_PER_MINUTE);
        let tickets = [
            SimTicket::walk_in(0, 10 * MS_PER_MINUTE),
            SimTicket::walk_in(MS_PER_MINUTE, 2 * MS_PER_MINUTE),
            appt,
            w3,
        ];
        let plan = CounterPlan::uniform(0, 60 * MS_PER_MINUTE, vec![1]);
        let called = simulate(&tickets, &plan, SimParams { call_gap_ms: 0 }).unwrap();
        assert_eq!(called, vec![Some(0), Some(12 * MS_PER_MINUTE), Some(10 * MS_PER_MINUTE), None]);
    }

    #[test]
    fn counters_follow_the_plan() {
        // Slots of 10 min: [0,10) no counter, [10,20) two, [20,30) one, then the plan ends.
        // Four walk-ins at 0 of 15 min each: two called at 10; counter 1 frees at 25 (slot
        // with one counter) and calls the third; counter 2 frees at 25 but is not staffed.
        // The fourth is never called (the plan ends at 30 while counter 1 is busy until 40).
        let tickets = [SimTicket::walk_in(0, 15 * MS_PER_MINUTE); 4];
        let plan = CounterPlan::uniform(0, 10 * MS_PER_MINUTE, vec![0, 2, 1]);
        let called = simulate(&tickets, &plan, SimParams { call_gap_ms: 0 }).unwrap();
        assert_eq!(
            called,
            vec![Some(10 * MS_PER_MINUTE), Some(10 * MS_PER_MINUTE), Some(25 * MS_PER_MINUTE), None]
        );
    }

    #[test]
    fn bad_inputs_are_named() {
        assert_eq!(
            CounterPlan::new(vec![0, 1], vec![1, 1]),
            Err(QueueSimError::PlanShape { starts: 2, counters: 2 })
        );
        assert_eq!(CounterPlan::new(vec![5, 1], vec![1]), Err(QueueSimError::PlanOrder { index: 1, at: 1 }));
        let plan = CounterPlan::uniform(0, MS_PER_MINUTE, vec![1]);
        let bad = [SimTicket::walk_in(0, -1)];
        assert_eq!(
            simulate(&bad, &plan, SimParams::default()),
            Err(QueueSimError::Negative { index: 0, field: "service_ms", value: -1 })
        );
    }
}
