//! Signing in and staying signed in: the sign-in and sign-out pages ([`login`]), operator
//! accounts ([`operators`]), server-side sessions ([`session`]), their cookies ([`cookies`]),
//! the throttle of failed sign-ins ([`throttle`]), and the guard that checks the session and
//! the CSRF token of every console request ([`guard`]). Built on the HTML kit only.

pub mod cookies;
pub mod guard;
pub mod login;
pub mod operators;
pub mod session;
pub mod throttle;
