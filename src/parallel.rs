//! Two-way work sharing for the stages whose items are independent (rendering templates,
//! parsing what they rendered): results come back in item order, so output and the error
//! reported first are the same as with one thread.

/// Below this much total weight (bytes of template or output), a second thread costs more
/// than it saves.
const MIN_PARALLEL_WEIGHT: usize = 64 * 1024;

/// `f` over every item, results in item order, on two threads when the items weigh enough.
///
/// Items are shared out by `weight` (largest first, each to the lighter side), so one large
/// item runs alone while the others run beside it.
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
    let (mut here, mut there) = (Vec::new(), Vec::new());
    let (mut here_weight, mut there_weight) = (0usize, 0usize);
    for index in order {
        if here_weight <= there_weight {
            here_weight += weights[index];
            here.push(index);
        } else {
            there_weight += weights[index];
            there.push(index);
        }
    }
    let f = &f;
    let run = |indices: &[usize]| -> Vec<(usize, R)> {
        indices.iter().map(|&i| (i, f(&items[i]))).collect()
    };
    let run = &run;
    let (there, here) = (&there, &here);
    let (mine, theirs) = std::thread::scope(|scope| {
        // A thread the OS refuses is no error: this thread does all the work then.
        let worker = std::thread::Builder::new().spawn_scoped(scope, move || run(there));
        let mine = run(here);
        let theirs = match worker {
            // A panic in the worker is a bug in keelson, not a user error: pass it on.
            Ok(worker) => worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run(there),
        };
        (mine, theirs)
    });
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, result) in mine.into_iter().chain(theirs) {
        slots[i] = Some(result);
    }
    slots.into_iter().flatten().collect()
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
        let items: Vec<usize> = (0..4).collect();
        let threads = map(
            &items,
            |_| MIN_PARALLEL_WEIGHT,
            |_| std::thread::current().id(),
        );
        assert!(threads.iter().any(|t| *t != threads[0]), "{threads:?}");
    }
}
