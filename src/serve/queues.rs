//! Which services share a queue: set per office in the settings, or learned from the day logs
//! — services called at the same counters wait in one queue. A ticket's position counts only
//! the tickets of its own queue.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// Calls per (service, counter).
pub type CallCounts = BTreeMap<(String, String), u32>;

/// A counter serves a service when it called at least this many of its tickets …
const MIN_CALLS: u32 = 3;
/// … and at least this share of them (an occasional helping hand does not merge two queues).
const MIN_SHARE: f64 = 0.02;
/// A service with fewer calls is not known yet: its tickets count in every queue, as one
/// morning's few calls cannot show that two services never share a counter.
const MIN_KNOWN_CALLS: u32 = 30;

/// Where the queues of an office come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueSource {
    /// `[offices.<id>] queues`.
    Settings,
    /// Learned from the calls of the day logs and today.
    Learned,
    /// Nothing known about the ticket's service: every ticket of the office counts.
    Office,
}

/// The queues of one office: disjoint sets of service codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueGroups {
    groups: Vec<Vec<String>>,
    from_settings: bool,
}

impl QueueGroups {
    /// Queues as configured.
    pub fn from_settings(queues: &[Vec<String>]) -> QueueGroups {
        let mut groups: Vec<Vec<String>> = queues.to_vec();
        groups.iter_mut().for_each(|g| g.sort());
        QueueGroups { groups, from_settings: true }
    }

    /// Services linked by the counters that serve them (see [`MIN_CALLS`], [`MIN_SHARE`]) form
    /// one queue; services with fewer than [`MIN_KNOWN_CALLS`] calls are in none.
    pub fn learn(calls: &CallCounts) -> QueueGroups {
        let mut totals: BTreeMap<&str, u32> = BTreeMap::new();
        for ((service, _), n) in calls {
            *totals.entry(service).or_default() += n;
        }
        let services: Vec<&str> = totals.keys().copied().collect();
        let index = |s: &str| services.iter().position(|x| *x == s).unwrap_or(0);
        let mut parent: Vec<usize> = (0..services.len()).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        let mut linked = vec![false; services.len()];
        let mut first_at_counter: BTreeMap<&str, usize> = BTreeMap::new();
        for ((service, counter), &n) in calls {
            let total = totals.get(service.as_str()).copied().unwrap_or(0);
            if total < MIN_KNOWN_CALLS || n < MIN_CALLS || f64::from(n) < MIN_SHARE * f64::from(total) {
                continue;
            }
            let s = index(service);
            linked[s] = true;
            match first_at_counter.get(counter.as_str()) {
                Some(&other) => {
                    let (a, b) = (root(&mut parent, s), root(&mut parent, other));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_at_counter.insert(counter, s);
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for s in (0..services.len()).filter(|&s| linked[s]) {
            let r = root(&mut parent, s);
            groups.entry(r).or_default().push(services[s].to_string());
        }
        QueueGroups { groups: groups.into_values().collect(), from_settings: false }
    }

    /// The services in `service`'s queue and where that comes from; `None`: unknown, so the
    /// whole office is one queue for it.
    pub fn queue_of(&self, service: &str) -> (Option<&[String]>, QueueSource) {
        match self.groups.iter().find(|g| g.iter().any(|s| s == service)) {
            Some(g) if self.from_settings => (Some(g), QueueSource::Settings),
            Some(g) => (Some(g), QueueSource::Learned),
            None => (None, QueueSource::Office),
        }
    }

    /// Whether a ticket of `other` waits in the queue of a ticket of `mine`: yes unless both
    /// services are known and in different queues.
    pub fn same_queue(&self, mine: &str, other: &str) -> bool {
        let group = |s: &str| self.groups.iter().position(|g| g.iter().any(|x| x == s));
        match (group(mine), group(other)) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }
}

/// Adds one call to the counts.
pub fn count_call(calls: &mut CallCounts, service: &str, counter: &str) {
    *calls.entry((service.to_string(), counter.to_string())).or_default() += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(list: &[(&str, &str, u32)]) -> CallCounts {
        list.iter().map(|(s, c, n)| ((s.to_string(), c.to_string()), *n)).collect()
    }

    #[test]
    fn services_at_separate_counters_are_separate_queues() {
        // KFZ at counters 1–2, FS at 3, AB at 2 and 4: {AB, KFZ} share counter 2, FS alone.
        let g = QueueGroups::learn(&calls(&[
            ("KFZ", "1", 40),
            ("KFZ", "2", 35),
            ("FS", "3", 30),
            ("AB", "2", 15),
            ("AB", "4", 16),
            ("PA", "3", 29),
        ]));
        assert_eq!(g.groups(), [vec!["AB".to_string(), "KFZ".into()], vec!["FS".to_string()]]);
        assert_eq!(g.queue_of("FS"), (Some(&["FS".to_string()][..]), QueueSource::Learned));
        // PA has too few calls to be known: its own queue is the office, and it waits in every queue.
        assert_eq!(g.queue_of("PA"), (None, QueueSource::Office));
        assert!(g.same_queue("FS", "PA") && g.same_queue("KFZ", "PA") && g.same_queue("PA", "AB"));
        assert!(g.same_queue("KFZ", "AB") && !g.same_queue("KFZ", "FS"));
    }

    #[test]
    fn a_rare_helping_call_does_not_merge_queues() {
        // Counter 3 called KFZ 3 times of 400 (0.75 % < 2 %): still two queues.
        let g = QueueGroups::learn(&calls(&[("KFZ", "1", 397), ("KFZ", "3", 3), ("FS", "3", 100)]));
        assert_eq!(g.groups().len(), 2);
        // 10 of 100 KFZ calls at counter 3 link them.
        let g = QueueGroups::learn(&calls(&[("KFZ", "1", 90), ("KFZ", "3", 10), ("FS", "3", 100)]));
        assert_eq!(g.groups(), [vec!["FS".to_string(), "KFZ".into()]]);
    }

    #[test]
    fn settings_win_and_say_so() {
        let g = QueueGroups::from_settings(&[vec!["KFZ".into(), "FS".into()], vec!["AB".into()]]);
        assert_eq!(g.queue_of("FS").1, QueueSource::Settings);
        assert_eq!(g.queue_of("FS").0.map(<[String]>::len), Some(2));
    }
}
