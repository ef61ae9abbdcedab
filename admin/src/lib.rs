//! Admin REST API and console; every change is an event on en.config.
