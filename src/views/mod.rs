//! Presentation shared by pages: the itinerary by day, the budget and its charts, the map's
//! points, and what a reader of a shared plan sees. Built from model rows, rendered by
//! askama pages; no queries, no HTTP types.

pub mod budget;
pub mod chart;
pub mod dashboard;
pub mod itinerary;
pub mod map;
pub mod money;
pub mod session;
pub mod shared;
