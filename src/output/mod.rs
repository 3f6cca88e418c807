//! Writing outputs: atomic file replacement ([`atomic`]).

pub mod atomic;
