//! The console's pages, one module per entity or view, on the HTML kit and the signed-in
//! session: the page shell ([`page`]), the shared list/show/edit plumbing ([`entity`],
//! [`numbered`], [`save`]), health authorities and their keys ([`authorities`], [`key_table`],
//! [`keys`]), authorized apps ([`apps`]), exports ([`export_form`],
//! [`signature_infos`]), the home page, the Health page, the audit trail and the statistics
//! download.

pub mod apps;
pub mod audit;
pub mod authorities;
pub mod entity;
pub mod export_form;
pub mod health;
pub mod home;
pub mod key_table;
pub mod keys;
pub mod numbered;
pub mod page;
pub mod save;
pub mod signature_infos;
pub mod stats_csv;
