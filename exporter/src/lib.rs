//! Cuts, signs and serves export files.
