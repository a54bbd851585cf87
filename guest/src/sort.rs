//! One small sort for the whole check. The standard library's sorts are fast but large, and
//! instantiated anew for each element type and key: a dozen call sites made 60 KB of the
//! component (issue 40). The lists the check sorts are short (a few hundred entries at
//! most, a mailbox's listing), so a heapsort, small and O(n log n) whatever the input, does.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, stably: equal items keep their order.
pub fn sort_by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    // Each item with its place, which breaks ties: a heapsort alone is not stable.
    let mut placed: Vec<(usize, T)> = items.drain(..).enumerate().collect();
    heapsort(&mut placed, &|a: &(usize, T), b: &(usize, T)| {
        compare(&a.1, &b.1).then(a.0.cmp(&b.0)) == Ordering::Less
    });
    items.extend(placed.into_iter().map(|(_, item)| item));
}

/// Sorts `items` by the key `key` gives each, stably.
pub fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// An in-place heapsort by `less`.
fn heapsort<T>(v: &mut [T], less: &dyn Fn(&T, &T) -> bool) {
    let sift_down = |v: &mut [T], mut node: usize| {
        loop {
            let mut child = 2 * node + 1;
            if child >= v.len() {
                break;
            }
            if child + 1 < v.len() && less(&v[child], &v[child + 1]) {
                child += 1;
            }
            if !less(&v[node], &v[child]) {
                break;
            }
            v.swap(node, child);
            node = child;
        }
    };
    for node in (0..v.len() / 2).rev() {
        sift_down(v, node);
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(&mut v[..end], 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, ties included.
        #[test]
        fn sorts_as_the_standard_library_does(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..300)) {
            let mut ours = items.clone();
            sort_by_key(&mut ours, |&(key, _)| key);
            let mut theirs = items;
            theirs.sort_by_key(|&(key, _)| key);
            prop_assert_eq!(ours, theirs);
        }
    }
}
