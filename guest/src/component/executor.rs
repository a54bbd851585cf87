//! A single-threaded executor over `wasi:io/poll`: what lets one check wait on many sockets
//! and lookups at once (a domain check's MX hosts, its policy fetch and its DNS answers), each
//! written as plain sequential `async` code, with one `poll` call for all their waits.
//!
//! Every wait is a [`wait_any`] on pollables the waiter hands over (a socket's, a lookup's,
//! the deadline's timer): the executor keeps them while the waiter is pending and drops them
//! the moment it is done or dropped, before the socket or lookup they belong to (WASI traps
//! on a resource dropped before its pollables). [`join_all`] and [`join`] poll their futures
//! again on every wake, so no future needs a waker of its own. A check with one connection
//! makes exactly the `poll` calls the blocking code made.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use wasip2::io::poll::{Pollable, poll};

/// Where a waiter stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Registered, nothing ready yet.
    Waiting,
    /// This index of its pollables was ready.
    Ready(usize),
}

/// A registered waiter: its pollables, and where to say which was ready.
struct Entry {
    id: u64,
    pollables: Vec<Pollable>,
    state: Rc<Cell<State>>,
}

thread_local! {
    /// Every waiter that is pending, in registration order.
    static WAITING: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    /// The next waiter's id.
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    /// Set when a future made progress without a pollable (a freed place in a queue):
    /// poll again before blocking.
    static NUDGED: Cell<bool> = const { Cell::new(false) };
}

/// Asks the executor to poll the futures again before it blocks: for a future that waits
/// on another future's progress rather than on a pollable (see [`Gate`]).
pub fn nudge() {
    NUDGED.with(|n| n.set(true));
}

/// Waits until one of `pollables` is ready; its index. Checks readiness first, so a ready
/// pollable costs no `poll` call and no registration.
pub fn wait_any(pollables: Vec<Pollable>) -> WaitAny {
    WaitAny {
        pollables: Some(pollables),
        registered: None,
    }
}

/// The future of [`wait_any`].
pub struct WaitAny {
    /// The pollables, until they are handed to the executor.
    pollables: Option<Vec<Pollable>>,
    /// The registration, once handed over.
    registered: Option<(u64, Rc<Cell<State>>)>,
}

impl Future for WaitAny {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<usize> {
        if let Some((_, state)) = &self.registered {
            return match state.get() {
                State::Ready(index) => {
                    self.registered = None;
                    Poll::Ready(index)
                }
                State::Waiting => Poll::Pending,
            };
        }
        let Some(pollables) = self.pollables.take() else {
            return Poll::Pending; // polled after it finished: never ready again
        };
        if let Some(index) = pollables.iter().position(Pollable::ready) {
            return Poll::Ready(index);
        }
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let state = Rc::new(Cell::new(State::Waiting));
        WAITING.with(|w| {
            w.borrow_mut().push(Entry {
                id,
                pollables,
                state: state.clone(),
            })
        });
        self.registered = Some((id, state));
        Poll::Pending
    }
}

impl Drop for WaitAny {
    fn drop(&mut self) {
        // A waiter given up while pending: its pollables go now, before their owners.
        if let Some((id, _)) = self.registered.take() {
            WAITING.with(|w| w.borrow_mut().retain(|entry| entry.id != id));
        }
    }
}

/// Blocks until every pending waiter's pollables are polled once and the ready ones told.
fn block() {
    let ready: Vec<Entry> = WAITING.with(|w| {
        let mut waiting = w.borrow_mut();
        // Each entry's pollables, flattened, with the entry and index they came from.
        let mut owners = Vec::new();
        let mut all: Vec<&Pollable> = Vec::new();
        for (e, entry) in waiting.iter().enumerate() {
            for (i, pollable) in entry.pollables.iter().enumerate() {
                owners.push((e, i));
                all.push(pollable);
            }
        }
        assert!(
            !all.is_empty(),
            "a check is pending with nothing to wait on"
        );
        let fired = poll(&all);
        drop(all);
        let mut done = vec![None; waiting.len()];
        for index in fired {
            let (e, i) = owners[index as usize];
            done[e].get_or_insert(i);
        }
        let mut kept = Vec::with_capacity(waiting.len());
        let mut ready = Vec::new();
        for (entry, done) in waiting.drain(..).zip(done) {
            match done {
                Some(i) => {
                    entry.state.set(State::Ready(i));
                    ready.push(entry);
                }
                None => kept.push(entry),
            }
        }
        *waiting = kept;
        ready
    });
    // The fired entries' pollables drop here, outside the borrow.
    drop(ready);
}

/// A waker that does nothing: every wake is the executor's loop itself.
struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Runs `future` to its end, blocking in `wasi:io/poll` whenever it waits.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        if !NUDGED.with(|n| n.replace(false)) {
            block();
        }
    }
}

/// Runs `futures` together; their outputs in their order.
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            return Poll::Pending;
        }
        Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect())
    })
    .await
}

/// Runs two futures together; both outputs.
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut out_a, mut out_b) = (None, None);
    std::future::poll_fn(move |cx| {
        if out_a.is_none()
            && let Poll::Ready(value) = a.as_mut().poll(cx)
        {
            out_a = Some(value);
        }
        if out_b.is_none()
            && let Poll::Ready(value) = b.as_mut().poll(cx)
        {
            out_b = Some(value);
        }
        match (out_a.take(), out_b.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                out_a = a;
                out_b = b;
                Poll::Pending
            }
        }
    })
    .await
}

/// Runs two futures together until both end, or until `grace` after the first of them
/// ended with an output `enough` accepts: the other is then given up (dropped) and its
/// output is none.
pub async fn join_briefly<T, A, B>(
    a: A,
    b: B,
    enough: impl Fn(&T) -> bool,
    grace: std::time::Duration,
) -> (Option<T>, Option<T>)
where
    A: Future<Output = T>,
    B: Future<Output = T>,
{
    let mut a: Option<Pin<Box<A>>> = Some(Box::pin(a));
    let mut b: Option<Pin<Box<B>>> = Some(Box::pin(b));
    let (mut out_a, mut out_b) = (None, None);
    let mut timer: Option<Pin<Box<WaitAny>>> = None;
    std::future::poll_fn(move |cx| {
        if let Some(future) = a.as_mut()
            && let Poll::Ready(value) = future.as_mut().poll(cx)
        {
            out_a = Some(value);
            a = None;
        }
        if let Some(future) = b.as_mut()
            && let Poll::Ready(value) = future.as_mut().poll(cx)
        {
            out_b = Some(value);
            b = None;
        }
        if a.is_none() && b.is_none() {
            return Poll::Ready((out_a.take(), out_b.take()));
        }
        let done_enough = out_a.iter().chain(out_b.iter()).any(&enough);
        if timer.is_none() && done_enough {
            let nanos = u64::try_from(grace.as_nanos()).unwrap_or(u64::MAX);
            let pollable = wasip2::clocks::monotonic_clock::subscribe_duration(nanos);
            timer = Some(Box::pin(wait_any(vec![pollable])));
        }
        if let Some(waiting) = timer.as_mut()
            && waiting.as_mut().poll(cx).is_ready()
        {
            // The one still pending is given up: its lookup and pollables go now.
            a = None;
            b = None;
            return Poll::Ready((out_a.take(), out_b.take()));
        }
        Poll::Pending
    })
    .await
}

/// Runs `future` until `stop` says to give it up (asked each time the futures are polled,
/// so a flag another future of the check sets is seen at once); its output, or none when it
/// was given up (and dropped).
pub async fn until<F: Future>(future: F, stop: impl Fn() -> bool) -> Option<F::Output> {
    let mut future = Some(Box::pin(future));
    std::future::poll_fn(move |cx| {
        if stop() {
            future = None;
            return Poll::Ready(None);
        }
        match future.as_mut().map(|f| f.as_mut().poll(cx)) {
            Some(Poll::Ready(output)) => {
                future = None;
                Poll::Ready(Some(output))
            }
            Some(Poll::Pending) => Poll::Pending,
            None => Poll::Ready(None),
        }
    })
    .await
}

/// A counting gate: at most `places` holders at once; the others wait their turn. Keeps
/// a check's DNS lookups under way within what the host allows.
#[derive(Clone)]
pub struct Gate {
    free: Rc<Cell<usize>>,
}

/// A place in a [`Gate`], given back when dropped.
pub struct Place {
    free: Rc<Cell<usize>>,
}

impl Gate {
    /// A gate with `places` places.
    pub fn new(places: usize) -> Self {
        Self {
            free: Rc::new(Cell::new(places)),
        }
    }

    /// Waits for a place.
    pub async fn enter(&self) -> Place {
        std::future::poll_fn(|_| {
            let free = self.free.get();
            if free == 0 {
                return Poll::Pending; // woken by a place given back: see `nudge`
            }
            self.free.set(free - 1);
            Poll::Ready(Place {
                free: self.free.clone(),
            })
        })
        .await
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.free.set(self.free.get() + 1);
        nudge();
    }
}
