//! Activities: every form field (valid, each invalid one, nothing written), the itinerary
//! by day, reordering and moving (two at once included), ticking off, lost updates, and
//! budget sums as the plan page shows them.

mod budget;
mod forms;
mod itinerary;
mod ordering;
mod timeline;
