//! Edge HTTP service: POST /v1/publish.
