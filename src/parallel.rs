//! Independent jobs on the available cores, results in input order: the output is the same
//! whatever the number of threads and however the jobs were scheduled.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The threads [`map_in_order`] uses for `jobs` jobs: one per available core, at most 8, at
/// most one per job.
pub fn threads_for(jobs: usize) -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8).min(jobs.max(1))
}

/// `f` of every item, in the items' order. The threads take the next item when they are done
/// with one, so unequal jobs (offices of different sizes) keep every core busy. A panic in `f`
/// is resumed on the caller's thread.
pub fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break mine };
                        mine.push((i, f(item)));
                    }
                })
            })
            .collect();
        let joined: Vec<Vec<(usize, R)>> =
            workers.into_iter().map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect();
        joined.into_iter().flatten().collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// `f` of every item on the available cores, `chunk` items at a time, each result handed to
/// `take` with its item in the items' order. A chunk's results wait only for their chunk, so
/// the memory they hold is bounded; the first error of `take` ends the walk.
pub fn each_in_order<T: Sync, R: Send, E>(
    items: &[T],
    chunk: usize,
    f: impl Fn(&T) -> R + Sync,
    mut take: impl FnMut(&T, R) -> Result<(), E>,
) -> Result<(), E> {
    for block in items.chunks(chunk.max(1)) {
        for (item, r) in block.iter().zip(map_in_order(block, &f)) {
            take(item, r)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_input_order_whatever_the_job_lengths() {
        // Early items take longest, so the threads finish them last.
        let items: Vec<u64> = (0..40).collect();
        let got = map_in_order(&items, |&i| {
            std::thread::sleep(std::time::Duration::from_micros((40 - i) * 200));
            i * i
        });
        assert_eq!(got, items.iter().map(|i| i * i).collect::<Vec<_>>());
        assert!(map_in_order(&[] as &[u8], |&b| b).is_empty());
        assert_eq!(map_in_order(&[7], |&b| b + 1), [8]);
    }

    #[test]
    fn each_in_order_hands_results_on_in_order_and_stops_at_the_first_error() {
        let items: Vec<u64> = (0..23).collect();
        let mut seen = Vec::new();
        let r: Result<(), u64> = each_in_order(
            &items,
            4,
            |&i| i * 10,
            |&i, r| {
                seen.push((i, r));
                Ok(())
            },
        );
        assert_eq!(r, Ok(()));
        assert_eq!(seen, items.iter().map(|&i| (i, i * 10)).collect::<Vec<_>>());
        let mut taken = 0;
        let r = each_in_order(
            &items,
            4,
            |&i| i,
            |&i, _| {
                taken += 1;
                if i == 9 { Err(i) } else { Ok(()) }
            },
        );
        assert_eq!((r, taken), (Err(9), 10));
    }

    #[test]
    fn a_panicking_job_panics_the_caller() {
        let r = std::panic::catch_unwind(|| {
            map_in_order(&[1, 2, 3], |&i| if i == 2 { panic!("two") } else { i })
        });
        assert!(r.is_err());
    }

    #[test]
    fn never_more_threads_than_jobs() {
        assert_eq!(threads_for(1), 1);
        assert_eq!(threads_for(0), 1);
        assert!((1..=8).contains(&threads_for(100)));
    }
}
