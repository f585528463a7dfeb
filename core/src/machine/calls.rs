//! The calls a machine is running, by id: a small `Vec` (no `HashMap`, so no random state and nothing to
//! seed on wasm32). Ids are never reused by a table.

use super::step::CallId;

/// A table of calls.
#[derive(Debug)]
pub(crate) struct Calls<C> {
    next: u64,
    calls: Vec<(CallId, C)>,
}

impl<C> Calls<C> {
    pub(crate) fn new() -> Self {
        Calls { next: 1, calls: Vec::new() }
    }

    /// Adds a call under a new id.
    pub(crate) fn start(&mut self, call: C) -> CallId {
        let id = CallId(self.next);
        self.next += 1;
        self.calls.push((id, call));
        id
    }

    /// Where `id` is in the table, for [`Calls::at`] in the same step.
    pub(crate) fn index(&self, id: CallId) -> Option<usize> {
        self.calls.iter().position(|(c, _)| *c == id)
    }

    /// The call of `id`.
    pub(crate) fn get(&self, id: CallId) -> Option<&C> {
        self.calls.iter().find(|(c, _)| *c == id).map(|(_, call)| call)
    }

    // `i` always comes from `index` in the same step, so it is in range. Out of line: the machine reaches its
    // calls this way at dozens of places, and one bounds check each costs the wasm build more than a call.
    #[allow(clippy::indexing_slicing)]
    #[inline(never)]
    pub(crate) fn id(&self, i: usize) -> CallId {
        self.calls[i].0
    }

    #[allow(clippy::indexing_slicing)]
    #[inline(never)]
    pub(crate) fn at(&self, i: usize) -> &C {
        &self.calls[i].1
    }

    #[allow(clippy::indexing_slicing)]
    #[inline(never)]
    pub(crate) fn at_mut(&mut self, i: usize) -> &mut C {
        &mut self.calls[i].1
    }

    /// Forgets the call at `i`.
    pub(crate) fn remove_at(&mut self, i: usize) {
        if i < self.calls.len() {
            self.calls.swap_remove(i);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.calls.len()
    }
}
