//! The resource timing buffer: its size limit, its secondary buffer, the
//! buffer full event pending flag, and the algorithms Resource Timing adds to
//! `Performance` (*add a PerformanceResourceTiming entry*, *copy secondary
//! buffer*, *fire a buffer full event*, `clearResourceTimings()`,
//! `setResourceTimingBufferSize()`).
//!
//! The buffer itself is the "resource" tuple's buffer in the performance
//! entry buffer map; [`TimelineState::resource_timing_buffer`] finds it.
//!
//! <https://w3c.github.io/resource-timing/#sec-extensions-performance-interface>

use std::collections::VecDeque;

use crate::buffer::EntryBuffer;
use crate::embedder::Embedder;
use crate::entry::EntryRef;
use crate::timeline::{Performance, TimelineState};

/// The entry type whose buffer is the resource timing buffer.
pub const RESOURCE: &str = "resource";
/// The entry type of navigation entries.
pub const NAVIGATION: &str = "navigation";

/// The resource timing buffer size limit a global starts with.
///
/// <https://w3c.github.io/resource-timing/#sec-extensions-performance-interface>
pub const DEFAULT_RESOURCE_TIMING_BUFFER_SIZE: usize = 250;

/// The facts of the `resourcetimingbufferfull` event an embedder fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferFullEvent {
    /// The event type.
    pub type_: &'static str,
    /// `bubbles`.
    pub bubbles: bool,
    /// `cancelable`.
    pub cancelable: bool,
}

/// The `resourcetimingbufferfull` event: it does not bubble and is not cancelable.
///
/// <https://w3c.github.io/resource-timing/#dfn-fire-a-buffer-full-event>
pub const RESOURCE_TIMING_BUFFER_FULL_EVENT: BufferFullEvent = BufferFullEvent {
    type_: "resourcetimingbufferfull",
    bubbles: false,
    cancelable: false,
};

/// The resource timing state of a global, beside the resource timing buffer.
///
/// <https://w3c.github.io/resource-timing/#sec-extensions-performance-interface>
#[derive(Debug)]
pub(crate) struct ResourceTimingState {
    /// The *resource timing buffer size limit*.
    pub(crate) buffer_size_limit: usize,
    /// The *resource timing buffer full event pending flag*.
    pub(crate) buffer_full_event_pending_flag: bool,
    /// The *resource timing secondary buffer*.
    pub(crate) secondary_buffer: VecDeque<EntryRef>,
    /// Entries discarded by *fire a buffer full event* step 1.5.
    pub(crate) discarded_entries: u64,
}

impl ResourceTimingState {
    /// The state of a new global.
    pub(crate) fn new() -> Self {
        ResourceTimingState {
            buffer_size_limit: DEFAULT_RESOURCE_TIMING_BUFFER_SIZE,
            buffer_full_event_pending_flag: false,
            secondary_buffer: VecDeque::new(),
            discarded_entries: 0,
        }
    }
}

impl TimelineState {
    /// The resource timing buffer (`None` when the global does not support
    /// "resource") and the resource timing state, borrowed together.
    pub(crate) fn resource_timing_buffer(
        &mut self,
    ) -> (Option<&mut EntryBuffer>, &mut ResourceTimingState) {
        let buffer = self
            .resource_tuple
            .and_then(|i| self.buffer_map.get_index_mut(i))
            .map(|(_, tuple)| &mut tuple.buffer);
        (buffer, &mut self.resource)
    }

    /// The *resource timing buffer current size*.
    pub(crate) fn resource_timing_buffer_current_size(&self) -> usize {
        self.resource_tuple
            .and_then(|i| self.buffer_map.get_index(i))
            .map_or(0, |(_, tuple)| tuple.buffer.len())
    }

    /// *Can add resource timing entry*: current size < limit.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-can-add-resource-timing-entry>
    pub(crate) fn can_add_resource_timing_entry(&self) -> bool {
        self.resource_timing_buffer_current_size() < self.resource.buffer_size_limit
    }
}

impl<E: Embedder> Performance<E> {
    /// `clearResourceTimings()`: empties the resource timing buffer (the
    /// secondary buffer is untouched).
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performance-clearresourcetimings>
    pub fn clear_resource_timings(&self) {
        // Step 1-2. Remove the entries; the current size becomes 0.
        if let (Some(buffer), _) = self.state.borrow_mut().resource_timing_buffer() {
            buffer.clear();
        }
    }

    /// `setResourceTimingBufferSize(maxSize)`: sets the limit; nothing is
    /// removed and no event fires.
    ///
    /// <https://w3c.github.io/resource-timing/#dom-performance-setresourcetimingbuffersize>
    pub fn set_resource_timing_buffer_size(&self, max_size: u32) {
        self.state.borrow_mut().resource.buffer_size_limit = max_size as usize;
    }

    /// The *resource timing buffer size limit*.
    pub fn resource_timing_buffer_size_limit(&self) -> usize {
        self.state.borrow().resource.buffer_size_limit
    }

    /// The *resource timing buffer current size*.
    pub fn resource_timing_buffer_current_size(&self) -> usize {
        self.state.borrow().resource_timing_buffer_current_size()
    }

    /// The *resource timing secondary buffer current size*.
    pub fn resource_timing_secondary_buffer_current_size(&self) -> usize {
        self.state.borrow().resource.secondary_buffer.len()
    }

    /// The *resource timing buffer full event pending flag*.
    pub fn resource_timing_buffer_full_event_pending_flag(&self) -> bool {
        self.state.borrow().resource.buffer_full_event_pending_flag
    }

    /// Entries discarded by *fire a buffer full event* because the handlers
    /// made no room.
    pub fn resource_timing_discarded_entries(&self) -> u64 {
        self.state.borrow().resource.discarded_entries
    }

    /// *Can add resource timing entry*: current size < limit.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-can-add-resource-timing-entry>
    pub fn can_add_resource_timing_entry(&self) -> bool {
        self.state.borrow().can_add_resource_timing_entry()
    }

    /// *Add a PerformanceResourceTiming entry*.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-add-a-PerformanceResourceTiming-entry>
    pub fn add_a_performance_resource_timing_entry(&self, new_entry: EntryRef) {
        if self.retired.get() {
            return;
        }
        let queue_event_task = {
            let mut state = self.state.borrow_mut();
            // Step 1. Room and no event pending: add to the buffer.
            let can_add = state.can_add_resource_timing_entry();
            let (buffer, resource) = state.resource_timing_buffer();
            if can_add && !resource.buffer_full_event_pending_flag {
                if let Some(buffer) = buffer {
                    buffer.push(new_entry);
                }
                return;
            }
            // Step 2. Set the pending flag (the task is queued below, with no borrow held).
            let queue_event_task = !resource.buffer_full_event_pending_flag;
            resource.buffer_full_event_pending_flag = true;
            // Step 3. Add to the secondary buffer.
            resource.secondary_buffer.push_back(new_entry);
            queue_event_task
        };
        if queue_event_task {
            let this = self.this.clone();
            if let Some(embedder) = self.try_embedder() {
                embedder.queue_a_performance_timeline_task(Box::new(move |cx| {
                    if let Some(performance) = this.upgrade() {
                        performance.fire_a_buffer_full_event(cx);
                    }
                }));
            }
        }
    }

    /// *Copy secondary buffer*: move the oldest secondary entries into the
    /// buffer while there is room.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-copy-secondary-buffer>
    fn copy_secondary_buffer(&self) {
        let mut state = self.state.borrow_mut();
        let (Some(buffer), resource) = state.resource_timing_buffer() else {
            return;
        };
        while buffer.len() < resource.buffer_size_limit {
            // Step 1. The oldest entry.
            let Some(entry) = resource.secondary_buffer.pop_front() else {
                break;
            };
            // Step 2-5. Append it; the sizes follow the containers.
            buffer.push(entry);
        }
    }

    /// *Fire a buffer full event*: the task that lets the
    /// `resourcetimingbufferfull` handlers make room, copying from the
    /// secondary buffer until it is empty or a round makes no progress.
    ///
    /// <https://w3c.github.io/resource-timing/#dfn-fire-a-buffer-full-event>
    fn fire_a_buffer_full_event(&self, cx: &mut E::Context) {
        // Step 1. While the secondary buffer is not empty.
        loop {
            // Step 1.1.
            let before = self.resource_timing_secondary_buffer_current_size();
            if before == 0 {
                break;
            }
            // Step 1.2. Fire the event when there is no room (no borrow held).
            if !self.can_add_resource_timing_entry() {
                let Some(embedder) = self.try_embedder() else {
                    break;
                };
                embedder.fire_resource_timing_buffer_full_event(self, cx);
            }
            // Step 1.3.
            self.copy_secondary_buffer();
            // Step 1.4.
            let after = self.resource_timing_secondary_buffer_current_size();
            // Step 1.5. No progress: drop what is left.
            if before <= after {
                let mut state = self.state.borrow_mut();
                let dropped = state.resource.secondary_buffer.len() as u64;
                state.resource.secondary_buffer.clear();
                state.resource.discarded_entries += dropped;
                // Spec deviation: the spec aborts here, leaving the pending
                // flag set forever; engines reset it, and so do we (step 2).
                break;
            }
        }
        // Step 2.
        self.state
            .borrow_mut()
            .resource
            .buffer_full_event_pending_flag = false;
    }
}
