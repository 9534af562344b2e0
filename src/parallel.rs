//! Two-way work sharing for the stages whose items are independent (rendering templates,
//! parsing what they rendered): results come back in item order, so output and the error
//! reported first are the same as with one thread.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Texts (rendered output, values) from this size on are cut in pieces or halves for two
/// threads; each piece is then large enough to outweigh handing it over.
pub(crate) const SPLIT_BYTES: usize = 128 * 1024;

/// Below this much total weight (bytes of template or output), a second thread costs more
/// than it saves.
const MIN_PARALLEL_WEIGHT: usize = 64 * 1024;

/// [`join_weighing`]'s threshold: checking values against a schema and parsing templates
/// take long enough per byte (the example chart's 17 KiB: 0.5 and 0.35 ms) that from this
/// much on they outweigh starting a thread. Measured on the static musl build, the example
/// took 1.98 against 2.07 ms on two threads (interleaved, 500 runs each).
const MIN_JOIN_WEIGHT: usize = 8 * 1024;

/// `f` over every item, results in item order, on two threads when the items weigh enough.
///
/// Both threads take the next item, heaviest first, whenever they are free: a large item
/// runs alone while the others run beside it, and the work evens out however long the
/// second thread takes to start (on a virtual machine, waking an idle CPU can take
/// milliseconds).
pub(crate) fn map<T, R, W, F>(items: &[T], weight: W, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    W: Fn(&T) -> usize,
    F: Fn(&T) -> R + Sync,
{
    let weights: Vec<usize> = items.iter().map(&weight).collect();
    let total: usize = weights.iter().sum();
    if items.len() < 2 || total < MIN_PARALLEL_WEIGHT {
        return items.iter().map(&f).collect();
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| weights[b].cmp(&weights[a]).then(a.cmp(&b)));
    let next = AtomicUsize::new(0);
    let run = || -> Vec<(usize, R)> {
        let mut done = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            done.push((i, f(&items[i])));
        }
        done
    };
    let (mine, theirs) = join(run, run);
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, result) in mine.into_iter().chain(theirs) {
        slots[i] = Some(result);
    }
    slots.into_iter().flatten().collect()
}

/// [`join`] when `weight` (bytes of input the two sides work through) is enough to outweigh
/// a second thread ([`MIN_JOIN_WEIGHT`]), else `here()` and then `there()` on this thread.
pub(crate) fn join_weighing<A, B>(
    weight: usize,
    here: impl FnOnce() -> A,
    there: impl Fn() -> B + Sync,
) -> (A, B)
where
    B: Send,
{
    if weight < MIN_JOIN_WEIGHT {
        return (here(), there());
    }
    join(here, there)
}

/// `here()` on this thread and `there()` on a second one, at the same time; `there` runs
/// here after `here` if the OS refuses a thread (no error: it only takes longer).
pub(crate) fn join<A, B>(here: impl FnOnce() -> A, there: impl Fn() -> B + Sync) -> (A, B)
where
    B: Send,
{
    let there = &there;
    std::thread::scope(|scope| {
        let cpu = cpu::current();
        let worker = std::thread::Builder::new().spawn_scoped(scope, move || {
            cpu::move_off(cpu);
            there()
        });
        // Let the worker run now, so that it can move to another CPU at once (see `cpu`).
        std::thread::yield_now();
        let mine = here();
        let theirs = match worker {
            // A panic in the worker is a bug in keelson, not a user error: pass it on.
            Ok(worker) => worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => there(),
        };
        (mine, theirs)
    })
}

/// Where a new thread starts. Linux places it on its creator's CPU when it sees fit, and on
/// a virtual machine whose scheduler packs threads onto busy CPUs the worker then waits
/// 1 to 4 ms for the creator's time slice to end or for the load balancer to move it,
/// while the other CPU idles; on the 2-CPU machine the benchmarks run on, that was up to
/// half of a large render's splitting time. So the creator notes its CPU and yields
/// once; the worker, as soon as it runs, steps off that CPU (which wakes another at once,
/// 0.1 ms) and then allows every CPU again, so that it stays where it is unless the
/// scheduler has reason to move it.
#[cfg(target_os = "linux")]
mod cpu {
    use nix::sched::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
    use nix::unistd::Pid;

    /// The CPU this thread runs on, if the system says.
    pub(super) fn current() -> Option<usize> {
        sched_getcpu().ok()
    }

    /// Moves this thread off `cpu` when another CPU is allowed, then allows what was
    /// allowed before. Any failure leaves the thread where the scheduler put it.
    pub(super) fn move_off(cpu: Option<usize>) {
        let this = Pid::from_raw(0);
        let (Some(cpu), Ok(allowed)) = (cpu, sched_getaffinity(this)) else {
            return;
        };
        let mut elsewhere = allowed;
        if elsewhere.unset(cpu).is_err()
            || !(0..CpuSet::count()).any(|c| elsewhere.is_set(c).unwrap_or(false))
        {
            return;
        }
        if sched_setaffinity(this, &elsewhere).is_ok() {
            let _ = sched_setaffinity(this, &allowed);
        }
    }
}

/// Elsewhere threads start where the system places them.
#[cfg(not(target_os = "linux"))]
mod cpu {
    pub(super) fn current() -> Option<usize> {
        None
    }

    pub(super) fn move_off(_: Option<usize>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_item_order_on_one_or_two_threads() {
        let small: Vec<usize> = (0..10).collect();
        assert_eq!(
            map(&small, |_| 1, |x| x * 2),
            (0..10).map(|x| x * 2).collect::<Vec<_>>()
        );
        let large: Vec<usize> = (0..10).collect();
        let out = map(&large, |x| (x + 1) * MIN_PARALLEL_WEIGHT, |x| x * 3);
        assert_eq!(out, (0..10).map(|x| x * 3).collect::<Vec<_>>());
    }

    #[test]
    fn heavy_items_run_on_both_threads() {
        // Each item waits (up to a generous bound) until both have started: one thread
        // alone would take the first, wait out the bound, then take the second.
        let started = AtomicUsize::new(0);
        let items: Vec<usize> = (0..2).collect();
        let threads = map(
            &items,
            |_| MIN_PARALLEL_WEIGHT,
            |_| {
                started.fetch_add(1, Ordering::SeqCst);
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
                while started.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
                    std::thread::yield_now();
                }
                std::thread::current().id()
            },
        );
        assert_ne!(threads[0], threads[1]);
    }

    #[test]
    fn light_pairs_run_on_this_thread_and_heavy_ones_on_two() {
        let here = std::thread::current().id();
        let (_, light) = join_weighing(MIN_JOIN_WEIGHT - 1, || (), || std::thread::current().id());
        assert_eq!(light, here);
        let (_, heavy) = join_weighing(MIN_JOIN_WEIGHT, || (), || std::thread::current().id());
        assert_ne!(heavy, here);
    }

    #[test]
    fn results_keep_item_order_whatever_their_weights() {
        // Taken heaviest first, by whichever thread is free; returned in item order.
        let items = [1usize, 50, 2, 3];
        let out = map(&items, |&w| w * MIN_PARALLEL_WEIGHT, |&w| w * 10);
        assert_eq!(out, vec![10, 500, 20, 30]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn moving_off_a_cpu_leaves_every_cpu_allowed() {
        use nix::sched::sched_getaffinity;
        use nix::unistd::Pid;
        std::thread::spawn(|| {
            let before = sched_getaffinity(Pid::from_raw(0)).expect("affinity");
            cpu::move_off(cpu::current());
            cpu::move_off(Some(usize::MAX));
            cpu::move_off(None);
            let after = sched_getaffinity(Pid::from_raw(0)).expect("affinity");
            assert_eq!(before, after);
        })
        .join()
        .expect("no panic");
    }
}
