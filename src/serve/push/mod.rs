//! Web Push reminders of the app's "My ticket": a browser registers its push subscription for
//! a ticket and a notice; every `[serve.push] check_seconds` (and whenever asked) each
//! subscribed ticket's ETA is computed as `GET …/eta` would, [`rule::decide`] says whether a
//! reminder is due, and due reminders are encrypted for the browser and posted to its push
//! service, signed with the server's VAPID key. Subscriptions live in memory only and are
//! dropped when their ticket is called or cancelled, when the push service says they are
//! gone, and when the ticket's day ends.
//!
//! Files: `hub` (the subscriptions and delivery), `check` (when, from the ETAs), `rule` (the
//! rule), `keys` (VAPID), `deliver` (encryption and HTTP), `routes`.

pub mod check;
pub mod deliver;
pub mod hub;
pub mod keys;
pub mod routes;
pub mod rule;
